package dev.sluice.delivery;

import dev.sluice.stream.ErrorCode;
import dev.sluice.stream.PutRecordsRequestEntry;
import dev.sluice.stream.PutRecordsResult;
import dev.sluice.stream.PutRecordsResultEntry;
import dev.sluice.stream.Shard;
import dev.sluice.stream.StreamEngine;
import dev.sluice.stream.ThrottleMode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.math.BigInteger;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import static dev.sluice.delivery.TestData.duplicates;
import static dev.sluice.delivery.TestData.keyedRecordCounts;
import static dev.sluice.delivery.TestData.utf8;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A delivery stream reading an in-process stream follows it through splits, merges and shard-count updates while
 * producers keep writing: every record is delivered exactly once, and a key's records keep their order inside each
 * object.
 */
@Timeout(120)
class StreamSourceReshardingTest {

    private static final int KEYS = 40;

    @TempDir
    Path work;

    @Test
    void split_afterFirstThousand_nextThousandAllDelivered() throws Exception {
        // The user's report: 1,000 records, split, 1,000 more: only 507 of the second thousand arrived.
        try (StreamEngine engine = engine(2); DeliveryStream stream = deliver(engine)) {
            putSequential(engine, 0, 1_000);
            engine.splitShard("src", "shardId-000000000000", middle(engine.listShards("src").get(0)));
            putSequential(engine, 1_000, 2_000);
            assertExactlyOnce(stream, 2_000);
        }
    }

    @Test
    void merge_thenUpdateShardCount_everyRecordDeliveredOnce() throws Exception {
        try (StreamEngine engine = engine(2); DeliveryStream stream = deliver(engine)) {
            putSequential(engine, 0, 1_000);
            engine.mergeShards("src", "shardId-000000000000", "shardId-000000000001");
            putSequential(engine, 1_000, 2_000);
            engine.updateShardCount("src", 2);
            putSequential(engine, 2_000, 3_000);
            assertExactlyOnce(stream, 3_000);
        }
    }

    @Test
    void split_underConcurrentProduction_everyRecordDeliveredOnceInKeyOrder() throws Exception {
        reshardWhileProducing(engine -> engine.splitShard("src", "shardId-000000000001",
                middle(shard(engine, "shardId-000000000001"))));
    }

    @Test
    void merge_underConcurrentProduction_everyRecordDeliveredOnceInKeyOrder() throws Exception {
        reshardWhileProducing(engine -> engine.mergeShards("src", "shardId-000000000000", "shardId-000000000001"));
    }

    @Test
    void updateShardCount_underConcurrentProduction_everyRecordDeliveredOnceInKeyOrder() throws Exception {
        reshardWhileProducing(engine -> engine.updateShardCount("src", 4));
    }

    @Test
    void severalReshardsInARow_underConcurrentProduction_everyRecordDeliveredOnceInKeyOrder() throws Exception {
        reshardWhileProducing(engine -> {
            engine.updateShardCount("src", 4);
            List<Shard> open = openShards(engine);
            engine.splitShard("src", open.get(0).shardId(), middle(open.get(0)));
            open = openShards(engine);
            engine.mergeShards("src", open.get(0).shardId(), open.get(1).shardId());
            engine.updateShardCount("src", openShards(engine).size() > 3 ? 3 : 2);
            open = openShards(engine);
            engine.mergeShards("src", open.get(0).shardId(), open.get(1).shardId());
        });
    }

    /** Two producers write 3,000 records each with per-key counters; the reshard runs once they are under way. */
    private void reshardWhileProducing(Consumer<StreamEngine> reshard) throws Exception {
        int perProducer = 3_000;
        try (StreamEngine engine = engine(2); DeliveryStream stream = deliver(engine)) {
            ExecutorService producers = Executors.newFixedThreadPool(2);
            CountDownLatch started = new CountDownLatch(2);
            AtomicInteger sent = new AtomicInteger();
            try {
                List<Future<?>> done = new ArrayList<>();
                for (int p = 0; p < 2; p++) {
                    int producer = p;
                    done.add(producers.submit(() -> {
                        int[] counters = new int[KEYS / 2];
                        for (int i = 0; i < perProducer; i += 50) {
                            List<PutRecordsRequestEntry> batch = new ArrayList<>();
                            for (int j = i; j < i + 50; j++) {
                                int slot = j % counters.length;
                                int key = producer * counters.length + slot;
                                batch.add(PutRecordsRequestEntry.of("key-" + key,
                                        utf8("{\"k\":" + key + ",\"n\":" + counters[slot]++ + "}")));
                            }
                            // One key's records are put in order. A record whose shard was closed by the reshard
                            // and not taken over within the engine's block timeout (a loaded machine) is refused
                            // with InternalFailure, as Kinesis asks producers to retry: the refused entries are put
                            // again, in their order, before the next batch.
                            putUntilAccepted(engine, batch);
                            sent.addAndGet(batch.size());
                            if (i == 500) {
                                started.countDown();
                            }
                        }
                        return null;
                    }));
                }
                assertTrue(started.await(30, TimeUnit.SECONDS));
                reshard.accept(engine);
                for (Future<?> f : done) {
                    f.get(60, TimeUnit.SECONDS);
                }
            } finally {
                producers.shutdownNow();
            }
            assertEquals(2 * perProducer, sent.get());
            assertExactlyOnce(stream, 2 * perProducer);
        }
    }

    private static void putUntilAccepted(StreamEngine engine, List<PutRecordsRequestEntry> batch) {
        List<PutRecordsRequestEntry> pending = batch;
        for (int attempt = 0; !pending.isEmpty(); attempt++) {
            assertTrue(attempt < 20, "records still refused after 20 attempts");
            PutRecordsResult result = engine.putRecords("src", pending);
            List<PutRecordsRequestEntry> refused = new ArrayList<>();
            for (int i = 0; i < pending.size(); i++) {
                if (result.records().get(i) instanceof PutRecordsResultEntry.Failure failure) {
                    assertEquals(ErrorCode.INTERNAL_FAILURE, failure.errorCode(), failure.errorMessage());
                    refused.add(pending.get(i));
                }
            }
            pending = refused;
        }
    }

    private StreamEngine engine(int shards) {
        StreamEngine engine = StreamEngine.builder().throttleMode(ThrottleMode.OFF).build();
        engine.createStream("src", shards);
        return engine;
    }

    private DeliveryStream deliver(StreamEngine engine) {
        return DeliveryStream.builder().name("follow").sink(Sink.localBucket(work.resolve("bucket")))
                .outputFormat(OutputFormat.jsonLines()).bufferingHints(new BufferingHints(64 << 10,
                        Duration.ofSeconds(60)))
                .kinesisStreamSource(engine, "src", work.resolve("state")).build();
    }

    private static void putSequential(StreamEngine engine, int from, int to) {
        for (int i = from; i < to; i += 100) {
            List<PutRecordsRequestEntry> batch = new ArrayList<>();
            for (int j = i; j < Math.min(to, i + 100); j++) {
                int key = KEYS + j % KEYS; // keys apart from the concurrent producers'
                batch.add(PutRecordsRequestEntry.of("key-" + key, utf8("{\"k\":" + key + ",\"n\":" + j + "}")));
            }
            assertEquals(0, engine.putRecords("src", batch).failedRecordCount());
        }
    }

    private static Shard shard(StreamEngine engine, String id) {
        return engine.listShards("src").stream().filter(s -> s.shardId().equals(id)).findFirst().orElseThrow();
    }

    private static List<Shard> openShards(StreamEngine engine) {
        return engine.listShards("src").stream().filter(s -> s.sequenceNumberRange().endingSequenceNumber()
                .isEmpty()).sorted((a, b) -> a.hashKeyRange().startingHashKey().compareTo(
                        b.hashKeyRange().startingHashKey())).toList();
    }

    private static String middle(Shard shard) {
        BigInteger start = shard.hashKeyRange().startingHashKey();
        BigInteger end = shard.hashKeyRange().endingHashKey();
        return start.add(end).shiftRight(1).toString();
    }

    /** Waits until the source read everything, flushes, and reads the bucket back line by line. */
    private void assertExactlyOnce(DeliveryStream stream, int expected) throws Exception {
        await().atMost(Duration.ofSeconds(60)).until(() -> stream.stats().incomingRecords() >= expected);
        stream.flush(Duration.ofSeconds(60));
        DeliveryStats stats = stream.stats();
        assertEquals(expected, stats.incomingRecords(), "records read from the stream");
        assertEquals(expected, stats.deliveredRecords(), "records delivered");
        Map<String, Integer> seen = keyedRecordCounts(work.resolve("bucket"));
        assertEquals(List.of(), duplicates(seen), "duplicated records");
        assertEquals(expected, seen.size(), "distinct records in the bucket");
    }
}
