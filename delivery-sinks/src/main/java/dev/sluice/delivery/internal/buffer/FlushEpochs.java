package dev.sluice.delivery.internal.buffer;

import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;

/**
 * Which {@code flush()} calls are still waiting, and for what.
 *
 * <p>Design note: confined to the coordinator thread. Every flush marker takes the current epoch and starts the
 * next; every buffer and object carries the smallest epoch of the items in it. A flush of epoch {@code e} is
 * complete when no object of epoch {@code <= e} is in flight (written, retrying) and no buffer of epoch
 * {@code <= e} is open. Items rerouted to the error output keep the epoch of the object they failed in, so a
 * flush also waits for their envelopes.
 */
public final class FlushEpochs {

    private record Waiter(long epoch, CompletableFuture<Void> done) {
    }

    private final TreeMap<Long, Integer> inFlight = new TreeMap<>();
    private final ArrayDeque<Waiter> waiters = new ArrayDeque<>();
    private long current;

    long current() {
        return current;
    }

    /** Registers a flush of everything up to now and starts a new epoch. */
    void flush(CompletableFuture<Void> done) {
        waiters.add(new Waiter(current, done));
        current++;
    }

    boolean waitingFor(long epoch) {
        for (Waiter waiter : waiters) {
            if (epoch <= waiter.epoch) {
                return true;
            }
        }
        return false;
    }

    void started(long epoch) {
        inFlight.merge(epoch, 1, Integer::sum);
    }

    void finished(long epoch) {
        inFlight.computeIfPresent(epoch, (k, v) -> v == 1 ? null : v - 1);
    }

    /** Completes the flushes whose epochs are older than anything still open or in flight. */
    void complete(long oldestOpenBufferEpoch) {
        if (waiters.isEmpty()) {
            return;
        }
        long oldest = Math.min(inFlight.isEmpty() ? Long.MAX_VALUE : inFlight.firstKey(), oldestOpenBufferEpoch);
        Iterator<Waiter> it = waiters.iterator();
        while (it.hasNext()) {
            Waiter waiter = it.next();
            if (waiter.epoch < oldest) {
                it.remove();
                waiter.done.complete(null);
            }
        }
    }
}
