package dev.sluice.transform.internal;

import dev.sluice.transform.ErrorCode;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Completes submissions strictly in submission order, whatever order their invocations finish in.
 *
 * <p>Design note: submissions are queued under the runner's buffer lock, so queue order is buffer order.
 * {@link #publish()} completes the longest resolved prefix under {@link #publishLock}; completing inside the
 * lock is what makes completion order observable to callbacks (dependent stages attached without
 * {@code *Async} run right there, in order, on a runner thread, and must not block). Once closing, the
 * {@link #drained} future completes when the queue is empty.
 */
final class Publisher {

    private final ConcurrentLinkedQueue<Submission> queue = new ConcurrentLinkedQueue<>();
    private final Object publishLock = new Object();
    private final CompletableFuture<Void> drained = new CompletableFuture<>();
    private volatile boolean closing;

    /** Appends a submission; the caller holds the runner's buffer lock. */
    void register(Submission submission) {
        queue.add(submission);
    }

    void publish() {
        synchronized (publishLock) {
            Submission head;
            while ((head = queue.peek()) != null && head.isResolved()) {
                queue.poll();
                head.complete();
            }
            if (closing && queue.isEmpty()) {
                drained.complete(null);
            }
        }
    }

    /**
     * Starts draining: {@link #awaitDrained} returns once every registered submission is complete. The caller
     * must make sure {@link #publish()} runs afterwards (it may already be drained).
     */
    void closing() {
        closing = true;
    }

    /**
     * Waits in real time (the caller's patience, not processing time) for the drain.
     *
     * @return whether everything completed in time; {@code false} also when interrupted (flag restored)
     */
    boolean awaitDrained(Duration timeout) {
        try {
            drained.get(Math.max(0, timeout.toNanos()), TimeUnit.NANOSECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (ExecutionException e) {
            throw new IllegalStateException("drain future cannot fail", e);
        }
    }

    /** Fails every record not yet resolved and publishes. */
    void failRemaining(ErrorCode code, String problem) {
        for (Submission submission : queue) {
            submission.failUnresolved(code, problem);
        }
        publish();
    }
}
