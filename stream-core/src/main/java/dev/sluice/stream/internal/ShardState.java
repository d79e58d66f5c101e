package dev.sluice.stream.internal;

import dev.sluice.stream.HashKeyRange;
import dev.sluice.stream.SequenceNumberRange;
import dev.sluice.stream.Shard;

import java.util.Optional;

/**
 * Everything the engine holds for one shard. Immutable references; the mutable parts have their own
 * threading rules ({@link ShardWriter}: writer thread only; {@link ShardLog}, {@link ReadLimiter}: any thread).
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

    ShardState(int index, HashKeyRange hashKeyRange, long firstCounter, int writerThread, ShardLog log,
               ShardWriter writer, ReadLimiter readLimiter, StreamMetrics.ShardMetrics metrics) {
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
    }

    /** Kinesis shard id: {@code shardId-} and the index in 12 digits. */
    static String shardId(int index) {
        return String.format("shardId-%012d", index);
    }

    String sequenceNumber(long counter) {
        return SequenceNumbers.format(counter, sequenceSuffix);
    }

    Shard describe() {
        return new Shard(shardId, Optional.empty(), Optional.empty(), hashKeyRange,
                new SequenceNumberRange(SequenceNumbers.format(firstCounter, index), Optional.empty()));
    }
}
