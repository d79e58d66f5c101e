package dev.sluice.stream.internal;

import dev.sluice.stream.HashKeyRange;
import dev.sluice.stream.SequenceNumberRange;
import dev.sluice.stream.Shard;

import java.util.Optional;

/**
 * Everything the engine holds for one shard. Immutable references; the mutable parts have their own
 * threading rules ({@link ShardWriter}: writer thread only; {@link ShardLog}, {@link ReadLimiter}: any thread).
 *
 * <p>Resharding: a shard made by a split or merge names its parents. A shard is closed once the control plane
 * sets its ending counter (volatile, under its lock), which it does only after the shard's writer refused all
 * further records and the stream's routing snapshot already holds the children; so a reader that sees the
 * shard closed sees every record it will ever have, and finds its children in the stream's shards.
 */
final class ShardState {

    final int index;
    final String shardId;
    /** The 8 digits that end this shard's sequence numbers. */
    final String sequenceSuffix;
    final HashKeyRange hashKeyRange;
    final long startHigh;
    final long startLow;
    final long firstCounter;
    final int writerThread;
    final ShardLog log;
    final ShardWriter writer;
    final ReadLimiter readLimiter;
    final StreamMetrics.ShardMetrics metrics;
    final Optional<String> parentShardId;
    final Optional<String> adjacentParentShardId;
    /** The last counter the shard assigned (or its first counter minus one), once closed; -1 while open. */
    private volatile long endingCounter = -1;

    ShardState(int index, HashKeyRange hashKeyRange, long firstCounter, int writerThread, ShardLog log,
               ShardWriter writer, ReadLimiter readLimiter, StreamMetrics.ShardMetrics metrics) {
        this(index, hashKeyRange, firstCounter, writerThread, log, writer, readLimiter, metrics, Optional.empty(),
                Optional.empty());
    }

    ShardState(int index, HashKeyRange hashKeyRange, long firstCounter, int writerThread, ShardLog log,
               ShardWriter writer, ReadLimiter readLimiter, StreamMetrics.ShardMetrics metrics,
               Optional<String> parentShardId, Optional<String> adjacentParentShardId) {
        this.index = index;
        this.shardId = shardId(index);
        this.sequenceSuffix = SequenceNumbers.suffix(index);
        this.hashKeyRange = hashKeyRange;
        long[] start = new long[2];
        HashKeySpace.split(hashKeyRange.startingHashKey(), start);
        this.startHigh = start[0];
        this.startLow = start[1];
        this.firstCounter = firstCounter;
        this.writerThread = writerThread;
        this.log = log;
        this.writer = writer;
        this.readLimiter = readLimiter;
        this.metrics = metrics;
        this.parentShardId = parentShardId;
        this.adjacentParentShardId = adjacentParentShardId;
    }

    boolean isClosed() {
        return endingCounter >= 0;
    }

    /** The last counter assigned before the shard closed, or -1 while it is open. */
    long endingCounter() {
        return endingCounter;
    }

    /** Marks the shard closed; control plane only, after its children are in the routing snapshot. */
    void close(long lastCounter) {
        endingCounter = lastCounter;
    }

    /** Kinesis shard id: {@code shardId-} and the index in 12 digits. */
    static String shardId(int index) {
        // Not String.format: its first call loads the locale machinery (a tenth of a first start), and %d would use the
        // default locale's digits.
        String digits = Integer.toString(index);
        return "shardId-" + "0".repeat(Math.max(0, 12 - digits.length())) + digits;
    }

    String sequenceNumber(long counter) {
        return SequenceNumbers.format(counter, sequenceSuffix);
    }

    Shard describe() {
        long ending = endingCounter;
        // A shard closed before it assigned any counter reports its starting number as its ending one.
        Optional<String> end = ending < 0 ? Optional.empty()
                : Optional.of(SequenceNumbers.format(Math.max(ending, firstCounter), index));
        return new Shard(shardId, parentShardId, adjacentParentShardId, hashKeyRange,
                new SequenceNumberRange(SequenceNumbers.format(firstCounter, index), end));
    }
}
