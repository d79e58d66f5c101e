package dev.sluice.stream.internal;

import java.time.Duration;
import java.util.List;

/**
 * The storage seam of the control plane: where shard logs come from, and what of a stream outlives the
 * engine. {@link InMemoryShardStore} keeps nothing; {@link DurableShardStore} keeps each stream's manifest and
 * one Chronicle Queue per shard in a data directory.
 *
 * <p>Threading: every method is called under the control plane's lock ({@link Streams}), except
 * {@link #sync()}, which the scheduler thread calls, and {@link #close()}, called once after the writers
 * stopped.
 */
interface ShardStore {

    /**
     * Returns the streams found at start-up, with their shards' logs open.
     *
     * @return the streams, empty for a store that keeps nothing
     */
    List<RecoveredStream> recover();

    /**
     * Opens the log of a new shard.
     *
     * @param stream     stream name
     * @param incarnation the stream's incarnation, so a re-created stream never meets its predecessor's files
     * @param shardIndex shard index
     * @param retention  the stream's retention when the shard is created
     * @param byteLimited whether the stream has a byte limit then (durable storage writes smaller files for it)
     * @return an empty log
     */
    ShardLog openLog(String stream, long incarnation, int shardIndex, Duration retention, boolean byteLimited);

    /**
     * Records a new stream's configuration, or a changed one (retention). Durable stores have it on disk when
     * this returns; a stream whose logs were opened but never saved is discarded at the next start.
     *
     * @param manifest the stream's configuration
     */
    void save(StreamManifest manifest);

    /**
     * Closes a deleted stream's logs and deletes what is stored of it.
     *
     * @param stream      stream name
     * @param incarnation the stream's incarnation
     */
    void delete(String stream, long incarnation);

    /**
     * Closes and removes the log of a shard that was opened but never became part of its stream (resharding
     * whose manifest could not be saved).
     *
     * @param stream      stream name
     * @param incarnation the stream's incarnation
     * @param shardIndex  the shard's index
     */
    void discardLog(String stream, long incarnation, int shardIndex);

    /** Forces written records of every open log to the storage device (the interval fsync policy). */
    void sync();

    /** Closes every log; the store is unusable afterwards. */
    void close();

    /**
     * A stream found at start-up.
     *
     * @param manifest its configuration
     * @param shards   its shards, by index
     */
    record RecoveredStream(StreamManifest manifest, List<RecoveredShard> shards) {
    }

    /**
     * A shard found at start-up, with what its writer must continue from.
     *
     * @param log               its log, open
     * @param nextCounter       the next sequence counter: greater than every counter ever issued by the shard
     * @param lastArrivalMillis arrival time of its newest record, or 0 if it has none
     */
    record RecoveredShard(ShardLog log, long nextCounter, long lastArrivalMillis) {
    }
}
