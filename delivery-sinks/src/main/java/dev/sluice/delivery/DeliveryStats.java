package dev.sluice.delivery;

/**
 * A snapshot of where every record accepted by a delivery stream ended up.
 *
 * <p>Thread-safety: immutable. Counters are read one by one while the stream runs, so a snapshot taken during
 * delivery may be a few records apart between fields; after {@link DeliveryStream#flush()} returns with no put in
 * between, it reconciles exactly.
 *
 * <p>Each accepted record ends in exactly one of {@code delivered}, {@code dropped} (by a transform) or
 * {@code errorOutput}; a record a fan-out processor split counts once: delivered when any part was delivered and
 * none failed, error output when any part failed, dropped when every part was dropped.
 *
 * @param incomingRecords records accepted (direct put or read from the source stream)
 * @param incomingBytes their bytes, before processing
 * @param deliveredRecords records whose every part is committed to the destination
 * @param droppedRecords records a transform dropped
 * @param errorOutputRecords records with at least one part committed to the error output
 * @param deliveredObjects objects (or endpoint requests) committed to the destination
 * @param errorOutputObjects objects committed to the error output
 * @param backedUpRecords raw records committed to the source-record backup
 * @param releasedRecords records read from a source partition that was then given up before they were sealed into
 *        objects (see {@link SourceContext#release}): the partition's next owner reads and delivers them
 */
public record DeliveryStats(long incomingRecords, long incomingBytes, long deliveredRecords, long droppedRecords,
                            long errorOutputRecords, long deliveredObjects, long errorOutputObjects,
                            long backedUpRecords, long releasedRecords) {

    /**
     * Returns the records not yet in a final state.
     *
     * @return {@code incoming - delivered - dropped - errorOutput - released}
     */
    public long pendingRecords() {
        return incomingRecords - deliveredRecords - droppedRecords - errorOutputRecords - releasedRecords;
    }

    /**
     * Tells whether every accepted record is accounted for.
     *
     * @return {@code incoming == delivered + dropped + errorOutput + released}
     */
    public boolean reconciles() {
        return pendingRecords() == 0;
    }
}
