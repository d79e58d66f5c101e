package dev.sluice.stream;

import java.util.Objects;
import java.util.Optional;

/**
 * A shard as Kinesis ListShards describes it.
 *
 * <p>Thread-safety: immutable; a snapshot taken when it was returned.
 *
 * @param shardId                {@code shardId-} followed by 12 digits
 * @param parentShardId          the shard this one was split from or merged from, if any
 * @param adjacentParentShardId  the other parent of a merge, if any
 * @param hashKeyRange           the hash keys this shard owns
 * @param sequenceNumberRange    its sequence numbers
 */
public record Shard(String shardId, Optional<String> parentShardId, Optional<String> adjacentParentShardId,
                    HashKeyRange hashKeyRange, SequenceNumberRange sequenceNumberRange) {

    /** Checks that no component is null. */
    public Shard {
        Objects.requireNonNull(shardId, "shardId");
        Objects.requireNonNull(parentShardId, "parentShardId");
        Objects.requireNonNull(adjacentParentShardId, "adjacentParentShardId");
        Objects.requireNonNull(hashKeyRange, "hashKeyRange");
        Objects.requireNonNull(sequenceNumberRange, "sequenceNumberRange");
    }
}
