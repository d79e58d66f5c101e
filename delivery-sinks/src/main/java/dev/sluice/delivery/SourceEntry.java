package dev.sluice.delivery;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * One record a {@link DeliverySource} hands over.
 *
 * <p>Thread-safety: immutable, except that {@code data} is kept as given, not copied: do not change the array after
 * handing it over.
 *
 * @param position where the record is in its partition (a sequence number, an offset); positions are compared only
 *        for equality and must be unique and stable within the partition
 * @param key the record's partition key or message key, if any; transforms see it as the Kinesis partition key
 * @param timestamp when the record arrived in its source; names objects and is
 *        {@code approximateArrivalTimestamp} to transforms
 * @param data the payload, at most {@link DeliveryStream#MAX_RECORD_BYTES}
 */
public record SourceEntry(String position, Optional<String> key, Instant timestamp, byte[] data) {

    /**
     * Validates.
     *
     * @throws NullPointerException for a null component
     */
    public SourceEntry {
        Objects.requireNonNull(position, "position");
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(timestamp, "timestamp");
        Objects.requireNonNull(data, "data");
    }
}
