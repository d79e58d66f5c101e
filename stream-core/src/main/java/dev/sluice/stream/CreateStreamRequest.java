package dev.sluice.stream;

import dev.sluice.stream.internal.KinesisLimits;

import java.time.Duration;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * What {@link StreamEngine#createStream(CreateStreamRequest)} creates.
 *
 * <p>Thread-safety: immutable.
 *
 * @param streamName     1-128 characters of {@code [a-zA-Z0-9_.-]}
 * @param shardCount     number of shards, at least 1; the hash key space is split evenly among them
 * @param retention      how long records stay readable, in [24 h, 8,760 h]; Kinesis default 24 h
 * @param shardLimits    per-shard throughput limits; {@link ShardLimits#KINESIS} by default
 * @param streamMode     {@link StreamMode#PROVISIONED} by default; an {@link StreamMode#ON_DEMAND} stream starts with
 *                       {@code shardCount} shards (use {@link #onDemand(String)} for Kinesis's 4) and grows with its
 *                       write rate
 * @param retentionBytes most bytes (data plus partition keys) the stream retains, over all its shards, in
 *                       [{@value #MIN_RETENTION_BYTES}, {@value #MAX_RETENTION_BYTES}]; empty (the default) for no
 *                       byte limit of its own (in-memory storage still has the engine's
 *                       {@link Storage.InMemory#maxRetainedBytes()}). A Sluice extension, like Kafka's
 *                       {@code retention.bytes}
 * @param overflowPolicy what happens at the byte limit; {@link OverflowPolicy#REJECT} (lossless) by default
 * @param maxRecordSizeInKiB         Kinesis MaxRecordSizeInKiB: the largest record (data plus partition key) the
 *                                   stream takes, in [1024, 10240] KiB; 1024 (1 MiB) by default
 * @param recordDistributionStrategy Kinesis RecordDistributionStrategy; {@link RecordDistributionStrategy#AUTO} only
 *                                   for an on-demand stream; {@link RecordDistributionStrategy#USER_PARTITION_KEY}
 *                                   by default
 * @param warmThroughputMiBps        Kinesis WarmThroughputMiBps: the write throughput an on-demand stream starts
 *                                   scaled for (it gets at least as many shards as that needs at each shard's write
 *                                   limit), in [0, 10240]; empty by default
 */
public record CreateStreamRequest(String streamName, int shardCount, Duration retention, ShardLimits shardLimits,
                                  StreamMode streamMode, OptionalLong retentionBytes, OverflowPolicy overflowPolicy,
                                  int maxRecordSizeInKiB, RecordDistributionStrategy recordDistributionStrategy,
                                  OptionalInt warmThroughputMiBps) {

    /** Smallest {@link #retentionBytes()}: one record of the largest size Kinesis accepts (1 MiB). */
    public static final long MIN_RETENTION_BYTES = KinesisLimits.MIN_RETENTION_BYTES;
    /** Largest {@link #retentionBytes()}: 1 PiB, far above any disk, so sums of limits cannot overflow. */
    public static final long MAX_RETENTION_BYTES = KinesisLimits.MAX_RETENTION_BYTES;

    /**
     * Validates the request.
     *
     * @throws StreamException {@link ErrorCode#VALIDATION} for a bad name or shard count, a maximum record size out of
     *                         [1024, 10240] KiB or a negative warm throughput; {@link ErrorCode#INVALID_ARGUMENT} for a
     *                         retention or retention bytes out of range, {@link RecordDistributionStrategy#AUTO} or a
     *                         warm throughput on a provisioned stream
     */
    public CreateStreamRequest {
        KinesisLimits.checkStreamName(streamName);
        if (shardCount < 1) {
            throw new StreamException(ErrorCode.VALIDATION, "shardCount must be >= 1 but was " + shardCount);
        }
        KinesisLimits.checkRetention("retention", retention);
        Objects.requireNonNull(shardLimits, "shardLimits");
        Objects.requireNonNull(streamMode, "streamMode");
        KinesisLimits.checkRetentionBytes(retentionBytes);
        Objects.requireNonNull(overflowPolicy, "overflowPolicy");
        KinesisLimits.checkMaxRecordSizeInKiB(maxRecordSizeInKiB);
        Objects.requireNonNull(recordDistributionStrategy, "recordDistributionStrategy");
        Objects.requireNonNull(warmThroughputMiBps, "warmThroughputMiBps");
        if (recordDistributionStrategy == RecordDistributionStrategy.AUTO && streamMode != StreamMode.ON_DEMAND) {
            throw new StreamException(ErrorCode.INVALID_ARGUMENT, "recordDistributionStrategy AUTO is only for ON_DEMAND"
                    + " streams but stream " + streamName + " is " + streamMode);
        }
        if (warmThroughputMiBps.isPresent()) {
            if (warmThroughputMiBps.getAsInt() < 0) {
                throw new StreamException(ErrorCode.VALIDATION, "warmThroughputMiBps must be >= 0 but was "
                        + warmThroughputMiBps.getAsInt());
            }
            if (streamMode != StreamMode.ON_DEMAND) {
                throw new StreamException(ErrorCode.INVALID_ARGUMENT, "warmThroughputMiBps is only for ON_DEMAND streams"
                        + " but stream " + streamName + " is " + streamMode);
            }
        }
    }

    /**
     * A request with the default record settings: 1 MiB records, partition-key routing, no warm throughput.
     *
     * @param streamName     the name
     * @param shardCount     the number of shards
     * @param retention      the retention period
     * @param shardLimits    per-shard limits
     * @param streamMode     the capacity mode
     * @param retentionBytes the byte limit, or empty
     * @param overflowPolicy what happens at the byte limit
     */
    public CreateStreamRequest(String streamName, int shardCount, Duration retention, ShardLimits shardLimits,
                               StreamMode streamMode, OptionalLong retentionBytes, OverflowPolicy overflowPolicy) {
        this(streamName, shardCount, retention, shardLimits, streamMode, retentionBytes, overflowPolicy,
                KinesisLimits.MIN_MAX_RECORD_SIZE_KIB, RecordDistributionStrategy.USER_PARTITION_KEY, OptionalInt.empty());
    }

    /**
     * A provisioned-mode request without a byte limit.
     *
     * @param streamName  the name
     * @param shardCount  the number of shards
     * @param retention   the retention period
     * @param shardLimits per-shard limits
     */
    public CreateStreamRequest(String streamName, int shardCount, Duration retention, ShardLimits shardLimits) {
        this(streamName, shardCount, retention, shardLimits, StreamMode.PROVISIONED);
    }

    /**
     * A request without a byte limit.
     *
     * @param streamName  the name
     * @param shardCount  the number of shards
     * @param retention   the retention period
     * @param shardLimits per-shard limits
     * @param streamMode  the capacity mode
     */
    public CreateStreamRequest(String streamName, int shardCount, Duration retention, ShardLimits shardLimits,
                               StreamMode streamMode) {
        this(streamName, shardCount, retention, shardLimits, streamMode, OptionalLong.empty(), OverflowPolicy.REJECT);
    }

    /**
     * An on-demand stream as Kinesis creates it: {@value StreamEngine#ON_DEMAND_INITIAL_SHARDS} shards, 24-hour
     * retention.
     *
     * @param streamName the name
     * @return the request
     */
    public static CreateStreamRequest onDemand(String streamName) {
        return new CreateStreamRequest(streamName, StreamEngine.ON_DEMAND_INITIAL_SHARDS, KinesisLimits.MIN_RETENTION,
                ShardLimits.KINESIS, StreamMode.ON_DEMAND);
    }

    /**
     * Returns a copy with another capacity mode.
     *
     * @param mode the mode
     * @return the new request
     */
    public CreateStreamRequest withStreamMode(StreamMode mode) {
        return new CreateStreamRequest(streamName, shardCount, retention, shardLimits, mode, retentionBytes, overflowPolicy,
                maxRecordSizeInKiB, recordDistributionStrategy, warmThroughputMiBps);
    }

    /**
     * A request with the Kinesis defaults: 24-hour retention and Kinesis shard limits, no byte limit.
     *
     * @param streamName the name
     * @param shardCount the number of shards
     * @return the request
     */
    public static CreateStreamRequest of(String streamName, int shardCount) {
        return new CreateStreamRequest(streamName, shardCount, KinesisLimits.MIN_RETENTION, ShardLimits.KINESIS);
    }

    /**
     * Returns a copy with another retention period.
     *
     * @param retention in [24 h, 8,760 h]
     * @return the new request
     */
    public CreateStreamRequest withRetention(Duration retention) {
        return new CreateStreamRequest(streamName, shardCount, retention, shardLimits, streamMode, retentionBytes,
                overflowPolicy, maxRecordSizeInKiB, recordDistributionStrategy, warmThroughputMiBps);
    }

    /**
     * Returns a copy with other per-shard limits.
     *
     * @param shardLimits the limits
     * @return the new request
     */
    public CreateStreamRequest withShardLimits(ShardLimits shardLimits) {
        return new CreateStreamRequest(streamName, shardCount, retention, shardLimits, streamMode, retentionBytes,
                overflowPolicy, maxRecordSizeInKiB, recordDistributionStrategy, warmThroughputMiBps);
    }

    /**
     * Returns a copy with a byte limit. On durable storage a stream created with one writes a file per minute instead
     * of per hour, so its records can be dropped in small steps.
     *
     * @param retentionBytes in [{@value #MIN_RETENTION_BYTES}, {@value #MAX_RETENTION_BYTES}]
     * @return the new request
     * @throws StreamException {@link ErrorCode#INVALID_ARGUMENT} if out of range
     */
    public CreateStreamRequest withRetentionBytes(long retentionBytes) {
        return new CreateStreamRequest(streamName, shardCount, retention, shardLimits, streamMode,
                OptionalLong.of(retentionBytes), overflowPolicy, maxRecordSizeInKiB, recordDistributionStrategy,
                warmThroughputMiBps);
    }

    /**
     * Returns a copy with another overflow policy.
     *
     * @param overflowPolicy what happens at the byte limit
     * @return the new request
     */
    public CreateStreamRequest withOverflowPolicy(OverflowPolicy overflowPolicy) {
        return new CreateStreamRequest(streamName, shardCount, retention, shardLimits, streamMode, retentionBytes,
                overflowPolicy, maxRecordSizeInKiB, recordDistributionStrategy, warmThroughputMiBps);
    }

    /**
     * Returns a copy with another maximum record size (Kinesis CreateStream {@code MaxRecordSizeInKiB}).
     *
     * @param maxRecordSizeInKiB in [1024, 10240]
     * @return the new request
     * @throws StreamException {@link ErrorCode#VALIDATION} if out of range
     */
    public CreateStreamRequest withMaxRecordSizeInKiB(int maxRecordSizeInKiB) {
        return new CreateStreamRequest(streamName, shardCount, retention, shardLimits, streamMode, retentionBytes,
                overflowPolicy, maxRecordSizeInKiB, recordDistributionStrategy, warmThroughputMiBps);
    }

    /**
     * Returns a copy with another record distribution strategy (Kinesis CreateStream {@code RecordDistributionStrategy}).
     *
     * @param recordDistributionStrategy {@link RecordDistributionStrategy#AUTO} only for an on-demand stream
     * @return the new request
     * @throws StreamException {@link ErrorCode#INVALID_ARGUMENT} for AUTO on a provisioned stream
     */
    public CreateStreamRequest withRecordDistributionStrategy(RecordDistributionStrategy recordDistributionStrategy) {
        return new CreateStreamRequest(streamName, shardCount, retention, shardLimits, streamMode, retentionBytes,
                overflowPolicy, maxRecordSizeInKiB, recordDistributionStrategy, warmThroughputMiBps);
    }

    /**
     * Returns a copy with a warm throughput (Kinesis CreateStream {@code WarmThroughputMiBps}).
     *
     * @param warmThroughputMiBps in [0, 10240], only for an on-demand stream
     * @return the new request
     * @throws StreamException {@link ErrorCode#INVALID_ARGUMENT} on a provisioned stream, {@link ErrorCode#VALIDATION}
     *                         if negative
     */
    public CreateStreamRequest withWarmThroughputMiBps(int warmThroughputMiBps) {
        return new CreateStreamRequest(streamName, shardCount, retention, shardLimits, streamMode, retentionBytes,
                overflowPolicy, maxRecordSizeInKiB, recordDistributionStrategy, OptionalInt.of(warmThroughputMiBps));
    }
}
