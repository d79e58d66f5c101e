package dev.sluice.stream.internal;

import dev.sluice.stream.ErrorCode;
import dev.sluice.stream.StreamException;
import dev.sluice.stream.StreamRecord;
import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.wire.DocumentContext;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * A reader's place in one {@link DurableShardLog}: a Chronicle tailer and the search that positions it.
 *
 * <p>Design note on positions. Within a file (a roll cycle) Chronicle indexes are dense, and sequence counters
 * and arrival times both grow with the index, so "the first record with sequence >= s and arrival >= t" is a
 * binary search: first over the log's cycle table (each entry holds its first record's sequence and arrival),
 * then over the indexes of one cycle, reading a probe record's 16-byte prefix at each step
 * ({@code moveToIndex} is an index lookup plus a scan of at most 256 entries). A cursor also remembers the
 * sequence it stopped before, so a consumer reading on from where its last call stopped needs no search.
 *
 * <p>Not thread-safe: a reader borrows a cursor from the log's pool for the length of one call. A cursor whose
 * tailer failed is closed, never returned to the pool.
 */
final class DurableCursor {

    /** No record satisfies the search among the visible ones. */
    static final long NONE = Long.MIN_VALUE;
    /** A probed record's file vanished (retention removed it): retry with fresh snapshots. */
    static final long GONE = Long.MIN_VALUE + 1;

    final ExcerptTailer tailer;
    /** The log's expiry epoch when the cursor was made: older cursors may pin deleted files and are retired. */
    final int epoch;
    private final String sequenceSuffix;
    private final String description;
    /** The tailer stands before the first record whose sequence is >= this one; -1 when unknown. */
    private long expectedSequence = -1;
    private long probeSequence;
    private long probeArrival;

    DurableCursor(ExcerptTailer tailer, int epoch, String sequenceSuffix, String description) {
        this.tailer = tailer;
        this.epoch = epoch;
        this.sequenceSuffix = sequenceSuffix;
        this.description = description;
    }

    /**
     * Reads visible records: those up to {@code tail}, in {@code cycles}, from the first one with sequence >=
     * {@code fromSequence} and arrival >= {@code fromArrival}.
     *
     * @return the read, or {@code null} if a file vanished under the search (retention removed it): retry with
     *         fresh snapshots
     */
    ShardRead read(DurableShardLog.Tail tail, DurableShardLog.Cycle[] cycles, long fromSequence, long fromArrival,
                   int limit, long maxBytes) {
        if (!continuesAt(fromSequence, fromArrival, tail)) {
            long start = seek(tail, cycles, fromSequence, fromArrival);
            if (start == NONE) {
                expectedSequence = -1;
                return new ShardRead(List.of(), 0, fromSequence, -1);
            }
            if (start < 0 || !tailer.moveToIndex(start)) {
                expectedSequence = -1;
                return null;
            }
        }
        List<StreamRecord> out = new ArrayList<>(Math.min(limit, 1_024));
        long bytes = 0;
        long next = fromSequence;
        long nextArrival = -1;
        while (true) {
            try (DocumentContext dc = tailer.readingDocument()) {
                if (!dc.isPresent()) {
                    break;
                }
                long index = dc.index();
                if (index > tail.index()) {
                    dc.rollbackOnClose(); // written but not yet published: invisible
                    break;
                }
                Bytes<?> in = dc.wire().bytes();
                long sequence = in.readLong();
                long arrival = in.readLong();
                in.readLong(); // cumulative bytes: for retention accounting only
                int keyLength = in.readUnsignedShort();
                long size = in.readRemaining();
                if (sequence < SequenceNumbers.FIRST_COUNTER || keyLength > size || size > KinesisLimits.MAX_LARGE_RECORD_BYTES) {
                    throw corrupt(index, sequence, keyLength, size);
                }
                if (out.size() == limit || (!out.isEmpty() && bytes + size > maxBytes)) {
                    nextArrival = arrival;
                    dc.rollbackOnClose();
                    break;
                }
                byte[] key = new byte[keyLength];
                in.read(key);
                byte[] data = new byte[(int) size - keyLength];
                in.read(data);
                out.add(new StreamRecord(SequenceNumbers.format(sequence, sequenceSuffix), Instant.ofEpochMilli(arrival),
                        new String(key, StandardCharsets.UTF_8), ByteBuffer.wrap(data)));
                bytes += size;
                next = sequence + 1;
            }
        }
        if (!out.isEmpty()) {
            expectedSequence = next;
        } else if (expectedSequence != fromSequence) {
            expectedSequence = -1;
        }
        return new ShardRead(out, bytes, Math.max(next, fromSequence), nextArrival);
    }

    /**
     * The shard's cumulative byte count before the first visible record whose sequence is >= {@code fromSequence}:
     * the bytes of every record before it, dropped ones included (each record stores the running total).
     *
     * @return the count, the tail's count if every visible record is before it, or {@link #GONE}
     */
    long cumulativeBefore(DurableShardLog.Tail tail, DurableShardLog.Cycle[] cycles, long fromSequence) {
        expectedSequence = -1; // the tailer moves: a later read must position itself
        long index = seek(tail, cycles, fromSequence, 0);
        if (index == NONE) {
            return tail.cumulativeBytes();
        }
        if (index < 0 || !tailer.moveToIndex(index)) {
            return GONE;
        }
        try (DocumentContext dc = tailer.readingDocument()) {
            if (!dc.isPresent() || dc.index() != index) {
                if (dc.isPresent()) {
                    dc.rollbackOnClose();
                }
                return GONE;
            }
            Bytes<?> in = dc.wire().bytes();
            in.readLong();
            in.readLong();
            long cumulative = in.readLong();
            in.readUnsignedShort();
            long size = in.readRemaining();
            dc.rollbackOnClose();
            return cumulative - size;
        }
    }

    /** Whether the tailer already stands where this read starts: a consumer continuing from its last call. */
    private boolean continuesAt(long fromSequence, long fromArrival, DurableShardLog.Tail tail) {
        if (expectedSequence < 0 || fromSequence != expectedSequence) {
            return false;
        }
        long index = tailer.index();
        if (index > tail.index()) {
            return true; // nothing new is visible yet; the tailer waits at the right place
        }
        // The record there has sequence >= expectedSequence (and its predecessor was below it); it must also
        // satisfy the arrival bound, which moves with retention.
        try (DocumentContext dc = tailer.readingDocument()) {
            if (!dc.isPresent() || dc.index() != index) {
                if (dc.isPresent()) {
                    dc.rollbackOnClose();
                }
                return false;
            }
            Bytes<?> in = dc.wire().bytes();
            in.readLong();
            long arrival = in.readLong();
            dc.rollbackOnClose();
            return arrival >= fromArrival;
        }
    }

    /**
     * Finds the first visible index whose record has sequence >= {@code fromSequence} and arrival >=
     * {@code fromArrival}: both grow with the index, so the condition is false, then true.
     *
     * @return the index, {@link #NONE}, or -1 if a probed record's file vanished
     */
    private long seek(DurableShardLog.Tail tail, DurableShardLog.Cycle[] cycles, long fromSequence, long fromArrival) {
        int visible = 0;
        while (visible < cycles.length && cycles[visible].firstIndex() <= tail.index()) {
            visible++;
        }
        // First cycle whose first record already qualifies.
        int lo = 0;
        int hi = visible;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            DurableShardLog.Cycle c = cycles[mid];
            if (c.firstSequence() >= fromSequence && c.firstArrival() >= fromArrival) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        if (lo == 0) {
            return visible == 0 ? NONE : cycles[0].firstIndex();
        }
        // The answer is in the cycle before it, after its first record, or else that cycle's first record.
        DurableShardLog.Cycle c = cycles[lo - 1];
        long last = c.isOpen() ? tail.index() : Math.min(c.lastIndex(), tail.index());
        long from = c.firstIndex() + 1;
        long to = last + 1;
        while (from < to) {
            long mid = (from + to) >>> 1;
            if (!probe(mid)) {
                return -1;
            }
            if (probeSequence >= fromSequence && probeArrival >= fromArrival) {
                to = mid;
            } else {
                from = mid + 1;
            }
        }
        if (from <= last) {
            return from;
        }
        return lo < visible ? cycles[lo].firstIndex() : NONE;
    }

    /** Reads the sequence and arrival of the record at {@code index}; false if it is gone. */
    private boolean probe(long index) {
        if (!tailer.moveToIndex(index)) {
            return false;
        }
        try (DocumentContext dc = tailer.readingDocument()) {
            if (!dc.isPresent()) {
                return false;
            }
            Bytes<?> in = dc.wire().bytes();
            probeSequence = in.readLong();
            probeArrival = in.readLong();
            dc.rollbackOnClose();
            return dc.index() == index;
        }
    }

    private StreamException corrupt(long index, long sequence, int keyLength, long size) {
        return new StreamException(ErrorCode.INTERNAL_FAILURE, "the record at Chronicle index 0x" + Long.toHexString(index)
                + " of " + description + " is damaged (sequence counter " + sequence + ", key length " + keyLength
                + ", size " + size + " bytes): its file " + tailer.currentFile() + " was changed outside Sluice");
    }
}
