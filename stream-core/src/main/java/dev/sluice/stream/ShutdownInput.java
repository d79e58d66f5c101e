package dev.sluice.stream;

import java.util.Objects;

/**
 * What {@link RecordProcessor#shutdown(ShutdownInput)} receives (KCL {@code ShutdownRequestedInput} and
 * {@code ShardEndedInput} in one).
 *
 * <p>Thread-safety: immutable; the checkpointer is thread-safe.
 *
 * @param shardId      the shard the application stops reading
 * @param reason       why
 * @param checkpointer records how far this shard has been processed; usable until the call returns
 */
public record ShutdownInput(String shardId, Reason reason, Checkpointer checkpointer) {

    /** Checks that no component is null. */
    public ShutdownInput {
        Objects.requireNonNull(shardId, "shardId");
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(checkpointer, "checkpointer");
    }

    /** Why a shard's processing stops. */
    public enum Reason {
        /** {@link ConsumerApplication#close()} was called; in-flight batches have finished. */
        REQUESTED,
        /** A closed shard was read to its end (after resharding); checkpoint to record that it is done. */
        SHARD_END
    }
}
