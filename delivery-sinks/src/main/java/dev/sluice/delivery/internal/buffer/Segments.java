package dev.sluice.delivery.internal.buffer;

import java.util.HashMap;
import java.util.Map;

/**
 * Cuts each shard's records into {@link Segment}s.
 *
 * <p>Design note: confined to the coordinator thread, which sees each shard's records in sequence order. A record
 * joins the shard's open segment unless that segment is sealed, ended at its replay boundary, or full (its raw bytes
 * reached the size hint); then it opens a new one, taking the next replay boundary, if any, from the listener. Size
 * is decided on raw input bytes, so it is reproducible; cuts made by time or memory pressure are not, which is
 * why the source records every cut as an intent before writing.
 */
public final class Segments {

    private final long sizeHint;
    private final Map<String, Segment> open = new HashMap<>();

    Segments(long sizeHint) {
        this.sizeHint = sizeHint;
    }

    /** Puts a stream record into its shard's segment; direct-put records (no listener or metadata) get none. */
    void assign(InputRecord input, Segment.Listener listener) {
        if (input.kinesis.isEmpty() || listener == null) {
            return;
        }
        String shard = input.kinesis.get().shardId();
        Segment segment = open.get(shard);
        if (segment == null || segment.sealed || segment.listener != listener || complete(segment)) {
            segment = new Segment(shard, listener.forcedLast(shard), listener, input.arrivalTick);
            segment.firstSequenceNumber = input.kinesis.get().sequenceNumber();
            segment.firstArrival = input.arrival;
            open.put(shard, segment);
        }
        segment.lastSequenceNumber = input.kinesis.get().sequenceNumber();
        segment.pendingInputs++;
        segment.bytes += input.raw.length;
        input.segment = segment;
    }

    /** Forgets the partition's open segment, if any, and returns it. */
    Segment forget(String partition) {
        return open.remove(partition);
    }

    /** The partition's open segment, or {@code null}. */
    Segment openSegment(String partition) {
        return open.get(partition);
    }

    /** Whether the segment takes no more records: its replay boundary is reached, or it is full. */
    boolean complete(Segment segment) {
        return segment.reachedForcedLast() || (segment.forcedLast.isEmpty() && segment.bytes >= sizeHint);
    }
}
