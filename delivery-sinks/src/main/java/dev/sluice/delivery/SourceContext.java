package dev.sluice.delivery;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/**
 * The delivery stream's side of a {@link DeliverySource}: where the source hands records over and says which
 * partitions it owns.
 *
 * <p>Thread-safety: thread-safe. Calls for one partition must come in order (open, puts, drain, release); calls for
 * different partitions may come from different threads.
 */
public interface SourceContext {

    /**
     * Takes ownership of a partition and returns where to resume: right after the returned position, or from the
     * partition's beginning when it is empty. Loads the partition's checkpoint and its in-flight segments from the
     * {@link CheckpointStore}, so that segments interrupted by a crash (or by an owner that lost the partition) are
     * rebuilt with the same boundaries and the same object names. Opening a partition that is already open returns
     * the position after the last record accepted for it.
     *
     * @param partition the partition, for example a shard id or {@code topic-3}; 1 to 256 characters
     * @return the position to resume after
     * @throws DeliveryException {@link ErrorCode#INTERNAL_FAILURE} when the store cannot be read
     */
    Optional<String> open(String partition);

    /**
     * Hands over records of an open partition, in position order, each after every record already accepted for the
     * partition. Waits at most {@code maxWait} (and never longer than the delivery stream's put timeout) for the
     * delivery stream to take the partition's previous batch into its buffers, for the destination to catch up
     * (while the data objects sealed and not yet written, or not yet completed by an asynchronous sink, hold two full
     * buffers per delivery thread, the source's records are better left where they are than read into the heap) and
     * for buffer memory.
     * A record over {@link DeliveryStream#MAX_RECORD_BYTES} is accepted in its place but goes to the error output as
     * {@code processing-failed} ({@code ValidationException}, raw data kept), so one oversized record neither stalls
     * its partition nor is lost.
     *
     * @param partition an open partition
     * @param records the records; their arrays are kept, not copied
     * @param maxWait how long to wait for the destination and for memory
     * @return {@code true} when accepted; {@code false} when the destination is behind or the delivery stream is
     *         over its memory budget: read the same records again later
     * @throws DeliveryException {@link ErrorCode#STREAM_CLOSED} once the delivery stream is closing,
     *         {@link ErrorCode#INVALID_ARGUMENT} for a partition that is not open
     */
    boolean put(String partition, List<SourceEntry> records, Duration maxWait);

    /**
     * Seals the partitions' buffered records now (ignoring buffering hints) and waits until their objects are
     * committed and the checkpoints moved past them. Segments that are being rebuilt after a crash are left to the
     * next owner, which rebuilds them from the store.
     *
     * @param partitions open partitions
     * @param timeout how long to wait
     * @return whether everything accepted for them was committed in time
     */
    boolean drain(Collection<String> partitions, Duration timeout);

    /**
     * Gives partitions up: nothing more is stored for them, and their records that are not yet sealed into objects
     * are discarded (counted in {@link DeliveryStats#releasedRecords()}); the next owner reads them again from the
     * checkpoint. Objects already being written finish: their names are deterministic, so the next owner's rebuild
     * finds them instead of writing them twice.
     *
     * @param partitions the partitions to give up; unknown ones are ignored
     */
    void release(Collection<String> partitions);

    /**
     * Reports that the source cannot go on (its stream was deleted, its credentials were refused). Records already
     * accepted are still delivered; {@link DeliveryStream#flush()} then throws
     * {@link ErrorCode#SOURCE_FAILED} with this cause, and the failure is logged once.
     *
     * @param failure what went wrong, naming the stream or topic
     */
    void failed(DeliveryException failure);

    /**
     * Reads the delivery stream's ticker: sources time their back-offs and polls with it, so a test's manual clock
     * drives them too.
     *
     * @return nanoseconds from an arbitrary origin
     */
    long nanoTime();
}
