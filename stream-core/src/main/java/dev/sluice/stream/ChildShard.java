package dev.sluice.stream;

import java.util.List;
import java.util.Objects;

/**
 * A child of a shard closed by resharding, as Kinesis GetRecords reports it once the closed shard has been read
 * to its end. Read every parent of a child to its end before the child to keep per-partition-key order.
 *
 * <p>Thread-safety: immutable.
 *
 * @param shardId      the child's id
 * @param parentShards the child's parents (one for a split, two for a merge)
 * @param hashKeyRange the hash keys the child owns
 */
public record ChildShard(String shardId, List<String> parentShards, HashKeyRange hashKeyRange) {

    /** Copies the list and checks that no component is null. */
    public ChildShard {
        Objects.requireNonNull(shardId, "shardId");
        parentShards = List.copyOf(parentShards);
        Objects.requireNonNull(hashKeyRange, "hashKeyRange");
    }
}
