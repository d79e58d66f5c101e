package dev.sluice.stream.internal;

import com.lmax.disruptor.BlockingWaitStrategy;
import com.lmax.disruptor.BusySpinWaitStrategy;
import com.lmax.disruptor.EventHandler;
import com.lmax.disruptor.ExceptionHandler;
import com.lmax.disruptor.PhasedBackoffWaitStrategy;
import com.lmax.disruptor.RingBuffer;
import com.lmax.disruptor.SleepingWaitStrategy;
import com.lmax.disruptor.TimeoutException;
import com.lmax.disruptor.YieldingWaitStrategy;
import com.lmax.disruptor.dsl.Disruptor;
import com.lmax.disruptor.dsl.ProducerType;
import dev.sluice.stream.ErrorCode;
import dev.sluice.stream.StreamException;
import dev.sluice.stream.ThrottleMode;
import dev.sluice.stream.Ticker;
import dev.sluice.stream.WaitStrategy;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The write path's ring: a multi-producer Disruptor feeding a fixed number of writer threads, each the
 * single writer of the shards assigned to it.
 *
 * <p>Design note: every writer sees every slot and skips those addressed to others (the usual sharded
 * Disruptor pattern: no locks, no per-shard queues). A PutRecords call spanning several writers claims
 * one slot per writer in a single {@code next(n)}. Writers never block: throttled entries come back to
 * the caller, which waits (BLOCK mode) off the writer threads. Exceptions inside a writer fail the
 * entries of that slot with {@link ErrorCode#INTERNAL_FAILURE} and never stop the thread.
 *
 * <p>Resharding: a slot may carry a {@link ShardClose} instead of records. The shard's writer marks its
 * {@link ShardWriter} closed when it reaches that slot, so the close is ordered with the puts around it; entries
 * for a closed shard come back {@link PutOperation#REROUTE}, never appended.
 */
final class WriteRing {

    private final Disruptor<PutEvent> disruptor;
    private final RingBuffer<PutEvent> ring;
    private final int writers;

    WriteRing(int writers, int ringSize, ThreadFactory threadFactory, WaitStrategy waitStrategy, Ticker ticker,
              Clock clock, ThrottleMode throttleMode) {
        this.writers = writers;
        AtomicInteger threadNumber = new AtomicInteger();
        ThreadFactory named = runnable -> {
            Thread thread = threadFactory.newThread(runnable);
            thread.setName("sluice-stream-writer-" + threadNumber.getAndIncrement());
            return thread;
        };
        this.disruptor = new Disruptor<>(PutEvent::new, ringSize, named, ProducerType.MULTI, disruptorWaitStrategy(waitStrategy));
        Writer[] handlers = new Writer[writers];
        for (int i = 0; i < writers; i++) {
            handlers[i] = new Writer(i, ticker, clock, throttleMode);
        }
        disruptor.setDefaultExceptionHandler(new FailEntries());
        disruptor.handleEventsWith(handlers);
        this.ring = disruptor.start();
    }

    /** Publishes an operation to the writers owning its shards. Blocks while the ring is full. */
    void publish(PutOperation op) {
        int n = op.size();
        if (n == 1) {
            op.parts(1);
            long seq = ring.next();
            fill(ring.get(seq), op.shards[0].writerThread, op, null);
            ring.publish(seq);
            return;
        }
        int[] counts = new int[writers];
        for (ShardState shard : op.shards) {
            counts[shard.writerThread]++;
        }
        int[][] entries = new int[writers][];
        int parts = 0;
        for (int w = 0; w < writers; w++) {
            if (counts[w] > 0) {
                entries[w] = new int[counts[w]];
                counts[w] = 0;
                parts++;
            }
        }
        for (int i = 0; i < n; i++) {
            int w = op.shards[i].writerThread;
            entries[w][counts[w]++] = i;
        }
        op.parts(parts);
        long hi = ring.next(parts);
        long seq = hi - parts + 1;
        for (int w = 0; w < writers; w++) {
            if (entries[w] != null) {
                fill(ring.get(seq++), w, op, parts == 1 ? null : entries[w]);
            }
        }
        ring.publish(hi - parts + 1, hi);
    }

    /** Publishes a shard close to the shard's writer. Blocks while the ring is full. */
    void publish(ShardClose close) {
        long seq = ring.next();
        PutEvent event = ring.get(seq);
        event.writer = close.shard.writerThread;
        event.operation = null;
        event.entries = null;
        event.close = close;
        ring.publish(seq);
    }

    /** Drains published operations, then stops the writer threads; after the timeout, fails what is left. */
    void close(Duration timeout) {
        try {
            disruptor.shutdown(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            disruptor.halt();
            for (long seq = ring.getCursor() - ring.getBufferSize() + 1; seq <= ring.getCursor(); seq++) {
                if (seq >= 0) {
                    PutEvent event = ring.get(seq);
                    failClose(event);
                    PutOperation op = event.operation;
                    if (op != null) {
                        event.operation = null;
                        op.failPending(event.entries, ErrorCode.ENGINE_CLOSED,
                                "the engine closed before this record was written (writers did not drain within " + timeout + ")");
                        op.partDone();
                    }
                }
            }
        }
    }

    private static void failClose(PutEvent event) {
        ShardClose close = event.close;
        if (close != null) {
            event.close = null;
            close.lastCounter.completeExceptionally(new StreamException(ErrorCode.ENGINE_CLOSED,
                    "the engine closed before shard " + close.shard.shardId + " could be closed for resharding"));
        }
    }

    private static void fill(PutEvent event, int writer, PutOperation op, int[] entries) {
        event.close = null;
        event.writer = writer;
        event.operation = op;
        event.entries = entries;
    }

    private static com.lmax.disruptor.WaitStrategy disruptorWaitStrategy(WaitStrategy strategy) {
        return switch (strategy) {
            case PHASED_BACKOFF -> PhasedBackoffWaitStrategy.withLock(10, 1_000, TimeUnit.MICROSECONDS);
            case BLOCKING -> new BlockingWaitStrategy();
            case SLEEPING -> new SleepingWaitStrategy();
            case YIELDING -> new YieldingWaitStrategy();
            case BUSY_SPIN -> new BusySpinWaitStrategy();
        };
    }

    /** One writer thread: throttles, numbers and appends the entries addressed to it. */
    private static final class Writer implements EventHandler<PutEvent> {
        private final int index;
        private final Ticker ticker;
        private final Clock clock;
        private final ThrottleMode throttleMode;
        private final List<ShardWriter> touched = new ArrayList<>();

        Writer(int index, Ticker ticker, Clock clock, ThrottleMode throttleMode) {
            this.index = index;
            this.ticker = ticker;
            this.clock = clock;
            this.throttleMode = throttleMode;
        }

        @Override
        public void onEvent(PutEvent event, long sequence, boolean endOfBatch) {
            if (event.writer != index) {
                return;
            }
            ShardClose close = event.close;
            if (close != null) {
                event.close = null;
                // Records of earlier events are published (endEvent ran for each), so all of them are visible.
                close.lastCounter.complete(close.shard.writer.close());
                return;
            }
            PutOperation op = event.operation;
            int[] entries = event.entries;
            event.operation = null;
            event.entries = null;
            if (op == null) {
                return;
            }
            try {
                write(op, entries);
            } catch (RuntimeException | Error e) {
                op.failPending(entries, ErrorCode.INTERNAL_FAILURE, "writer failed: " + e);
            } finally {
                for (ShardWriter w : touched) {
                    long appended = w.eventBytes; // counted even if publishing fails: the records are in the log
                    try {
                        w.endEvent();
                    } catch (RuntimeException | Error e) {
                        failUnpublished(op, entries, w, e);
                    }
                    op.stream.byteRetention.added(appended);
                }
                touched.clear();
                op.partDone();
            }
        }

        /** The shard's log could not publish: its records of this event are not acknowledged. */
        private static void failUnpublished(PutOperation op, int[] entries, ShardWriter w, Throwable failure) {
            ErrorCode code = failure instanceof StreamException se ? se.errorCode() : ErrorCode.INTERNAL_FAILURE;
            int n = entries == null ? op.size() : entries.length;
            for (int k = 0; k < n; k++) {
                int i = entries == null ? k : entries[k];
                if (op.shards[i].writer == w && op.outcomes[i] == PutOperation.WRITTEN) {
                    op.failed(i, code, "shard " + op.shards[i].shardId + " of stream " + op.stream.name
                            + " could not make the record durable and visible, so it was not acknowledged (it may still"
                            + " appear after a restart, so a retry can duplicate it): " + failure.getMessage());
                }
            }
        }

        private void write(PutOperation op, int[] entries) {
            long nowNanos = ticker.read();
            long wallMillis = clock.millis();
            boolean deleted = op.stream.isDeleted();
            boolean throttling = throttleMode != ThrottleMode.OFF;
            boolean block = throttleMode == ThrottleMode.BLOCK;
            int n = entries == null ? op.size() : entries.length;
            for (int k = 0; k < n; k++) {
                int i = entries == null ? k : entries[k];
                ShardWriter w = op.shards[i].writer;
                if (!w.touched) {
                    w.touched = true;
                    touched.add(w);
                    w.room = op.stream.byteRetention.room();
                }
                if (deleted) {
                    op.failed(i, ErrorCode.RESOURCE_NOT_FOUND, "Stream " + op.stream.name + " under account "
                            + KinesisLimits.ACCOUNT_ID + " was deleted before this record was written");
                    continue;
                }
                if (w.isClosed()) {
                    op.reroute(i); // resharding closed the shard: the write path routes the entry again
                    continue;
                }
                int size = op.data[i].length + op.keys[i].length;
                if (w.fullThisEvent != null || w.eventBytes + size > w.room) {
                    if (!admit(op, i, w, size)) {
                        continue;
                    }
                }
                if (throttling && (w.blockedThisEvent || !w.tryAcquire(size, nowNanos))) {
                    op.throttled(i, w.nanosUntilFits(size, nowNanos));
                    w.eventThrottled++;
                    w.eventThrottledBytes += size;
                    w.blockedThisEvent = block;
                    continue;
                }
                long sequence = w.nextSequence(op.orderingFloor);
                if (sequence < 0) {
                    op.failed(i, ErrorCode.LIMIT_EXCEEDED, "shard " + op.shards[i].shardId + " of stream " + op.stream.name
                            + " has used all its sequence numbers (SequenceNumberForOrdering too close to the maximum)");
                    continue;
                }
                try {
                    w.log.append(sequence, w.arrival(wallMillis), op.keys[i], op.data[i]);
                } catch (StreamException e) {
                    op.failed(i, e.errorCode(), e.getMessage()); // storage refused this record; the others go on
                    continue;
                }
                op.written(i, sequence);
                w.eventRecords++;
                w.eventBytes += size;
            }
        }
    }

    /**
     * A record does not fit in the room its shard's byte limits left for this event: makes room or refuses it
     * ({@link StreamRetention#admit}). Once a record of a shard is refused, the later ones of the shard in the event
     * are too, so a retried put cannot overtake it.
     */
    private static boolean admit(PutOperation op, int i, ShardWriter w, int size) {
        if (w.fullThisEvent == null) {
            StreamRetention.Admission admission = op.stream.byteRetention.admit(w.eventBytes + size);
            if (admission.refusal() == null) {
                w.room = admission.room();
                return true;
            }
            w.fullThisEvent = admission.refusal();
        }
        op.full(i, w.fullThisEvent);
        return false;
    }

    /** Last line of defence: an exception that escaped a writer fails that slot's entries. */
    private static final class FailEntries implements ExceptionHandler<PutEvent> {
        @Override
        public void handleEventException(Throwable ex, long sequence, PutEvent event) {
            failClose(event);
            PutOperation op = event.operation;
            if (op != null) {
                event.operation = null;
                op.failPending(event.entries, ErrorCode.INTERNAL_FAILURE, "writer failed: " + ex);
                op.partDone();
            }
        }

        @Override
        public void handleOnStartException(Throwable ex) {
            throw new IllegalStateException("a Sluice writer thread failed to start", ex);
        }

        @Override
        public void handleOnShutdownException(Throwable ex) {
            throw new IllegalStateException("a Sluice writer thread failed to stop", ex);
        }
    }
}
