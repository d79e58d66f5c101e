package dev.sluice.delivery.internal.buffer;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A contiguous run of one shard's records that is delivered as a unit, for exactly-once delivery from a stream.
 *
 * <p>Design note: confined to the coordinator thread. A segment collects the records of one shard from
 * {@code firstSequenceNumber} to {@code lastSequenceNumber}; its buffers (one per partition, plus error output) are
 * sealed together, their objects are named from (shard, first, last, configuration version) and created only if
 * absent, and the shard's checkpoint moves to {@code lastSequenceNumber} only when every record of the segment is
 * final. A segment being replayed after a crash carries {@code forcedLast}: it ignores size and interval hints and
 * seals exactly at that sequence number, so the replay rebuilds the very same objects.
 */
public final class Segment {

    /** What the stream source does when a segment's records are all final. */
    public interface Listener {
        /** The last sequence number of the segment to replay for this shard, consumed by the call. */
        public Optional<String> forcedLast(String shardId);

        /** Called on the coordinator thread when the segment is sealed, before any object is written. */
        void sealed(Segment segment);

        /** Called on the coordinator thread when every record of the segment is final. */
        void committed(Segment segment);
    }

    final String shardId;
    public final Optional<String> forcedLast;
    final Listener listener;
    /** When the segment opened, or when sealing it last failed (retried one interval later). */
    long openedTick;
    final List<Buffer> buffers = new ArrayList<>();
    public String firstSequenceNumber;
    public String lastSequenceNumber;
    Instant firstArrival;
    long bytes;
    int pendingInputs;
    boolean sealed;

    Segment(String shardId, Optional<String> forcedLast, Listener listener, long openedTick) {
        this.shardId = shardId;
        this.forcedLast = forcedLast;
        this.listener = listener;
        this.openedTick = openedTick;
    }

    /** The deterministic object id: shard, first and last sequence number. */
    String objectId() {
        return shardId + "-" + firstSequenceNumber + "-" + lastSequenceNumber;
    }

    boolean reachedForcedLast() {
        return forcedLast.isPresent() && forcedLast.get().equals(lastSequenceNumber);
    }
}
