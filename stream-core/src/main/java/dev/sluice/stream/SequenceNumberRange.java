package dev.sluice.stream;

import java.util.Objects;
import java.util.Optional;

/**
 * The sequence numbers a shard has or will assign.
 *
 * <p>Thread-safety: immutable.
 *
 * @param startingSequenceNumber the first sequence number of the shard
 * @param endingSequenceNumber   the last one, present only once the shard is closed by resharding
 */
public record SequenceNumberRange(String startingSequenceNumber, Optional<String> endingSequenceNumber) {

    /** Checks that no component is null. */
    public SequenceNumberRange {
        Objects.requireNonNull(startingSequenceNumber, "startingSequenceNumber");
        Objects.requireNonNull(endingSequenceNumber, "endingSequenceNumber");
    }
}
