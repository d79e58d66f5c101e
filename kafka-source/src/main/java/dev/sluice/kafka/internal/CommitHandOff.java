package dev.sluice.kafka.internal;

import dev.sluice.delivery.DeliveryException;
import dev.sluice.delivery.ErrorCode;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Hands offset commits from the delivery stream's coordinator thread to the consumer's poll thread, the only thread
 * that may touch a {@code KafkaConsumer}.
 *
 * <p>Design note: thread-safe. The coordinator calls {@link #commit}, which queues a {@link Request}, wakes the
 * consumer (a poll in progress ends with {@code WakeupException}) and waits. The poll thread runs queued requests
 * between polls and while it waits inside rebalance callbacks ({@link #runQueued}, {@link #awaitAndRun}). A request
 * is claimed by exactly one side: the poll thread moves it from QUEUED to RUNNING before it commits; a coordinator
 * whose wait expires moves it from QUEUED to CANCELLED and reports a failure, so nothing is committed behind its
 * back. A request already RUNNING is awaited to its end (the commit itself is bounded by the same timeout), so the
 * coordinator's view of what is stored matches the broker's, except when the commit itself times out: then the
 * outcome is unknown, the coordinator treats it as a failure and writes nothing, which is safe (see
 * {@code KafkaSource}). After {@link #close}, commits fail at once.
 */
public final class CommitHandOff {

    private static final int QUEUED = 0;
    private static final int RUNNING = 1;
    private static final int DONE = 2;
    private static final int CANCELLED = 3;

    private final LinkedBlockingQueue<Request> queue = new LinkedBlockingQueue<>();
    private final Runnable wake;
    private final Duration timeout;
    private final String source;
    private volatile DeliveryException closed;

    /**
     * Creates the hand-off.
     *
     * @param wake wakes the poll thread ({@code consumer::wakeup})
     * @param timeout how long a commit may take, queued and running each
     * @param source the source's description, for messages
     */
    public CommitHandOff(Runnable wake, Duration timeout, String source) {
        this.wake = wake;
        this.timeout = timeout;
        this.source = source;
    }

    /** One commit of one partition's offset. */
    public static final class Request {
        final String partition;
        final OffsetAndMetadata offset;
        private final AtomicInteger state = new AtomicInteger(QUEUED);
        private final CountDownLatch done = new CountDownLatch(1);
        private volatile DeliveryException failure;

        Request(String partition, OffsetAndMetadata offset) {
            this.partition = partition;
            this.offset = offset;
        }

        /** The partition. */
        public String partition() {
            return partition;
        }

        /** What to commit. */
        public OffsetAndMetadata offset() {
            return offset;
        }

        /** Reports success. */
        public void succeeded() {
            state.set(DONE);
            done.countDown();
        }

        /** Reports failure; the coordinator throws {@code failure}. */
        public void failed(DeliveryException why) {
            failure = why;
            state.set(DONE);
            done.countDown();
        }
    }

    /**
     * Commits through the poll thread and waits for the outcome. Coordinator thread.
     *
     * @throws DeliveryException when the commit failed, timed out or the source is closed: nothing is stored
     */
    public void commit(String partition, OffsetAndMetadata offset) {
        DeliveryException stop = closed;
        if (stop != null) {
            throw stop;
        }
        Request request = new Request(partition, offset);
        queue.add(request);
        if (closed != null && request.state.compareAndSet(QUEUED, CANCELLED)) {
            throw closed;
        }
        wake.run();
        try {
            if (!request.done.await(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
                if (request.state.compareAndSet(QUEUED, CANCELLED)) {
                    throw new DeliveryException(ErrorCode.SERVICE_UNAVAILABLE, source + ": the consumer did not take"
                            + " the offset commit of " + partition + " within " + timeout + "; nothing of the segment"
                            + " is written, sealing is retried");
                }
                // Running: the commit call itself is bounded by the same timeout.
                if (!request.done.await(timeout.toNanos() + TimeUnit.SECONDS.toNanos(5), TimeUnit.NANOSECONDS)) {
                    throw new DeliveryException(ErrorCode.SERVICE_UNAVAILABLE, source + ": the offset commit of "
                            + partition + " did not finish within " + timeout + "; nothing of the segment is written");
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            request.state.compareAndSet(QUEUED, CANCELLED);
            throw new DeliveryException(ErrorCode.SERVICE_UNAVAILABLE, source + ": interrupted while committing the"
                    + " offset of " + partition, e);
        }
        if (request.failure != null) {
            throw request.failure;
        }
    }

    /**
     * Runs every queued request that no coordinator gave up on. Poll thread.
     *
     * @param executor commits one request and reports its outcome on it
     */
    public void runQueued(Consumer<Request> executor) {
        Request request;
        while ((request = queue.poll()) != null) {
            run(request, executor);
        }
    }

    /**
     * Waits up to {@code wait} for a request, then runs every queued one. Poll thread.
     *
     * @param wait how long to wait for the first request
     * @param executor commits one request and reports its outcome on it
     */
    public void awaitAndRun(Duration wait, Consumer<Request> executor) {
        try {
            Request first = queue.poll(wait.toNanos(), TimeUnit.NANOSECONDS);
            if (first != null) {
                run(first, executor);
                runQueued(executor);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void run(Request request, Consumer<Request> executor) {
        if (!request.state.compareAndSet(QUEUED, RUNNING)) {
            return;
        }
        try {
            executor.accept(request);
        } catch (RuntimeException | Error e) {
            request.failed(new DeliveryException(ErrorCode.INTERNAL_FAILURE, "committing the offset of "
                    + request.partition + " failed: " + e, e));
            throw e;
        }
    }

    /**
     * Refuses every queued and later commit with {@code why}. Any thread; idempotent.
     *
     * @param why the failure commits report from now on
     */
    public void close(DeliveryException why) {
        if (closed == null) {
            closed = why;
        }
        Request request;
        while ((request = queue.poll()) != null) {
            if (request.state.compareAndSet(QUEUED, RUNNING)) {
                request.failed(closed);
            }
        }
    }
}
