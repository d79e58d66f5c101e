package dev.sluice.stream;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * A stream's summary, as Kinesis DescribeStreamSummary returns it.
 *
 * <p>Thread-safety: immutable; a snapshot taken when it was returned.
 *
 * @param streamName              the name
 * @param streamArn               {@code arn:aws:kinesis:<region>:<account>:stream/<name>}
 * @param streamStatus            the status
 * @param streamMode              the capacity mode
 * @param retentionPeriod         how long records stay readable
 * @param streamCreationTimestamp when the stream was created, by the engine's clock
 * @param openShardCount          shards that accept writes
 * @param consumerCount           registered enhanced fan-out consumers
 * @param encryptionType          server-side encryption, as set by {@link StreamEngine#startStreamEncryption}
 * @param keyId                   the KMS key id while encrypted
 * @param shardLimits             per-shard throughput limits
 * @param retentionBytes          the stream's byte limit, if it has one (a Sluice extension)
 * @param overflowPolicy          what happens at a byte limit (a Sluice extension)
 * @param streamId                Kinesis StreamId: 20 and 3 characters of {@code [a-z0-9]} joined by {@code -}, given at
 *                                creation and kept for the stream's life (durable storage keeps it across restarts)
 * @param maxRecordSizeInKiB      Kinesis MaxRecordSizeInKiB: the largest record the stream takes, in [1024, 10240]
 * @param recordDistributionStrategy Kinesis RecordDistributionStrategy: how new records choose their shard
 * @param warmThroughput          Kinesis WarmThroughput, for an on-demand stream; empty for a provisioned one
 */
public record StreamDescriptionSummary(String streamName, String streamArn, StreamStatus streamStatus,
                                       StreamMode streamMode, Duration retentionPeriod, Instant streamCreationTimestamp,
                                       int openShardCount, int consumerCount, EncryptionType encryptionType,
                                       Optional<String> keyId, ShardLimits shardLimits, OptionalLong retentionBytes,
                                       OverflowPolicy overflowPolicy, String streamId, int maxRecordSizeInKiB,
                                       RecordDistributionStrategy recordDistributionStrategy,
                                       Optional<WarmThroughput> warmThroughput) {

    /** Checks that no component is null. */
    public StreamDescriptionSummary {
        Objects.requireNonNull(streamName, "streamName");
        Objects.requireNonNull(streamArn, "streamArn");
        Objects.requireNonNull(streamStatus, "streamStatus");
        Objects.requireNonNull(streamMode, "streamMode");
        Objects.requireNonNull(retentionPeriod, "retentionPeriod");
        Objects.requireNonNull(streamCreationTimestamp, "streamCreationTimestamp");
        Objects.requireNonNull(encryptionType, "encryptionType");
        Objects.requireNonNull(keyId, "keyId");
        Objects.requireNonNull(shardLimits, "shardLimits");
        Objects.requireNonNull(retentionBytes, "retentionBytes");
        Objects.requireNonNull(overflowPolicy, "overflowPolicy");
        Objects.requireNonNull(streamId, "streamId");
        Objects.requireNonNull(recordDistributionStrategy, "recordDistributionStrategy");
        Objects.requireNonNull(warmThroughput, "warmThroughput");
    }
}
