package dev.sluice.stream;

/**
 * An engine's account-level limits and usage, as Kinesis DescribeLimits reports them.
 *
 * <p>Thread-safety: immutable; a snapshot taken when it was returned.
 *
 * @param shardLimit               most open shards over all streams (the builder's {@code shardQuota})
 * @param openShardCount           open shards now, over all streams
 * @param onDemandStreamCount      streams in {@link StreamMode#ON_DEMAND} now
 * @param onDemandStreamCountLimit most on-demand streams ({@link StreamEngine#ON_DEMAND_STREAM_COUNT_LIMIT})
 */
public record AccountLimits(int shardLimit, int openShardCount, int onDemandStreamCount, int onDemandStreamCountLimit) {
}
