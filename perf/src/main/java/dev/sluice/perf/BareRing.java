package dev.sluice.perf;

import com.lmax.disruptor.PhasedBackoffWaitStrategy;
import com.lmax.disruptor.EventHandler;
import com.lmax.disruptor.RingBuffer;
import com.lmax.disruptor.dsl.Disruptor;
import com.lmax.disruptor.dsl.ProducerType;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The baseline: a bare multi-producer Disruptor ring with Sluice's event shape (writer index, operation,
 * entry indexes), the same handler count and wait strategy (Sluice's default, phased back-off), whose handlers do nothing but take their
 * events and complete them. What Sluice does beyond this hand-off is its own cost.
 */
final class BareRing implements AutoCloseable {

    /** Same fields as Sluice's internal ring slot. */
    static final class HandOffEvent {
        int writer;
        Object operation;
        int[] entries;
    }

    /** A unit of work: completed by the last handler that sees its part. */
    static final class HandOff {
        final CompletableFuture<HandOff> done = new CompletableFuture<>();
        final AtomicInteger parts = new AtomicInteger();
    }

    private final Disruptor<HandOffEvent> disruptor;
    private final RingBuffer<HandOffEvent> ring;
    private final int writers;

    BareRing(int writers, int ringSize) {
        this.writers = writers;
        AtomicInteger n = new AtomicInteger();
        disruptor = new Disruptor<>(HandOffEvent::new, ringSize, r -> {
            Thread t = new Thread(r, "bare-ring-" + n.getAndIncrement());
            t.setDaemon(true);
            return t;
        }, ProducerType.MULTI, PhasedBackoffWaitStrategy.withLock(10, 1_000, TimeUnit.MICROSECONDS));
        @SuppressWarnings("unchecked")
        EventHandler<HandOffEvent>[] handlers = new EventHandler[writers];
        for (int i = 0; i < writers; i++) {
            int index = i;
            handlers[i] = (event, sequence, endOfBatch) -> {
                if (event.writer != index) {
                    return;
                }
                Object op = event.operation;
                event.operation = null;
                event.entries = null;
                if (op instanceof HandOff h && h.parts.decrementAndGet() == 0) {
                    h.done.complete(h);
                }
            };
        }
        disruptor.handleEventsWith(handlers);
        ring = disruptor.start();
    }

    /** Hands one operation to every writer, one slot each, as a PutRecords spanning all writers does. */
    HandOff handOff(int parts) {
        HandOff op = new HandOff();
        int slots = Math.min(parts, writers);
        op.parts.set(slots);
        long hi = ring.next(slots);
        for (int w = 0; w < slots; w++) {
            HandOffEvent event = ring.get(hi - slots + 1 + w);
            event.writer = w;
            event.operation = op;
        }
        ring.publish(hi - slots + 1, hi);
        return op;
    }

    /** Waits as Sluice's synchronous put does: spin briefly, yield, then park. */
    static HandOff await(HandOff op) {
        for (int spin = 0; spin < 200 && !op.done.isDone(); spin++) {
            Thread.onSpinWait();
        }
        for (int yield = 0; yield < 50 && !op.done.isDone(); yield++) {
            Thread.yield();
        }
        return op.done.join();
    }

    /** Hands one fire-and-forget slot to a writer (no completion), for raw ring capacity. */
    void handOffNoReply(int writer) {
        long seq = ring.next();
        HandOffEvent event = ring.get(seq);
        event.writer = writer;
        event.operation = Boolean.TRUE;
        ring.publish(seq);
    }

    @Override
    public void close() {
        disruptor.shutdown();
    }
}
