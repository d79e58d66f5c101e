package dev.sluice.stream;

import org.junit.jupiter.api.Test;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** Order and exactly-once under concurrent producers, and what happens to puts in flight at close or delete. */
class ConcurrentPutIT {

    private static final int PRODUCERS = 4;
    private static final int KEYS_PER_PRODUCER = 25;
    private static final int RECORDS_PER_PRODUCER = 6_000;

    @Test
    void concurrentProducers_everyRecordReadOnceInSequenceOrderWithPerKeyOrder() throws Exception {
        try (StreamEngine engine = StreamEngine.builder().throttleMode(ThrottleMode.OFF).writerThreads(2).build()) {
            engine.createStream("s", 6);
            ExecutorService pool = Executors.newFixedThreadPool(PRODUCERS);
            CountDownLatch start = new CountDownLatch(1);
            List<Future<?>> producers = new ArrayList<>();
            for (int p = 0; p < PRODUCERS; p++) {
                int producer = p;
                producers.add(pool.submit(() -> {
                    start.await();
                    produce(engine, producer);
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> f : producers) {
                f.get(60, TimeUnit.SECONDS);
            }
            pool.shutdown();

            Set<String> seen = new HashSet<>();
            Map<String, Integer> lastCounterPerKey = new HashMap<>();
            for (Shard shard : engine.listShards("s")) {
                String iterator = engine.getShardIterator("s", shard.shardId(), ShardIteratorType.trimHorizon());
                BigInteger previous = BigInteger.valueOf(-1);
                while (true) {
                    GetRecordsResult result = engine.getRecords(iterator);
                    for (StreamRecord r : result.records()) {
                        BigInteger sequence = new BigInteger(r.sequenceNumber());
                        assertTrue(sequence.compareTo(previous) > 0, "sequence order in " + shard.shardId());
                        previous = sequence;
                        String payload = new String(r.dataBytes(), StandardCharsets.UTF_8);
                        assertTrue(seen.add(payload), "duplicate " + payload);
                        String[] parts = payload.split(":"); // producer:key:counter
                        assertEquals(r.partitionKey(), parts[0] + ":" + parts[1]);
                        int counter = Integer.parseInt(parts[2]);
                        Integer last = lastCounterPerKey.put(r.partitionKey(), counter);
                        if (last != null && last >= counter) {
                            fail("key " + r.partitionKey() + " read " + counter + " after " + last);
                        }
                    }
                    if (result.records().isEmpty()) {
                        break;
                    }
                    iterator = result.nextShardIterator().orElseThrow();
                }
            }
            assertEquals(PRODUCERS * RECORDS_PER_PRODUCER, seen.size());
        }
    }

    /** Mixes synchronous puts, asynchronous puts and batches; per key the counter grows in call order. */
    private static void produce(StreamEngine engine, int producer) {
        int[] counters = new int[KEYS_PER_PRODUCER];
        List<CompletableFuture<?>> pending = new ArrayList<>();
        int written = 0;
        int round = 0;
        while (written < RECORDS_PER_PRODUCER) {
            int key = round % KEYS_PER_PRODUCER;
            switch (round % 3) {
                case 0 -> {
                    engine.putRecord("s", producer + ":" + key, payload(producer, key, counters[key]++));
                    written++;
                }
                case 1 -> {
                    pending.add(engine.putRecordAsync(PutRecordRequest.of("s", producer + ":" + key, payload(producer, key, counters[key]++))));
                    written++;
                }
                default -> {
                    List<PutRecordsRequestEntry> batch = new ArrayList<>();
                    for (int i = 0; i < 100 && written < RECORDS_PER_PRODUCER; i++, written++) {
                        int k = (key + i) % KEYS_PER_PRODUCER;
                        batch.add(PutRecordsRequestEntry.of(producer + ":" + k, payload(producer, k, counters[k]++)));
                    }
                    pending.add(engine.putRecordsAsync("s", batch).thenAccept(r -> assertEquals(0, r.failedRecordCount())));
                }
            }
            round++;
        }
        CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).join();
    }

    private static byte[] payload(int producer, int key, int counter) {
        return (producer + ":" + key + ":" + counter).getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void close_withPutsInFlight_completesEveryAcceptedPut() throws Exception {
        StreamEngine engine = StreamEngine.builder().throttleMode(ThrottleMode.OFF).build();
        engine.createStream("s", 4);
        List<CompletableFuture<PutRecordResult>> futures = new ArrayList<>();
        for (int i = 0; i < 20_000; i++) {
            futures.add(engine.putRecordAsync(PutRecordRequest.of("s", "k" + i, new byte[64])));
        }
        engine.close(Duration.ofSeconds(30));
        for (CompletableFuture<PutRecordResult> f : futures) {
            assertTrue(f.isDone(), "a put accepted before close was left pending");
            f.get(); // none failed: accepted puts were drained, not dropped
        }
    }

    @Test
    void deleteStream_whilePutsRun_eachPutSucceedsOrFailsWithResourceNotFound() throws Exception {
        try (StreamEngine engine = StreamEngine.builder().throttleMode(ThrottleMode.OFF).build()) {
            engine.createStream("s", 2);
            ExecutorService pool = Executors.newFixedThreadPool(2);
            CountDownLatch running = new CountDownLatch(2);
            List<Future<int[]>> results = new ArrayList<>();
            for (int t = 0; t < 2; t++) {
                results.add(pool.submit(() -> {
                    int ok = 0;
                    int notFound = 0;
                    running.countDown();
                    for (int i = 0; i < 50_000 && notFound < 100; i++) {
                        try {
                            engine.putRecord("s", "k" + i, new byte[8]);
                            ok++;
                        } catch (StreamException e) {
                            assertEquals(ErrorCode.RESOURCE_NOT_FOUND, e.code(), e.getMessage());
                            notFound++;
                        }
                    }
                    return new int[] {ok, notFound};
                }));
            }
            running.await(10, TimeUnit.SECONDS);
            engine.deleteStream("s");
            for (Future<int[]> f : results) {
                int[] counts = f.get(60, TimeUnit.SECONDS);
                assertTrue(counts[0] + counts[1] > 0);
            }
            pool.shutdown();
        }
    }
}
