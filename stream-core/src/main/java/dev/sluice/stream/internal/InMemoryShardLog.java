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
 * their buffers unreachable. Full-size pages come from the engine's {@link PageSupply}, which allocates (and so
 * zeroes and faults in) the next ones on the scheduler thread, keeping the page faults of fresh memory off the writer.
 *
 * <p>Design note on indexes. Records get an index (0, 1, 2, ...); block {@code k} of the current block
 * array holds indexes {@code [base + k * BLOCK, base + (k + 1) * BLOCK)}, so locating an index is
 * arithmetic. Sequence counters and arrival times both grow with the index, so positions by sequence number
 * or by timestamp are binary searches. A block is also cut once it holds {@value #BLOCK_BYTES} bytes, so that
 * dropping the oldest block (byte retention, {@link #trimOldest}) frees memory in bounded steps: the writer then
 * skips the block's remaining indexes, which are holes. A hole reads as a copy of the block's last record for the
 * searches (so values still never decrease) and is skipped by reads; the published range always ends with a record,
 * as a block is cut only when the next record is appended. Each block records the bytes appended before it, so the
 * bytes up to any position are a block lookup plus a sum over at most one block's sizes.
 *
 * <p>Memory ordering: the single writer fills slots and page bytes, then {@link #publish()} writes the
 * volatile {@code published} count. A reader reads {@code published} first and the volatile block array
 * second, so every slot below {@code published} is fully visible and its block is in the array it sees.
 * The block array is copied on change (a new block, or expiry and trimming), serialised by {@code this}. Expiry and
 * trimming drop only blocks the writer has moved past and fully published, so they never race the writer; a block's
 * {@code used} count and sizes are written before the {@code published} count that makes them complete.
 * A reader holding an old array may still read a dropped block; that is harmless.
 */
final class InMemoryShardLog implements ShardLog {

    static final int BLOCK = 1024;
    /**
     * A block takes no more records once it holds this many bytes: the step in which trimming frees memory. A block's
     * index arrays take about 30 KiB of heap, so this keeps them under 3 % of the records' bytes for records of 1 KiB
     * and more; it is also the largest shared page.
     */
    static final int BLOCK_BYTES = 1024 * 1024;
    static final int FIRST_PAGE = 16 * 1024;
    static final int MAX_PAGE = 1024 * 1024;
    static final int OWN_PAGE_ABOVE = MAX_PAGE / 4;

    private static final Block[] NO_BLOCKS = new Block[0];

    private final int shardIndex;
    private final String sequenceSuffix;
    private final PageSupply pages;
    private final AtomicLong retainedBytes = new AtomicLong();
    private final AtomicLong retainedRecords = new AtomicLong();

    private volatile Block[] blocks = NO_BLOCKS;
    private volatile long published;

    // Writer-thread state.
    private ByteBuffer page;
    private int pageUsed;
    private Block tail;
    private long writeIndex;
    private long unpublishedBytes;
    private long unpublishedRecords;
    /** Bytes ever appended: the next block's {@code bytesBefore}. */
    private long appendedBytes;

    InMemoryShardLog(int shardIndex) {
        this(shardIndex, new PageSupply());
    }

    /** A log taking its full-size pages from the engine's {@link PageSupply}. */
    InMemoryShardLog(int shardIndex, PageSupply pages) {
        this.shardIndex = shardIndex;
        this.sequenceSuffix = SequenceNumbers.suffix(shardIndex);
        this.pages = pages;
    }

    @Override
    public void append(long sequence, long arrivalMillis, byte[] partitionKey, byte[] data) {
        int size = partitionKey.length + data.length;
        // The page first: if direct memory is exhausted the record fails before any index is used.
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
        Block block = tail;
        if (block == null || writeIndex - block.base == BLOCK || block.bytes >= BLOCK_BYTES) {
            if (block != null && writeIndex - block.base < BLOCK) {
                block.used = (int) (writeIndex - block.base); // cut by bytes: the rest of its indexes are holes
                writeIndex = block.base + BLOCK;
            }
            block = new Block(writeIndex, appendedBytes);
            addBlock(block);
            tail = block;
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
        appendedBytes += size;
        unpublishedBytes += size;
        unpublishedRecords++;
        writeIndex++;
    }

    private ByteBuffer allocate(int bytes) {
        try {
            return bytes == MAX_PAGE ? pages.take() : ByteBuffer.allocateDirect(bytes);
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
            retainedRecords.addAndGet(unpublishedRecords);
            unpublishedBytes = 0;
            unpublishedRecords = 0;
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
            if (slot >= block.used) {
                index = block.base + BLOCK; // a hole: the block was cut
                continue;
            }
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
            if (index - block.base >= block.used) {
                block = snapshot[(int) ((block.base + BLOCK - first) / BLOCK)]; // holes end before the published end
                index = block.base;
            }
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
        return block.sequence[block.slot(last)];
    }

    @Override
    public synchronized Dropped expireBefore(long cutoffMillis) {
        Block[] current = blocks;
        long end = published;
        int drop = 0;
        Dropped freed = Dropped.NOTHING;
        while (drop < current.length) {
            Block block = current[drop];
            if (!block.complete(end) || block.arrival[block.used - 1] >= cutoffMillis) {
                break;
            }
            freed = freed.plus(block.describe());
            drop++;
        }
        dropFirst(current, drop, freed);
        return freed;
    }

    @Override
    public Dropped oldestTrimmable() {
        long end = published;
        Block[] current = blocks;
        return current.length > 0 && current[0].complete(end) ? current[0].describe() : null;
    }

    @Override
    public synchronized Dropped trimOldest(long maxLastSequence) {
        Block[] current = blocks;
        if (current.length == 0 || !current[0].complete(published)) {
            return Dropped.NOTHING;
        }
        Dropped unit = current[0].describe();
        if (unit.lastSequence() > maxLastSequence) {
            return Dropped.NOTHING;
        }
        dropFirst(current, 1, unit);
        return unit;
    }

    /** Drops the first {@code drop} blocks of {@code current}, which is the block array; caller holds the lock. */
    private void dropFirst(Block[] current, int drop, Dropped freed) {
        if (drop > 0) {
            blocks = Arrays.copyOfRange(current, drop, current.length);
            retainedBytes.addAndGet(-freed.bytes());
            retainedRecords.addAndGet(-freed.records());
        }
    }

    @Override
    public long retainedBytesThrough(long sequence) {
        long end = published;
        Block[] snapshot = blocks;
        if (snapshot.length == 0 || end <= snapshot[0].base || sequence < 0) {
            return 0;
        }
        long first = snapshot[0].base;
        long index = sequence == Long.MAX_VALUE ? end : lowerBound(snapshot, first, end, sequence + 1, true);
        long before;
        if (index >= end) {
            Block last = snapshot[(int) ((end - 1 - first) / BLOCK)];
            before = last.bytesBefore + last.sumSizes(last.slot(end - 1) + 1);
        } else {
            Block block = snapshot[(int) ((index - first) / BLOCK)];
            before = block.bytesBefore + block.sumSizes(block.slot(index));
        }
        return before - snapshot[0].bytesBefore;
    }

    @Override
    public long retainedBytes() {
        return retainedBytes.get();
    }

    @Override
    public long retainedRecords() {
        return retainedRecords.get();
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
            int slot = block.slot(mid); // a hole reads as the block's last record
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
        /** Bytes appended to the log before this block's first record. */
        final long bytesBefore;
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
        /** Slots holding records: {@link #BLOCK} unless the writer cut the block by bytes. */
        int used = BLOCK;

        Block(long base, long bytesBefore) {
            this.base = base;
            this.bytesBefore = bytesBefore;
        }

        /** The slot of {@code index}, or of the block's last record for an index in its holes. */
        int slot(long index) {
            return (int) Math.min(index - base, used - 1);
        }

        /** Whether the writer moved past this block and published all of it. */
        boolean complete(long published) {
            return base + BLOCK <= published;
        }

        long sumSizes(int slots) {
            long sum = 0;
            for (int i = 0; i < slots; i++) {
                sum += size[i];
            }
            return sum;
        }

        /** This (complete) block as a unit of storage. */
        Dropped describe() {
            return new Dropped(used, bytes, arrival[0], sequence[used - 1]);
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
