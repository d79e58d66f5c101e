package dev.sluice.stream;

/**
 * Kinesis RecordDistributionStrategy: how an on-demand stream chooses the shard of a new record.
 *
 * <p>Thread-safety: an enum, immutable.
 */
public enum RecordDistributionStrategy {
    /**
     * Records are spread evenly over the open shards, one after the other, whatever their partition key or
     * explicit hash key. Only for {@link StreamMode#ON_DEMAND} streams. Order per partition key is not kept across
     * shards.
     */
    AUTO,
    /** The classic Kinesis routing and the default: the MD5 of the partition key, or the explicit hash key. */
    USER_PARTITION_KEY
}
