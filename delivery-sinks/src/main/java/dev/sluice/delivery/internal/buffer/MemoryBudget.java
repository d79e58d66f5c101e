package dev.sluice.delivery.internal.buffer;

import dev.sluice.stream.Ticker;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The global memory budget across all buffers and in-flight objects of a delivery stream.
 *
 * <p>Design note: thread-safe (one lock). Putting threads reserve the raw size of their records and wait, up to a
 * deadline read from the injected ticker, while the budget is full; the coordinator adds processed bytes without
 * waiting (they may push the total over the limit briefly) and releases everything when a record is final. Waiters
 * re-check at least every {@link #RECHECK_NANOS} of real time, so a manual ticker also ends their wait. A single
 * reservation larger than the whole budget is admitted when nothing else is reserved, so no record size can wedge
 * the stream.
 */
public final class MemoryBudget {

    static final long RECHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(5);

    private final long limit;
    private final Ticker ticker;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition released = lock.newCondition();
    private long used;
    private int waiters;

    public MemoryBudget(long limit, Ticker ticker) {
        this.limit = limit;
        this.ticker = ticker;
    }

    /**
     * Reserves bytes, waiting until the ticker reaches {@code deadline}.
     *
     * @return whether the bytes were reserved
     */
    public boolean acquire(long bytes, long deadline) throws InterruptedException {
        lock.lock();
        try {
            while (used > 0 && used + bytes > limit) {
                if (ticker.read() - deadline >= 0) {
                    return false;
                }
                waiters++;
                try {
                    released.awaitNanos(RECHECK_NANOS);
                } finally {
                    waiters--;
                }
            }
            used += bytes;
            return true;
        } finally {
            lock.unlock();
        }
    }

    void add(long bytes) {
        lock.lock();
        try {
            used += bytes;
        } finally {
            lock.unlock();
        }
    }

    public void release(long bytes) {
        lock.lock();
        try {
            used -= bytes;
            if (waiters > 0) {
                released.signalAll();
            }
        } finally {
            lock.unlock();
        }
    }

    long used() {
        lock.lock();
        try {
            return used;
        } finally {
            lock.unlock();
        }
    }

    /** Whether the coordinator should free memory by delivering buffers early. */
    boolean underPressure() {
        lock.lock();
        try {
            return waiters > 0 || used >= limit - limit / 4;
        } finally {
            lock.unlock();
        }
    }

    public long limit() {
        return limit;
    }
}
