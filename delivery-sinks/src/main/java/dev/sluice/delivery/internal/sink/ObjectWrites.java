package dev.sluice.delivery.internal.sink;

import dev.sluice.delivery.DeliveryException;
import dev.sluice.delivery.ErrorCode;
import dev.sluice.delivery.SinkObject;
import dev.sluice.delivery.SinkOutcome;
import dev.sluice.delivery.SinkResult;
import dev.sluice.delivery.internal.buffer.Buffer;
import dev.sluice.stream.internal.Backoff;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.HashSet;
import java.util.Locale;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * Dispatch and retry: runs each object's attempts on the delivery threads and decides, after a failure, whether it is
 * tried again (and when) or given up.
 *
 * <p>Design note: everything but {@link #attempt} runs on the coordinator thread; an attempt runs on a delivery
 * thread and reports through {@link Outcomes} (from the sink's thread, for a sink that completes
 * {@link dev.sluice.delivery.Sink#writeAsync} later), which the coordinator turns into events on its own queue. Destination
 * writes are retried with {@link Backoff} while the error is retryable and the retry duration lasts; error-output and
 * backup writes are retried for ever, because they are where records go when nothing else works. A sink outage is
 * visible: WARN on an object's first failure, then at most one WARN per {@link #WARN_INTERVAL_NANOS} of ticker time
 * while objects keep failing, each naming the object, the cause and what happens next; INFO when a retried object
 * gets through.
 */
public final class ObjectWrites {

    /** At most one retry warning per this much ticker time, per delivery stream. */
    static final long WARN_INTERVAL_NANOS = TimeUnit.MINUTES.toNanos(1);
    private static final Logger LOG = LoggerFactory.getLogger(ObjectWrites.class);

    /**
     * Where an attempt's outcome goes; called on the delivery thread that made the attempt, or on the thread that
     * completed the sink's future.
     */
    public interface Outcomes {
        /** The object is in the sink (or there was nothing to write). */
        void committed(ObjectJob job, SinkOutcome outcome);

        /** The attempt threw. */
        void failed(ObjectJob job, Throwable cause);

        /**
         * The sink took the object and completes it later ({@link dev.sluice.delivery.Sink#writeAsync}, an Iceberg
         * commit): the delivery thread is free again. Called on that thread, after the sink returned its future
         * and, when the future completes quickly, possibly after the outcome.
         */
        default void inSink(ObjectJob job) {
        }
    }

    private record Retry(long due, long order, ObjectJob job) implements Comparable<Retry> {
        @Override
        public int compareTo(Retry o) {
            int c = Long.compare(due - o.due, 0);
            return c != 0 ? c : Long.compare(order, o.order);
        }
    }

    private final String streamName;
    private final Executor deliveryThreads;
    private final Outcomes outcomes;
    private final Backoff backoff;
    private final long retryDurationNanos;
    private final PriorityQueue<Retry> retries = new PriorityQueue<>();
    private final Set<String> failing = new HashSet<>();
    private long retrySequence;
    private long lastWarnTick;

    /**
     * Creates the dispatcher.
     *
     * @param streamName the delivery stream, for logs
     * @param deliveryThreads runs attempts
     * @param outcomes receives each attempt's outcome
     * @param retryBackoff the first back-off
     * @param retryDuration how long a destination object is retried
     */
    public ObjectWrites(String streamName, Executor deliveryThreads, Outcomes outcomes, Duration retryBackoff,
                        Duration retryDuration) {
        this.streamName = streamName;
        this.deliveryThreads = deliveryThreads;
        this.outcomes = outcomes;
        this.backoff = new Backoff(retryBackoff, Duration.ofMinutes(2), Backoff.FIREHOSE_JITTER);
        this.retryDurationNanos = retryDuration.toNanos();
    }

    /** Makes the first attempt of a sealed object. */
    public void submit(ObjectJob job, long now) {
        job.firstAttemptTick = now;
        dispatch(job);
    }

    private void dispatch(ObjectJob job) {
        job.attempts++;
        deliveryThreads.execute(() -> attempt(job));
    }

    /**
     * Runs on a delivery thread; the outcome is reported when the sink's future completes, which for a sink that
     * commits asynchronously is on its own thread, after this has returned.
     */
    private void attempt(ObjectJob job) {
        java.util.concurrent.CompletableFuture<SinkOutcome> written;
        try {
            SinkObject object = job.encode();
            if (object == null) {
                outcomes.committed(job, SinkOutcome.of(SinkResult.CREATED));
                return;
            }
            written = job.sink.writeReporting(object);
            if (written == null) {
                throw new IllegalStateException("sink " + job.sink + " returned no future from writeReporting");
            }
        } catch (Throwable t) {
            outcomes.failed(job, t);
            return;
        }
        if (!written.isDone()) {
            outcomes.inSink(job);
        }
        written.whenComplete((outcome, failure) -> {
            if (failure != null) {
                outcomes.failed(job, unwrap(failure));
            } else {
                outcomes.committed(job, outcome == null ? SinkOutcome.of(SinkResult.CREATED) : outcome);
            }
        });
    }

    /** The sink's own exception, out of the wrapper a dependent future adds. */
    private static Throwable unwrap(Throwable failure) {
        Throwable t = failure;
        while ((t instanceof java.util.concurrent.CompletionException
                || t instanceof java.util.concurrent.ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    /** Re-dispatches the retries that are due. */
    public void runDue(long now) {
        while (!retries.isEmpty() && now - retries.peek().due >= 0) {
            dispatch(retries.poll().job);
        }
    }

    /** Whether a retry is waiting (the coordinator then keeps reading the ticker). */
    public boolean hasRetries() {
        return !retries.isEmpty();
    }

    /** Notes a success; logs the recovery of an object that had failed. */
    public void succeeded(ObjectJob job) {
        if (job.attempts > 1 && failing.remove(job.key)) {
            LOG.info("delivery stream {}: object {} written after {} attempts; {} objects still failing",
                    streamName, job.key, job.attempts, failing.size());
        }
    }

    /**
     * Decides after a failed attempt.
     *
     * @return {@code true} when a retry is scheduled; {@code false} when the object is given up (a destination
     *         object whose error is not retryable or whose retry duration is spent): its records go to the error
     *         output
     */
    public boolean retry(ObjectJob job, Throwable cause, long now) {
        ErrorCode code = errorCode(cause);
        String message = message(cause);
        long delay = backoff.delayNanos(job.attempts);
        if (job.kind != Buffer.Kind.DATA) {
            warn(job, now, message, "for as long as it takes (error output and backup are never dropped)");
        } else if (code.isRetryable() && now + delay - job.firstAttemptTick <= retryDurationNanos) {
            long left = retryDurationNanos - (now - job.firstAttemptTick);
            warn(job, now, message, "for up to " + Duration.ofNanos(left).withNanos(0)
                    + " more, then its records go to the error output");
        } else {
            failing.remove(job.key);
            LOG.warn("delivery stream {}: object {} failed after {} attempts; {} records go to the error output: {}",
                    streamName, job.key, job.attempts, job.items.size(), message);
            return false;
        }
        retries.add(new Retry(now + delay, retrySequence++, job));
        return true;
    }

    private void warn(ObjectJob job, long now, String cause, String plan) {
        failing.add(job.key);
        if (job.attempts == 1 || now - lastWarnTick >= WARN_INTERVAL_NANOS) {
            lastWarnTick = now;
            LOG.warn("delivery stream {}: {} object {} failed (attempt {}; {} objects failing now), retrying {}: {}",
                    streamName, job.kind.name().toLowerCase(Locale.ROOT), job.key, job.attempts, failing.size(),
                    plan, cause);
        }
    }

    /** The code a failed attempt is reported under: the sink's own, or {@link ErrorCode#SINK_FAILED}. */
    public static ErrorCode errorCode(Throwable cause) {
        return cause instanceof DeliveryException e ? e.errorCode() : ErrorCode.SINK_FAILED;
    }

    /** The message a failed attempt is reported with. */
    public static String message(Throwable cause) {
        return cause instanceof DeliveryException ? cause.getMessage() : cause.toString();
    }
}
