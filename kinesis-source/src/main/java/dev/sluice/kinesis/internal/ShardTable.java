package dev.sluice.kinesis.internal;

import software.amazon.awssdk.services.kinesis.model.Shard;

import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The shards the source knows, in listing order, and the lineage rule that decides which may be read.
 *
 * <p>Design note: confined to the reader thread. A shard may be read once each of its parents (parent and adjacent
 * parent) is finished, that is read to its end with every record handed over, or is absent from the listing (past
 * retention): the Kinesis rule that keeps every key's records in order across splits and merges. The table is
 * listed at start, again whenever a shard ends (every split, merge and shard-count update closes one), and every
 * {@link #RELIST_INTERVAL} as a safety net. Shards are never removed: a shard that ends stays finished.
 */
final class ShardTable {

    /** How often shards are listed even when none ended. */
    static final Duration RELIST_INTERVAL = Duration.ofSeconds(10);

    private final Map<String, ShardState> shards = new LinkedHashMap<>();
    private final Backoff backoff = new Backoff();
    private boolean relist = true;
    private long periodicDueNanos;
    private long notBeforeNanos;

    /** Whether the reader should list shards now. */
    boolean listDue(long nowNanos) {
        return nowNanos - notBeforeNanos >= 0 && (relist || nowNanos - periodicDueNanos >= 0);
    }

    /** Asks for a listing at the next turn (a shard ended, or a shard turned out to be gone). */
    void requestRelist() {
        relist = true;
    }

    /** Adds the shards not yet known, in listing order. */
    void listed(List<Shard> listing, long nowNanos) {
        for (Shard shard : listing) {
            shards.computeIfAbsent(shard.shardId(), id -> new ShardState(id, shard.parentShardId(),
                    shard.adjacentParentShardId()));
        }
        relist = false;
        backoff.reset();
        notBeforeNanos = nowNanos;
        periodicDueNanos = nowNanos + RELIST_INTERVAL.toNanos();
    }

    /** A listing failed: try again after a back-off. */
    void listFailed(long nowNanos) {
        relist = true;
        notBeforeNanos = nowNanos + backoff.next();
    }

    /** Consecutive failed listings. */
    int listFailures() {
        return backoff.failures();
    }

    /** Whether both parents are finished or unknown, so the shard may be opened. */
    boolean parentsFinished(ShardState shard) {
        return finishedOrAbsent(shard.parentShardId) && finishedOrAbsent(shard.adjacentParentShardId);
    }

    private boolean finishedOrAbsent(String shardId) {
        if (shardId == null) {
            return true;
        }
        ShardState parent = shards.get(shardId);
        return parent == null || parent.finished;
    }

    /** The shards in listing order; the reader iterates a copy as it may list during a turn. */
    Collection<ShardState> shards() {
        return List.copyOf(shards.values());
    }

    int size() {
        return shards.size();
    }
}
