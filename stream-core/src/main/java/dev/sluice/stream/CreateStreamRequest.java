package dev.sluice.stream;

import dev.sluice.stream.internal.KinesisLimits;

import java.time.Duration;
import java.util.Objects;
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
 */
public record CreateStreamRequest(String streamName, int shardCount, Duration retention, ShardLimits shardLimits,
                                  StreamMode streamMode, OptionalLong retentionBytes, OverflowPolicy overflowPolicy) {

    /** Smallest {@link #retentionBytes()}: one record of the largest size Kinesis accepts (1 MiB). */
    public static final long MIN_RETENTION_BYTES = KinesisLimits.MIN_RETENTION_BYTES;
    /** Largest {@link #retentionBytes()}: 1 PiB, far above any disk, so sums of limits cannot overflow. */
    public static final long MAX_RETENTION_BYTES = KinesisLimits.MAX_RETENTION_BYTES;

    /**
     * Validates the request.
     *
     * @throws StreamException {@link ErrorCode#VALIDATION} for a bad name or shard count,
     *                         {@link ErrorCode#INVALID_ARGUMENT} for a retention or retention bytes out of range
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
        return new CreateStreamRequest(streamName, shardCount, retention, shardLimits, mode, retentionBytes, overflowPolicy);
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
                overflowPolicy);
    }

    /**
     * Returns a copy with other per-shard limits.
     *
     * @param shardLimits the limits
     * @return the new request
     */
    public CreateStreamRequest withShardLimits(ShardLimits shardLimits) {
        return new CreateStreamRequest(streamName, shardCount, retention, shardLimits, streamMode, retentionBytes,
                overflowPolicy);
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
                OptionalLong.of(retentionBytes), overflowPolicy);
    }

    /**
     * Returns a copy with another overflow policy.
     *
     * @param overflowPolicy what happens at the byte limit
     * @return the new request
     */
    public CreateStreamRequest withOverflowPolicy(OverflowPolicy overflowPolicy) {
        return new CreateStreamRequest(streamName, shardCount, retention, shardLimits, streamMode, retentionBytes,
                overflowPolicy);
    }
}
