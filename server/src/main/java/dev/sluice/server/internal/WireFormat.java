package dev.sluice.server.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.cbor.CBORFactory;
import com.fasterxml.jackson.dataformat.cbor.CBORGenerator;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * The two body encodings of the AWS JSON 1.1 protocol family, as the AWS SDK for Java v2 speaks them.
 *
 * <p>Design: requests are read into Jackson trees (small, and the operations pick fields by name); responses
 * are written from plain Java values (maps, lists, strings, numbers, booleans, {@code byte[]}/{@link ByteBuffer}
 * blobs, {@link Instant} timestamps) so one response builder serves both encodings. The encodings differ only in
 * blobs and timestamps:
 * <ul>
 *   <li>JSON: blobs are base64 strings; timestamps are epoch seconds with a fraction (what the SDK writes and
 *       reads with its default {@code UNIX_TIMESTAMP} format).</li>
 *   <li>CBOR: blobs are byte strings; timestamps are CBOR tag 1 around <b>epoch milliseconds</b> as an integer.
 *       That is not RFC 8949's tag 1 (seconds), but it is what SDK v2's {@code SdkCborGenerator} writes and what
 *       its CBOR protocol factory reads ({@code UNIX_TIMESTAMP_MILLIS}), checked against 2.51.3.</li>
 * </ul>
 * Thread-safety: immutable; the mappers are thread-safe.
 */
enum WireFormat {
    JSON("application/x-amz-json-1.1", new JsonFactory()),
    CBOR("application/x-amz-cbor-1.1", new CBORFactory());

    private final String contentType;
    private final ObjectMapper mapper;

    WireFormat(String contentType, JsonFactory factory) {
        this.contentType = contentType;
        // Deep nesting is the classic way to make a tree reader recurse into a stack overflow.
        factory.setStreamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(64).build());
        this.mapper = new ObjectMapper(factory);
    }

    String contentType() {
        return contentType;
    }

    /**
     * Reads a request body from a stream (the request's buffer in place, without a copy into one array first).
     *
     * @param body   the body
     * @param length its length in bytes
     * @throws ApiException {@code SerializationException} for a body that is not one well-formed value
     */
    JsonNode read(java.io.InputStream body, int length) {
        if (length == 0) {
            return mapper.createObjectNode();
        }
        try {
            JsonNode node = mapper.readTree(body);
            if (node == null || node.isMissingNode()) {
                return mapper.createObjectNode();
            }
            if (!node.isObject()) {
                throw ApiException.serialization("request body must be a " + this + " object (structure) but was "
                        + node.getNodeType());
            }
            return node;
        } catch (IOException | RuntimeException e) {
            if (e instanceof ApiException api) {
                throw api;
            }
            throw ApiException.serialization("request body is not valid " + this + ": " + firstLine(e.getMessage()));
        }
    }

    /** Timestamps in a request: epoch seconds in JSON, epoch milliseconds in CBOR (see the class comment). */
    Instant timestamp(JsonNode node, String field) {
        if (node.isNumber()) {
            if (this == CBOR) {
                return Instant.ofEpochMilli(node.asLong());
            }
            BigDecimal seconds = node.decimalValue();
            long whole = seconds.longValue();
            long nanos = seconds.subtract(BigDecimal.valueOf(whole)).movePointRight(9).longValue();
            return Instant.ofEpochSecond(whole, nanos);
        }
        if (node.isTextual()) {
            try {
                return Instant.parse(node.asText());
            } catch (RuntimeException e) {
                throw ApiException.serialization(field + " must be a timestamp but was '" + node.asText() + "'");
            }
        }
        throw ApiException.serialization(field + " must be a timestamp but was " + node.getNodeType());
    }

    /** Blobs in a request: base64 text in JSON, a byte string in CBOR (either is accepted in both). */
    byte[] blob(JsonNode node, String field) {
        try {
            if (node.isBinary() || node.isTextual()) {
                return node.binaryValue();
            }
        } catch (IOException | IllegalArgumentException e) {
            throw ApiException.serialization(field + " must be base64-encoded: " + firstLine(e.getMessage()));
        }
        throw ApiException.serialization(field + " must be a blob but was " + node.getNodeType());
    }

    /** Writes a response value tree (see the class comment for the accepted value types). */
    byte[] write(Object value) {
        // Segmented: a large response (GetRecords, PutRecords) is copied once at the end, not at every doubling.
        try (ByteArrayBuilder out = new ByteArrayBuilder(4096)) {
            try (JsonGenerator generator = mapper.getFactory().createGenerator(out)) {
                writeValue(generator, value);
            }
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void writeValue(JsonGenerator generator, Object value) throws IOException {
        if (value == null) {
            generator.writeNull();
        } else if (value instanceof String s) {
            generator.writeString(s);
        } else if (value instanceof Map<?, ?> map) {
            generator.writeStartObject();
            for (Map.Entry<?, ?> entry : map.entrySet()) {
                if (entry.getValue() != null) {
                    generator.writeFieldName(entry.getKey().toString());
                    writeValue(generator, entry.getValue());
                }
            }
            generator.writeEndObject();
        } else if (value instanceof List<?> list) {
            generator.writeStartArray();
            for (Object item : list) {
                writeValue(generator, item);
            }
            generator.writeEndArray();
        } else if (value instanceof Integer i) {
            generator.writeNumber(i);
        } else if (value instanceof Long l) {
            generator.writeNumber(l);
        } else if (value instanceof Boolean b) {
            generator.writeBoolean(b);
        } else if (value instanceof byte[] bytes) {
            generator.writeBinary(bytes);
        } else if (value instanceof ByteBuffer buffer) {
            ByteBuffer view = buffer.duplicate();
            if (view.hasArray()) {
                generator.writeBinary(view.array(), view.arrayOffset() + view.position(), view.remaining());
            } else {
                byte[] copy = new byte[view.remaining()];
                view.get(copy);
                generator.writeBinary(copy);
            }
        } else if (value instanceof Instant instant) {
            if (generator instanceof CBORGenerator cbor) {
                cbor.writeTag(1);
                cbor.writeNumber(instant.toEpochMilli());
            } else {
                generator.writeNumber(BigDecimal.valueOf(instant.toEpochMilli()).movePointLeft(3));
            }
        } else if (value instanceof JsonNode node) {
            generator.writeTree(node);
        } else if (value instanceof Number n) {
            generator.writeNumber(n.toString());
        } else {
            throw new IllegalArgumentException("cannot write " + value.getClass().getName());
        }
    }

    /**
     * The encoding a request's {@code Content-Type} names.
     *
     * @throws ApiException {@code SerializationException} for any other content type
     */
    static WireFormat fromContentType(String contentType) {
        if (contentType == null || contentType.isBlank()) {
            return JSON;
        }
        String type = contentType.toLowerCase(java.util.Locale.ROOT);
        int semicolon = type.indexOf(';');
        if (semicolon >= 0) {
            type = type.substring(0, semicolon);
        }
        type = type.trim();
        if (type.startsWith("application/x-amz-cbor-")) {
            return CBOR;
        }
        if (type.startsWith("application/x-amz-json-") || type.equals("application/json")) {
            return JSON;
        }
        throw ApiException.serialization("Content-Type must be application/x-amz-json-1.1 or application/x-amz-cbor-1.1"
                + " but was '" + abbreviate(contentType) + "'");
    }

    static String abbreviate(String text) {
        return text.length() <= 100 ? text : text.substring(0, 100) + "...";
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "malformed input";
        }
        int newline = message.indexOf('\n');
        return abbreviate(newline < 0 ? message : message.substring(0, newline));
    }
}
