package dev.sluice.stream.internal;

import dev.sluice.stream.ChildShard;
import dev.sluice.stream.ErrorCode;
import dev.sluice.stream.GetRecordsResult;
import dev.sluice.stream.ShardIteratorType;
import dev.sluice.stream.StreamException;
import dev.sluice.stream.ThrottleMode;
import dev.sluice.stream.Ticker;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Reads: shard iterators and GetRecords, on the caller's thread.
 *
 * <p>Design note: readers never touch writer state; they read a shard log's published records
 * lock-free. Retention is applied at read time from the clock (records older than the retention period
 * are skipped, so TRIM_HORIZON moves forward exactly when the clock does), independently of when the
 * sweeper releases their memory. Read limits are per shard and shared by all readers of it.
 */
final class ReadPath {

    private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

    private final Streams streams;
    private final Clock clock;
    private final Ticker ticker;
    private final ThrottleMode throttleMode;
    private final Duration blockTimeout;

    ReadPath(Streams streams, Clock clock, Ticker ticker, ThrottleMode throttleMode, Duration blockTimeout) {
        this.streams = streams;
        this.clock = clock;
        this.ticker = ticker;
        this.throttleMode = throttleMode;
        this.blockTimeout = blockTimeout;
    }

    String getShardIterator(String streamName, String shardId, ShardIteratorType type) {
        StreamState stream = streams.require(streamName);
        ShardState shard = stream.shard(shardId);
        long fromSequence = 0;
        long fromArrival = 0;
        if (type instanceof ShardIteratorType.Latest) {
            fromSequence = Math.max(shard.firstCounter, shard.log.lastSequence() + 1);
        } else if (type instanceof ShardIteratorType.AtSequenceNumber at) {
            fromSequence = sequenceOf(stream, shard, at.sequenceNumber());
        } else if (type instanceof ShardIteratorType.AfterSequenceNumber after) {
            fromSequence = sequenceOf(stream, shard, after.sequenceNumber()) + 1;
        } else if (type instanceof ShardIteratorType.AtTimestamp at) {
            fromArrival = ceilMillis(at.timestamp());
        } else if (type == null) {
            throw new StreamException(ErrorCode.VALIDATION, "shardIteratorType must not be null");
        }
        return new IteratorToken(stream.name, stream.incarnation, shard.index, fromSequence, fromArrival, clock.millis()).encode();
    }

    GetRecordsResult getRecords(String shardIterator, int limit) {
        long start = ticker.read();
        if (limit < 1 || limit > KinesisLimits.MAX_GET_RECORDS_LIMIT) {
            throw new StreamException(ErrorCode.INVALID_ARGUMENT, "limit must be in [1, " + KinesisLimits.MAX_GET_RECORDS_LIMIT
                    + "] but was " + limit + " (Kinesis GetRecords limit)");
        }
        IteratorToken token = IteratorToken.decode(shardIterator);
        long now = clock.millis();
        long age = now - token.issuedMillis();
        if (age > KinesisLimits.ITERATOR_LIFETIME.toMillis()) {
            throw new StreamException(ErrorCode.EXPIRED_ITERATOR, "Iterator expired. The iterator was created at time "
                    + Instant.ofEpochMilli(token.issuedMillis()) + " while right now it is " + Instant.ofEpochMilli(now)
                    + " which is further in the future than the tolerated delay of "
                    + KinesisLimits.ITERATOR_LIFETIME.toMillis() + " milliseconds. Get a new shard iterator.");
        }
        StreamState stream = streams.require(token.stream(), token.incarnation());
        ShardState shard = stream.shard(token.shardIndex());
        admit(stream, shard);
        // Read the ending counter before the log: once it is set, every record of the shard is visible.
        boolean closed = shard.isClosed();
        long retainedFrom = now - stream.retention().toMillis();
        ShardRead read = shard.log.read(token.fromSequence(), Math.max(token.fromArrivalMillis(), retainedFrom), limit,
                KinesisLimits.MAX_GET_RECORDS_BYTES);
        if (throttleMode != ThrottleMode.OFF) {
            shard.readLimiter.charge(read.bytes());
        }
        // A closed shard read to its end: no next iterator, and its children (installed before it was closed).
        boolean shardEnd = closed && read.nextUnreadArrivalMillis() < 0;
        Optional<String> next = shardEnd ? Optional.empty() : Optional.of(new IteratorToken(stream.name,
                stream.incarnation, shard.index, read.nextSequence(), token.fromArrivalMillis(), now).encode());
        List<ChildShard> children = shardEnd ? childShards(stream, shard) : List.of();
        Duration behind = Duration.ofMillis(read.nextUnreadArrivalMillis() < 0 ? 0 : Math.max(0, now - read.nextUnreadArrivalMillis()));

        StreamMetrics metrics = stream.metrics;
        int count = read.records().size();
        metrics.getRecordsSuccess.increment();
        metrics.getRecordsRecords.increment(count);
        metrics.getRecordsBytes.increment(read.bytes());
        shard.metrics.outgoingRecords.increment(count);
        shard.metrics.outgoingBytes.increment(read.bytes());
        if (count > 0) {
            long lastArrival = read.records().get(count - 1).approximateArrivalTimestamp().toEpochMilli();
            metrics.iteratorAge.record(Math.max(0, now - lastArrival));
        } else {
            metrics.iteratorAge.record(0);
        }
        metrics.getRecordsLatency.record(ticker.read() - start, TimeUnit.NANOSECONDS);
        return new GetRecordsResult(read.records(), next, behind, children);
    }

    private static List<ChildShard> childShards(StreamState stream, ShardState shard) {
        List<ChildShard> children = new ArrayList<>(2);
        for (ShardState child : stream.children(shard)) {
            List<String> parents = new ArrayList<>(2);
            child.parentShardId.ifPresent(parents::add);
            child.adjacentParentShardId.ifPresent(parents::add);
            children.add(new ChildShard(child.shardId, parents, child.hashKeyRange));
        }
        return children;
    }

    private void admit(StreamState stream, ShardState shard) {
        if (throttleMode == ThrottleMode.OFF) {
            return;
        }
        long deadline = ticker.read() + blockTimeout.toNanos();
        while (true) {
            long now = ticker.read();
            long wait = shard.readLimiter.tryAdmit(now);
            if (wait == 0) {
                return;
            }
            shard.metrics.readThrottled.increment();
            if (throttleMode == ThrottleMode.REJECT || now - deadline >= 0) {
                throw new StreamException(ErrorCode.PROVISIONED_THROUGHPUT_EXCEEDED, "Rate exceeded for shard "
                        + shard.shardId + " in stream " + stream.name + " under account " + KinesisLimits.ACCOUNT_ID
                        + " (read limits: " + stream.limits.readCallsPerSecond() + " GetRecords calls/s and "
                        + stream.limits.readBytesPerSecond() + " bytes/s per shard)"
                        + (throttleMode == ThrottleMode.BLOCK ? "; waited " + blockTimeout + " (the block timeout)." : "."));
            }
            LockSupport.parkNanos(Math.min(wait, POLL_NANOS));
            if (Thread.currentThread().isInterrupted()) {
                throw new StreamException(ErrorCode.INTERNAL_FAILURE, "interrupted while waiting for read capacity on shard "
                        + shard.shardId + " in stream " + stream.name);
            }
        }
    }

    private static long sequenceOf(StreamState stream, ShardState shard, String sequenceNumber) {
        int owner = SequenceNumbers.shardIndex("startingSequenceNumber", sequenceNumber);
        if (owner != shard.index) {
            throw new StreamException(ErrorCode.INVALID_ARGUMENT, "Invalid StartingSequenceNumber. It encodes "
                    + ShardState.shardId(owner) + ", while it was used in a call to a shard with " + shard.shardId
                    + " in stream " + stream.name);
        }
        return SequenceNumbers.counter("startingSequenceNumber", sequenceNumber);
    }

    private static long ceilMillis(Instant timestamp) {
        long millis = timestamp.toEpochMilli();
        return timestamp.getNano() % 1_000_000 == 0 ? millis : millis + 1;
    }
}
