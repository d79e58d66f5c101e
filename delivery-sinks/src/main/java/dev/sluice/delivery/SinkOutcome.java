package dev.sluice.delivery;

import java.util.BitSet;
import java.util.Objects;

/**
 * What a successful write did, and which of the object's records the sink committed to its own error output
 * instead of the destination (a table destination's records that no table takes, for example). The delivery stream
 * counts those records as error output, the others as delivered.
 *
 * <p>Thread-safety: immutable; {@link #failedRecords()} returns a copy.
 *
 * @param result what the write did
 * @param failedRecords indexes into {@link SinkObject#records()} of the records committed to the sink's error output
 */
public record SinkOutcome(SinkResult result, BitSet failedRecords) {

    /**
     * Validates and copies.
     *
     * @throws NullPointerException if a component is {@code null}
     */
    public SinkOutcome {
        Objects.requireNonNull(result, "result");
        failedRecords = (BitSet) failedRecords.clone();
    }

    /**
     * An outcome in which every record went to the destination.
     *
     * @param result what the write did
     * @return the outcome
     */
    public static SinkOutcome of(SinkResult result) {
        return new SinkOutcome(result, new BitSet());
    }

    /**
     * Returns the indexes of the records the sink committed to its error output.
     *
     * @return a copy
     */
    @Override
    public BitSet failedRecords() {
        return (BitSet) failedRecords.clone();
    }
}
