package dev.sluice.transform;

import dev.sluice.stream.testing.ManualClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.sluice.transform.TestRecords.failed;
import static dev.sluice.transform.TestRecords.gzip;
import static dev.sluice.transform.TestRecords.numbered;
import static dev.sluice.transform.TestRecords.okText;
import static dev.sluice.transform.TestRecords.record;
import static dev.sluice.transform.TransformRunnerTest.WAIT;
import static dev.sluice.transform.TransformRunnerTest.assertStill;
import static dev.sluice.transform.TransformRunnerTest.get;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every way an invocation can fail, with timeouts and backoff driven by a manual clock. */
class TransformRunnerFailureTest {

    private final ManualClock clock = new ManualClock();
    private final List<TransformRunner> runners = new ArrayList<>();
    private final CountDownLatch releaseAll = new CountDownLatch(1);

    @AfterEach
    void closeRunners() {
        releaseAll.countDown();
        runners.forEach(runner -> runner.close(Duration.ofSeconds(5)));
    }

    private TransformRunner start(ScriptedFunction function, int retries, Duration backoff, int concurrency) {
        return start(TransformRunner.builder().name("failing").processor(Processor.lambda(function)).ticker(clock)
                .bufferInterval(Duration.ZERO).invocationTimeout(Duration.ofSeconds(10)).numberOfRetries(retries)
                .retryBackoff(backoff).maxConcurrency(concurrency));
    }

    private TransformRunner start(TransformRunner.Builder builder) {
        TransformRunner runner = builder.build();
        runners.add(runner);
        return runner;
    }

    private static void assertAllFailed(ProcessingResponse response, ErrorCode code, String messagePart) {
        assertFalse(response.records().isEmpty());
        for (ProcessingResult result : response.records()) {
            ProcessingResult.ProcessingFailed failure = failed(result, code, result.recordId());
            assertTrue(failure.errorMessage().contains(messagePart), failure.errorMessage());
        }
    }

    @Test
    void submit_whenCallOutlivesTimeout_interruptsItAndFailsAllRecordsWithInvokeTimeoutAfterRetries() throws Exception {
        ScriptedFunction function = new ScriptedFunction((request, call) -> {
            releaseAll.await();
            return ScriptedFunction.echo(request);
        });
        TransformRunner runner = start(function, 1, Duration.ZERO, 1);
        CompletableFuture<ProcessingResponse> future = runner.submit(numbered("r", 2));
        await().atMost(WAIT).until(() -> function.calls.get() == 1);

        clock.advance(Duration.ofMillis(9_999));
        assertStill(() -> !future.isDone() && function.calls.get() == 1);
        clock.advance(Duration.ofMillis(1));
        await().atMost(WAIT).until(() -> function.calls.get() == 2);
        assertEquals(1, function.interrupted.get());
        clock.advance(Duration.ofSeconds(10));

        assertAllFailed(get(future), ErrorCode.INVOKE_TIMEOUT, "invocation failed after 2 attempt(s): Lambda.InvokeTimeout");
        await().atMost(WAIT).until(() -> function.interrupted.get() == 2);
    }

    @Test
    void submit_whenTimedOutCallIgnoresInterrupt_itKeepsItsThreadAndItsLateResultIsDiscarded() throws Exception {
        CountDownLatch releaseZombie = new CountDownLatch(1);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        AtomicInteger interrupts = new AtomicInteger();
        ScriptedFunction zombieFirst = new ScriptedFunction((request, call) -> {
            if (call == 1) {
                ignoreInterruptsUntil(releaseZombie, interrupts);
                return ScriptedFunction.answerAll(request, "late");
            }
            return ScriptedFunction.answerAll(request, "fresh");
        });
        TransformRunner runner = start(TransformRunner.builder().name("zombie").processor(Processor.lambda(zombieFirst))
                .ticker(clock).bufferInterval(Duration.ZERO).invocationTimeout(Duration.ofSeconds(10)).numberOfRetries(1)
                .retryBackoff(Duration.ZERO).maxConcurrency(1).meterRegistry(registry));
        CompletableFuture<ProcessingResponse> future = runner.submit(numbered("r", 3));
        await().atMost(WAIT).until(() -> zombieFirst.calls.get() == 1);

        clock.advance(Duration.ofSeconds(10));
        await().atMost(WAIT).until(() -> interrupts.get() >= 1);
        assertEquals(1, zombieFirst.calls.get(), "the retry must wait: the abandoned call still holds the only worker");
        assertFalse(future.isDone());
        releaseZombie.countDown();

        assertEquals(List.of("fresh", "fresh", "fresh"), get(future).records().stream().map(TestRecords::okText).toList());
        assertEquals(2, zombieFirst.calls.get());
        assertEquals(3.0, registry.get("SucceedProcessing.Records").counter().count());
        assertEquals(2, registry.get("ExecuteProcessing.Success").summary().count());
    }

    /** Blocks like a call stuck in native code: interrupts are counted and ignored. */
    private static void ignoreInterruptsUntil(CountDownLatch release, AtomicInteger interrupts) {
        boolean done = false;
        while (!done) {
            try {
                release.await();
                done = true;
            } catch (InterruptedException e) {
                interrupts.incrementAndGet();
            }
        }
    }

    @Test
    void submit_whenTimedOutCallIgnoresInterrupt_retryRunsOnAnotherThreadMeanwhile() throws Exception {
        CountDownLatch releaseZombie = new CountDownLatch(1);
        AtomicInteger zombieReturned = new AtomicInteger();
        ScriptedFunction function = new ScriptedFunction((request, call) -> {
            if (call == 1) {
                ignoreInterruptsUntil(releaseZombie, new AtomicInteger());
                zombieReturned.incrementAndGet();
                return ScriptedFunction.answerAll(request, "late");
            }
            return ScriptedFunction.answerAll(request, "fresh");
        });
        TransformRunner runner = start(function, 1, Duration.ZERO, 2);
        CompletableFuture<ProcessingResponse> future = runner.submit(numbered("r", 2));
        await().atMost(WAIT).until(() -> function.calls.get() == 1);

        clock.advance(Duration.ofSeconds(10));

        assertEquals(List.of("fresh", "fresh"), get(future).records().stream().map(TestRecords::okText).toList());
        assertEquals(0, zombieReturned.get());
        releaseZombie.countDown();
        await().atMost(WAIT).until(() -> zombieReturned.get() == 1);
        assertEquals(List.of("fresh", "fresh"), future.join().records().stream().map(TestRecords::okText).toList());
    }

    @Test
    void submit_whenFunctionReturnsFewerIds_failsEveryRecordWithMissingRecordId() throws Exception {
        ScriptedFunction function = new ScriptedFunction((request, call) -> new ProcessingResponse(
                ScriptedFunction.echo(request).records().subList(0, 2)));
        TransformRunner runner = start(function, 3, Duration.ZERO, 1);

        ProcessingResponse response = get(runner.submit(numbered("r", 3)));

        assertAllFailed(response, ErrorCode.MISSING_RECORD_ID, "after 4 attempt(s): Lambda.MissingRecordId: transform"
                + " returned 2 of 3 record ids; missing [r2]");
        assertEquals(4, function.calls.get());
    }

    @Test
    void submit_whenFunctionReturnsUnknownId_failsEveryRecordWithUnknownRecordId() throws Exception {
        ScriptedFunction function = new ScriptedFunction((request, call) -> {
            List<ProcessingResult> results = new ArrayList<>(ScriptedFunction.echo(request).records());
            results.set(1, new ProcessingResult.Dropped("invented"));
            return new ProcessingResponse(results);
        });
        TransformRunner runner = start(function, 0, Duration.ZERO, 1);

        assertAllFailed(get(runner.submit(numbered("r", 2))), ErrorCode.UNKNOWN_RECORD_ID, "[invented]");
    }

    @Test
    void submit_whenFunctionReturnsDuplicateId_failsEveryRecordWithDuplicatedRecordId() throws Exception {
        ScriptedFunction function = new ScriptedFunction((request, call) -> {
            List<ProcessingResult> results = new ArrayList<>(ScriptedFunction.echo(request).records());
            results.add(new ProcessingResult.Dropped(request.records().get(0).recordId()));
            return new ProcessingResponse(results);
        });
        TransformRunner runner = start(function, 0, Duration.ZERO, 1);

        assertAllFailed(get(runner.submit(numbered("r", 2))), ErrorCode.DUPLICATED_RECORD_ID, "more than once: [r0]");
    }

    @Test
    void submit_whenFunctionReturnsNull_failsWithFunctionError() throws Exception {
        TransformRunner runner = start(new ScriptedFunction((request, call) -> null), 0, Duration.ZERO, 1);

        assertAllFailed(get(runner.submit(numbered("r", 1))), ErrorCode.FUNCTION_ERROR, "returned null");
    }

    @Test
    void submit_whenSomeInvocationsThrow_failsOnlyTheirRecords() throws Exception {
        ScriptedFunction function = new ScriptedFunction((request, call) -> {
            if (request.records().get(0).recordId().startsWith("bad")) {
                throw new IllegalArgumentException("cannot handle " + request.records().get(0).recordId());
            }
            return ScriptedFunction.echo(request);
        });
        TransformRunner runner = start(function, 1, Duration.ZERO, 2);

        CompletableFuture<ProcessingResponse> good1 = runner.submit(numbered("good1-", 2));
        CompletableFuture<ProcessingResponse> bad = runner.submit(numbered("bad-", 2));
        CompletableFuture<ProcessingResponse> good2 = runner.submit(numbered("good2-", 2));

        assertEquals(List.of("{\"n\":0}", "{\"n\":1}"), get(good1).records().stream().map(TestRecords::okText).toList());
        assertAllFailed(get(bad), ErrorCode.FUNCTION_ERROR,
                "after 2 attempt(s): Lambda.FunctionError: transform threw java.lang.IllegalArgumentException: cannot handle bad-0");
        assertEquals(2, get(good2).records().size());
        assertEquals(4, function.calls.get());
    }

    @Test
    void submit_whenEveryAttemptFails_waitsDoublingBackoffOnTheTickerThenFails() throws Exception {
        ScriptedFunction function = new ScriptedFunction((request, call) -> {
            throw new IllegalStateException("attempt " + call);
        });
        TransformRunner runner = start(function, 2, Duration.ofSeconds(1), 1);
        CompletableFuture<ProcessingResponse> future = runner.submit(numbered("r", 2));
        await().atMost(WAIT).until(() -> function.calls.get() == 1);

        clock.advance(Duration.ofMillis(999));
        assertStill(() -> function.calls.get() == 1);
        clock.advance(Duration.ofMillis(1));
        await().atMost(WAIT).until(() -> function.calls.get() == 2);
        clock.advance(Duration.ofMillis(1_999));
        assertStill(() -> function.calls.get() == 2 && !future.isDone());
        clock.advance(Duration.ofMillis(1));

        assertAllFailed(get(future), ErrorCode.FUNCTION_ERROR, "after 3 attempt(s): Lambda.FunctionError: transform"
                + " threw java.lang.IllegalStateException: attempt 3");
        assertEquals(3, function.calls.get());
    }

    @Test
    void submit_whenFunctionSucceedsOnALaterAttempt_returnsItsResultsOnceWithFreshInvocationIds() throws Exception {
        ScriptedFunction function = new ScriptedFunction((request, call) -> {
            if (call <= 2) {
                throw new IllegalStateException("flaky");
            }
            return ScriptedFunction.echo(request);
        });
        TransformRunner runner = start(function, 3, Duration.ofSeconds(1), 1);
        CompletableFuture<ProcessingResponse> future = runner.submit(numbered("r", 3));
        await().atMost(WAIT).until(() -> function.calls.get() == 1);
        clock.advance(Duration.ofSeconds(1));
        await().atMost(WAIT).until(() -> function.calls.get() == 2);
        clock.advance(Duration.ofSeconds(2));

        ProcessingResponse response = get(future);

        assertEquals(List.of("r0", "r1", "r2"), response.records().stream().map(ProcessingResult::recordId).toList());
        assertEquals(List.of("{\"n\":0}", "{\"n\":1}", "{\"n\":2}"), response.records().stream().map(TestRecords::okText).toList());
        assertEquals(3, function.calls.get());
        assertEquals(function.ids(1), function.ids(3));
        assertEquals(3, new HashSet<>(function.requests.stream().map(ProcessingRequest::invocationId).toList()).size());
    }

    @Test
    void submit_underConcurrentLoad_neverRunsMoreInvocationsThanMaxConcurrency() throws Exception {
        AtomicInteger active = new AtomicInteger();
        AtomicInteger maxActive = new AtomicInteger();
        CountDownLatch release = new CountDownLatch(1);
        ScriptedFunction function = new ScriptedFunction((request, call) -> {
            int now = active.incrementAndGet();
            maxActive.accumulateAndGet(now, Math::max);
            try {
                release.await();
                return ScriptedFunction.echo(request);
            } finally {
                active.decrementAndGet();
            }
        });
        TransformRunner runner = start(function, 0, Duration.ZERO, 3);
        List<CompletableFuture<ProcessingResponse>> futures = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            futures.add(runner.submit(numbered("b" + i + "-", 2)));
        }

        await().atMost(WAIT).until(() -> active.get() == 3);
        assertEquals(3, function.calls.get());
        release.countDown();

        for (CompletableFuture<ProcessingResponse> future : futures) {
            assertEquals(2, get(future).records().size());
        }
        assertEquals(12, function.calls.get());
        assertEquals(3, maxActive.get());
    }

    @Test
    void submit_whenJsonHandlerAnswersGarbage_failsWithJsonProcessingAfterRetries() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        TransformRunner runner = start(TransformRunner.builder().name("json").ticker(clock).bufferInterval(Duration.ZERO)
                .retryBackoff(Duration.ZERO).processor(Processor.lambda(FirehoseJson.adapt((in, out) -> {
                    calls.incrementAndGet();
                    out.write("not json".getBytes(StandardCharsets.UTF_8));
                }))));

        assertAllFailed(get(runner.submit(numbered("r", 2))), ErrorCode.JSON_PROCESSING, "after 4 attempt(s)");
        assertEquals(4, calls.get());
    }

    @Test
    void submit_withFanOutBeforeLambda_answersEachSourceRecordThroughItsDerivedRecords() throws Exception {
        ScriptedFunction function = new ScriptedFunction((request, call) -> {
            List<ProcessingResult> results = new ArrayList<>();
            for (SourceRecord record : request.records()) {
                String text = TestRecords.text(record.data());
                results.add(text.contains("\"message\":\"drop\"") ? new ProcessingResult.Dropped(record.recordId())
                        : new ProcessingResult.Ok(record.recordId(), record.data(), java.util.Map.of()));
            }
            return new ProcessingResponse(results);
        });
        TransformRunner runner = start(TransformRunner.builder().name("cw").ticker(clock).bufferInterval(Duration.ZERO)
                .processor(Processor.chain(Processor.cloudWatchLogs(), Processor.lambda(function),
                        Processor.projectFields("message"))));
        String logs = "{\"messageType\":\"DATA_MESSAGE\",\"logGroup\":\"g\",\"logStream\":\"s\",\"owner\":\"o\","
                + "\"logEvents\":[{\"id\":\"1\",\"timestamp\":1,\"message\":\"keep\"},"
                + "{\"id\":\"2\",\"timestamp\":2,\"message\":\"drop\"}]}";

        List<ProcessingResult> results = get(runner.submit(List.of(record("cw", gzip(logs)),
                record("broken", "not gzip, not json")))).records();

        assertEquals(List.of("cw.0", "cw.1"), function.ids(1));
        assertEquals(List.of("cw.0", "cw.1", "broken"), results.stream().map(ProcessingResult::recordId).toList());
        assertEquals("{\"message\":\"keep\"}", okText(results.get(0)));
        assertEquals(new ProcessingResult.Dropped("cw.1"), results.get(1));
        failed(results.get(2), ErrorCode.MALFORMED_JSON, "broken");
    }
}
