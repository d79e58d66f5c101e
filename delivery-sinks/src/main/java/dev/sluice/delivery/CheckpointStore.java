package dev.sluice.delivery;

import dev.sluice.delivery.internal.source.FileCheckpointStore;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Durable per-partition state of a {@link DeliverySource}: the checkpoint (the last position whose records are all
 * final) and the pending segments (sealed, their objects possibly partly written).
 *
 * <p>The delivery stream stores a segment as pending before it writes the segment's first object, and stores the
 * advanced checkpoint (without that segment) after its last object is committed. A crash between the two leaves the
 * segment pending: the next owner of the partition resumes after the checkpoint and cuts its first segments at the
 * pending segments' ends, so the same objects are rebuilt, found already written, and counted once.
 *
 * <p>An implementation must make {@link #store} durable before it returns and atomic (the old or the new state,
 * never a mix). A store shared by several instances (Kafka's committed offsets) must also refuse the write of an
 * instance that no longer owns the partition, by throwing: the delivery stream then writes none of the segment's
 * objects. Thread-safety: {@link #load} is called from the thread that calls {@link SourceContext#open},
 * {@link #store} from the delivery stream's coordinator thread; never both at once for one partition.
 */
public interface CheckpointStore {

    /**
     * Reads a partition's state.
     *
     * @param partition the partition
     * @return its state; {@link Checkpoint#EMPTY} for a partition never stored
     * @throws DeliveryException when the state cannot be read
     */
    Checkpoint load(String partition);

    /**
     * Replaces a partition's state, durably and atomically.
     *
     * @param partition the partition
     * @param checkpoint the new state
     * @throws DeliveryException when the state cannot be written, or the caller no longer owns the partition
     */
    void store(String partition, Checkpoint checkpoint);

    /**
     * The default store: one small JSON file per partition in {@code directory}, replaced atomically (temporary file,
     * fsync, rename, directory fsync).
     *
     * @param directory where the files are kept; created if missing
     * @return the store
     * @throws DeliveryException {@link ErrorCode#INVALID_ARGUMENT} when the directory cannot be created
     */
    static CheckpointStore directory(Path directory) {
        return new FileCheckpointStore(directory);
    }

    /**
     * A partition's durable state.
     *
     * @param position the last position whose records are all final, or empty before the first
     * @param pending segments sealed after it, oldest first, whose objects may be partly written
     */
    record Checkpoint(Optional<String> position, List<Range> pending) {

        /** No position and nothing pending. */
        public static final Checkpoint EMPTY = new Checkpoint(Optional.empty(), List.of());

        /**
         * Validates and copies.
         *
         * @throws NullPointerException for a null component
         */
        public Checkpoint {
            Objects.requireNonNull(position, "position");
            pending = List.copyOf(pending);
        }
    }

    /**
     * A segment's first and last position.
     *
     * @param first the position of its first record
     * @param last the position of its last record
     */
    record Range(String first, String last) {

        /**
         * Validates.
         *
         * @throws NullPointerException for a null component
         */
        public Range {
            Objects.requireNonNull(first, "first");
            Objects.requireNonNull(last, "last");
        }
    }
}
