package dev.sluice.transform.internal;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * The race between one function call and its timeout.
 *
 * <p>Design note: {@link #finish()} (the worker, after the call returns) and {@link #timeOut()} (the
 * scheduler, at the deadline) both compare-and-set {@link #state} from RUNNING; exactly one wins and only the
 * winner reports an outcome. The timeout interrupts the worker only while it is still attached to this
 * attempt (both sides synchronise on the attempt), so an interrupt can never hit a later task on the same
 * thread; the worker clears any interrupt that arrived between the call returning and detaching.
 */
final class Attempt {

    private static final int RUNNING = 0;
    private static final int FINISHED = 1;
    private static final int TIMED_OUT = 2;

    private final AtomicInteger state = new AtomicInteger(RUNNING);
    private Thread worker;

    Attempt(Thread worker) {
        this.worker = worker;
    }

    /** Called by the worker after the call returned; returns whether the call's outcome counts. */
    boolean finish() {
        boolean won = state.compareAndSet(RUNNING, FINISHED);
        synchronized (this) {
            worker = null;
        }
        return won;
    }

    /** Called at the deadline; returns whether the timeout counts (and then interrupts the call). */
    boolean timeOut() {
        if (!state.compareAndSet(RUNNING, TIMED_OUT)) {
            return false;
        }
        synchronized (this) {
            if (worker != null) {
                worker.interrupt();
            }
        }
        return true;
    }
}
