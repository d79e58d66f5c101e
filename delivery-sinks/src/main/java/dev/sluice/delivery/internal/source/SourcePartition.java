package dev.sluice.delivery.internal.source;

import dev.sluice.delivery.internal.buffer.Segment;
import dev.sluice.delivery.CheckpointStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The exactly-once ledger of one source partition owned by this delivery stream: its checkpoint, its pending
 * segments and the segments it must rebuild.
 *
 * <p>Design note: built (the store read) on the source's thread in {@code open}, then confined to the coordinator
 * thread, which first sees it through the event queue with the partition's first batch; {@link #released} is read
 * by both. One
 * instance per ownership: {@code open} makes a new one, {@code release} retires it, so a segment that finishes after
 * its partition was given up (and perhaps taken back) reports to the ledger it was cut under and is ignored there.
 * The order of durable writes is the whole argument: a segment is stored as pending in {@link #sealed} before any of
 * its objects is dispatched (if that store throws, nothing is written and the segment stays open), and the
 * checkpoint moves past it in {@link #committed} only after its last object is committed. On open, the pending
 * segments' ends become the replay boundaries handed out by {@link #forcedLast}, so the records read again after the
 * checkpoint are cut exactly as before.
 */
public final class SourcePartition implements Segment.Listener {

    private static final Logger LOG = LoggerFactory.getLogger(SourcePartition.class);

    public final String partition;
    private final CheckpointStore store;
    private Optional<String> checkpoint;
    private final List<CheckpointStore.Range> pending;
    private final ArrayDeque<String> replayEnds = new ArrayDeque<>();
    private final ArrayDeque<Segment> sealedSegments = new ArrayDeque<>();
    private final Set<Segment> committedSegments = new HashSet<>();
    private final Consumer<SourcePartition> unstoredListener;
    /** Whether the last store of a moved checkpoint was refused; coordinator thread only. */
    private boolean unstored;
    public volatile boolean released;

    /**
     * Loads the partition's state; runs on the source thread that opens the partition.
     *
     * @param unstoredListener told, on the coordinator thread, when a moved checkpoint could not be stored, so that
     *                         the store is retried ({@link #retryStore}) even if no later segment moves it again
     */
    SourcePartition(String partition, CheckpointStore store, Consumer<SourcePartition> unstoredListener) {
        this.partition = partition;
        this.store = store;
        this.unstoredListener = unstoredListener;
        CheckpointStore.Checkpoint state = store.load(partition);
        this.checkpoint = state.position();
        this.pending = new ArrayList<>(state.pending());
        for (CheckpointStore.Range range : state.pending()) {
            replayEnds.add(range.last());
        }
    }

    /** Where the source resumes: after the checkpoint loaded at open. */
    Optional<String> checkpoint() {
        return checkpoint;
    }

    /** Whether every sealed segment is committed and the checkpoint past them stored. */
    public boolean settled() {
        return sealedSegments.isEmpty() && !unstored;
    }

    /** Whether the checkpoint has moved since the last store the store accepted. */
    public boolean unstored() {
        return unstored;
    }

    /**
     * Stores the current checkpoint again after a refused store; coordinator thread.
     *
     * @return {@code true} when nothing is left to store (stored now, or the partition was released)
     */
    public boolean retryStore() {
        if (released || !unstored) {
            unstored = false;
            return true;
        }
        try {
            store.store(partition, new CheckpointStore.Checkpoint(checkpoint, pending));
            unstored = false;
            LOG.info("partition {}: checkpoint {} stored on retry", partition, checkpoint.orElse("-"));
            return true;
        } catch (RuntimeException e) {
            LOG.debug("partition {}: checkpoint {} still not stored ({})", partition, checkpoint.orElse("-"),
                    e.toString());
            return false;
        }
    }

    @Override
    public Optional<String> forcedLast(String shardId) {
        return released ? Optional.empty() : Optional.ofNullable(replayEnds.poll());
    }

    @Override
    public void sealed(Segment segment) {
        if (released) {
            throw new IllegalStateException("partition " + partition + " was released; its segments are discarded");
        }
        if (segment.forcedLast.isEmpty()) {
            CheckpointStore.Range range = new CheckpointStore.Range(segment.firstSequenceNumber,
                    segment.lastSequenceNumber);
            pending.add(range);
            try {
                store.store(partition, new CheckpointStore.Checkpoint(checkpoint, pending));
                unstored = false;
            } catch (RuntimeException e) {
                pending.remove(pending.size() - 1);
                throw e;
            }
        }
        sealedSegments.add(segment);
    }

    @Override
    public void committed(Segment segment) {
        if (released) {
            return;
        }
        committedSegments.add(segment);
        boolean advanced = false;
        while (!sealedSegments.isEmpty() && committedSegments.remove(sealedSegments.peek())) {
            Segment done = sealedSegments.poll();
            checkpoint = Optional.of(done.lastSequenceNumber);
            pending.removeIf(r -> r.first().equals(done.firstSequenceNumber) && r.last().equals(
                    done.lastSequenceNumber));
            advanced = true;
        }
        if (advanced) {
            try {
                store.store(partition, new CheckpointStore.Checkpoint(checkpoint, pending));
                unstored = false;
            } catch (RuntimeException e) {
                // The objects are committed under deterministic names: the retry, a later store, or the next
                // owner's rebuild of the still-pending segments covers them without writing anything twice. The
                // retry matters when this was the partition's last segment: nothing else would move it.
                LOG.warn("partition {}: checkpoint {} not stored ({}); retried until stored or released",
                        partition, checkpoint.orElse("-"), e.toString());
                if (!unstored) {
                    unstored = true;
                    unstoredListener.accept(this);
                }
            }
        }
    }
}
