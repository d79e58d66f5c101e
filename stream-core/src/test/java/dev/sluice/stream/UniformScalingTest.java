package dev.sluice.stream;

import dev.sluice.stream.internal.KinesisLimits;
import dev.sluice.stream.testing.ManualClock;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * UpdateShardCount (UNIFORM_SCALING) reaches equal shards through splits and merges: for many from/to counts the
 * open shards' ranges differ by at most one hash key and cover the space without gap or overlap, and every record
 * written before and after reads back exactly once, in order per key, by a reader that finishes parents before
 * children; in memory, and durable across a restart (the steps are in the manifest).
 */
class UniformScalingTest {

    private static final BigInteger SPACE = KinesisLimits.MAX_HASH_KEY.add(BigInteger.ONE);
    private static final int KEYS = 40;

    @TempDir
    Path directory;

    private final ManualClock time = new ManualClock();

    private StreamEngine engine(boolean durable) {
        StreamEngine.Builder builder = StreamEngine.builder().clock(time).ticker(time).throttleMode(ThrottleMode.OFF);
        if (durable) {
            builder.storage(Storage.durable(directory));
        }
        return builder.build();
    }

    @ParameterizedTest(name = "{0} -> {1}, durable {2}")
    @CsvSource({"1, 2, false", "2, 1, false", "4, 3, false", "3, 5, false", "3, 4, false", "5, 3, false",
            "4, 8, false", "8, 4, false", "6, 7, false", "7, 13, false", "13, 7, false", "10, 5, false",
            "5, 10, false", "6, 4, false", "9, 10, false", "4, 3, true", "3, 5, true", "7, 13, true"})
    void updateShardCount_leavesEqualShardsCoveringTheSpace_andEveryRecordReadsBackOnceByLineage(int from, int to,
                                                                                               boolean durable) {
        Map<String, List<String>> written = new LinkedHashMap<>();
        List<Shard> after;
        try (StreamEngine engine = engine(durable)) {
            engine.createStream("u", from);
            assertUniform(engine.listShards("u"), from);
            put(engine, "before", written);
            engine.updateShardCount("u", to);
            after = engine.listShards("u");
            assertUniform(after, to);
            assertEquals(to, engine.describeStreamSummary("u").openShardCount());
            put(engine, "after", written);
            if (!durable) {
                readByLineage(engine, written);
                return;
            }
        }
        try (StreamEngine restarted = engine(true)) {
            assertEquals(after, restarted.listShards("u"), "the resharding steps are in the manifest");
            put(restarted, "restarted", written);
            readByLineage(restarted, written);
        }
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({"4, 3", "3, 5", "4, 6", "6, 4", "1, 2", "8, 4"})
    void updateShardCount_usesSplitsAndMergesWithLineage_andAnUnchangedCountIsANoOp(int from, int to) {
        try (StreamEngine engine = engine(false)) {
            engine.createStream("u", from);
            engine.updateShardCount("u", to);
            List<Shard> shards = engine.listShards("u");
            Map<String, Shard> byId = new HashMap<>();
            shards.forEach(s -> byId.put(s.shardId(), s));
            for (Shard shard : shards.subList(from, shards.size())) {
                Shard parent = byId.get(shard.parentShardId().orElseThrow());
                assertTrue(parent.sequenceNumberRange().endingSequenceNumber().isPresent(), "parent closed: " + shard);
                BigInteger start = parent.hashKeyRange().startingHashKey();
                BigInteger end = parent.hashKeyRange().endingHashKey();
                if (shard.adjacentParentShardId().isPresent()) { // merge: the child covers both parents
                    Shard adjacent = byId.get(shard.adjacentParentShardId().get());
                    assertEquals(end.add(BigInteger.ONE), adjacent.hashKeyRange().startingHashKey(), "adjacent");
                    end = adjacent.hashKeyRange().endingHashKey();
                    assertEquals(new HashKeyRange(start, end), shard.hashKeyRange());
                } else { // split: the child is the low or high part of its parent
                    HashKeyRange range = shard.hashKeyRange();
                    assertTrue(range.startingHashKey().equals(start) || range.endingHashKey().equals(end), "split part");
                }
            }
            engine.updateShardCount("u", to);
            assertEquals(shards, engine.listShards("u"), "already uniform: nothing to do");
        }
    }

    private void put(StreamEngine engine, String phase, Map<String, List<String>> written) {
        for (int i = 0; i < KEYS; i++) {
            String key = "key-" + i;
            String payload = phase + ":" + key;
            engine.putRecord("u", key, payload.getBytes(StandardCharsets.UTF_8));
            written.computeIfAbsent(key, k -> new ArrayList<>()).add(payload);
        }
        time.advance(java.time.Duration.ofSeconds(1));
    }

    /** Open shards sorted by range: contiguous from 0 to 2^128 - 1, sizes within one hash key. */
    private static void assertUniform(List<Shard> shards, int count) {
        List<Shard> open = new ArrayList<>(shards.stream()
                .filter(s -> s.sequenceNumberRange().endingSequenceNumber().isEmpty()).toList());
        open.sort(Comparator.comparing(s -> s.hashKeyRange().startingHashKey()));
        assertEquals(count, open.size());
        BigInteger next = BigInteger.ZERO;
        BigInteger smallest = null;
        BigInteger largest = null;
        for (Shard s : open) {
            assertEquals(next, s.hashKeyRange().startingHashKey(), "gap or overlap before " + s);
            next = s.hashKeyRange().endingHashKey().add(BigInteger.ONE);
            BigInteger size = next.subtract(s.hashKeyRange().startingHashKey());
            smallest = smallest == null ? size : smallest.min(size);
            largest = largest == null ? size : largest.max(size);
        }
        assertEquals(SPACE, next, "covers the space");
        assertTrue(largest.subtract(smallest).compareTo(BigInteger.ONE) <= 0,
                "sizes within one hash key: " + smallest + " to " + largest);
        BigInteger ideal = SPACE.divide(BigInteger.valueOf(count));
        assertTrue(smallest.equals(ideal) || largest.equals(ideal), "each shard holds 2^128 / " + count + " keys");
    }

    /** Reads each shard to its end only after its parents: every record once, in write order per key. */
    private static void readByLineage(StreamEngine engine, Map<String, List<String>> written) {
        List<Shard> shards = engine.listShards("u");
        Set<String> finished = new HashSet<>();
        Map<String, List<String>> read = new HashMap<>();
        while (finished.size() < shards.size()) {
            boolean progress = false;
            for (Shard shard : shards) {
                if (finished.contains(shard.shardId()) || !finished.containsAll(parents(shard))) {
                    continue;
                }
                String iterator = engine.getShardIterator("u", shard.shardId(), ShardIteratorType.trimHorizon());
                while (iterator != null) {
                    GetRecordsResult result = engine.getRecords(iterator);
                    for (StreamRecord r : result.records()) {
                        read.computeIfAbsent(r.partitionKey(), k -> new ArrayList<>())
                                .add(new String(r.dataBytes(), StandardCharsets.UTF_8));
                    }
                    boolean open = shard.sequenceNumberRange().endingSequenceNumber().isEmpty();
                    iterator = open && result.records().isEmpty() ? null : result.nextShardIterator().orElse(null);
                }
                finished.add(shard.shardId());
                progress = true;
            }
            assertTrue(progress, "lineage has no cycle");
        }
        assertEquals(written, sorted(read, written), "every record once, in order per key");
    }

    private static Set<String> parents(Shard shard) {
        Set<String> parents = new HashSet<>();
        shard.parentShardId().ifPresent(parents::add);
        shard.adjacentParentShardId().ifPresent(parents::add);
        return parents;
    }

    private static Map<String, List<String>> sorted(Map<String, List<String>> read, Map<String, List<String>> order) {
        Map<String, List<String>> sorted = new LinkedHashMap<>();
        order.keySet().forEach(k -> sorted.put(k, read.getOrDefault(k, List.of())));
        assertEquals(order.keySet(), read.keySet(), "no record under an unknown key");
        return sorted;
    }
}
