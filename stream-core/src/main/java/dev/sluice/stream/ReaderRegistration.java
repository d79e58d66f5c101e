package dev.sluice.stream;

/**
 * A named reader of one stream, registered with {@link StreamEngine#registerReader}: under a lossless
 * {@link OverflowPolicy} ({@link OverflowPolicy#REJECT REJECT}, {@link OverflowPolicy#BLOCK BLOCK}) the engine drops a
 * shard's records to make room only once this reader has checkpointed them. Chronicle Queue calls this a named
 * tailer; Kafka keeps a consumer group's committed offsets.
 *
 * <p>Positions, per shard: a shard the reader has not checkpointed yet is kept whole (the reader may still read it
 * from its trim horizon), a checkpoint releases the records up to and including its sequence number, and
 * {@link #shardEnded} releases a whole shard. Resharding: children made by a split or merge start unread, so they are
 * kept whole until the reader checkpoints them; a closed parent is kept until the reader checkpoints its last record
 * or calls {@link #shardEnded} (also for a parent it will never read).
 *
 * <p>Lifetime: the registration outlives this handle. {@link #close()} releases the handle and keeps the registration
 * with its checkpoints, so a reader that restarts (in the same engine, or after a restart of an engine on durable
 * storage, where registrations are kept in the data directory) loses nothing in between; register again with the same
 * name to get a new handle. After an engine restart the checkpoints are not known until the reader reports them again,
 * so its shards are kept whole until then. {@link #deregister()} (or
 * {@link StreamEngine#deregisterReader}) ends the registration: do it for a reader that is gone for good, or it keeps
 * records (and, at the limit, pushes back on producers) forever.
 *
 * <p>Thread-safety: safe for concurrent use. Checkpoints are cheap (a map update) and may be reported per batch.
 */
public interface ReaderRegistration extends AutoCloseable {

    /**
     * Returns the stream read.
     *
     * @return the stream name
     */
    String streamName();

    /**
     * Returns the reader's name.
     *
     * @return the name, unique among the stream's readers
     */
    String readerName();

    /**
     * Reports that the records of a shard up to and including {@code sequenceNumber} are processed: the engine may
     * drop them. A checkpoint may move back only over records the engine still retains.
     *
     * @param shardId        a shard of the stream, open or closed
     * @param sequenceNumber a sequence number of that shard
     * @throws StreamException       {@link ErrorCode#RESOURCE_NOT_FOUND} for an unknown shard, or if the registration or
     *                               its stream is gone; {@link ErrorCode#INVALID_ARGUMENT} for a sequence number of
     *                               another shard or not issued by Sluice
     * @throws IllegalStateException after {@link #close()} or {@link #deregister()}
     */
    void checkpoint(String shardId, String sequenceNumber);

    /**
     * Reports that a shard is processed to its end, or will never be read by this reader: the engine may drop all of
     * it. Meant for shards closed by resharding; for an open shard it also releases records written later.
     *
     * @param shardId a shard of the stream
     * @throws StreamException       {@link ErrorCode#RESOURCE_NOT_FOUND} for an unknown shard, or if the registration or
     *                               its stream is gone
     * @throws IllegalStateException after {@link #close()} or {@link #deregister()}
     */
    void shardEnded(String shardId);

    /** Releases this handle; the registration and its checkpoints stay. Idempotent. */
    @Override
    void close();

    /**
     * Ends the registration: records kept only for this reader may be dropped from now on. Idempotent.
     */
    void deregister();
}
