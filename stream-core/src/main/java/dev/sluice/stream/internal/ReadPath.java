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
        return position(streamName, shardId, type).encode();
    }

    /** The position a shard iterator of this type starts at, issued now. */
    IteratorToken position(String streamName, String shardId, ShardIteratorType type) {
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
        return new IteratorToken(stream.name, stream.incarnation, shard.index, fromSequence, fromArrival, clock.millis());
    }

    GetRecordsResult getRecords(String shardIterator, int limit) {
        return getRecords(shardIterator, limit, null);
    }

    /**
     * GetRecords, charged to the shard's shared read limits, or with {@code consumerArn} to that registered
     * consumer's own budget on the shard (enhanced fan-out: 2 MiB/s, no call limit).
     */
    GetRecordsResult getRecords(String shardIterator, int limit, String consumerArn) {
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
        ReadLimiter budget = consumerArn == null ? shard.readLimiter
                : stream.fanOutBudget(registeredConsumer(stream, consumerArn), shard, start);
        admit(stream, shard, budget);
        Batch batch = read(stream, shard, token.fromSequence(), token.fromArrivalMillis(), limit, budget);
        Optional<String> next = batch.shardEnd() ? Optional.empty() : Optional.of(new IteratorToken(stream.name,
                stream.incarnation, shard.index, batch.read().nextSequence(), token.fromArrivalMillis(), now).encode());

        StreamMetrics metrics = stream.metrics;
        int count = batch.read().records().size();
        metrics.getRecordsSuccess.increment();
        metrics.getRecordsRecords.increment(count);
        metrics.getRecordsBytes.increment(batch.read().bytes());
        if (count > 0) {
            long lastArrival = batch.read().records().get(count - 1).approximateArrivalTimestamp().toEpochMilli();
            metrics.iteratorAge.record(Math.max(0, now - lastArrival));
            shard.metrics.iteratorAge.record(Math.max(0, now - lastArrival));
        } else {
            metrics.iteratorAge.record(0);
            shard.metrics.iteratorAge.record(0);
        }
        metrics.getRecordsLatency.record(ticker.read() - start, TimeUnit.NANOSECONDS);
        return new GetRecordsResult(batch.read().records(), next, batch.behind(), batch.children());
    }

    /**
     * What one read of a shard returned.
     *
     * @param read     the records and where the next read starts
     * @param shardEnd whether a closed shard was read to its end
     * @param children the closed shard's children, when {@code shardEnd}
     * @param behind   MillisBehindLatest
     */
    record Batch(ShardRead read, boolean shardEnd, List<ChildShard> children, Duration behind) {
    }

    /** Reads a shard from a position and charges the bytes to {@code budget}; the caller admitted the read. */
    Batch read(StreamState stream, ShardState shard, long fromSequence, long fromArrivalMillis, int limit,
               ReadLimiter budget) {
        long now = clock.millis();
        // Read the ending counter before the log: once it is set, every record of the shard is visible.
        boolean closed = shard.isClosed();
        long retainedFrom = now - stream.retention().toMillis();
        ShardRead read = shard.log.read(fromSequence, Math.max(fromArrivalMillis, retainedFrom), limit,
                KinesisLimits.MAX_GET_RECORDS_BYTES);
        if (throttleMode != ThrottleMode.OFF) {
            budget.charge(read.bytes());
        }
        // A closed shard read to its end: no next position, and its children (installed before it was closed).
        boolean shardEnd = closed && read.nextUnreadArrivalMillis() < 0;
        List<ChildShard> children = shardEnd ? childShards(stream, shard) : List.of();
        Duration behind = Duration.ofMillis(read.nextUnreadArrivalMillis() < 0 ? 0 : Math.max(0, now - read.nextUnreadArrivalMillis()));
        shard.metrics.outgoingRecords.increment(read.records().size());
        shard.metrics.outgoingBytes.increment(read.bytes());
        return new Batch(read, shardEnd, children, behind);
    }

    /**
     * The registered consumer a consumer ARN names, in this stream.
     *
     * @throws StreamException {@link ErrorCode#RESOURCE_NOT_FOUND} if it is not registered (any more)
     */
    static StreamSettings.RegisteredConsumer registeredConsumer(StreamState stream, String consumerArn) {
        String[] parts = Arns.consumer(consumerArn);
        if (!parts[0].equals(stream.name)) {
            throw new StreamException(ErrorCode.INVALID_ARGUMENT, "consumer " + KinesisLimits.abbreviate(consumerArn)
                    + " belongs to stream " + parts[0] + ", not to stream " + stream.name);
        }
        return stream.settings().consumer(parts[1])
                .filter(c -> Arns.consumer(stream.arn, c.name(), c.created()).equals(consumerArn))
                .orElseThrow(() -> new StreamException(ErrorCode.RESOURCE_NOT_FOUND, "Consumer "
                        + KinesisLimits.abbreviate(consumerArn) + " under account " + KinesisLimits.ACCOUNT_ID
                        + " not found."));
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

    private void admit(StreamState stream, ShardState shard, ReadLimiter budget) {
        if (throttleMode == ThrottleMode.OFF) {
            return;
        }
        long deadline = ticker.read() + blockTimeout.toNanos();
        while (true) {
            long now = ticker.read();
            long wait = budget.tryAdmit(now);
            if (wait == 0) {
                return;
            }
            shard.metrics.readThrottled.increment();
            if (throttleMode == ThrottleMode.REJECT || now - deadline >= 0) {
                throw new StreamException(ErrorCode.PROVISIONED_THROUGHPUT_EXCEEDED, "Rate exceeded for shard "
                        + shard.shardId + " in stream " + stream.name + " under account " + KinesisLimits.ACCOUNT_ID
                        + (budget == shard.readLimiter ? " (read limits: " + stream.limits.readCallsPerSecond()
                        + " GetRecords calls/s and " + stream.limits.readBytesPerSecond() + " bytes/s per shard)"
                        : " (enhanced fan-out consumer's own read limit: " + stream.limits.readBytesPerSecond()
                        + " bytes/s per shard)")
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
