package dev.sluice.stream;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * A stream's summary, as Kinesis DescribeStreamSummary returns it.
 *
 * <p>Thread-safety: immutable; a snapshot taken when it was returned.
 *
 * @param streamName              the name
 * @param streamStatus            the status
 * @param retentionPeriod         how long records stay readable
 * @param streamCreationTimestamp when the stream was created, by the engine's clock
 * @param openShardCount          shards that accept writes
 * @param shardLimits             per-shard throughput limits
 */
public record StreamDescriptionSummary(String streamName, StreamStatus streamStatus, Duration retentionPeriod,
                                       Instant streamCreationTimestamp, int openShardCount, ShardLimits shardLimits) {

    /** Checks that no component is null. */
    public StreamDescriptionSummary {
        Objects.requireNonNull(streamName, "streamName");
        Objects.requireNonNull(streamStatus, "streamStatus");
        Objects.requireNonNull(retentionPeriod, "retentionPeriod");
        Objects.requireNonNull(streamCreationTimestamp, "streamCreationTimestamp");
        Objects.requireNonNull(shardLimits, "shardLimits");
    }
}
