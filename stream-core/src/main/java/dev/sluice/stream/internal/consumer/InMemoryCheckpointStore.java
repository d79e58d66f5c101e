package dev.sluice.stream.internal.consumer;

import java.util.Map;
import java.util.concurrent.ConcurrentMap;

/**
 * Checkpoints in a map owned by the engine's {@link ConsumerEnvironment}; they last as long as the engine.
 *
 * <p>Thread-safety: the map is concurrent.
 */
final class InMemoryCheckpointStore implements CheckpointStore {

    private final ConcurrentMap<String, String> checkpoints;

    InMemoryCheckpointStore(ConcurrentMap<String, String> checkpoints) {
        this.checkpoints = checkpoints;
    }

    @Override
    public Map<String, String> load() {
        return Map.copyOf(checkpoints);
    }

    @Override
    public void save(String shardId, String sequenceNumber) {
        checkpoints.put(shardId, sequenceNumber);
    }
}
