package dev.sluice.transform;

import dev.sluice.stream.testing.ManualClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static dev.sluice.transform.TestRecords.failed;
import static dev.sluice.transform.TestRecords.numbered;
import static dev.sluice.transform.TestRecords.okText;
import static dev.sluice.transform.TestRecords.record;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Buffering, ordering, threads, metrics, lifecycle and configuration of {@link TransformRunner}. */
class TransformRunnerTest {

    static final Duration WAIT = Duration.ofSeconds(10);
    /**
     * How long a "not yet" must hold: the runner's scheduler re-reads the ticker every 5 ms of real time, so an
     * action scheduled too early would fire well within this window.
     */
    static final Duration STILL = Duration.ofMillis(100);

    /** Asserts that {@code condition} stays true for {@link #STILL}. */
    static void assertStill(java.util.concurrent.Callable<Boolean> condition) {
        await().during(STILL).atMost(STILL.multipliedBy(20)).until(condition);
    }

    private final ManualClock clock = new ManualClock();
    private final List<TransformRunner> runners = new ArrayList<>();

    @AfterEach
    void closeRunners() {
        runners.forEach(runner -> runner.close(Duration.ofSeconds(5)));
    }

    private TransformRunner start(TransformRunner.Builder builder) {
        TransformRunner runner = builder.build();
        runners.add(runner);
        return runner;
    }

    private TransformRunner.Builder builder(TransformFunction function) {
        return TransformRunner.builder().name("test").processor(Processor.lambda(function)).ticker(clock)
                .retryBackoff(Duration.ZERO);
    }

    static ProcessingResponse get(CompletableFuture<ProcessingResponse> future) throws Exception {
        return future.get(WAIT.toSeconds(), TimeUnit.SECONDS);
    }

    @Test
    void submit_whenBufferReachesSize_invokesWithoutWaitingForTheInterval() throws Exception {
        ScriptedFunction function = ScriptedFunction.echo();
        TransformRunner runner = start(builder(function).bufferSizeBytes(21).bufferInterval(Duration.ofSeconds(60)));

        CompletableFuture<ProcessingResponse> full = runner.submit(numbered("r", 3));

        assertEquals(3, get(full).records().size());
        assertEquals(List.of("r0", "r1", "r2"), function.ids(1));
        CompletableFuture<ProcessingResponse> partial = runner.submit(numbered("s", 2));
        assertFalse(partial.isDone());
        assertEquals(1, function.calls.get());
    }

    @Test
    void submit_whenIntervalElapsesOnManualClock_invokesWithPartialBuffer() throws Exception {
        ScriptedFunction function = ScriptedFunction.echo();
        TransformRunner runner = start(builder(function).bufferInterval(Duration.ofSeconds(60)));

        CompletableFuture<ProcessingResponse> first = runner.submit(numbered("a", 2));
        clock.advance(Duration.ofSeconds(30));
        CompletableFuture<ProcessingResponse> second = runner.submit(numbered("b", 1));
        clock.advance(Duration.ofMillis(29_999));
        assertStill(() -> !first.isDone() && function.calls.get() == 0);

        clock.advance(Duration.ofMillis(1));

        assertEquals(List.of("a0", "a1"), get(first).records().stream().map(ProcessingResult::recordId).toList());
        assertEquals(1, get(second).records().size());
        assertEquals(List.of("a0", "a1", "b0"), function.ids(1));
    }

    @Test
    void submit_withMillisecondInterval_flushesAfterThatInterval() throws Exception {
        ScriptedFunction function = ScriptedFunction.echo();
        TransformRunner runner = start(builder(function).bufferInterval(Duration.ofMillis(5)));

        CompletableFuture<ProcessingResponse> future = runner.submit(numbered("a", 1));
        clock.advance(Duration.ofMillis(5));

        assertEquals(1, get(future).records().size());
    }

    @Test
    void submit_withZeroInterval_invokesOncePerSubmitCall() throws Exception {
        ScriptedFunction function = ScriptedFunction.echo();
        TransformRunner runner = start(builder(function).bufferInterval(Duration.ZERO));

        get(runner.submit(numbered("a", 3)));
        get(runner.submit(numbered("b", 2)));

        assertEquals(List.of("a0", "a1", "a2"), function.ids(1));
        assertEquals(List.of("b0", "b1"), function.ids(2));
    }

    @Test
    void submit_whenNextRecordWouldExceedBufferSize_startsANewInvocation() throws Exception {
        ScriptedFunction function = ScriptedFunction.echo();
        TransformRunner runner = start(builder(function).bufferSizeBytes(16).bufferInterval(Duration.ZERO).maxConcurrency(1));

        get(runner.submit(List.of(record("a", "12345678"), record("b", "12345678"), record("c", "1234567890"),
                record("d", "1234567890123456789"))));

        assertEquals(List.of(List.of("a", "b"), List.of("c"), List.of("d")),
                List.of(function.ids(1), function.ids(2), function.ids(3)));
    }

    @Test
    void submit_withRepeatedRecordId_neverPutsTheSameIdTwiceInOneInvocation() throws Exception {
        ScriptedFunction function = ScriptedFunction.echo();
        TransformRunner runner = start(builder(function).bufferInterval(Duration.ZERO).maxConcurrency(1));

        ProcessingResponse response = get(runner.submit(List.of(record("x", "1"), record("y", "2"), record("x", "3"))));

        assertEquals(List.of("x", "y"), function.ids(1));
        assertEquals(List.of("x"), function.ids(2));
        assertEquals(List.of("1", "2", "3"), response.records().stream().map(TestRecords::okText).toList());
    }

    @Test
    void submit_whenInvocationsFinishOutOfOrder_completesFuturesInSubmissionOrder() throws Exception {
        CountDownLatch releaseFirst = new CountDownLatch(1);
        ScriptedFunction function = new ScriptedFunction((request, call) -> {
            if (request.records().get(0).recordId().equals("s0")) {
                releaseFirst.await();
            }
            return ScriptedFunction.echo(request);
        });
        TransformRunner runner = start(builder(function).bufferInterval(Duration.ZERO).maxConcurrency(3));
        List<String> completions = Collections.synchronizedList(new ArrayList<>());
        List<CompletableFuture<ProcessingResponse>> futures = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            String id = "s" + i;
            futures.add(runner.submit(List.of(record(id, id))));
            futures.get(i).thenRun(() -> completions.add(id));
        }

        await().atMost(WAIT).until(() -> function.returned.get() == 2);
        assertFalse(futures.get(1).isDone());
        assertFalse(futures.get(2).isDone());
        releaseFirst.countDown();

        for (CompletableFuture<ProcessingResponse> future : futures) {
            get(future);
        }
        // A future is observably done before its dependent callbacks have run: wait for all three.
        await().atMost(WAIT).until(() -> completions.size() == 3);
        assertEquals(List.of("s0", "s1", "s2"), completions);
    }

    @Test
    void submit_fromManyThreads_answersEveryRecordExactlyOnceInOrder() throws Exception {
        ScriptedFunction function = new ScriptedFunction((request, call) -> {
            List<ProcessingResult> results = new ArrayList<>();
            for (SourceRecord record : request.records()) {
                String id = record.recordId();
                results.add(id.endsWith("3") ? new ProcessingResult.Dropped(id)
                        : new ProcessingResult.Ok(id, record.data(), Map.of()));
            }
            return new ProcessingResponse(results);
        });
        TransformRunner runner = start(builder(function).bufferSizeBytes(200).bufferInterval(Duration.ofMillis(1))
                .maxConcurrency(4));
        ExecutorService producers = Executors.newFixedThreadPool(4);
        List<Future<List<CompletableFuture<ProcessingResponse>>>> perThread = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            String thread = "t" + t;
            perThread.add(producers.submit(() -> {
                List<CompletableFuture<ProcessingResponse>> futures = new ArrayList<>();
                for (int s = 0; s < 50; s++) {
                    futures.add(runner.submit(numbered(thread + "-" + s + "-", 5)));
                }
                return futures;
            }));
        }
        List<List<CompletableFuture<ProcessingResponse>>> submitted = new ArrayList<>();
        for (Future<List<CompletableFuture<ProcessingResponse>>> futures : perThread) {
            submitted.add(futures.get(WAIT.toSeconds(), TimeUnit.SECONDS));
        }
        clock.advance(Duration.ofMillis(1));
        Map<String, Integer> answered = new HashMap<>();
        for (List<CompletableFuture<ProcessingResponse>> futures : submitted) {
            for (CompletableFuture<ProcessingResponse> future : futures) {
                List<ProcessingResult> results = get(future).records();
                assertEquals(5, results.size());
                for (int i = 0; i < results.size(); i++) {
                    assertTrue(results.get(i).recordId().endsWith("-" + i), results.toString());
                    answered.merge(results.get(i).recordId(), 1, Integer::sum);
                }
            }
        }
        producers.shutdown();

        assertEquals(4 * 50 * 5, answered.size());
        assertTrue(answered.values().stream().allMatch(count -> count == 1));
        long invokedRecords = function.requests.stream().mapToLong(request -> request.records().size()).sum();
        assertEquals(4 * 50 * 5, invokedRecords);
    }

    @Test
    void runner_runsTransformsOnItsOwnNamedThreads() throws Exception {
        ScriptedFunction function = ScriptedFunction.echo();
        TransformRunner runner = start(builder(function).name("clicks").bufferInterval(Duration.ZERO).maxConcurrency(2));

        get(runner.submit(numbered("a", 1)));
        get(runner.submit(numbered("b", 1)));

        assertTrue(function.threadNames.stream().allMatch(name -> name.matches("sluice-transform-clicks-[12]")),
                function.threadNames.toString());
    }

    @Test
    void submit_completesFuturesOnRunnerThreadsNotOnTheSubmitter() throws Exception {
        TransformRunner runner = start(builder(ScriptedFunction.echo()).name("cb").bufferInterval(Duration.ofSeconds(1)));
        CompletableFuture<String> withRecords = runner.submit(numbered("a", 1)).thenApply(r -> Thread.currentThread().getName());
        CompletableFuture<String> empty = runner.submit(List.of()).thenApply(r -> Thread.currentThread().getName());

        clock.advance(Duration.ofSeconds(1));

        assertTrue(withRecords.get(WAIT.toSeconds(), TimeUnit.SECONDS).startsWith("sluice-transform-cb-"));
        assertTrue(empty.get(WAIT.toSeconds(), TimeUnit.SECONDS).startsWith("sluice-transform-cb-"));
    }

    @Test
    void runner_recordsFirehoseProcessingMetrics() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        ScriptedFunction function = new ScriptedFunction((request, call) -> {
            if (call == 2) {
                throw new IllegalStateException("second invocation fails");
            }
            String first = request.records().get(0).recordId();
            return new ProcessingResponse(List.of(new ProcessingResult.Ok(first, "abcd".getBytes()),
                    new ProcessingResult.Dropped(request.records().get(1).recordId())));
        });
        TransformRunner runner = start(builder(function).name("m").meterRegistry(registry).bufferInterval(Duration.ZERO)
                .numberOfRetries(0).maxConcurrency(1));

        get(runner.submit(numbered("a", 2)));
        get(runner.submit(numbered("b", 2)));

        assertEquals(2, registry.get("ExecuteProcessing.Duration").tag("DeliveryStreamName", "m").timer().count());
        assertEquals(2, registry.get("ExecuteProcessing.Success").summary().count());
        assertEquals(0.5, registry.get("ExecuteProcessing.Success").summary().mean());
        assertEquals(2.0, registry.get("SucceedProcessing.Records").counter().count());
        assertEquals(4.0, registry.get("SucceedProcessing.Bytes").counter().count());
    }

    @Test
    void close_withBufferedRecords_invokesThemAndCompletesTheirFutures() throws Exception {
        ScriptedFunction function = ScriptedFunction.echo();
        TransformRunner runner = builder(function).bufferInterval(Duration.ofSeconds(900)).build();
        CompletableFuture<ProcessingResponse> future = runner.submit(numbered("a", 3));

        runner.close();

        assertTrue(future.isDone());
        assertEquals(3, get(future).records().size());
        runner.close();
    }

    @Test
    void submit_afterClose_throwsRunnerClosed() {
        TransformRunner runner = builder(ScriptedFunction.echo()).build();
        runner.close();

        TransformException e = assertThrows(TransformException.class, () -> runner.submit(numbered("a", 1)));
        assertEquals(ErrorCode.RUNNER_CLOSED, e.errorCode());
        assertTrue(e.getMessage().contains("'test' is closed"), e.getMessage());
    }

    @Test
    void close_whenFunctionNeverReturns_failsInFlightRecordsWithRunnerClosed() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        ScriptedFunction stuck = new ScriptedFunction((request, call) -> {
            stuckCall(release);
            return ScriptedFunction.echo(request);
        });
        TransformRunner runner = builder(stuck).bufferInterval(Duration.ZERO).build();
        CompletableFuture<ProcessingResponse> future = runner.submit(numbered("a", 2));
        await().atMost(WAIT).until(() -> stuck.calls.get() == 1);

        runner.close(Duration.ofMillis(50));

        List<ProcessingResult> results = get(future).records();
        failed(results.get(0), ErrorCode.RUNNER_CLOSED, "a0");
        failed(results.get(1), ErrorCode.RUNNER_CLOSED, "a1");
        assertEquals(1, stuck.calls.get());
        release.countDown();
    }

    private static void stuckCall(CountDownLatch release) {
        boolean done = false;
        while (!done) {
            try {
                done = release.await(1, TimeUnit.DAYS);
            } catch (InterruptedException e) {
                // keeps running after interrupts, like a call stuck in native code
            }
        }
    }

    @Test
    void submit_withNoRecords_completesInSubmissionOrder() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        ScriptedFunction function = new ScriptedFunction((request, call) -> {
            release.await();
            return ScriptedFunction.echo(request);
        });
        TransformRunner runner = start(builder(function).bufferInterval(Duration.ZERO));
        CompletableFuture<ProcessingResponse> first = runner.submit(numbered("a", 1));

        CompletableFuture<ProcessingResponse> empty = runner.submit(List.of());

        assertFalse(empty.isDone());
        release.countDown();
        assertEquals(List.of(), get(empty).records());
        assertTrue(first.isDone());
    }

    @Test
    void submit_withBuiltInOnlyChain_processesOnRunnerThreads() throws Exception {
        TransformRunner runner = start(TransformRunner.builder().name("builtins").ticker(clock).bufferInterval(Duration.ZERO)
                .processor(Processor.chain(Processor.deaggregateJson(), Processor.projectFields("v"))));

        List<ProcessingResult> results = get(runner.submit(List.of(record("r", "{\"v\":1,\"w\":2}{\"v\":3}"),
                record("bad", "{")))).records();

        assertEquals(List.of("r.0", "r.1", "bad"), results.stream().map(ProcessingResult::recordId).toList());
        assertEquals("{\"v\":3}", okText(results.get(1)));
        assertInstanceOf(ProcessingResult.ProcessingFailed.class, results.get(2));
    }

    @Test
    void build_withInvalidSettings_throwsInvalidArgumentNamingSettingRangeAndValue() {
        Processor processor = Processor.appendNewline();
        assertInvalid("name must be 1 to 64 characters of [a-zA-Z0-9_.-] but was 'a b'",
                TransformRunner.builder().name("a b").processor(processor));
        assertInvalid("processor must be set but was null", TransformRunner.builder().name("n"));
        assertInvalid("bufferSizeBytes must be in [1, 3145728] but was 0",
                TransformRunner.builder().name("n").processor(processor).bufferSizeBytes(0));
        assertInvalid("bufferInterval must be in [PT0S, PT15M] but was PT15M0.001S",
                TransformRunner.builder().name("n").processor(processor).bufferInterval(Duration.ofMillis(900_001)));
        assertInvalid("invocationTimeout must be in (PT0S, PT15M] but was PT0S",
                TransformRunner.builder().name("n").processor(processor).invocationTimeout(Duration.ZERO));
        assertInvalid("numberOfRetries must be in [0, 300] but was -1",
                TransformRunner.builder().name("n").processor(processor).numberOfRetries(-1));
        assertInvalid("maxConcurrency must be in [1, 64] but was 65",
                TransformRunner.builder().name("n").processor(processor).maxConcurrency(65));
        assertInvalid("retryBackoff must be in [PT0S, PT2M] but was PT-1S",
                TransformRunner.builder().name("n").processor(processor).retryBackoff(Duration.ofSeconds(-1)));
        assertInvalid("deliveryStreamArn must look like arn:aws:firehose:<region>:<account>:deliverystream/<name> but was 'x'",
                TransformRunner.builder().name("n").processor(processor).deliveryStreamArn("x"));
    }

    private static void assertInvalid(String message, TransformRunner.Builder builder) {
        TransformException e = assertThrows(TransformException.class, builder::build);
        assertEquals(ErrorCode.INVALID_ARGUMENT, e.errorCode());
        assertEquals(message, e.getMessage());
    }

    @Test
    void submit_putsConfiguredArnsAndRegionInEveryRequest() throws Exception {
        ScriptedFunction function = ScriptedFunction.echo();
        TransformRunner runner = start(builder(function).bufferInterval(Duration.ZERO)
                .deliveryStreamArn("arn:aws:firehose:eu-west-1:123456789012:deliverystream/clicks")
                .sourceKinesisStreamArn("arn:aws:kinesis:eu-west-1:123456789012:stream/clicks"));

        get(runner.submit(numbered("a", 1)));

        ProcessingRequest request = function.requests.get(0);
        assertEquals("eu-west-1", request.region());
        assertEquals("arn:aws:firehose:eu-west-1:123456789012:deliverystream/clicks", request.deliveryStreamArn());
        assertEquals("arn:aws:kinesis:eu-west-1:123456789012:stream/clicks", request.sourceKinesisStreamArn().orElseThrow());
    }
}
