package dev.sluice.kafka.internal;

import dev.sluice.delivery.CheckpointStore;
import dev.sluice.delivery.DeliveryException;
import dev.sluice.delivery.ErrorCode;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The Kafka source's {@link CheckpointStore}: the consumer group's committed offsets (see {@link CommittedState}).
 *
 * <p>Design note: {@link #load} runs on the poll thread, inside {@code onPartitionsAssigned}, where the loop has just
 * read the group's committed offsets and staged them here with {@link #stage}; nothing else reads the staged map,
 * so it needs no lock. {@link #store} runs on the delivery stream's coordinator thread and goes through the
 * {@link CommitHandOff} to the poll thread, which commits only for partitions it still owns, with the group
 * generation it is a member of: a store after revocation, or by a fenced member, throws, and the delivery stream
 * then writes nothing of the segment.
 */
public final class OffsetCheckpointStore implements CheckpointStore {

    private final CommitHandOff commits;
    /** Poll thread only. */
    private final Map<String, Checkpoint> staged = new HashMap<>();

    /**
     * Binds the store to the hand-off.
     *
     * @param commits the way to the poll thread
     */
    public OffsetCheckpointStore(CommitHandOff commits) {
        this.commits = commits;
    }

    /** Poll thread: makes a partition's committed state the next {@link #load} of it. */
    void stage(String partition, Checkpoint checkpoint) {
        staged.put(partition, checkpoint);
    }

    @Override
    public Checkpoint load(String partition) {
        Checkpoint checkpoint = staged.remove(partition);
        if (checkpoint == null) {
            throw new DeliveryException(ErrorCode.INTERNAL_FAILURE, "partition " + partition + " was opened outside"
                    + " a Kafka assignment; its committed offset was not read");
        }
        return checkpoint;
    }

    @Override
    public void store(String partition, Checkpoint checkpoint) {
        Optional<OffsetAndMetadata> committed = CommittedState.encode(partition, checkpoint);
        if (committed.isPresent()) {
            commits.commit(partition, committed.get());
        }
    }

    @Override
    public String toString() {
        return "Kafka committed offsets";
    }
}
