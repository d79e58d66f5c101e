package dev.sluice.stream;

import dev.sluice.stream.testing.ManualClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Kinesis RecordDistributionStrategy: AUTO spreads records over the open shards ignoring keys; on-demand only. */
class RecordDistributionTest {

    @TempDir
    Path directory;

    private final ManualClock time = new ManualClock();
    private final List<StreamEngine> engines = new ArrayList<>();

    @AfterEach
    void close() {
        engines.forEach(StreamEngine::close);
    }

    private StreamEngine engine(Storage storage) {
        StreamEngine engine = StreamEngine.builder().time(time).throttleMode(ThrottleMode.OFF).storage(storage).build();
        engines.add(engine);
        return engine;
    }

    private static Map<String, Long> byShard(List<String> shardIds) {
        return shardIds.stream().collect(Collectors.groupingBy(s -> s, Collectors.counting()));
    }

    @Test
    void auto_spreadsOneKeyEvenlyOverTheOpenShards_ignoringExplicitHashKeys() {
        StreamEngine engine = engine(Storage.inMemory());
        engine.createStream(CreateStreamRequest.onDemand("s").withRecordDistributionStrategy(RecordDistributionStrategy.AUTO));
        List<String> shards = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            shards.add(engine.putRecord(PutRecordRequest.of("s", "same-key", new byte[] {1}).withExplicitHashKey("0")).shardId());
        }
        Map<String, Long> counts = byShard(shards);
        assertEquals(4, counts.size(), counts.toString());
        counts.values().forEach(c -> assertEquals(100L, c, counts.toString()));

        List<PutRecordsRequestEntry> batch = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            batch.add(PutRecordsRequestEntry.of("same-key", new byte[] {2}));
        }
        Map<String, Long> batchCounts = byShard(engine.putRecords("s", batch).records().stream()
                .map(e -> ((PutRecordsResultEntry.Success) e).shardId()).toList());
        batchCounts.values().forEach(c -> assertEquals(2L, c, batchCounts.toString()));
        assertEquals(RecordDistributionStrategy.AUTO, engine.describeStreamSummary("s").recordDistributionStrategy());
    }

    @Test
    void update_takesEffectForTheNextRecord_andBackToUserPartitionKeyRoutesByKeyAgain() {
        StreamEngine engine = engine(Storage.inMemory());
        engine.createStream(CreateStreamRequest.onDemand("s"));
        assertEquals(RecordDistributionStrategy.USER_PARTITION_KEY, engine.describeStreamSummary("s").recordDistributionStrategy());
        String keyShard = engine.putRecord("s", "k", new byte[1]).shardId();
        for (int i = 0; i < 10; i++) {
            assertEquals(keyShard, engine.putRecord("s", "k", new byte[1]).shardId());
        }
        engine.updateStreamRecordDistributionStrategy("s", RecordDistributionStrategy.AUTO);
        List<String> spread = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            spread.add(engine.putRecord("s", "k", new byte[1]).shardId());
        }
        assertEquals(4, byShard(spread).size(), spread.toString());
        engine.updateStreamRecordDistributionStrategy("s", RecordDistributionStrategy.USER_PARTITION_KEY);
        assertEquals(keyShard, engine.putRecord("s", "k", new byte[1]).shardId());
    }

    @Test
    void auto_onAProvisionedStream_isInvalidArgument() {
        StreamEngine engine = engine(Storage.inMemory());
        engine.createStream("p", 2);
        StreamException e = assertThrows(StreamException.class,
                () -> engine.updateStreamRecordDistributionStrategy("p", RecordDistributionStrategy.AUTO));
        assertEquals(ErrorCode.INVALID_ARGUMENT, e.errorCode());
        assertTrue(e.getMessage().contains("ON_DEMAND"), e.getMessage());
        assertEquals(ErrorCode.INVALID_ARGUMENT, assertThrows(StreamException.class, () -> CreateStreamRequest.of("x", 1)
                .withRecordDistributionStrategy(RecordDistributionStrategy.AUTO)).errorCode());
        engine.updateStreamRecordDistributionStrategy("p", RecordDistributionStrategy.USER_PARTITION_KEY);
        assertEquals(ErrorCode.RESOURCE_NOT_FOUND, assertThrows(StreamException.class,
                () -> engine.updateStreamRecordDistributionStrategy("nope", RecordDistributionStrategy.AUTO)).errorCode());
        assertEquals(ErrorCode.VALIDATION, assertThrows(StreamException.class,
                () -> engine.updateStreamRecordDistributionStrategy("p", null)).errorCode());
    }

    @Test
    void auto_underConcurrentPuts_givesEveryShardExactlyItsShare() throws Exception {
        StreamEngine engine = engine(Storage.inMemory());
        engine.createStream(CreateStreamRequest.onDemand("s").withRecordDistributionStrategy(RecordDistributionStrategy.AUTO));
        Map<String, AtomicInteger> counts = new ConcurrentHashMap<>();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int thread = t;
                done.add(pool.submit(() -> {
                    for (int i = 0; i < 250; i++) {
                        if (i % 2 == 0) {
                            String shard = engine.putRecord("s", "t" + thread, new byte[1]).shardId();
                            counts.computeIfAbsent(shard, k -> new AtomicInteger()).incrementAndGet();
                        } else {
                            for (PutRecordsResultEntry e : engine.putRecords("s", List.of(
                                    PutRecordsRequestEntry.of("t" + thread, new byte[1]),
                                    PutRecordsRequestEntry.of("t" + thread, new byte[1]))).records()) {
                                counts.computeIfAbsent(((PutRecordsResultEntry.Success) e).shardId(),
                                        k -> new AtomicInteger()).incrementAndGet();
                            }
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        // 4 threads x (125 single + 125 x 2) = 1,500 records: each of the 4 shards exactly 375.
        assertEquals(4, counts.size(), counts.toString());
        counts.values().forEach(c -> assertEquals(375, c.get(), counts.toString()));
    }

    @Test
    void durableStorage_keepsTheStrategyAcrossARestart() {
        StreamEngine first = engine(Storage.durable(directory));
        first.createStream(CreateStreamRequest.onDemand("s"));
        first.updateStreamRecordDistributionStrategy("s", RecordDistributionStrategy.AUTO);
        first.close();
        engines.remove(first);
        StreamEngine second = engine(Storage.durable(directory));
        assertEquals(RecordDistributionStrategy.AUTO, second.describeStreamSummary("s").recordDistributionStrategy());
        List<String> spread = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            spread.add(second.putRecord("s", "k", new byte[1]).shardId());
        }
        assertEquals(4, byShard(spread).size(), spread.toString());
    }
}
