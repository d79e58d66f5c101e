package dev.sluice.kinesis.internal;

import java.util.concurrent.CompletableFuture;

/**
 * One shard's reading state.
 *
 * <p>Design note: confined to the reader thread; SDK callbacks reach it only through the reader's inbox. The
 * invariant that makes reading exactly-once is that {@link #lastHandedOver} moves only when the delivery stream
 * accepted the records up to it, and every new read (iterator, subscription) starts right after it.
 */
final class ShardState {

    final String shardId;
    /** Lineage from ListShards; {@code null} when the shard has no such parent. */
    final String parentShardId;
    final String adjacentParentShardId;

    /** {@code SourceContext.open} was called; reading starts after its position. */
    boolean opened;
    /** The sequence number of the last record the delivery stream accepted; {@code null} before the first. */
    String lastHandedOver;
    /** Read to its end (SHARD_END) with every record handed over, or gone: its children may be read. */
    boolean finished;
    /** The reader's ticker time before which the shard is not read again. */
    long dueNanos;
    final Backoff backoff = new Backoff();

    /** Polling: the current shard iterator, {@code null} until one is obtained or after it must be renewed. */
    String iterator;
    /** Polling: the GetShardIterator or GetRecords call in flight. */
    CompletableFuture<?> call;
    long callStartedNanos;

    /** Enhanced fan-out: the live subscription, {@code null} between subscriptions. */
    FanOutSubscription subscription;
    long subscribedNanos;
    /** Enhanced fan-out: the subscription delivered the shard's last event (it names the children). */
    boolean endReached;

    ShardState(String shardId, String parentShardId, String adjacentParentShardId) {
        this.shardId = shardId;
        this.parentShardId = parentShardId;
        this.adjacentParentShardId = adjacentParentShardId;
    }

    /** A read is in flight. */
    boolean busy() {
        return call != null || subscription != null;
    }

    @Override
    public String toString() {
        return shardId;
    }
}
