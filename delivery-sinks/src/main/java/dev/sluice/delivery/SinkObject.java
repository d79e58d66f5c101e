package dev.sluice.delivery;

import dev.sluice.delivery.internal.sink.RecordViews;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

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
 */
public record SinkObject(String key, ByteBuffer content, String contentType, List<ByteBuffer> records,
                         String requestId, boolean createIfAbsent, Instant oldestArrival) {

    /**
     * Validates and makes the buffers read-only.
     *
     * @throws NullPointerException if a component or record is {@code null}
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
                + ", requestId=" + requestId + ", createIfAbsent=" + createIfAbsent + "]";
    }
}
