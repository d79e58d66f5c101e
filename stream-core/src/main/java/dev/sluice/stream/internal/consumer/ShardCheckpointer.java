package dev.sluice.stream.internal.consumer;

import dev.sluice.stream.Checkpointer;

import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The {@link Checkpointer} of one shard of one application.
 *
 * <p>Design note: {@code deliveredUpTo} is the sequence number of the last record handed to the processor
 * (set before each call, including retries); a checkpoint may not pass it, nor go back before the previous
 * checkpoint. Checkpoints are accepted until the application finishes closing ({@code open} turns false after the
 * shutdown hooks ran). Sequence numbers compare numerically: a longer decimal string is larger. Once the shard
 * has been read to its end and the processor's {@code shutdown(SHARD_END)} returned, {@link #shardEnded()} stores
 * {@link #SHARD_END} (KCL's lease rule) and refuses later checkpoints, so a late call cannot overwrite the marker.
 *
 * <p>Thread-safety: all state is guarded by this object's monitor; callable from any thread.
 */
final class ShardCheckpointer implements Checkpointer {

    /**
     * Stored in place of a sequence number once a closed shard was processed to its end (KCL
     * {@code ExtendedSequenceNumber.SHARD_END}); its children may then start. Never a valid sequence number.
     */
    static final String SHARD_END = "SHARD_END";

    private final String applicationName;
    private final String shardId;
    private final CheckpointStore store;
    private final AtomicBoolean open;
    private String checkpointed;
    private String deliveredUpTo;
    private boolean ended;

    ShardCheckpointer(String applicationName, String shardId, CheckpointStore store, AtomicBoolean open,
                      String checkpointed) {
        this.applicationName = applicationName;
        this.shardId = shardId;
        this.store = store;
        this.open = open;
        this.checkpointed = checkpointed;
    }

    synchronized void delivered(String sequenceNumber) {
        deliveredUpTo = sequenceNumber;
    }

    synchronized String checkpointed() {
        return checkpointed;
    }

    /** Records that the shard was processed to its end; a failed save throws and leaves the shard not ended. */
    synchronized void shardEnded() {
        store.save(shardId, SHARD_END);
        ended = true;
    }

    @Override
    public synchronized void checkpoint() {
        if (deliveredUpTo == null) {
            throw new IllegalStateException("nothing was delivered yet for " + shardId + " of consumer application "
                    + applicationName + "; there is nothing to checkpoint");
        }
        checkpoint(deliveredUpTo);
    }

    @Override
    public synchronized void checkpoint(String sequenceNumber) {
        Objects.requireNonNull(sequenceNumber, "sequenceNumber");
        if (!open.get()) {
            throw new IllegalStateException("consumer application " + applicationName
                    + " is closed; checkpoints are no longer accepted");
        }
        if (ended) {
            throw new IllegalStateException(shardId + " of consumer application " + applicationName
                    + " was processed to its end; it takes no more checkpoints");
        }
        if (deliveredUpTo == null || compare(sequenceNumber, deliveredUpTo) > 0) {
            throw new IllegalArgumentException("cannot checkpoint " + shardId + " at " + sequenceNumber
                    + ": it is after the last record delivered (" + deliveredUpTo + ")");
        }
        if (checkpointed != null && compare(sequenceNumber, checkpointed) < 0) {
            throw new IllegalArgumentException("cannot checkpoint " + shardId + " at " + sequenceNumber
                    + ": it is before the last checkpoint " + checkpointed);
        }
        if (!sequenceNumber.equals(checkpointed)) {
            store.save(shardId, sequenceNumber);
            checkpointed = sequenceNumber;
        }
    }

    static int compare(String a, String b) {
        return a.length() != b.length() ? Integer.compare(a.length(), b.length()) : a.compareTo(b);
    }
}
