package dev.sluice.stream.internal;

import dev.sluice.stream.StreamRecord;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A shard log on the heap, in fixed-size blocks of parallel arrays.
 *
 * <p>Design note. Records get a dense index (0, 1, 2, ...); block {@code k} of the current block array
 * holds indexes {@code [base + k * BLOCK, base + (k + 1) * BLOCK)}, so locating an index is arithmetic.
 * Sequence counters and arrival times are both non-decreasing in index order, so positions by sequence
 * number or by timestamp are binary searches.
 *
 * <p>Memory ordering: the single writer fills slots, then {@link #publish()} writes the volatile
 * {@code published} count. A reader reads {@code published} first and the volatile block array second,
 * so every slot below {@code published} is fully visible and its block is in the array it sees. The
 * block array is copied on change (a new block every {@value #BLOCK} records, or expiry); changes
 * are serialised by {@code this}. Expiry drops only blocks that are full and fully published, so it
 * never races the writer's current block. A reader holding an old array may still read a dropped block;
 * that is harmless, the block is collected after.
 */
final class InMemoryShardLog implements ShardLog {

    static final int BLOCK = 1024;

    private static final Block[] NO_BLOCKS = new Block[0];

    private final int shardIndex;
    private final AtomicLong retainedBytes = new AtomicLong();

    private volatile Block[] blocks = NO_BLOCKS;
    private volatile long published;

    // Writer-thread state.
    private Block tail;
    private long writeIndex;
    private long unpublishedBytes;

    InMemoryShardLog(int shardIndex) {
        this.shardIndex = shardIndex;
    }

    @Override
    public void append(long sequence, long arrivalMillis, String partitionKey, int keyBytes, byte[] data) {
        Block block = tail;
        if (block == null || writeIndex - block.base == BLOCK) {
            block = new Block(writeIndex);
            addBlock(block);
            tail = block;
        }
        int slot = (int) (writeIndex - block.base);
        int size = data.length + keyBytes;
        block.sequence[slot] = sequence;
        block.arrival[slot] = arrivalMillis;
        block.key[slot] = partitionKey;
        block.data[slot] = data;
        block.size[slot] = size;
        block.bytes += size;
        unpublishedBytes += size;
        writeIndex++;
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
            out.add(new StreamRecord(SequenceNumbers.format(block.sequence[slot], shardIndex),
                    Instant.ofEpochMilli(block.arrival[slot]), block.key[slot], ByteBuffer.wrap(block.data[slot])));
            bytes += size;
            next = block.sequence[slot] + 1;
            index++;
        }
        long nextArrival = index < end ? snapshot[(int) ((index - first) / BLOCK)].arrival[(int) ((index - first) % BLOCK)] : -1;
        return new ShardRead(out, bytes, Math.max(next, fromSequence), nextArrival);
    }

    @Override
    public long lastSequence() {
        long end = published;
        if (end == 0) {
            return -1;
        }
        Block[] snapshot = blocks;
        long last = end - 1;
        if (snapshot.length == 0 || last < snapshot[0].base) {
            return -1;
        }
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
        final String[] key = new String[BLOCK];
        final byte[][] data = new byte[BLOCK][];
        final int[] size = new int[BLOCK];
        long bytes;

        Block(long base) {
            this.base = base;
        }
    }
}
