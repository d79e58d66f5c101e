package dev.sluice.transform;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * One input record of a transformation invocation: the {@code records[]} element of Firehose's Lambda event.
 *
 * <p>Thread-safety: immutable. {@link #data()} returns a fresh read-only view each call, so readers never
 * disturb each other's position.
 *
 * @param recordId the id the function must return exactly once; not blank
 * @param approximateArrivalTimestamp when the record arrived (Firehose's {@code approximateArrivalTimestamp},
 *        carried at millisecond precision in the JSON shape)
 * @param data the payload; copied on construction
 * @param kinesisRecordMetadata present when the source is a Kinesis-style stream
 */
public record SourceRecord(String recordId, Instant approximateArrivalTimestamp, ByteBuffer data,
                           Optional<KinesisRecordMetadata> kinesisRecordMetadata) {

    /**
     * Validates and copies.
     *
     * @throws NullPointerException if any component is {@code null}
     * @throws TransformException {@link ErrorCode#INVALID_ARGUMENT} if {@code recordId} is blank
     */
    public SourceRecord {
        Objects.requireNonNull(recordId, "recordId");
        if (recordId.isBlank()) {
            throw TransformException.invalidArgument("recordId must not be blank but was '" + recordId + "'");
        }
        Objects.requireNonNull(approximateArrivalTimestamp, "approximateArrivalTimestamp");
        data = ReadOnlyBytes.copyOf(data, "data");
        Objects.requireNonNull(kinesisRecordMetadata, "kinesisRecordMetadata");
    }

    /**
     * Creates a record without stream metadata (Direct PUT).
     *
     * @param recordId the id; not blank
     * @param approximateArrivalTimestamp the arrival time
     * @param data the payload; copied
     */
    public SourceRecord(String recordId, Instant approximateArrivalTimestamp, byte[] data) {
        this(recordId, approximateArrivalTimestamp, ReadOnlyBytes.copyOf(data, "data"), Optional.empty());
    }

    /**
     * Returns a read-only view of the payload, positioned at its start.
     *
     * @return a new view; reading it does not affect other views
     */
    @Override
    public ByteBuffer data() {
        return data.duplicate();
    }

    /**
     * Returns a short description without the payload bytes.
     *
     * @return a description
     */
    @Override
    public String toString() {
        return "SourceRecord[recordId=" + recordId + ", approximateArrivalTimestamp=" + approximateArrivalTimestamp
                + ", data=" + ReadOnlyBytes.describe(data) + ", kinesisRecordMetadata=" + kinesisRecordMetadata + "]";
    }

    /**
     * Where a record came from when the source is a stream: Firehose's {@code kinesisRecordMetadata}.
     *
     * <p>Thread-safety: immutable.
     *
     * @param shardId the shard, for example {@code shardId-000000000000}; not {@code null}
     * @param partitionKey the producer's partition key; not {@code null}
     * @param approximateArrivalTimestamp when the record arrived in the stream; not {@code null}
     * @param sequenceNumber the record's sequence number in its shard (decimal string); not {@code null}
     * @param subsequenceNumber the position inside a KPL-aggregated record, 0 otherwise; not negative
     */
    public record KinesisRecordMetadata(String shardId, String partitionKey, Instant approximateArrivalTimestamp,
                                        String sequenceNumber, long subsequenceNumber) {

        /**
         * Validates.
         *
         * @throws NullPointerException if a component is {@code null}
         * @throws TransformException {@link ErrorCode#INVALID_ARGUMENT} if {@code subsequenceNumber} is negative
         */
        public KinesisRecordMetadata {
            Objects.requireNonNull(shardId, "shardId");
            Objects.requireNonNull(partitionKey, "partitionKey");
            Objects.requireNonNull(approximateArrivalTimestamp, "approximateArrivalTimestamp");
            Objects.requireNonNull(sequenceNumber, "sequenceNumber");
            if (subsequenceNumber < 0) {
                throw TransformException.invalidArgument(
                        "subsequenceNumber must be >= 0 but was " + subsequenceNumber);
            }
        }
    }
}
