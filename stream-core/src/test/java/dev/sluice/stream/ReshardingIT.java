package dev.sluice.stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Splits and merges while several producers put single records and batches: every acknowledged record is read
 * back exactly once, where its acknowledgement said, and reading each parent to its end before its children
 * keeps per-partition-key order.
 */
class ReshardingIT {

    private static final int PRODUCERS = 4;
    private static final int KEYS_PER_PRODUCER = 12;
    private static final int MIN_RECORDS_PER_PRODUCER = 3_000;
    private static final int RESHARDS = 40;
    /** Records acknowledged between two reshards, so they overlap production. */
    private static final int RECORDS_BETWEEN_RESHARDS = 150;

    @ParameterizedTest
    @EnumSource(value = ThrottleMode.class, names = {"OFF", "BLOCK"})
    void reshardingUnderConcurrentProduction_everyAcknowledgedRecordReadOnceInPerKeyOrder(ThrottleMode mode)
            throws Exception {
        run(mode, Storage.inMemory(), null);
    }

    /** The same on durable storage, then again after a restart on the same directory. */
    @Test
    void durableReshardingUnderConcurrentProduction_readOnceInPerKeyOrder_beforeAndAfterARestart(@TempDir Path directory)
            throws Exception {
        run(ThrottleMode.OFF, Storage.durable(directory), directory);
    }

    private void run(ThrottleMode mode, Storage storage, Path restartDirectory) throws Exception {
        // BLOCK: a write limit the producers exceed, so throttled retries and re-routed entries mix.
        ShardLimits limits = new ShardLimits(ShardLimits.MAX_BYTES_PER_SECOND, 1_500, ShardLimits.MAX_BYTES_PER_SECOND, 1_000_000);
        Map<String, String[]> acked = new ConcurrentHashMap<>(); // payload -> {shardId, sequenceNumber}
        List<Shard> shardsBefore;
        try (StreamEngine engine = StreamEngine.builder().throttleMode(mode).writerThreads(2).storage(storage).build()) {
            engine.createStream(CreateStreamRequest.of("s", 3).withShardLimits(limits));
            AtomicLong ackCount = new AtomicLong();
            AtomicBoolean reshardingDone = new AtomicBoolean();
            ExecutorService pool = Executors.newFixedThreadPool(PRODUCERS + 1);
            CountDownLatch start = new CountDownLatch(1);
            List<Future<?>> producers = new ArrayList<>();
            for (int p = 0; p < PRODUCERS; p++) {
                int producer = p;
                producers.add(pool.submit(() -> {
                    start.await();
                    produce(engine, producer, acked, ackCount, reshardingDone);
                    return null;
                }));
            }
            Future<Integer> resharder = pool.submit(() -> {
                start.await();
                try {
                    return reshard(engine, ackCount);
                } finally {
                    reshardingDone.set(true);
                }
            });
            start.countDown();
            assertEquals(RESHARDS, resharder.get(120, TimeUnit.SECONDS));
            for (Future<?> f : producers) {
                f.get(120, TimeUnit.SECONDS);
            }
            pool.shutdown();

            readByLineage(engine, acked);
            shardsBefore = engine.listShards("s");
        }
        if (restartDirectory != null) {
            try (StreamEngine engine = StreamEngine.builder().storage(Storage.durable(restartDirectory)).build()) {
                assertEquals(shardsBefore, engine.listShards("s"));
                readByLineage(engine, acked);
            }
        }
    }

    private static void produce(StreamEngine engine, int producer, Map<String, String[]> acked, AtomicLong ackCount,
                                AtomicBoolean reshardingDone) {
        Random random = new Random(producer);
        int[] counters = new int[KEYS_PER_PRODUCER];
        int produced = 0;
        while (produced < MIN_RECORDS_PER_PRODUCER || !reshardingDone.get()) {
            if (random.nextBoolean()) {
                int k = random.nextInt(KEYS_PER_PRODUCER);
                String key = producer + ":" + k;
                String payload = key + ":" + counters[k]++;
                PutRecordResult put = engine.putRecord("s", key, payload.getBytes(StandardCharsets.UTF_8));
                acked.put(payload, new String[] {put.shardId(), put.sequenceNumber()});
                produced++;
                ackCount.incrementAndGet();
            } else {
                int n = 1 + random.nextInt(30);
                List<PutRecordsRequestEntry> batch = new ArrayList<>(n);
                List<String> payloads = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    int k = random.nextInt(KEYS_PER_PRODUCER);
                    String key = producer + ":" + k;
                    String payload = key + ":" + counters[k]++;
                    batch.add(PutRecordsRequestEntry.of(key, payload.getBytes(StandardCharsets.UTF_8)));
                    payloads.add(payload);
                }
                PutRecordsResult result = engine.putRecords("s", batch);
                assertEquals(0, result.failedRecordCount(), () -> "failures: " + result.records());
                for (int i = 0; i < n; i++) {
                    PutRecordsResultEntry.Success success = (PutRecordsResultEntry.Success) result.records().get(i);
                    acked.put(payloads.get(i), new String[] {success.shardId(), success.sequenceNumber()});
                }
                produced += n;
                ackCount.addAndGet(n);
            }
        }
    }

    /** Alternates splits, merges and shard count updates, each after more records were acknowledged. */
    private static int reshard(StreamEngine engine, AtomicLong ackCount) {
        Random random = new Random(99);
        for (int op = 0; op < RESHARDS; op++) {
            long wanted = ackCount.get() + RECORDS_BETWEEN_RESHARDS;
            while (ackCount.get() < wanted) {
                Thread.yield();
            }
            List<Shard> open = engine.listShards("s").stream()
                    .filter(s -> s.sequenceNumberRange().endingSequenceNumber().isEmpty())
                    .sorted((a, b) -> a.hashKeyRange().startingHashKey().compareTo(b.hashKeyRange().startingHashKey()))
                    .toList();
            int choice = op % 5 == 4 ? 2 : open.size() <= 2 ? 0 : open.size() >= 7 ? 1 : random.nextInt(2);
            if (choice == 0) {
                Shard s = open.get(random.nextInt(open.size()));
                BigInteger start = s.hashKeyRange().startingHashKey();
                BigInteger mid = start.add(s.hashKeyRange().endingHashKey().subtract(start).add(BigInteger.ONE).shiftRight(1));
                engine.splitShard("s", s.shardId(), mid.toString());
            } else if (choice == 1) {
                int i = random.nextInt(open.size() - 1);
                engine.mergeShards("s", open.get(i + 1).shardId(), open.get(i).shardId());
            } else {
                engine.updateShardCount("s", open.size() <= 3 ? open.size() + 2 : open.size() - 2);
            }
        }
        return RESHARDS;
    }

    /** Reads every shard to its end, each only after all its parents, checking exactly-once and per-key order. */
    private static void readByLineage(StreamEngine engine, Map<String, String[]> acked) {
        List<Shard> shards = engine.listShards("s");
        assertTrue(shards.size() > 3 + RESHARDS, "resharding happened: " + shards.size() + " shards");
        Map<String, Shard> byId = new LinkedHashMap<>();
        shards.forEach(s -> byId.put(s.shardId(), s));
        Set<String> finished = new HashSet<>();
        Set<String> seen = new HashSet<>();
        Map<String, Integer> lastPerKey = new HashMap<>();
        while (finished.size() < shards.size()) {
            boolean progress = false;
            for (Shard shard : byId.values()) {
                if (finished.contains(shard.shardId())
                        || shard.parentShardId().filter(p -> !finished.contains(p)).isPresent()
                        || shard.adjacentParentShardId().filter(p -> !finished.contains(p)).isPresent()) {
                    continue;
                }
                readShard(engine, shard, byId, acked, seen, lastPerKey);
                finished.add(shard.shardId());
                progress = true;
            }
            assertTrue(progress, "lineage has no cycle");
        }
        assertEquals(acked.size(), seen.size(), "every acknowledged record read");
        assertTrue(acked.size() >= PRODUCERS * MIN_RECORDS_PER_PRODUCER);
    }

    private static void readShard(StreamEngine engine, Shard shard, Map<String, Shard> byId, Map<String, String[]> acked,
                                  Set<String> seen, Map<String, Integer> lastPerKey) {
        boolean closed = shard.sequenceNumberRange().endingSequenceNumber().isPresent();
        String iterator = engine.getShardIterator("s", shard.shardId(), ShardIteratorType.trimHorizon());
        BigInteger previous = BigInteger.valueOf(-1);
        while (true) {
            GetRecordsResult result = engine.getRecords(iterator, 1_000);
            for (StreamRecord r : result.records()) {
                BigInteger sequence = new BigInteger(r.sequenceNumber());
                assertTrue(sequence.compareTo(previous) > 0, "sequence order in " + shard.shardId());
                previous = sequence;
                String payload = new String(r.dataBytes(), StandardCharsets.UTF_8);
                assertTrue(seen.add(payload), "duplicate " + payload);
                String[] ack = acked.get(payload);
                assertNotNull(ack, "read a record never acknowledged: " + payload);
                assertEquals(shard.shardId(), ack[0], payload);
                assertEquals(r.sequenceNumber(), ack[1], payload);
                String[] parts = payload.split(":"); // producer:key:counter
                int counter = Integer.parseInt(parts[2]);
                Integer last = lastPerKey.put(r.partitionKey(), counter);
                if (last != null && last >= counter) {
                    fail("key " + r.partitionKey() + " read " + counter + " after " + last + " (in " + shard.shardId() + ")");
                }
            }
            if (result.nextShardIterator().isEmpty()) {
                assertTrue(closed, "only a closed shard ends: " + shard.shardId());
                Set<String> expected = new HashSet<>();
                for (Shard s : byId.values()) {
                    if (s.parentShardId().equals(Optional.of(shard.shardId()))
                            || s.adjacentParentShardId().equals(Optional.of(shard.shardId()))) {
                        expected.add(s.shardId());
                    }
                }
                Set<String> children = new HashSet<>();
                result.childShards().forEach(c -> children.add(c.shardId()));
                assertEquals(expected, children, "children of " + shard.shardId());
                return;
            }
            assertTrue(result.childShards().isEmpty());
            if (!closed && result.records().isEmpty()) {
                return;
            }
            iterator = result.nextShardIterator().get();
        }
    }
}
