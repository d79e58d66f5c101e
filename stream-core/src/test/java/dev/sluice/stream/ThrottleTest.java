package dev.sluice.stream;

import dev.sluice.stream.testing.ManualClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.sluice.stream.LimitsTest.assertError;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Per-shard limits, exactly, on a manual clock. */
class ThrottleTest {

    private static final String SHARD0 = "shardId-000000000000";

    private final ManualClock time = new ManualClock();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private StreamEngine engine;

    @AfterEach
    void close() {
        engine.close();
    }

    private void start(ThrottleMode mode) {
        engine = StreamEngine.builder().clock(time).ticker(time).throttleMode(mode).meterRegistry(registry)
                .blockTimeout(Duration.ofSeconds(10)).build();
    }

    @Test
    void putRecord_1001stRecordInOneSecond_throwsProvisionedThroughputExceeded() {
        start(ThrottleMode.REJECT);
        engine.createStream("s", 1);
        engine.enableEnhancedMonitoring("s", java.util.Set.of(ShardLevelMetric.WRITE_PROVISIONED_THROUGHPUT_EXCEEDED));
        // The bucket holds one second of capacity and refills continuously: 1,000 puts at one instant pass.
        for (int i = 0; i < 1_000; i++) {
            engine.putRecord("s", "k", new byte[10]);
        }
        assertError(ErrorCode.PROVISIONED_THROUGHPUT_EXCEEDED,
                "Rate exceeded for shard shardId-000000000000 in stream s under account 000000000000",
                () -> engine.putRecord("s", "k", new byte[10]));
        time.advance(Duration.ofMillis(1)); // one record's worth of capacity comes back
        engine.putRecord("s", "k", new byte[10]);
        assertError(ErrorCode.PROVISIONED_THROUGHPUT_EXCEEDED, "1000 records/s", () -> engine.putRecord("s", "k", new byte[10]));
        time.advance(Duration.ofSeconds(1));
        for (int i = 0; i < 1_000; i++) {
            engine.putRecord("s", "k", new byte[10]);
        }
        assertEquals(1, registry.get("WriteProvisionedThroughputExceeded").tag("shard", SHARD0).counter().count() - 1);
        assertEquals(2_001, registry.get("IncomingRecords").tag("stream", "s").counter().count());
    }

    @Test
    void putRecord_beyondOneMiBInOneSecond_throwsAndRecoversWithTime() {
        start(ThrottleMode.REJECT);
        engine.createStream("s", 1);
        // 16 records of 65,535 data bytes + 1 key byte = exactly 1 MiB.
        for (int i = 0; i < 16; i++) {
            engine.putRecord("s", "k", new byte[65_535]);
        }
        assertError(ErrorCode.PROVISIONED_THROUGHPUT_EXCEEDED, "1048576 bytes/s", () -> engine.putRecord("s", "k", new byte[0]));
        time.advance(Duration.ofNanos(1_907)); // 1,907 ns * 1 MiB/s = 1.9996 bytes: not yet 2 bytes
        assertError(ErrorCode.PROVISIONED_THROUGHPUT_EXCEEDED, "Rate exceeded", () -> engine.putRecord("s", "k", new byte[1]));
        time.advance(Duration.ofNanos(1)); // 1,908 ns: 2.0006 bytes
        engine.putRecord("s", "k", new byte[1]);
    }

    @Test
    void putRecords_whenOneShardIsSaturated_failsOnlyItsEntries() {
        start(ThrottleMode.REJECT);
        engine.createStream("s", 2);
        String shard0Key = "0";
        String shard1Key = "340282366920938463463374607431768211455";
        for (int i = 0; i < 1_000; i++) {
            engine.putRecord(PutRecordRequest.of("s", "k", new byte[1]).withExplicitHashKey(shard0Key));
        }
        List<PutRecordsRequestEntry> entries = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            entries.add(PutRecordsRequestEntry.of("k", new byte[] {(byte) i}).withExplicitHashKey(i % 2 == 0 ? shard0Key : shard1Key));
        }
        PutRecordsResult result = engine.putRecords("s", entries);
        assertEquals(5, result.failedRecordCount());
        for (int i = 0; i < 10; i++) {
            PutRecordsResultEntry entry = result.records().get(i);
            if (i % 2 == 0) {
                PutRecordsResultEntry.Failure failure = assertInstanceOf(PutRecordsResultEntry.Failure.class, entry);
                assertEquals(ErrorCode.PROVISIONED_THROUGHPUT_EXCEEDED, failure.errorCode());
                assertTrue(failure.errorMessage().contains(SHARD0), failure.errorMessage());
            } else {
                assertEquals("shardId-000000000001", assertInstanceOf(PutRecordsResultEntry.Success.class, entry).shardId());
            }
        }
        assertEquals(5, registry.get("PutRecords.ThrottledRecords").counter().count());
    }

    @Test
    void putRecord_inBlockMode_waitsForCapacityThenSucceeds() throws Exception {
        start(ThrottleMode.BLOCK);
        engine.createStream("s", 1);
        for (int i = 0; i < 1_000; i++) {
            engine.putRecord("s", "k", new byte[1]);
        }
        ExecutorService caller = Executors.newSingleThreadExecutor();
        try {
            Future<PutRecordResult> blocked = caller.submit(() -> engine.putRecord("s", "k", new byte[1]));
            CompletableFuture<PutRecordResult> blockedAsync = engine.putRecordAsync(PutRecordRequest.of("s", "k", new byte[1]));
            // Virtual time stands still: both stay blocked however long real time runs.
            await().during(Duration.ofMillis(200)).atMost(Duration.ofSeconds(5)).until(() -> !blocked.isDone() && !blockedAsync.isDone());
            time.advance(Duration.ofMillis(2));
            assertEquals(SHARD0, blocked.get(5, TimeUnit.SECONDS).shardId());
            assertEquals(SHARD0, blockedAsync.get(5, TimeUnit.SECONDS).shardId());
        } finally {
            caller.shutdownNow();
        }
    }

    @Test
    void putRecords_inBlockMode_retriesThrottledEntriesInRequestOrder() throws Exception {
        start(ThrottleMode.BLOCK);
        engine.createStream("s", 1);
        for (int i = 0; i < 995; i++) {
            engine.putRecord("s", "k", new byte[1]);
        }
        List<PutRecordsRequestEntry> entries = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            entries.add(PutRecordsRequestEntry.of("k", new byte[] {(byte) i}));
        }
        CompletableFuture<PutRecordsResult> pending = engine.putRecordsAsync("s", entries);
        await().during(Duration.ofMillis(100)).atMost(Duration.ofSeconds(5)).until(() -> !pending.isDone());
        // 5 entries fitted at once; the other 15 wait, in order, behind the first throttled one.
        assertEquals(1_000, registry.get("IncomingRecords").counter().count());
        time.advance(Duration.ofMillis(10)); // room for exactly 10 more records
        await().atMost(Duration.ofSeconds(5)).until(() -> registry.get("IncomingRecords").counter().count() == 1_010);
        assertFalse(pending.isDone());
        time.advance(Duration.ofMillis(5));
        PutRecordsResult result = pending.get(5, TimeUnit.SECONDS);
        assertEquals(0, result.failedRecordCount());
        // Read back: the batch's records are stored in request order.
        String iterator = engine.getShardIterator("s", SHARD0, ShardIteratorType.trimHorizon());
        List<StreamRecord> records = engine.getRecords(iterator).records();
        assertEquals(1_015, records.size());
        for (int i = 0; i < 20; i++) {
            assertEquals(i, records.get(995 + i).dataBytes()[0]);
        }
    }

    @Test
    void putRecord_inBlockMode_failsAfterBlockTimeout() throws Exception {
        engine = StreamEngine.builder().clock(time).ticker(time).throttleMode(ThrottleMode.BLOCK)
                .blockTimeout(Duration.ofMillis(500)).build();
        engine.createStream(CreateStreamRequest.of("s", 1).withShardLimits(new ShardLimits(1_048_576, 1, 1_048_576, 5)));
        engine.putRecord("s", "k", new byte[1]);
        CompletableFuture<PutRecordResult> blocked = engine.putRecordAsync(PutRecordRequest.of("s", "k", new byte[1]));
        await().during(Duration.ofMillis(50)).atMost(Duration.ofSeconds(5)).until(() -> !blocked.isDone());
        time.advance(Duration.ofMillis(500)); // deadline reached, capacity still short (1 record/s)
        await().atMost(Duration.ofSeconds(5)).until(blocked::isDone);
        assertTrue(blocked.isCompletedExceptionally());
        StreamException e = (StreamException) blocked.handle((r, t) -> t).get();
        assertEquals(ErrorCode.PROVISIONED_THROUGHPUT_EXCEEDED, e.code());
        assertTrue(e.getMessage().contains("Waited PT0.5S (the block timeout)"), e.getMessage());
    }

    @Test
    void getRecords_sixthCallInOneSecond_throwsProvisionedThroughputExceeded() {
        start(ThrottleMode.REJECT);
        engine.createStream("s", 1);
        String iterator = engine.getShardIterator("s", SHARD0, ShardIteratorType.trimHorizon());
        for (int i = 0; i < 5; i++) {
            iterator = engine.getRecords(iterator).nextShardIterator().orElseThrow();
        }
        String last = iterator;
        assertError(ErrorCode.PROVISIONED_THROUGHPUT_EXCEEDED, "5 GetRecords calls/s", () -> engine.getRecords(last));
        time.advance(Duration.ofMillis(200));
        engine.getRecords(last);
        assertEquals(1, registry.get("ReadProvisionedThroughputExceeded").counter().count());
    }

    @Test
    void getRecords_afterReadingMoreThanTwoMiB_holdsBackReadsUntilPaidOff() {
        start(ThrottleMode.REJECT);
        engine.createStream("s", 4);
        // Fill one shard with 4 MiB, spread over 4 seconds of write capacity.
        for (int second = 0; second < 4; second++) {
            for (int i = 0; i < 16; i++) {
                engine.putRecord(PutRecordRequest.of("s", "k", new byte[65_535]).withExplicitHashKey("0"));
            }
            time.advance(Duration.ofSeconds(1));
        }
        String iterator = engine.getShardIterator("s", SHARD0, ShardIteratorType.trimHorizon());
        GetRecordsResult big = engine.getRecords(iterator);
        assertEquals(64, big.records().size()); // 4 MiB in one call, charged after the fact
        String next = big.nextShardIterator().orElseThrow();
        // A debt of 4 MiB, repaid at 2 MiB/s. Four calls remain this second, but bytes refuse them.
        assertError(ErrorCode.PROVISIONED_THROUGHPUT_EXCEEDED, "2097152 bytes/s", () -> engine.getRecords(next));
        time.advance(Duration.ofMillis(1_999)); // just short of 2 s
        assertError(ErrorCode.PROVISIONED_THROUGHPUT_EXCEEDED, "Rate exceeded", () -> engine.getRecords(next));
        time.advance(Duration.ofMillis(1)); // paid off
        assertTrue(engine.getRecords(next).records().isEmpty());
    }

    @Test
    void getRecords_returningTenMiB_throttlesTheShardsReadsForTheNextFiveSeconds() {
        start(ThrottleMode.REJECT);
        engine.createStream("s", 1);
        // Ten records of 1 MiB (data plus the 1-byte key), one per second of write capacity.
        for (int i = 0; i < 10; i++) {
            engine.putRecord("s", "k", new byte[1_048_575]);
            time.advance(Duration.ofSeconds(1));
        }
        time.advance(Duration.ofSeconds(10)); // long idle: no saved-up read capacity makes the debt smaller
        String iterator = engine.getShardIterator("s", SHARD0, ShardIteratorType.trimHorizon());
        GetRecordsResult big = engine.getRecords(iterator);
        assertEquals(10, big.records().size());
        String next = big.nextShardIterator().orElseThrow();

        time.advance(Duration.ofMillis(4_999));
        assertError(ErrorCode.PROVISIONED_THROUGHPUT_EXCEEDED, "2097152 bytes/s", () -> engine.getRecords(next));
        time.advance(Duration.ofMillis(1));
        assertTrue(engine.getRecords(next).records().isEmpty());
    }

    @Test
    void readLimiter_underConcurrentReaders_admitsExactlyFiveCallsPerSecond() throws Exception {
        start(ThrottleMode.REJECT);
        engine.createStream("s", 1);
        String iterator = engine.getShardIterator("s", SHARD0, ShardIteratorType.trimHorizon());
        int threads = 8;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            for (int round = 0; round < 3; round++) {
                AtomicInteger admitted = new AtomicInteger();
                AtomicInteger refused = new AtomicInteger();
                CountDownLatch go = new CountDownLatch(1);
                List<Future<?>> futures = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    futures.add(pool.submit(() -> {
                        go.await();
                        for (int i = 0; i < 10; i++) {
                            try {
                                engine.getRecords(iterator);
                                admitted.incrementAndGet();
                            } catch (StreamException e) {
                                assertEquals(ErrorCode.PROVISIONED_THROUGHPUT_EXCEEDED, e.code());
                                refused.incrementAndGet();
                            }
                        }
                        return null;
                    }));
                }
                go.countDown();
                for (Future<?> f : futures) {
                    f.get(10, TimeUnit.SECONDS);
                }
                assertEquals(5, admitted.get(), "round " + round);
                assertEquals(threads * 10 - 5, refused.get());
                time.advance(Duration.ofSeconds(1));
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void throttleOff_acceptsAnyRate() {
        start(ThrottleMode.OFF);
        engine.createStream("s", 1);
        for (int i = 0; i < 5_000; i++) {
            engine.putRecord("s", "k", new byte[1]);
        }
        String iterator = engine.getShardIterator("s", SHARD0, ShardIteratorType.trimHorizon());
        for (int i = 0; i < 20; i++) {
            assertFalse(engine.getRecords(iterator, 1).records().isEmpty());
        }
    }
}
