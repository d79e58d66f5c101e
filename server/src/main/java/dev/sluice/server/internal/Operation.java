package dev.sluice.server.internal;

import java.util.concurrent.CompletableFuture;

/**
 * One API action. Returns the response value tree (see {@link WireFormat}) or, for event streams, a
 * {@link EventStreamResponse}; fails with an {@link ApiException} or an engine exception, which the caller
 * translates.
 */
@FunctionalInterface
interface Operation {
    CompletableFuture<Object> invoke(ApiRequest request) throws Exception;
}
