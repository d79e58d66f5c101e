package dev.sluice.stream.internal.consumer;

import dev.sluice.stream.Ticker;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A fixed pool of threads ({@code sluice-consumer-<application>-<n>}) that cycles over an application's shards:
 * each thread takes the shard whose next step is due first, runs that step, and puts it back with its new due
 * time. The thread count is fixed and independent of the shard count; shards released later by resharding join
 * the queue through {@link #add(ShardConsumer)}.
 *
 * <p>Design note: a shard is either in the queue or held by exactly one thread, so its steps never overlap and
 * its records reach the processor in order; moving it through the queue under {@link #lock} orders one thread's
 * writes to the shard's state before the next thread's reads. Due times are ticker readings, so an injected
 * manual ticker drives polling and back-off; an idle thread re-reads the ticker at least every
 * {@link #MAX_IDLE_WAIT} of real time because a manual ticker cannot wake it.
 *
 * <p>Stopping: {@link #stop(Duration)} lets each thread finish the step it is in, then the threads exit; after the
 * deadline they are interrupted.
 *
 * <p>Thread-safety: safe for concurrent use.
 */
final class ConsumerWorkers {

    /** Longest real-time wait before an idle thread looks at the ticker again. */
    static final Duration MAX_IDLE_WAIT = Duration.ofMillis(10);

    private final Ticker ticker;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    /** Earliest due first (compared by difference: ticker readings may wrap), then the longest waiting. */
    private final PriorityQueue<ShardConsumer> queue = new PriorityQueue<>((a, b) -> {
        int byDue = Long.signum(a.due - b.due);
        return byDue != 0 ? byDue : Long.compare(a.order, b.order);
    });
    private final Set<ShardConsumer> held = new HashSet<>();
    private final List<Thread> threads = new ArrayList<>();
    private long nextOrder;
    private boolean stopping;

    ConsumerWorkers(String applicationName, int threadCount, ThreadFactory threadFactory, Ticker ticker,
                    List<ShardConsumer> shards) {
        this.ticker = ticker;
        long now = ticker.read();
        for (ShardConsumer shard : shards) {
            shard.due = now;
            shard.order = nextOrder++;
            queue.add(shard);
        }
        for (int i = 0; i < threadCount; i++) {
            Thread thread = threadFactory.newThread(this::run);
            thread.setName("sluice-consumer-" + applicationName + "-" + i);
            threads.add(thread);
        }
    }

    /**
     * Adds a shard discovered after start (a child released by resharding), due now.
     *
     * @return false if the workers are stopping; then the shard was not added
     */
    boolean add(ShardConsumer shard) {
        lock.lock();
        try {
            if (stopping) {
                return false;
            }
            shard.due = ticker.read();
            shard.order = nextOrder++;
            queue.add(shard);
            changed.signal();
            return true;
        } finally {
            lock.unlock();
        }
    }

    void start() {
        threads.forEach(Thread::start);
    }

    private void run() {
        while (true) {
            ShardConsumer shard = take();
            if (shard == null) {
                return;
            }
            boolean again = shard.poll();
            lock.lock();
            try {
                held.remove(shard);
                if (again) {
                    shard.order = nextOrder++;
                    queue.add(shard);
                    changed.signal();
                }
            } finally {
                lock.unlock();
            }
        }
    }

    /** Waits for a due shard; returns null when stopping. */
    private ShardConsumer take() {
        lock.lock();
        try {
            while (!stopping) {
                ShardConsumer head = queue.peek();
                long wait = MAX_IDLE_WAIT.toNanos();
                if (head != null) {
                    long until = head.due - ticker.read();
                    if (until <= 0) {
                        queue.poll();
                        held.add(head);
                        return head;
                    }
                    wait = Math.min(wait, until);
                }
                changed.awaitNanos(wait);
            }
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Stops the threads after their current step, waiting up to {@code timeout}, then interrupts the rest.
     *
     * @return the shards still held by a thread that did not stop in time (their steps may still be running)
     */
    Set<ShardConsumer> stop(Duration timeout) {
        lock.lock();
        try {
            stopping = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        boolean interrupted = false;
        for (Thread thread : threads) {
            if (thread == Thread.currentThread()) {
                continue; // closed from a processor: that thread exits when its step returns
            }
            try {
                thread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
            } catch (InterruptedException e) {
                interrupted = true;
            }
            if (thread.isAlive()) {
                thread.interrupt();
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        lock.lock();
        try {
            return Set.copyOf(held);
        } finally {
            lock.unlock();
        }
    }
}
