package dev.sluice.stream;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * A record as a {@link RecordProcessor} receives it (KCL {@code KinesisClientRecord}): either a plain
 * {@link StreamRecord}, or one user record de-aggregated from a record in the Kinesis Producer Library's
 * aggregated format.
 *
 * <p>Thread-safety: immutable. {@link #data()} returns a new read-only view on each call.
 *
 * @param sequenceNumber              the sequence number of the Kinesis record it came from
 * @param subSequenceNumber           its index within an aggregated record, from 0; 0 for a plain record
 * @param approximateArrivalTimestamp when the shard accepted the Kinesis record
 * @param partitionKey                its partition key (for an aggregated record, the user record's own)
 * @param explicitHashKey             the user record's explicit hash key, if the aggregated record carried one
 * @param data                        the blob
 * @param aggregated                  whether it was de-aggregated from a KPL aggregated record
 */
public record ConsumerRecord(String sequenceNumber, long subSequenceNumber, Instant approximateArrivalTimestamp,
                             String partitionKey, Optional<String> explicitHashKey, ByteBuffer data,
                             boolean aggregated) {

    /** Checks that no component is null and keeps a read-only view of the data. */
    public ConsumerRecord {
        Objects.requireNonNull(sequenceNumber, "sequenceNumber");
        if (subSequenceNumber < 0) {
            throw new IllegalArgumentException("subSequenceNumber must be >= 0 but was " + subSequenceNumber);
        }
        Objects.requireNonNull(approximateArrivalTimestamp, "approximateArrivalTimestamp");
        Objects.requireNonNull(partitionKey, "partitionKey");
        Objects.requireNonNull(explicitHashKey, "explicitHashKey");
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
