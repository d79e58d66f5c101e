package dev.sluice.transform.internal;

import dev.sluice.stream.Ticker;

import java.util.PriorityQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Runs short actions when an injected {@link Ticker} reaches their due time, on one named thread.
 *
 * <p>Design note: deadlines are ticker readings, not wall-clock sleeps, so a test's manual clock drives
 * buffer intervals, invocation timeouts and retry backoff. The thread cannot be woken by the ticker moving,
 * so while anything is scheduled it re-reads the ticker at least every {@link #MAX_PARK_NANOS} of real time;
 * with nothing scheduled it parks until {@link #schedule} unparks it (an idle runner costs no wake-ups).
 * Actions run on the scheduler thread outside the queue's monitor and must be quick (the runner's actions
 * only flip a state and hand work to its executor). An action that throws is reported to the thread's
 * uncaught-exception handler and the loop continues.
 */
final class TickerScheduler {

    /** Longest real-time wait between ticker readings while something is scheduled. */
    static final long MAX_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(5);

    private final Ticker ticker;
    private final Thread thread;
    private final PriorityQueue<Task> queue = new PriorityQueue<>();
    private long sequence;
    private volatile boolean running = true;

    TickerScheduler(Ticker ticker, String threadName) {
        this.ticker = ticker;
        this.thread = new Thread(this::loop, threadName);
        this.thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    /** Schedules {@code action} for when the ticker reads {@code dueNanos} or later. */
    Task schedule(long dueNanos, Runnable action) {
        Task task;
        synchronized (queue) {
            task = new Task(dueNanos, sequence++, action);
            queue.add(task);
        }
        LockSupport.unpark(thread);
        return task;
    }

    /** Stops the thread; scheduled actions that have not run are abandoned. Idempotent. */
    void shutdown() {
        running = false;
        LockSupport.unpark(thread);
    }

    private void loop() {
        while (running) {
            Task due = null;
            long park;
            synchronized (queue) {
                Task head = queue.peek();
                while (head != null && head.cancelled) {
                    queue.poll();
                    head = queue.peek();
                }
                if (head == null) {
                    park = -1;
                } else {
                    long wait = head.dueNanos - ticker.read();
                    if (wait <= 0) {
                        due = queue.poll();
                        park = 0;
                    } else {
                        park = Math.min(wait, MAX_PARK_NANOS);
                    }
                }
            }
            if (due != null) {
                run(due);
            } else if (park < 0) {
                LockSupport.park(this);
            } else {
                LockSupport.parkNanos(this, park);
            }
        }
    }

    private void run(Task task) {
        if (task.cancelled) {
            return;
        }
        try {
            task.action.run();
        } catch (Throwable t) {
            thread.getUncaughtExceptionHandler().uncaughtException(thread, t);
        }
    }

    /** A scheduled action; {@link #cancel()} prevents it from running if it has not started. */
    static final class Task implements Comparable<Task> {
        private final long dueNanos;
        private final long order;
        private final Runnable action;
        private volatile boolean cancelled;

        private Task(long dueNanos, long order, Runnable action) {
            this.dueNanos = dueNanos;
            this.order = order;
            this.action = action;
        }

        void cancel() {
            cancelled = true;
        }

        @Override
        public int compareTo(Task other) {
            long difference = dueNanos - other.dueNanos;
            if (difference != 0) {
                return difference < 0 ? -1 : 1;
            }
            return Long.compare(order, other.order);
        }
    }
}
