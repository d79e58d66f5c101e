package dev.sluice.stream;

import dev.sluice.stream.testing.ManualClock;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Consumer applications on in-memory storage, driven by a manual clock. */
class ConsumerApplicationTest {

    private static final String STREAM = "orders";
    private static final String SHARD0 = "shardId-000000000000";

    private final ManualClock time = new ManualClock();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final List<ConsumerApplication> applications = new ArrayList<>();
    private StreamEngine engine = StreamEngine.builder().clock(time).ticker(time).meterRegistry(registry).build();

    @AfterEach
    void close() {
        applications.forEach(ConsumerApplication::close);
        engine.close();
    }

    /** A processor that records what it receives, by shard, and optionally checkpoints every batch. */
    static final class Recording implements RecordProcessor {
        final Map<String, List<ConsumerRecord>> byShard = new ConcurrentHashMap<>();
        final Set<String> threads = ConcurrentHashMap.newKeySet();
        final List<ShutdownInput> shutdowns = new CopyOnWriteArrayList<>();
        final boolean checkpointEveryBatch;

        Recording(boolean checkpointEveryBatch) {
            this.checkpointEveryBatch = checkpointEveryBatch;
        }

        @Override
        public void processRecords(ProcessRecordsInput input) {
            threads.add(Thread.currentThread().getName());
            byShard.computeIfAbsent(input.shardId(), k -> new CopyOnWriteArrayList<>()).addAll(input.records());
            if (checkpointEveryBatch) {
                input.checkpointer().checkpoint();
            }
        }

        @Override
        public void shutdown(ShutdownInput input) {
            shutdowns.add(input);
        }

        int count() {
            return byShard.values().stream().mapToInt(List::size).sum();
        }

        List<String> sequenceNumbers(String shardId) {
            return byShard.getOrDefault(shardId, List.of()).stream().map(ConsumerRecord::sequenceNumber).toList();
        }
    }

    private ConsumerApplication.Builder app(String name, RecordProcessor processor) {
        return ConsumerApplication.builder(engine).applicationName(name).streamName(STREAM)
                .initialPosition(ShardIteratorType.trimHorizon()).processor(processor).pollInterval(Duration.ofMillis(200));
    }

    private ConsumerApplication start(ConsumerApplication.Builder builder) {
        ConsumerApplication application = builder.build();
        applications.add(application);
        return application;
    }

    /** Waits, moving the manual clock 100 ms per check so polls and back-offs come due. */
    private void awaitWithTime(BooleanSupplier condition) {
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(2)).until(() -> {
            time.advance(Duration.ofMillis(100));
            return condition.getAsBoolean();
        });
    }

    private List<PutRecordResult> put(int count, String prefix) {
        List<PutRecordResult> results = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            results.add(engine.putRecord(STREAM, "key-" + (i % 37), (prefix + i).getBytes(StandardCharsets.UTF_8)));
        }
        return results;
    }

    private static Map<String, List<String>> expectedByShard(List<PutRecordResult> puts) {
        Map<String, List<String>> expected = new ConcurrentHashMap<>();
        puts.forEach(p -> expected.computeIfAbsent(p.shardId(), k -> new ArrayList<>()).add(p.sequenceNumber()));
        return expected;
    }

    @Test
    void processRecords_severalShards_deliversEveryRecordOnceInSequenceOrder() {
        engine.createStream(STREAM, 4);
        List<PutRecordResult> puts = put(200, "r");
        Recording processor = new Recording(false);
        start(app("billing", processor).threads(2).maxRecords(7));

        awaitWithTime(() -> processor.count() >= 200);

        expectedByShard(puts).forEach((shard, sequences) -> assertEquals(sequences, processor.sequenceNumbers(shard)));
        assertEquals(200, processor.count());
        assertTrue(processor.threads.stream().allMatch(n -> n.matches("sluice-consumer-billing-[01]")), processor.threads.toString());
    }

    @Test
    void build_twoApplicationsOnOneStream_eachReadsEveryRecordIndependently() {
        engine.createStream(STREAM, 2);
        List<PutRecordResult> puts = put(50, "r");
        Recording billing = new Recording(true);
        Recording audit = new Recording(false);
        start(app("billing", billing));
        start(app("audit", audit).threads(1));

        awaitWithTime(() -> billing.count() >= 50 && audit.count() >= 50);

        expectedByShard(puts).forEach((shard, sequences) -> {
            assertEquals(sequences, billing.sequenceNumbers(shard));
            assertEquals(sequences, audit.sequenceNumbers(shard));
        });
    }

    @Test
    void enhancedFanOut_registersTheApplicationAsAConsumer_readsEverything_andReusesTheRegistration() {
        engine.createStream(STREAM, 2);
        List<PutRecordResult> puts = put(60, "r");
        Recording fan = new Recording(true);
        Recording polling = new Recording(false);
        ConsumerApplication fanApp = start(app("fan", fan).enhancedFanOut(true));
        start(app("polling", polling));
        awaitWithTime(() -> fan.count() >= 60 && polling.count() >= 60);
        expectedByShard(puts).forEach((shard, sequences) -> {
            assertEquals(sequences, fan.sequenceNumbers(shard));
            assertEquals(sequences, polling.sequenceNumbers(shard));
        });
        assertEquals(List.of("fan"), engine.listStreamConsumers(STREAM).stream().map(StreamConsumer::consumerName).toList());

        fanApp.close();
        applications.remove(fanApp);
        List<PutRecordResult> more = put(10, "s");
        Recording again = new Recording(true);
        start(app("fan", again).enhancedFanOut(true));
        awaitWithTime(() -> again.count() >= 10);
        assertEquals(1, engine.describeStreamSummary(STREAM).consumerCount(), "the registration is reused");
        expectedByShard(more).forEach((shard, sequences) -> assertEquals(sequences, again.sequenceNumbers(shard)));
    }

    @Test
    void build_sameNameWhileRunning_throwsResourceInUse() {
        engine.createStream(STREAM, 1);
        start(app("billing", new Recording(false)));
        StreamException e = assertThrows(StreamException.class, () -> app("billing", new Recording(false)).build());
        assertEquals(ErrorCode.RESOURCE_IN_USE, e.code());
    }

    @Test
    void build_invalidOptions_throwsNamingTheOption() {
        engine.createStream(STREAM, 1);
        StreamException position = assertThrows(StreamException.class,
                () -> app("a", new Recording(false)).initialPosition(ShardIteratorType.atSequenceNumber("1")).build());
        assertEquals("initialPosition must be TRIM_HORIZON, LATEST or AT_TIMESTAMP but was AT_SEQUENCE_NUMBER", position.getMessage());
        assertEquals(ErrorCode.INVALID_ARGUMENT, position.errorCode());
        StreamException threads = assertThrows(StreamException.class,
                () -> app("a", new Recording(false)).threads(0).build());
        assertEquals("threads must be in [1, 64] but was 0", threads.getMessage());
        assertEquals(ErrorCode.INVALID_ARGUMENT, assertThrows(StreamException.class,
                () -> app("..", new Recording(false)).build()).errorCode());
        StreamException missing = assertThrows(StreamException.class,
                () -> app("a", new Recording(false)).streamName("nope").build());
        assertEquals(ErrorCode.RESOURCE_NOT_FOUND, missing.code());
    }

    @Test
    void build_initialPositionLatest_readsOnlyNewRecords() {
        engine.createStream(STREAM, 1);
        put(5, "old");
        Recording processor = new Recording(false);
        start(app("billing", processor).initialPosition(ShardIteratorType.latest()));
        // the first successful GetRecords means the LATEST iterator has been taken
        awaitWithTime(() -> registry.get("GetRecords.Success").counters().stream().mapToDouble(c -> c.count()).sum() >= 1);
        List<PutRecordResult> fresh = put(3, "new");
        awaitWithTime(() -> processor.count() >= 3);
        assertEquals(fresh.stream().map(PutRecordResult::sequenceNumber).toList(), processor.sequenceNumbers(SHARD0));
    }

    @Test
    void checkpoint_closeAndBuildAgain_resumesAfterTheCheckpoint() {
        engine.createStream(STREAM, 1);
        List<PutRecordResult> puts = put(10, "r");
        String fifth = puts.get(4).sequenceNumber();
        List<String> first = new CopyOnWriteArrayList<>();
        ConsumerApplication application = start(app("billing", input -> {
            input.records().forEach(r -> first.add(r.sequenceNumber()));
            if (first.contains(fifth) && input.records().stream().anyMatch(r -> r.sequenceNumber().equals(fifth))) {
                input.checkpointer().checkpoint(fifth);
            }
        }).maxRecords(3));
        awaitWithTime(() -> first.size() >= 10);
        application.close();
        List<PutRecordResult> more = put(2, "more");

        Recording second = new Recording(false);
        start(app("billing", second));
        awaitWithTime(() -> second.count() >= 7);

        List<String> expected = new ArrayList<>();
        puts.subList(5, 10).forEach(p -> expected.add(p.sequenceNumber()));
        more.forEach(p -> expected.add(p.sequenceNumber()));
        assertEquals(expected, second.sequenceNumbers(SHARD0));
    }

    @Test
    void checkpoint_pastLastDeliveredRecord_throwsIllegalArgument() {
        engine.createStream(STREAM, 1);
        List<PutRecordResult> puts = put(3, "r");
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        CountDownLatch called = new CountDownLatch(1);
        start(app("billing", input -> {
            try {
                input.checkpointer().checkpoint(puts.get(2).sequenceNumber());
            } catch (IllegalArgumentException e) {
                thrown.set(e);
            }
            called.countDown();
        }).maxRecords(1));
        awaitWithTime(() -> called.getCount() == 0);
        assertTrue(thrown.get().getMessage().contains("after the last record delivered"), thrown.get().getMessage());
    }

    @Test
    void processRecords_throwsWithRetryPolicy_redeliversSameBatchThenGoesOn() {
        engine.createStream(STREAM, 1);
        List<PutRecordResult> puts = put(4, "r");
        List<ConsumerFailure> failures = new CopyOnWriteArrayList<>();
        List<List<String>> deliveries = new CopyOnWriteArrayList<>();
        AtomicInteger calls = new AtomicInteger();
        start(app("billing", input -> {
            deliveries.add(input.records().stream().map(ConsumerRecord::sequenceNumber).toList());
            if (calls.incrementAndGet() <= 2) {
                throw new IllegalStateException("downstream unavailable");
            }
            input.checkpointer().checkpoint();
        }).maxRecords(2).exceptionHandler(failure -> {
            failures.add(failure);
            return ConsumerExceptionHandler.Action.RETRY;
        }));

        awaitWithTime(() -> deliveries.size() >= 4);

        List<String> firstBatch = List.of(puts.get(0).sequenceNumber(), puts.get(1).sequenceNumber());
        List<String> secondBatch = List.of(puts.get(2).sequenceNumber(), puts.get(3).sequenceNumber());
        assertEquals(List.of(firstBatch, firstBatch, firstBatch, secondBatch), deliveries);
        assertEquals(List.of(1, 2), failures.stream().map(ConsumerFailure::attempt).toList());
        assertEquals("downstream unavailable", failures.get(0).cause().getMessage());
        assertEquals(SHARD0, failures.get(0).shardId());
    }

    @Test
    void processRecords_throwsWithStopShardPolicy_stopsOnlyThatShardAndKeepsItsPlace() {
        engine.createStream(STREAM, 2);
        List<PutRecordResult> puts = put(40, "r");
        Map<String, List<String>> expected = expectedByShard(puts);
        List<ConsumerFailure> failures = new CopyOnWriteArrayList<>();
        Recording good = new Recording(true);
        ConsumerApplication application = start(app("billing", input -> {
            if (input.shardId().equals(SHARD0)) {
                throw new IllegalStateException("poison");
            }
            good.processRecords(input);
        }).exceptionHandler(failure -> {
            failures.add(failure);
            return ConsumerExceptionHandler.Action.STOP_SHARD;
        }));
        String shard1 = "shardId-000000000001";
        awaitWithTime(() -> good.sequenceNumbers(shard1).size() >= expected.get(shard1).size() && !failures.isEmpty());
        time.advance(Duration.ofSeconds(5));
        assertEquals(1, failures.size()); // stopped: never retried
        application.close();

        Recording after = new Recording(true);
        start(app("billing", after));
        awaitWithTime(() -> after.sequenceNumbers(SHARD0).size() >= expected.get(SHARD0).size());
        assertEquals(expected.get(SHARD0), after.sequenceNumbers(SHARD0)); // from the start: nothing skipped
        assertTrue(after.sequenceNumbers(shard1).isEmpty()); // checkpointed to its end
    }

    @Test
    void getRecords_throttledByManyApplications_retriedWithoutLoss() {
        engine.createStream(CreateStreamRequest.of(STREAM, 1)
                .withShardLimits(new ShardLimits(1 << 20, 1_000, 2 << 20, 1)));
        List<PutRecordResult> puts = put(30, "r");
        List<Recording> processors = List.of(new Recording(true), new Recording(true), new Recording(true));
        for (int i = 0; i < processors.size(); i++) {
            start(app("app" + i, processors.get(i)).maxRecords(4).pollInterval(Duration.ZERO));
        }

        awaitWithTime(() -> processors.stream().allMatch(p -> p.count() >= 30));

        List<String> expected = puts.stream().map(PutRecordResult::sequenceNumber).toList();
        processors.forEach(p -> assertEquals(expected, p.sequenceNumbers(SHARD0)));
        double throttled = registry.get("ReadProvisionedThroughputExceeded").counters().stream()
                .mapToDouble(c -> c.count()).sum();
        assertTrue(throttled > 0, "reads should have been throttled");
    }

    @Test
    void close_duringBatch_letsItFinishCallsShutdownHookAndStopsThreads() throws Exception {
        engine.createStream(STREAM, 1);
        List<PutRecordResult> puts = put(3, "r");
        CountDownLatch inBatch = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicReference<Checkpointer> checkpointer = new AtomicReference<>();
        List<String> processed = new CopyOnWriteArrayList<>();
        List<ShutdownInput> shutdowns = new CopyOnWriteArrayList<>();
        ConsumerApplication application = start(app("billing", new RecordProcessor() {
            @Override
            public void processRecords(ProcessRecordsInput input) {
                checkpointer.set(input.checkpointer());
                inBatch.countDown();
                try {
                    assertTrue(release.await(10, TimeUnit.SECONDS));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                input.records().forEach(r -> processed.add(r.sequenceNumber()));
            }

            @Override
            public void shutdown(ShutdownInput input) {
                shutdowns.add(input);
                input.checkpointer().checkpoint();
            }
        }));
        awaitWithTime(() -> inBatch.getCount() == 0);

        Thread closer = new Thread(application::close, "closer");
        closer.start();
        await().atMost(Duration.ofSeconds(5)).until(() -> closer.getState() == Thread.State.WAITING
                || closer.getState() == Thread.State.TIMED_WAITING);
        assertTrue(shutdowns.isEmpty(), "shutdown waits for the in-flight batch");
        release.countDown();
        closer.join(10_000);

        assertFalse(closer.isAlive());
        assertEquals(puts.stream().map(PutRecordResult::sequenceNumber).toList(), processed);
        assertEquals(1, shutdowns.size());
        assertEquals(ShutdownInput.Reason.REQUESTED, shutdowns.get(0).reason());
        assertTrue(Thread.getAllStackTraces().keySet().stream().noneMatch(t -> t.getName().startsWith("sluice-consumer-billing-")));
        IllegalStateException closed = assertThrows(IllegalStateException.class, () -> checkpointer.get().checkpoint());
        assertEquals("consumer application billing is closed; checkpoints are no longer accepted", closed.getMessage());
        assertTrue(registry.find("MillisBehindLatest").gauges().isEmpty());

        Recording resumed = new Recording(false);
        start(app("billing", resumed));
        put(1, "after");
        awaitWithTime(() -> resumed.count() >= 1);
        assertEquals(1, resumed.count()); // the shutdown hook's checkpoint covered the first three
    }

    @Test
    void millisBehindLatest_readBehindNewestRecord_reportsLagPerApplicationAndShard() {
        engine.createStream(STREAM, 1);
        put(3, "r");
        time.advance(Duration.ofSeconds(5));
        CountDownLatch firstBatch = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        List<Duration> lags = new CopyOnWriteArrayList<>();
        start(app("billing", input -> {
            lags.add(input.millisBehindLatest());
            firstBatch.countDown();
            try {
                assertTrue(release.await(10, TimeUnit.SECONDS));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }).maxRecords(1));
        await().atMost(Duration.ofSeconds(10)).until(() -> firstBatch.getCount() == 0);

        Gauge gauge = registry.get("MillisBehindLatest").tag("application", "billing").tag("stream", STREAM)
                .tag("shard", SHARD0).gauge();
        assertEquals(5_000.0, gauge.value());
        assertEquals(Duration.ofSeconds(5), lags.get(0));
        release.countDown();
        awaitWithTime(() -> lags.size() >= 3);
        assertEquals(0.0, gauge.value());
        assertEquals(Duration.ZERO, lags.get(2));
    }
}
