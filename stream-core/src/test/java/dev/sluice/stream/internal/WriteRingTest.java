package dev.sluice.stream.internal;

import dev.sluice.stream.ErrorCode;
import dev.sluice.stream.HashKeyRange;
import dev.sluice.stream.ShardLimits;
import dev.sluice.stream.Storage;
import dev.sluice.stream.StreamMode;
import dev.sluice.stream.StreamException;
import dev.sluice.stream.ThrottleMode;
import dev.sluice.stream.WaitStrategy;
import dev.sluice.stream.testing.ManualClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.math.BigInteger;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A log that cannot publish (durable storage failing to sync) fails those puts; it never hangs or loses them. */
class WriteRingTest {

    private final ManualClock time = new ManualClock();
    private final WriteRing ring = new WriteRing(1, 64, Executors.defaultThreadFactory(), WaitStrategy.BLOCKING, time, time,
            ThrottleMode.OFF);

    @AfterEach
    void close() {
        ring.close(Duration.ofSeconds(5));
    }

    @Test
    void publish_whenTheLogCannotPublish_failsTheEventsRecordsAndRecoversAfterwards() throws Exception {
        FailingLog log = new FailingLog();
        StreamMetrics metrics = new StreamMetrics(new SimpleMeterRegistry(), "s");
        StreamMetrics.ShardMetrics shardMetrics = metrics.shard("shardId-000000000000", log);
        ShardWriter writer = new ShardWriter(log, shardMetrics, ShardLimits.KINESIS, SequenceNumbers.FIRST_COUNTER, 0, 0);
        ShardState shard = new ShardState(0, new HashKeyRange(BigInteger.ZERO, KinesisLimits.MAX_HASH_KEY),
                SequenceNumbers.FIRST_COUNTER, 0, log, writer, new ReadLimiter(ShardLimits.KINESIS, 0), shardMetrics);
        StreamState stream = new StreamState("s", "arn", 1, time.instant(), Duration.ofHours(24), ShardLimits.KINESIS,
                StreamSettings.of(StreamMode.PROVISIONED), new ShardState[] {shard}, metrics,
                new EngineRetention(Storage.inMemory(), new SimpleMeterRegistry()));

        log.failNextPublish = true;
        PutOperation failed = put(stream, shard, 3);
        for (int i = 0; i < 3; i++) {
            assertEquals(PutOperation.FAILED, failed.outcomes[i]);
            assertEquals(ErrorCode.INTERNAL_FAILURE, failed.errors[i]);
            assertTrue(failed.messages[i].contains("not acknowledged") && failed.messages[i].contains("disk went away"),
                    failed.messages[i]);
        }
        // The shard is published again on the next event: nothing stays silently invisible.
        PutOperation ok = put(stream, shard, 2);
        assertEquals(PutOperation.WRITTEN, ok.outcomes[0]);
        assertEquals(PutOperation.WRITTEN, ok.outcomes[1]);
        assertEquals(2, log.publishes);
    }

    @Test
    void publishClose_isOrderedWithPuts_earlierWrittenLaterRerouted() throws Exception {
        InMemoryShardLog log = new InMemoryShardLog(0);
        StreamMetrics metrics = new StreamMetrics(new SimpleMeterRegistry(), "c");
        StreamMetrics.ShardMetrics shardMetrics = metrics.shard("shardId-000000000000", log);
        ShardWriter writer = new ShardWriter(log, shardMetrics, ShardLimits.KINESIS, SequenceNumbers.FIRST_COUNTER, 0, 0);
        ShardState shard = new ShardState(0, new HashKeyRange(BigInteger.ZERO, KinesisLimits.MAX_HASH_KEY),
                SequenceNumbers.FIRST_COUNTER, 0, log, writer, new ReadLimiter(ShardLimits.KINESIS, 0), shardMetrics);
        StreamState stream = new StreamState("c", "arn", 1, time.instant(), Duration.ofHours(24), ShardLimits.KINESIS,
                StreamSettings.of(StreamMode.PROVISIONED), new ShardState[] {shard}, metrics,
                new EngineRetention(Storage.inMemory(), new SimpleMeterRegistry()));

        PutOperation before = put(stream, shard, 3);
        ShardClose close = new ShardClose(shard);
        ring.publish(close);
        PutOperation after = put(stream, shard, 2);

        assertEquals(SequenceNumbers.FIRST_COUNTER + 2, close.lastCounter.get(5, TimeUnit.SECONDS));
        for (int i = 0; i < 3; i++) {
            assertEquals(PutOperation.WRITTEN, before.outcomes[i]);
        }
        for (int i = 0; i < 2; i++) {
            assertEquals(PutOperation.REROUTE, after.outcomes[i]);
        }
        assertEquals(SequenceNumbers.FIRST_COUNTER + 2, log.lastSequence());
    }

    private PutOperation put(StreamState stream, ShardState shard, int n) throws Exception {
        byte[][] keys = new byte[n][];
        byte[][] data = new byte[n][];
        ShardState[] shards = new ShardState[n];
        for (int i = 0; i < n; i++) {
            keys[i] = new byte[] {'k'};
            data[i] = new byte[] {(byte) i};
            shards[i] = shard;
        }
        PutOperation op = new PutOperation(stream, keys, data, shards, new long[2 * n], -1);
        ring.publish(op);
        return op.done.get(5, TimeUnit.SECONDS);
    }

    /** An in-memory log whose next publish can be made to fail. */
    private static final class FailingLog implements ShardLog {
        private final InMemoryShardLog delegate = new InMemoryShardLog(0);
        volatile boolean failNextPublish;
        int publishes;

        @Override
        public void append(long sequence, long arrivalMillis, byte[] partitionKey, byte[] data) {
            delegate.append(sequence, arrivalMillis, partitionKey, data);
        }

        @Override
        public void publish() {
            publishes++;
            if (failNextPublish) {
                failNextPublish = false;
                throw new StreamException(ErrorCode.INTERNAL_FAILURE, "fsync failed: disk went away");
            }
            delegate.publish();
        }

        @Override
        public ShardRead read(long fromSequence, long fromArrivalMillis, int limit, long maxBytes) {
            return delegate.read(fromSequence, fromArrivalMillis, limit, maxBytes);
        }

        @Override
        public long lastSequence() {
            return delegate.lastSequence();
        }

        @Override
        public Dropped expireBefore(long cutoffMillis) {
            return delegate.expireBefore(cutoffMillis);
        }

        @Override
        public Dropped oldestTrimmable() {
            return delegate.oldestTrimmable();
        }

        @Override
        public Dropped trimOldest(long maxLastSequence) {
            return delegate.trimOldest(maxLastSequence);
        }

        @Override
        public long retainedBytesThrough(long sequence) {
            return delegate.retainedBytesThrough(sequence);
        }

        @Override
        public long retainedBytes() {
            return delegate.retainedBytes();
        }

        @Override
        public long retainedRecords() {
            return delegate.retainedRecords();
        }
    }
}
