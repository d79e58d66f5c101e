package dev.sluice.stream;

import dev.sluice.stream.testing.ManualClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Consumer applications across SplitShard and MergeShards: every parent is processed to its end before any of its
 * children starts, so each partition key's records arrive in put order and exactly once. Real worker threads,
 * in-memory storage, a manual clock.
 */
class ConsumerReshardingTest {

    private static final String STREAM = "orders";
    private static final String SHARD0 = "shardId-000000000000";
    private static final String SHARD1 = "shardId-000000000001";
    private static final String SHARD2 = "shardId-000000000002";
    private static final String HALF = BigInteger.ONE.shiftLeft(127).toString();

    private final ManualClock time = new ManualClock();
    private final List<ConsumerApplication> applications = new ArrayList<>();
    private final StreamEngine engine = StreamEngine.builder().clock(time).ticker(time)
            .meterRegistry(new SimpleMeterRegistry()).throttleMode(ThrottleMode.OFF).build();

    @AfterEach
    void close() {
        applications.forEach(ConsumerApplication::close);
        engine.close();
    }

    /** One delivered record: its shard, partition key and payload. */
    private record Delivery(String shardId, String partitionKey, String data) {
    }

    /**
     * Records deliveries and shard ends in one global log, in the order the processor saw them; checkpoints every
     * batch.
     */
    private static final class Recording implements RecordProcessor {
        final List<Delivery> deliveries = new CopyOnWriteArrayList<>();
        /** {@code records:<shard>} per batch and {@code end:<shard>} per SHARD_END, in call order. */
        final List<String> events = new CopyOnWriteArrayList<>();

        @Override
        public void processRecords(ProcessRecordsInput input) {
            events.add("records:" + input.shardId());
            for (ConsumerRecord record : input.records()) {
                deliveries.add(new Delivery(input.shardId(), record.partitionKey(),
                        new String(record.dataBytes(), StandardCharsets.UTF_8)));
            }
            input.checkpointer().checkpoint();
        }

        @Override
        public void shutdown(ShutdownInput input) {
            if (input.reason() == ShutdownInput.Reason.SHARD_END) {
                events.add("end:" + input.shardId());
            }
        }

        int firstRecords(String shardId) {
            return events.indexOf("records:" + shardId);
        }

        int end(String shardId) {
            return events.indexOf("end:" + shardId);
        }

        Map<String, List<String>> byKey() {
            Map<String, List<String>> byKey = new LinkedHashMap<>();
            deliveries.forEach(d -> byKey.computeIfAbsent(d.partitionKey(), k -> new ArrayList<>()).add(d.data()));
            return byKey;
        }
    }

    private ConsumerApplication start(Recording processor, int threads) {
        ConsumerApplication application = ConsumerApplication.builder(engine).applicationName("billing")
                .streamName(STREAM).initialPosition(ShardIteratorType.trimHorizon()).processor(processor)
                .threads(threads).maxRecords(7).pollInterval(Duration.ofMillis(200)).build();
        applications.add(application);
        return application;
    }

    /** Waits, moving the manual clock 100 ms per check so polls come due. */
    private void awaitWithTime(BooleanSupplier condition) {
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(2)).until(() -> {
            time.advance(Duration.ofMillis(100));
            return condition.getAsBoolean();
        });
    }

    /** Puts {@code count} records over 10 keys; returns the payloads by key, in put order. */
    private Map<String, List<String>> put(int count, String prefix, Map<String, List<String>> expected) {
        for (int i = 0; i < count; i++) {
            String key = "key-" + (i % 10);
            String data = prefix + i;
            engine.putRecord(STREAM, key, data.getBytes(StandardCharsets.UTF_8));
            expected.computeIfAbsent(key, k -> new ArrayList<>()).add(data);
        }
        return expected;
    }

    private static void assertExactlyOnceInKeyOrder(Recording processor, Map<String, List<String>> expected) {
        int total = expected.values().stream().mapToInt(List::size).sum();
        assertEquals(total, processor.deliveries.size(), "each record once");
        assertEquals(total, new HashSet<>(processor.deliveries).size(), "no duplicates");
        assertEquals(expected, processor.byKey(), "per-key put order");
    }

    @Test
    void split_whileReading_parentRecordsBeforeChildrenPerKeyExactlyOnce() {
        engine.createStream(STREAM, 1);
        Map<String, List<String>> expected = put(100, "before-", new LinkedHashMap<>());
        Recording processor = new Recording();
        start(processor, 2);
        awaitWithTime(() -> !processor.deliveries.isEmpty());

        engine.splitShard(STREAM, SHARD0, HALF);
        put(100, "after-", expected);

        awaitWithTime(() -> processor.deliveries.size() >= 200);
        assertExactlyOnceInKeyOrder(processor, expected);
        int parentEnd = processor.end(SHARD0);
        assertTrue(parentEnd >= 0, "parent ended: " + processor.events);
        for (String child : List.of(SHARD1, SHARD2)) {
            assertTrue(processor.firstRecords(child) > parentEnd, child + " after its parent: " + processor.events);
        }
        assertTrue(processor.deliveries.stream().filter(d -> d.shardId().equals(SHARD0))
                .allMatch(d -> d.data().startsWith("before-")), "the parent holds the records put before the split");
    }

    @Test
    void merge_childStartsOnlyAfterBothParentsEnded() {
        engine.createStream(STREAM, 2);
        Map<String, List<String>> expected = put(100, "before-", new LinkedHashMap<>());
        Recording processor = new Recording();
        start(processor, 2);
        awaitWithTime(() -> !processor.deliveries.isEmpty());

        engine.mergeShards(STREAM, SHARD0, SHARD1);
        put(100, "after-", expected);

        awaitWithTime(() -> processor.deliveries.size() >= 200);
        assertExactlyOnceInKeyOrder(processor, expected);
        int child = processor.firstRecords(SHARD2);
        assertTrue(processor.end(SHARD0) >= 0 && processor.end(SHARD1) >= 0, "both parents ended: " + processor.events);
        assertTrue(child > processor.end(SHARD0) && child > processor.end(SHARD1),
                "the merged child after both parents: " + processor.events);
    }

    @Test
    void start_afterSplit_readsClosedParentBeforeChildren() {
        engine.createStream(STREAM, 1);
        Map<String, List<String>> expected = put(60, "before-", new LinkedHashMap<>());
        engine.splitShard(STREAM, SHARD0, HALF);
        put(60, "after-", expected);
        Recording processor = new Recording();
        start(processor, 3);

        awaitWithTime(() -> processor.deliveries.size() >= 120);
        assertExactlyOnceInKeyOrder(processor, expected);
        int parentEnd = processor.end(SHARD0);
        assertTrue(parentEnd >= 0, "parent ended: " + processor.events);
        assertTrue(processor.firstRecords(SHARD1) > parentEnd && processor.firstRecords(SHARD2) > parentEnd,
                "children after the parent: " + processor.events);
    }

    @Test
    void restart_afterParentEnded_skipsParentAndResumesChildrenFromCheckpoints() {
        engine.createStream(STREAM, 1);
        Map<String, List<String>> expected = put(60, "before-", new LinkedHashMap<>());
        engine.splitShard(STREAM, SHARD0, HALF);
        put(60, "after-", expected);
        Recording first = new Recording();
        ConsumerApplication application = start(first, 2);
        awaitWithTime(() -> first.deliveries.size() >= 120);
        assertTrue(first.end(SHARD0) >= 0, "parent ended before the restart");
        application.close();

        Map<String, List<String>> later = put(30, "later-", new LinkedHashMap<>());
        Recording second = new Recording();
        start(second, 2);

        awaitWithTime(() -> second.deliveries.size() >= 30);
        assertExactlyOnceInKeyOrder(second, later);
        assertFalse(second.events.stream().anyMatch(e -> e.endsWith(SHARD0)),
                "parent not read again: " + second.events);
        assertTrue(second.deliveries.stream().noneMatch(d -> d.shardId().equals(SHARD0)));
    }

    @Test
    void restart_whileParentUnfinished_childrenWaitForIt() {
        engine.createStream(STREAM, 1);
        Map<String, List<String>> expected = put(30, "before-", new LinkedHashMap<>());
        Recording first = new Recording();
        ConsumerApplication application = start(first, 1);
        awaitWithTime(() -> first.deliveries.size() >= 30);
        application.close();

        Map<String, List<String>> later = put(20, "unread-", new LinkedHashMap<>());
        engine.splitShard(STREAM, SHARD0, HALF);
        put(40, "after-", later);
        Recording second = new Recording();
        start(second, 2);

        awaitWithTime(() -> second.deliveries.size() >= 60);
        assertExactlyOnceInKeyOrder(second, later);
        int parentEnd = second.end(SHARD0);
        assertTrue(parentEnd >= 0 && second.firstRecords(SHARD1) > parentEnd && second.firstRecords(SHARD2) > parentEnd,
                "the parent resumes from its checkpoint and ends before the children: " + second.events);
        assertEquals(30, expected.values().stream().mapToInt(List::size).sum());
    }
}
