package dev.sluice.stream;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Objects;

/**
 * A record read from a shard (Kinesis {@code Record}).
 *
 * <p>Thread-safety: immutable. {@link #data()} is a read-only view; each call returns a new view
 * positioned at the start, so readers on different threads do not disturb each other.
 *
 * @param sequenceNumber              its sequence number
 * @param approximateArrivalTimestamp when the shard accepted it, by the engine's clock (millisecond
 *                                    precision, never earlier than the previous record of the shard)
 * @param partitionKey                the key it was put with
 * @param data                        the blob
 */
public record StreamRecord(String sequenceNumber, Instant approximateArrivalTimestamp, String partitionKey,
                           ByteBuffer data) {

    /** Checks that no component is null and keeps a read-only view of the data. */
    public StreamRecord {
        Objects.requireNonNull(sequenceNumber, "sequenceNumber");
        Objects.requireNonNull(approximateArrivalTimestamp, "approximateArrivalTimestamp");
        Objects.requireNonNull(partitionKey, "partitionKey");
        data = data.asReadOnlyBuffer();
    }

    /**
     * Returns a read-only view of the data, positioned at its start.
     *
     * @return a new read-only buffer over the blob
     */
    @Override
    public ByteBuffer data() {
        return data.duplicate();
    }

    /**
     * Returns a copy of the data.
     *
     * @return a new array holding the blob
     */
    public byte[] dataBytes() {
        ByteBuffer view = data.duplicate();
        byte[] copy = new byte[view.remaining()];
        view.get(copy);
        return copy;
    }
}
