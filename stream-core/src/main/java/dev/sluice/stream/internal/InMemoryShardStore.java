package dev.sluice.stream.internal;

import java.time.Duration;
import java.util.List;

/** The default store: heap logs, nothing kept past the engine. Loads no optional dependency. */
final class InMemoryShardStore implements ShardStore {

    private final PageSupply pages = new PageSupply();

    /** The engine's supply of full-size pages, shared by its logs; the engine sets its refill executor. */
    PageSupply pages() {
        return pages;
    }

    @Override
    public List<RecoveredStream> recover() {
        return List.of();
    }

    @Override
    public ShardLog openLog(String stream, long incarnation, int shardIndex, Duration retention, boolean byteLimited) {
        return new InMemoryShardLog(shardIndex, pages);
    }

    @Override
    public void save(StreamManifest manifest) {
        // Nothing outlives the engine.
    }

    @Override
    public void delete(String stream, long incarnation) {
        // The logs become garbage with the stream.
    }

    @Override
    public void discardLog(String stream, long incarnation, int shardIndex) {
        // The log becomes garbage.
    }

    @Override
    public void sync() {
        // Nothing to force.
    }

    @Override
    public void close() {
        // Nothing to release.
    }
}
