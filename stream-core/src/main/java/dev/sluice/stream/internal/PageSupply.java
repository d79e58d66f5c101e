package dev.sluice.stream.internal;

import java.nio.ByteBuffer;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Full-size pages ({@value InMemoryShardLog#MAX_PAGE} bytes of direct memory) for the in-memory logs of one engine,
 * allocated ahead of need off the writer threads.
 *
 * <p>Design note: a new direct buffer is zeroed by the JDK, and zeroing is the first touch of memory the process does
 * not have yet, so it takes the page faults: about 0.5 us per KiB on the VM measured, eight times the cost of copying a
 * record in. At 1 KiB records the writer thread spent most of its time there. So the writer takes pages from a small
 * queue of ready (allocated, hence zeroed and touched) pages, and taking one asks the refill executor (the engine's
 * scheduler thread) to top the queue up to {@value #READY} pages. The writer never waits for a page: if the queue is
 * empty (a burst faster than the refill, or no executor yet) it allocates the page itself, as before.
 *
 * <p>Memory: at most {@value #READY} pages ({@value #READY} MiB) are held ready per engine, only once a shard has
 * taken a full-size page, and they count against {@code -XX:MaxDirectMemorySize} like any page (not against
 * {@code maxRetainedBytes}, which counts record bytes). A refill that finds direct memory exhausted stops quietly: the
 * writer's own allocation then fails the put with the storage-full error. Pages are never reused after their records
 * are dropped, since a reader may still hold a view of them ({@link InMemoryShardLog} returns views, not copies).
 *
 * <p>Thread-safety: safe for concurrent use by writer threads and the refill executor.
 */
final class PageSupply {

    /** Ready pages kept: 4 MiB, about 4 ms of writing at 1 GB/s, refilled in the background. */
    static final int READY = 4;

    private final ArrayBlockingQueue<ByteBuffer> ready = new ArrayBlockingQueue<>(READY);
    private final AtomicBoolean refilling = new AtomicBoolean();
    private volatile Executor refiller;

    /**
     * Sets the executor that allocates ready pages; until then (and for logs made without a supply) pages are
     * allocated by the writer.
     */
    void refillOn(Executor executor) {
        this.refiller = executor;
    }

    /**
     * A zeroed page of {@value InMemoryShardLog#MAX_PAGE} bytes: a ready one if there is one, else a new one.
     *
     * @throws OutOfMemoryError if direct memory is exhausted
     */
    ByteBuffer take() {
        ByteBuffer page = ready.poll();
        requestRefill();
        return page != null ? page : ByteBuffer.allocateDirect(InMemoryShardLog.MAX_PAGE);
    }

    /** Pages ready now (for tests and diagnostics). */
    int readyPages() {
        return ready.size();
    }

    private void requestRefill() {
        Executor executor = refiller;
        if (executor != null && ready.remainingCapacity() > 0 && refilling.compareAndSet(false, true)) {
            try {
                executor.execute(this::refill);
            } catch (RejectedExecutionException e) {
                refilling.set(false); // the engine is closing: the writer allocates its own pages
            }
        }
    }

    private void refill() {
        try {
            while (ready.remainingCapacity() > 0) {
                ByteBuffer page;
                try {
                    page = ByteBuffer.allocateDirect(InMemoryShardLog.MAX_PAGE);
                } catch (OutOfMemoryError e) {
                    return; // direct memory is tight: leave what is left to the writers' own allocation
                }
                if (!ready.offer(page)) {
                    return;
                }
            }
        } finally {
            refilling.set(false);
        }
    }
}
