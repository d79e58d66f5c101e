package dev.sluice.stream.internal;

import java.util.concurrent.CompletableFuture;

/**
 * A control event on the write ring: close one shard for resharding.
 *
 * <p>Design note: it travels through the ring to the shard's writer thread like a put, so it is ordered with
 * puts: every record published before it is appended (or throttled, or failed) by the shard, every record
 * after it is refused with {@link PutOperation#REROUTE}. The writer completes {@link #lastCounter} with the
 * last counter the shard assigned; the control plane waits for it off the writer threads.
 */
final class ShardClose {

    final ShardState shard;
    final CompletableFuture<Long> lastCounter = new CompletableFuture<>();

    ShardClose(ShardState shard) {
        this.shard = shard;
    }
}
