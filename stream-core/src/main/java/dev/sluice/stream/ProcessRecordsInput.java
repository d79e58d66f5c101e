package dev.sluice.stream;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * One batch for {@link RecordProcessor#processRecords(ProcessRecordsInput)} (KCL {@code ProcessRecordsInput}).
 *
 * <p>Thread-safety: immutable; the checkpointer is thread-safe.
 *
 * @param shardId           the shard the records come from
 * @param records           at least one record, in sequence order; KPL-aggregated records already de-aggregated
 * @param millisBehindLatest Kinesis {@code MillisBehindLatest} of the read that returned the batch: zero when it
 *                          reached the newest record of the shard
 * @param checkpointer      records how far this shard has been processed
 */
public record ProcessRecordsInput(String shardId, List<ConsumerRecord> records, Duration millisBehindLatest,
                                  Checkpointer checkpointer) {

    /** Copies the list and checks that no component is null. */
    public ProcessRecordsInput {
        Objects.requireNonNull(shardId, "shardId");
        records = List.copyOf(records);
        Objects.requireNonNull(millisBehindLatest, "millisBehindLatest");
        Objects.requireNonNull(checkpointer, "checkpointer");
    }
}
