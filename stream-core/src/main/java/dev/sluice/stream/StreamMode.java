package dev.sluice.stream;

/**
 * A stream's capacity mode, as Kinesis names it.
 *
 * <p>Thread-safety: immutable.
 */
public enum StreamMode {
    /** The shard count is chosen by the user and changed only by resharding calls. */
    PROVISIONED,
    /**
     * The engine adds shards as the write rate approaches the shards' limits. A new on-demand stream starts
     * with {@value dev.sluice.stream.StreamEngine#ON_DEMAND_INITIAL_SHARDS} shards (4 MiB/s, 4,000 records/s);
     * see {@link StreamEngine} for the scaling rule and its timing.
     */
    ON_DEMAND
}
