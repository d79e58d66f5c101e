package dev.sluice.stream.internal.consumer;

import java.util.Map;

/**
 * Where one application's checkpoints for one stream are kept: shard id to the last checkpointed sequence number,
 * or {@link ShardCheckpointer#SHARD_END} once the shard was processed to its end.
 *
 * <p>Thread-safety: implementations are safe for concurrent use; a save returns once the checkpoint is stored.
 */
interface CheckpointStore {

    /** Returns the stored checkpoints, by shard id. */
    Map<String, String> load();

    /** Stores a shard's checkpoint, replacing the previous one. */
    void save(String shardId, String sequenceNumber);
}
