package dev.sluice.delivery;

import dev.sluice.delivery.internal.sink.RecordViews;
import dev.sluice.transform.OtfMetadata;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One delivery to a {@link Sink}: an object for a bucket, a request for an endpoint.
 *
 * <p>Thread-safety: immutable; {@link #content()} and the elements of {@link #records()} are read-only views, and
 * each {@link #content()} call returns a fresh view.
 *
 * @param key the full object key: evaluated prefix, file name and extension, for example
 *        {@code 2026/01/01/00/clicks-1-2026-01-01-00-00-00-3f2c...}; never starts with {@code /}
 * @param content the encoded object (format and compression applied); read-only
 * @param contentType a MIME type for the content, for example {@code application/octet-stream}
 * @param records the records it holds, after processing and before encoding, for sinks that send records rather
 *        than objects (the HTTP endpoint); read-only views
 * @param requestId stable across retries of this object; an endpoint uses it as its request id
 * @param createIfAbsent when {@code true} the sink must not replace an existing object with this key and reports
 *        {@link SinkResult#ALREADY_EXISTS} instead (exactly-once delivery from a stream source)
 * @param oldestArrival the arrival time of the oldest record in the object
 * @param otfMetadata the table and operation a transformation gave each record (Firehose's
 *        {@code metadata.otfMetadata}, read by an Iceberg destination): empty when no record of the object has
 *        any (the common case), else one element per record, in {@code records} order
 * @param conversionFailures for a sink whose {@link Sink#parquetContent()} the stream encodes: the records the
 *        conversion rejected, left out of {@code content} and {@code records}, in buffer order; empty otherwise
 */
public record SinkObject(String key, ByteBuffer content, String contentType, List<ByteBuffer> records,
                         String requestId, boolean createIfAbsent, Instant oldestArrival,
                         List<Optional<OtfMetadata>> otfMetadata, List<ConversionFailure> conversionFailures) {

    /**
     * A record the stream's conversion to a sink's {@link Sink#parquetContent()} rejected.
     *
     * <p>Thread-safety: immutable.
     *
     * @param record the processed record's bytes; read-only
     * @param errorCode the conversion's error code, for example {@code DataFormatConversion.MalformedData}
     * @param errorMessage why, naming the field
     */
    public record ConversionFailure(ByteBuffer record, String errorCode, String errorMessage) {
        /** Validates and makes the buffer read-only. */
        public ConversionFailure {
            record = record.asReadOnlyBuffer();
            Objects.requireNonNull(errorCode, "errorCode");
            Objects.requireNonNull(errorMessage, "errorMessage");
        }

        /**
         * Returns a read-only view of the record, positioned at its start.
         *
         * @return a new view
         */
        @Override
        public ByteBuffer record() {
            return record.duplicate();
        }
    }

    /**
     * Validates and makes the buffers read-only.
     *
     * @throws NullPointerException if a component, record or otfMetadata element is {@code null}
     * @throws DeliveryException {@link ErrorCode#INVALID_ARGUMENT} if {@code otfMetadata} is neither empty nor one
     *         element per record
     */
    public SinkObject {
        Objects.requireNonNull(key, "key");
        content = content.asReadOnlyBuffer();
        Objects.requireNonNull(contentType, "contentType");
        // The delivery stream's own records list already makes a new read-only view per get, when asked.
        records = records instanceof RecordViews ? records
                : records.stream().map(ByteBuffer::asReadOnlyBuffer).toList();
        Objects.requireNonNull(requestId, "requestId");
        Objects.requireNonNull(oldestArrival, "oldestArrival");
        otfMetadata = List.copyOf(otfMetadata);
        conversionFailures = List.copyOf(conversionFailures);
        if (!otfMetadata.isEmpty() && otfMetadata.size() != records.size()) {
            throw new DeliveryException(ErrorCode.INVALID_ARGUMENT, "otfMetadata must be empty or have one element"
                    + " per record (" + records.size() + ") but had " + otfMetadata.size());
        }
    }

    /**
     * Creates an object without conversion failures.
     *
     * @param key the full object key
     * @param content the encoded object
     * @param contentType a MIME type for the content
     * @param records the records it holds
     * @param requestId stable across retries of this object
     * @param createIfAbsent whether the sink must not replace an existing object with this key
     * @param oldestArrival the arrival time of the oldest record in the object
     * @param otfMetadata empty, or one element per record
     * @throws NullPointerException if a component, record or otfMetadata element is {@code null}
     */
    public SinkObject(String key, ByteBuffer content, String contentType, List<ByteBuffer> records,
                      String requestId, boolean createIfAbsent, Instant oldestArrival,
                      List<Optional<OtfMetadata>> otfMetadata) {
        this(key, content, contentType, records, requestId, createIfAbsent, oldestArrival, otfMetadata, List.of());
    }

    /**
     * Creates an object whose records carry no otfMetadata.
     *
     * @param key the full object key
     * @param content the encoded object
     * @param contentType a MIME type for the content
     * @param records the records it holds
     * @param requestId stable across retries of this object
     * @param createIfAbsent whether the sink must not replace an existing object with this key
     * @param oldestArrival the arrival time of the oldest record in the object
     * @throws NullPointerException if a component or record is {@code null}
     */
    public SinkObject(String key, ByteBuffer content, String contentType, List<ByteBuffer> records,
                      String requestId, boolean createIfAbsent, Instant oldestArrival) {
        this(key, content, contentType, records, requestId, createIfAbsent, oldestArrival, List.of(), List.of());
    }

    /**
     * Returns the otfMetadata of one record.
     *
     * @param index the record's index in {@link #records()}
     * @return its table and operation, or empty when the transformation gave it none
     * @throws IndexOutOfBoundsException if {@code index} is not a record's index
     */
    public Optional<OtfMetadata> otfMetadata(int index) {
        Objects.checkIndex(index, records.size());
        return otfMetadata.isEmpty() ? Optional.empty() : otfMetadata.get(index);
    }

    /**
     * Returns a read-only view of the encoded bytes, positioned at the start.
     *
     * @return a new view
     */
    @Override
    public ByteBuffer content() {
        return content.duplicate();
    }

    /**
     * Returns a copy of the encoded bytes.
     *
     * @return a new array
     */
    public byte[] contentBytes() {
        ByteBuffer view = content.duplicate();
        byte[] bytes = new byte[view.remaining()];
        view.get(bytes);
        return bytes;
    }

    /**
     * Describes the object without its bytes.
     *
     * @return a description
     */
    @Override
    public String toString() {
        return "SinkObject[key=" + key + ", content=" + content.remaining() + " bytes, records=" + records.size()
                + ", requestId=" + requestId + ", createIfAbsent=" + createIfAbsent
                + (conversionFailures.isEmpty() ? "" : ", conversionFailures=" + conversionFailures.size()) + "]";
    }
}
