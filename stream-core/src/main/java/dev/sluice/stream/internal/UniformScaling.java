package dev.sluice.stream.internal;

import dev.sluice.stream.HashKeyRange;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.TreeMap;

/**
 * UpdateShardCount's {@code UNIFORM_SCALING} as Kinesis does it: the splits and merges that turn the open shards into
 * {@code target} shards of equal size (the even split of {@link HashKeySpace#evenSplitStart}, sizes within one hash
 * key), each step a SplitShard or MergeShards with the lineage a consumer follows.
 *
 * <p>Design note: a sweep over the target shards from the lowest hash key. The open shards from a target's start
 * up to the one holding its end are merged left to right, then the last merged shard, if it reaches past the
 * target's end, is split there; its upper part starts the next target. Merging before splitting keeps the open
 * count from rising above its start or the target by more than one shard at a time (Kinesis's "temporary
 * shards"). A stream already uniform at the target count gets an empty plan. The plan is computed on ranges
 * before anything changes, so the caller can check quotas first.
 */
final class UniformScaling {

    /** One resharding step, on the open shard with exactly this range. */
    sealed interface Step {
    }

    /** SplitShard of {@code shard} at {@code newStartingHashKey}. */
    record Split(HashKeyRange shard, BigInteger newStartingHashKey) implements Step {
    }

    /** MergeShards of {@code shard} (the child's parent) and the adjacent shard above it. */
    record Merge(HashKeyRange shard, HashKeyRange adjacentShard) implements Step {
    }

    /**
     * The steps, the most shards open at once while they run, and the shard indexes they use.
     *
     * @param steps     in order
     * @param peakOpen  the largest open shard count reached, including the start
     * @param newShards shards the steps create (two per split, one per merge)
     */
    record Plan(List<Step> steps, int peakOpen, int newShards) {
    }

    private UniformScaling() {
    }

    /**
     * Plans the scaling of open shards that cover the hash key space without gaps.
     *
     * @param open   the open shards' ranges, in any order
     * @param target the open shard count wanted, at least 1
     * @return the plan
     */
    static Plan plan(Collection<HashKeyRange> open, int target) {
        TreeMap<BigInteger, HashKeyRange> byStart = new TreeMap<>();
        open.forEach(range -> byStart.put(range.startingHashKey(), range));
        List<Step> steps = new ArrayList<>();
        int count = byStart.size();
        int peak = count;
        int created = 0;
        for (int j = 0; j < target; j++) {
            BigInteger start = HashKeySpace.evenSplitStart(j, target);
            BigInteger end = HashKeySpace.evenSplitEnd(j, target);
            HashKeyRange merged = byStart.get(start);
            if (merged == null) {
                throw new IllegalStateException("no open shard starts at " + start + ": open shards " + byStart.values()
                        + " do not cover the hash key space");
            }
            while (merged.endingHashKey().compareTo(end) < 0) {
                HashKeyRange next = byStart.get(merged.endingHashKey().add(BigInteger.ONE));
                steps.add(new Merge(merged, next));
                byStart.remove(next.startingHashKey());
                merged = new HashKeyRange(merged.startingHashKey(), next.endingHashKey());
                byStart.put(merged.startingHashKey(), merged);
                count--;
                created++;
            }
            if (merged.endingHashKey().compareTo(end) > 0) {
                BigInteger newStart = end.add(BigInteger.ONE);
                steps.add(new Split(merged, newStart));
                byStart.put(start, new HashKeyRange(start, end));
                byStart.put(newStart, new HashKeyRange(newStart, merged.endingHashKey()));
                count++;
                created += 2;
                peak = Math.max(peak, count);
            }
        }
        return new Plan(List.copyOf(steps), peak, created);
    }

    /** The open shard whose range is exactly {@code range}. */
    static ShardState find(ShardState[] open, HashKeyRange range) {
        for (ShardState shard : open) {
            if (shard.hashKeyRange.equals(range)) {
                return shard;
            }
        }
        throw new IllegalStateException("no open shard has the range " + range);
    }

}
