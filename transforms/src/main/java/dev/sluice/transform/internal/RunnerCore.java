package dev.sluice.transform.internal;

import dev.sluice.stream.Ticker;
import dev.sluice.stream.internal.Backoff;
import dev.sluice.transform.ErrorCode;
import dev.sluice.transform.ProcessingRequest;
import dev.sluice.transform.ProcessingResponse;
import dev.sluice.transform.ProcessingResult;
import dev.sluice.transform.SourceRecord;
import dev.sluice.transform.TransformException;
import dev.sluice.transform.TransformFunction;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The transform runner's engine: invocation buffer, bounded worker pool, attempts with timeout and retry, and
 * ordered publication.
 *
 * <p>Design note.
 * <ul>
 *   <li><b>Buffer</b> (guarded by {@link #lock}): records accumulate until the next one would push the
 *       buffer past the size limit, the size is reached, the oldest record has waited the interval (a
 *       {@link TickerScheduler} task tagged with the buffer's generation), or a record id repeats (ids must be
 *       unique within one invocation). Sealing turns the buffer into a {@link Batch} handed to the pool.</li>
 *   <li><b>Threads</b>: {@code maxConcurrency} daemon workers {@code sluice-transform-<name>-<n>} run chains and
 *       function attempts; one daemon {@code sluice-transform-<name>-timer} runs the scheduler. Nothing else
 *       runs user code, so user code never runs on a caller's thread. Futures are completed by workers, except
 *       those a forced {@link #close} fails, which the closing thread completes.</li>
 *   <li><b>Attempts</b>: a function call runs on a worker while a scheduler task waits for
 *       {@code start + timeout} on the ticker. Whichever finishes first wins a compare-and-set in
 *       {@link Attempt}; the loser's outcome is discarded. A timed-out call is interrupted; if it ignores the
 *       interrupt its worker stays busy until the call returns (the concurrency bound holds even for abandoned
 *       calls), and the retry waits for a free worker. Failed attempts are retried after
 *       {@code backoff * 2^(n-1)} (capped) on the ticker; after the last one every invoked record fails with
 *       the last attempt's code.</li>
 *   <li><b>Results</b>: each source record's results are set once ({@link Submission}); {@link Publisher}
 *       completes futures in submission order. Any unexpected exception in this class fails the affected
 *       records with {@link ErrorCode#INTERNAL_FAILURE} instead of losing them.</li>
 * </ul>
 */
public final class RunnerCore {

    private final RunnerSettings settings;
    private final Backoff backoff;
    private final Chain chain;
    private final Ticker ticker;
    private final TickerScheduler scheduler;
    private final ThreadPoolExecutor workers;
    private final RunnerMetrics metrics;
    private final Publisher publisher = new Publisher();

    private final Object lock = new Object();
    private ArrayList<Pending> buffer = new ArrayList<>();
    private final HashSet<String> bufferIds = new HashSet<>();
    private long bufferBytes;
    private long generation;
    private boolean closed;

    public RunnerCore(RunnerSettings settings, Chain chain) {
        this.settings = settings;
        this.backoff = new Backoff(settings.retryBackoff(), settings.maxRetryBackoff(), 0);
        this.chain = chain;
        this.ticker = settings.ticker();
        String prefix = "sluice-transform-" + settings.name() + "-";
        AtomicInteger threadNumber = new AtomicInteger();
        this.workers = new ThreadPoolExecutor(settings.maxConcurrency(), settings.maxConcurrency(), 0, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), runnable -> {
                    Thread thread = new Thread(runnable, prefix + threadNumber.incrementAndGet());
                    thread.setDaemon(true);
                    return thread;
                });
        this.metrics = new RunnerMetrics(settings.meterRegistry(), settings.name());
        this.scheduler = new TickerScheduler(ticker, prefix + "timer");
        this.scheduler.start();
    }

    /** A source record waiting in the buffer or being processed. */
    private record Pending(Submission submission, int index) {
        SourceRecord record() {
            return submission.records.get(index);
        }
    }

    /** One invocation's records and its chain run; touched by one thread at a time. */
    private static final class Batch {
        final List<Pending> pendings;
        ChainRun run;
        List<SourceRecord> invoked;

        Batch(List<Pending> pendings) {
            this.pendings = pendings;
        }
    }

    public CompletableFuture<ProcessingResponse> submit(List<SourceRecord> records) {
        List<SourceRecord> accepted = List.copyOf(records);
        Submission submission = new Submission(accepted);
        List<Batch> sealed = new ArrayList<>(1);
        synchronized (lock) {
            if (closed) {
                throw new TransformException(ErrorCode.RUNNER_CLOSED, "transform runner '" + settings.name()
                        + "' is closed; its " + accepted.size() + " record(s) were not accepted; create a new runner");
            }
            publisher.register(submission);
            for (int i = 0; i < accepted.size(); i++) {
                SourceRecord record = accepted.get(i);
                long size = record.data().remaining();
                if (!buffer.isEmpty() && (bufferIds.contains(record.recordId())
                        || bufferBytes + size > settings.bufferSizeBytes())) {
                    sealed.add(seal());
                }
                if (buffer.isEmpty() && !settings.bufferInterval().isZero()) {
                    long flushGeneration = generation;
                    scheduler.schedule(ticker.read() + settings.bufferInterval().toNanos(),
                            () -> flushIfStill(flushGeneration));
                }
                buffer.add(new Pending(submission, i));
                bufferIds.add(record.recordId());
                bufferBytes += size;
                if (bufferBytes >= settings.bufferSizeBytes()) {
                    sealed.add(seal());
                }
            }
            if (settings.bufferInterval().isZero() && !buffer.isEmpty()) {
                sealed.add(seal());
            }
        }
        for (Batch batch : sealed) {
            dispatch(() -> start(batch));
        }
        if (accepted.isEmpty()) {
            // Published by a worker, so future callbacks never run on the submitting thread.
            dispatch(publisher::publish);
        }
        return submission.future;
    }

    /** Stops accepting, invokes what is buffered, waits up to {@code timeout}, then fails what is left. */
    public void close(Duration timeout) {
        Batch last = null;
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            if (!buffer.isEmpty()) {
                last = seal();
            }
        }
        if (last != null) {
            Batch batch = last;
            dispatch(() -> start(batch));
        }
        publisher.closing();
        dispatch(publisher::publish);
        if (!publisher.awaitDrained(timeout)) {
            publisher.failRemaining(ErrorCode.RUNNER_CLOSED, "transform runner '" + settings.name()
                    + "' closed before this record finished processing (close timeout " + timeout + ")");
        }
        scheduler.shutdown();
        workers.shutdownNow();
        metrics.close();
    }

    private Batch seal() {
        Batch batch = new Batch(buffer);
        buffer = new ArrayList<>();
        bufferIds.clear();
        bufferBytes = 0;
        generation++;
        return batch;
    }

    private void flushIfStill(long flushGeneration) {
        Batch batch = null;
        synchronized (lock) {
            if (generation == flushGeneration && !buffer.isEmpty()) {
                batch = seal();
            }
        }
        if (batch != null) {
            Batch sealed = batch;
            dispatch(() -> start(sealed));
        }
    }

    private void start(Batch batch) {
        try {
            List<SourceRecord> records = new ArrayList<>(batch.pendings.size());
            for (Pending pending : batch.pendings) {
                records.add(pending.record());
            }
            long begin = ticker.read();
            batch.run = ChainRun.of(records);
            batch.run.run(chain.before());
            if (chain.function().isPresent() && batch.run.hasLive()) {
                batch.invoked = batch.run.prepareInvocation();
                attempt(batch, 1);
            } else {
                metrics.invocation(ticker.read() - begin, true);
                finish(batch);
            }
        } catch (Throwable t) {
            failBatch(batch, t);
        }
    }

    private void attempt(Batch batch, int number) {
        try {
            TransformFunction function = chain.function().orElseThrow();
            ProcessingRequest request = new ProcessingRequest(UUID.randomUUID().toString(),
                    settings.deliveryStreamArn(), settings.region(), settings.sourceKinesisStreamArn(), batch.invoked);
            Attempt attempt = new Attempt(Thread.currentThread());
            long begin = ticker.read();
            TickerScheduler.Task timeout = scheduler.schedule(begin + settings.invocationTimeout().toNanos(),
                    () -> expire(batch, number, attempt, begin));
            LambdaCall.Outcome outcome = LambdaCall.invoke(function, request);
            boolean won = attempt.finish();
            // An interrupt aimed at this attempt may land after the call returned; it must not leak into the next task.
            Thread.interrupted();
            if (!won) {
                return;
            }
            timeout.cancel();
            metrics.invocation(ticker.read() - begin, outcome.succeeded());
            onOutcome(batch, number, outcome);
        } catch (Throwable t) {
            failBatch(batch, t);
        }
    }

    private void expire(Batch batch, int number, Attempt attempt, long begin) {
        if (!attempt.timeOut()) {
            return;
        }
        metrics.invocation(ticker.read() - begin, false);
        LambdaCall.Outcome outcome = LambdaCall.Outcome.failure(ErrorCode.INVOKE_TIMEOUT, "transform did not return"
                + " within the invocation timeout of " + settings.invocationTimeout() + "; it was interrupted and any"
                + " late result is discarded");
        dispatch(() -> onOutcome(batch, number, outcome));
    }

    private void onOutcome(Batch batch, int number, LambdaCall.Outcome outcome) {
        try {
            if (outcome.succeeded()) {
                batch.run.applyResults(outcome.results());
                finish(batch);
                return;
            }
            if (number <= settings.numberOfRetries()) {
                long backoff = backoffNanos(number);
                Runnable retry = () -> dispatch(() -> attempt(batch, number + 1));
                if (backoff == 0) {
                    retry.run();
                } else {
                    scheduler.schedule(ticker.read() + backoff, retry);
                }
                return;
            }
            batch.run.failInvoked(outcome.errorCode(), "invocation failed after " + number + " attempt(s): "
                    + outcome.errorCode().code() + ": " + outcome.problem());
            finish(batch);
        } catch (Throwable t) {
            failBatch(batch, t);
        }
    }

    /** Backoff before attempt {@code failed + 1}: base, 2 x base, 4 x base, ... capped. */
    private long backoffNanos(int failed) {
        return backoff.delayNanos(failed);
    }

    private void finish(Batch batch) {
        batch.run.run(chain.after());
        List<List<ProcessingResult>> bySource = batch.run.resultsBySource();
        metrics.processed(bySource);
        for (int i = 0; i < batch.pendings.size(); i++) {
            Pending pending = batch.pendings.get(i);
            pending.submission().resolve(pending.index(), bySource.get(i));
        }
        publisher.publish();
    }

    private void failBatch(Batch batch, Throwable failure) {
        String problem = "internal failure in transform runner '" + settings.name() + "': "
                + LambdaCall.describe(failure);
        for (Pending pending : batch.pendings) {
            String id = pending.record().recordId();
            pending.submission().resolve(pending.index(), List.of(new ProcessingResult.ProcessingFailed(id,
                    ErrorCode.INTERNAL_FAILURE, "record '" + id + "': " + problem)));
        }
        publisher.publish();
    }

    private void dispatch(Runnable task) {
        try {
            workers.execute(task);
        } catch (RejectedExecutionException e) {
            // Only after close() gave up waiting: every record was already failed with RUNNER_CLOSED.
            if (!workers.isShutdown()) {
                throw e;
            }
        }
    }
}
