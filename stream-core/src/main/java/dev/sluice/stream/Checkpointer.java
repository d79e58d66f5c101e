package dev.sluice.stream;

/**
 * Records how far a shard has been processed (KCL {@code RecordProcessorCheckpointer}). A restarted application
 * resumes after the last checkpoint ({@code AFTER_SEQUENCE_NUMBER}); records after it may be delivered again
 * (at-least-once), records up to it are not.
 *
 * <p>Checkpoints are kept per application, stream and shard: in memory for the engine's lifetime with in-memory
 * storage, and on disk, replaced atomically and forced, with {@link Storage.Durable durable storage}. A call
 * returns once the checkpoint is stored.
 *
 * <p>Checkpoints are by Kinesis sequence number: all user records de-aggregated from one KPL record share it, so
 * checkpointing it covers all of them.
 *
 * <p>Thread-safety: safe to call from any thread, also after the processor call that received it returned.
 */
public interface Checkpointer {

    /**
     * Checkpoints at the last record delivered to the processor for this shard.
     *
     * @throws IllegalStateException if nothing was delivered yet, or the application is closed
     * @throws StreamException       {@link ErrorCode#INTERNAL_FAILURE} if the checkpoint cannot be stored
     */
    void checkpoint();

    /**
     * Checkpoints at a sequence number of a record already delivered for this shard.
     *
     * @param sequenceNumber a sequence number delivered for this shard, not before the last checkpoint
     * @throws IllegalArgumentException if it is after the last delivered record or before the last checkpoint
     * @throws IllegalStateException    if the application is closed
     * @throws StreamException          {@link ErrorCode#INTERNAL_FAILURE} if the checkpoint cannot be stored
     */
    void checkpoint(String sequenceNumber);
}
