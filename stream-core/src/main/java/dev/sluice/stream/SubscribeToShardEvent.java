package dev.sluice.stream;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * One event of a {@link StreamEngine#subscribeToShard} subscription, as Kinesis pushes it.
 *
 * <p>Thread-safety: immutable.
 *
 * @param records                    the records, in sequence order; possibly empty (a heartbeat)
 * @param continuationSequenceNumber where a new subscription continues ({@code AFTER_SEQUENCE_NUMBER}) after this
 *                                   event: the last record's sequence number, or the position already reached
 * @param behindLatest               Kinesis {@code MillisBehindLatest}
 * @param childShards                once a closed shard has been read to its end, its children (the subscription
 *                                   then completes); else empty
 */
public record SubscribeToShardEvent(List<StreamRecord> records, String continuationSequenceNumber,
                                    Duration behindLatest, List<ChildShard> childShards) {

    /** Copies the lists and checks that no component is null. */
    public SubscribeToShardEvent {
        records = List.copyOf(records);
        Objects.requireNonNull(continuationSequenceNumber, "continuationSequenceNumber");
        Objects.requireNonNull(behindLatest, "behindLatest");
        childShards = List.copyOf(childShards);
    }
}
