package dev.sluice.server.internal;

import java.util.concurrent.CompletableFuture;

/**
 * One API action. Returns the response value tree (see {@link WireFormat}), a {@link Deferred} that builds it, or,
 * for event streams, a {@link EventStreamResponse}; fails with an {@link ApiException} or an engine exception, which
 * the caller translates.
 */
@FunctionalInterface
interface Operation {
    CompletableFuture<Object> invoke(ApiRequest request) throws Exception;

    /**
     * A response value tree built later, on the thread that encodes and writes the response (the connection's event
     * loop). An operation whose future completes on a thread shared by the whole engine (its completer) returns one,
     * so that thread only hands the outcome on and builds nothing per entry.
     */
    @FunctionalInterface
    interface Deferred {
        /** @return the response value tree */
        Object build();
    }
}
