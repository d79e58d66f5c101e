package dev.sluice.stream;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What one GetRecords call returned.
 *
 * <p>Thread-safety: immutable.
 *
 * @param records           the records, in sequence order; empty when nothing new is there
 * @param nextShardIterator where the next call continues; empty once a closed shard has been read to its end
 * @param behindLatest      Kinesis {@code MillisBehindLatest}: zero when this call reached the newest record,
 *                          otherwise the age of the oldest record not yet returned
 * @param childShards       when {@code nextShardIterator} is empty, the children of the closed shard; else empty
 */
public record GetRecordsResult(List<StreamRecord> records, Optional<String> nextShardIterator, Duration behindLatest,
                               List<ChildShard> childShards) {

    /** Copies the lists and checks that no component is null. */
    public GetRecordsResult {
        records = List.copyOf(records);
        Objects.requireNonNull(nextShardIterator, "nextShardIterator");
        Objects.requireNonNull(behindLatest, "behindLatest");
        childShards = List.copyOf(childShards);
    }
}
