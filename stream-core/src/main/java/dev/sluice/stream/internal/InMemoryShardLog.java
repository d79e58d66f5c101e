package dev.sluice.stream.internal;

import dev.sluice.stream.ErrorCode;
import dev.sluice.stream.StreamException;
import dev.sluice.stream.StreamRecord;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A shard log on the heap: fixed-size blocks of primitive arrays, with keys and data copied into large
 * shared pages.
 *
 * <p>Design note on memory. Retained records must stay out of the collector's way: every one survives
 * young collections, and copying millions of small survivors stalled G1 for 150-220 ms every 300 ms at
 * 1.5 M records/s (one {@code byte[]} per record); heap pages still cost 20 % of the run in copying. So the
 * writer copies each record's UTF-8 key and data into an off-heap page (a direct buffer of
 * {@value #FIRST_PAGE} bytes at first, doubling to {@value #MAX_PAGE}; a record over
 * {@value #OWN_PAGE_ABOVE} bytes gets a page of its own), and a block holds only primitive arrays plus the
 * short list of pages its records use: a slot stores a page's position in that list, never a reference,
 * so appending writes no reference into an old object (no card mark, no remembered-set entry for the
 * collector to process). The caller's arrays die young. Reads return read-only views of the pages, never copies.
 * Pages count against {@code -XX:MaxDirectMemorySize} (default: the maximum heap size); running out fails
 * the put with a clear error, never the writer thread. Expired pages are freed when the collector finds
 * their buffers unreachable.
 *
 * <p>Design note on indexes. Records get a dense index (0, 1, 2, ...); block {@code k} of the current block
 * array holds indexes {@code [base + k * BLOCK, base + (k + 1) * BLOCK)}, so locating an index is
 * arithmetic. Sequence counters and arrival times both grow with the index, so positions by sequence number
 * or by timestamp are binary searches.
 *
 * <p>Memory ordering: the single writer fills slots and page bytes, then {@link #publish()} writes the
 * volatile {@code published} count. A reader reads {@code published} first and the volatile block array
 * second, so every slot below {@code published} is fully visible and its block is in the array it sees.
 * The block array is copied on change (a new block every {@value #BLOCK} records, or expiry), serialised by
 * {@code this}. Expiry drops only blocks that are full and fully published, so it never races the writer.
 * A reader holding an old array may still read a dropped block; that is harmless.
 */
final class InMemoryShardLog implements ShardLog {

    static final int BLOCK = 1024;
    static final int FIRST_PAGE = 16 * 1024;
    static final int MAX_PAGE = 1024 * 1024;
    static final int OWN_PAGE_ABOVE = MAX_PAGE / 4;

    private static final Block[] NO_BLOCKS = new Block[0];

    private final int shardIndex;
    private final String sequenceSuffix;
    private final AtomicLong retainedBytes = new AtomicLong();

    private volatile Block[] blocks = NO_BLOCKS;
    private volatile long published;

    // Writer-thread state.
    private ByteBuffer page;
    private int pageUsed;
    private Block tail;
    private long writeIndex;
    private long unpublishedBytes;

    InMemoryShardLog(int shardIndex) {
        this.shardIndex = shardIndex;
        this.sequenceSuffix = SequenceNumbers.suffix(shardIndex);
    }

    @Override
    public void append(long sequence, long arrivalMillis, byte[] partitionKey, byte[] data) {
        Block block = tail;
        if (block == null || writeIndex - block.base == BLOCK) {
            block = new Block(writeIndex);
            addBlock(block);
            tail = block;
        }
        int size = partitionKey.length + data.length;
        ByteBuffer target;
        int offset;
        if (size > OWN_PAGE_ABOVE) {
            target = allocate(size);
            offset = 0;
        } else {
            if (page == null || page.capacity() - pageUsed < size) {
                int length = page == null ? FIRST_PAGE : Math.min(MAX_PAGE, page.capacity() * 2);
                while (length < size) {
                    length *= 2; // size <= OWN_PAGE_ABOVE < MAX_PAGE, so this stops by MAX_PAGE
                }
                page = allocate(length);
                pageUsed = 0;
            }
            target = page;
            offset = pageUsed;
            pageUsed += size;
        }
        target.put(offset, partitionKey);
        target.put(offset + partitionKey.length, data);
        int slot = (int) (writeIndex - block.base);
        block.sequence[slot] = sequence;
        block.arrival[slot] = arrivalMillis;
        block.page[slot] = block.pageSlot(target);
        block.offset[slot] = offset;
        block.keyLength[slot] = partitionKey.length;
        block.size[slot] = size;
        block.bytes += size;
        unpublishedBytes += size;
        writeIndex++;
    }

    private ByteBuffer allocate(int bytes) {
        try {
            return ByteBuffer.allocateDirect(bytes);
        } catch (OutOfMemoryError e) {
            throw new StreamException(ErrorCode.LIMIT_EXCEEDED, "in-memory storage is full: no " + bytes
                    + " bytes of direct memory left for shard " + ShardState.shardId(shardIndex) + " (" + retainedBytes()
                    + " bytes retained). Raise -XX:MaxDirectMemorySize, shorten retention, or use durable storage.", e);
        }
    }

    @Override
    public void publish() {
        if (published != writeIndex) {
            retainedBytes.addAndGet(unpublishedBytes);
            unpublishedBytes = 0;
            published = writeIndex;
        }
    }

    @Override
    public ShardRead read(long fromSequence, long fromArrivalMillis, int limit, long maxBytes) {
        long end = published;
        Block[] snapshot = blocks;
        if (snapshot.length == 0) {
            return new ShardRead(List.of(), 0, fromSequence, -1);
        }
        long first = snapshot[0].base;
        long start = Math.max(lowerBound(snapshot, first, end, fromSequence, true),
                lowerBound(snapshot, first, end, fromArrivalMillis, false));
        List<StreamRecord> out = new ArrayList<>((int) Math.min(limit, Math.max(0, end - start)));
        long bytes = 0;
        long next = fromSequence;
        long index = start;
        while (index < end && out.size() < limit) {
            Block block = snapshot[(int) ((index - first) / BLOCK)];
            int slot = (int) (index - block.base);
            int size = block.size[slot];
            if (!out.isEmpty() && bytes + size > maxBytes) {
                break;
            }
            ByteBuffer source = block.pages[block.page[slot]];
            int offset = block.offset[slot];
            byte[] key = new byte[block.keyLength[slot]];
            source.get(offset, key);
            out.add(new StreamRecord(SequenceNumbers.format(block.sequence[slot], sequenceSuffix),
                    Instant.ofEpochMilli(block.arrival[slot]), new String(key, StandardCharsets.UTF_8),
                    source.slice(offset + key.length, size - key.length)));
            bytes += size;
            next = block.sequence[slot] + 1;
            index++;
        }
        long nextArrival = -1;
        if (index < end) {
            Block block = snapshot[(int) ((index - first) / BLOCK)];
            nextArrival = block.arrival[(int) (index - block.base)];
        }
        return new ShardRead(out, bytes, Math.max(next, fromSequence), nextArrival);
    }

    @Override
    public long lastSequence() {
        long end = published;
        Block[] snapshot = blocks;
        if (end == 0 || snapshot.length == 0 || end - 1 < snapshot[0].base) {
            return -1;
        }
        long last = end - 1;
        Block block = snapshot[(int) ((last - snapshot[0].base) / BLOCK)];
        return block.sequence[(int) (last - block.base)];
    }

    @Override
    public synchronized void expireBefore(long cutoffMillis) {
        Block[] current = blocks;
        long end = published;
        int drop = 0;
        long freed = 0;
        while (drop < current.length) {
            Block block = current[drop];
            boolean complete = block.base + BLOCK <= end;
            if (!complete || block.arrival[BLOCK - 1] >= cutoffMillis) {
                break;
            }
            freed += block.bytes;
            drop++;
        }
        if (drop > 0) {
            blocks = Arrays.copyOfRange(current, drop, current.length);
            retainedBytes.addAndGet(-freed);
        }
    }

    @Override
    public long retainedBytes() {
        return retainedBytes.get();
    }

    @Override
    public long retainedRecords() {
        Block[] snapshot = blocks;
        return snapshot.length == 0 ? 0 : published - snapshot[0].base;
    }

    private synchronized void addBlock(Block block) {
        Block[] current = blocks;
        Block[] grown = Arrays.copyOf(current, current.length + 1);
        grown[current.length] = block;
        blocks = grown;
    }

    /** First index in [first, end) whose sequence (or arrival) is >= target, or end: both grow with the index. */
    private static long lowerBound(Block[] snapshot, long first, long end, long target, boolean bySequence) {
        long lo = first;
        long hi = end;
        while (lo < hi) {
            long mid = (lo + hi) >>> 1;
            Block block = snapshot[(int) ((mid - first) / BLOCK)];
            int slot = (int) (mid - block.base);
            long value = bySequence ? block.sequence[slot] : block.arrival[slot];
            if (value < target) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    private static final class Block {
        final long base;
        final long[] sequence = new long[BLOCK];
        final long[] arrival = new long[BLOCK];
        /** Position in {@link #pages} of each slot's page. */
        final short[] page = new short[BLOCK];
        final int[] offset = new int[BLOCK];
        final int[] keyLength = new int[BLOCK];
        final int[] size = new int[BLOCK];
        /** Pages used by this block's records, in order; grows only when the writer opens a page. */
        volatile ByteBuffer[] pages = new ByteBuffer[0];
        long bytes;

        Block(long base) {
            this.base = base;
        }

        /** Writer thread: the position of {@code target} in this block's page list, adding it if new. */
        short pageSlot(ByteBuffer target) {
            ByteBuffer[] current = pages;
            int last = current.length - 1;
            if (last >= 0 && current[last] == target) {
                return (short) last;
            }
            ByteBuffer[] grown = Arrays.copyOf(current, current.length + 1);
            grown[current.length] = target;
            pages = grown;
            return (short) current.length;
        }
    }
}
