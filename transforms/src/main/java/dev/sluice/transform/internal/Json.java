package dev.sluice.transform.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.transform.ErrorCode;

import java.io.IOException;

/**
 * The Jackson objects the JSON stages share, and the wording of JSON failures.
 *
 * <p>Design note: {@link JsonFactory} and {@link ObjectMapper} are thread-safe once configured and are never
 * reconfigured after class initialisation. Output goes to a per-thread {@link ByteArrayBuilder} that is reset
 * for each record, so serialising a record allocates only the final {@code byte[]}.
 */
final class Json {

    static final ObjectMapper MAPPER = new ObjectMapper();
    static final JsonFactory FACTORY = MAPPER.getFactory();

    private static final ThreadLocal<ByteArrayBuilder> BUFFERS = ThreadLocal.withInitial(() -> new ByteArrayBuilder(512));

    private Json() {
    }

    /** Returns this thread's output buffer, emptied. Valid until the thread's next call. */
    static ByteArrayBuilder buffer() {
        ByteArrayBuilder buffer = BUFFERS.get();
        buffer.reset();
        return buffer;
    }

    /** Fails the item with {@link ErrorCode#INVALID_UTF8} unless its data is valid UTF-8. */
    static boolean requireUtf8(Item item, StageOutput out) {
        int bad = Utf8.invalidOffset(item.data);
        if (bad < 0) {
            return true;
        }
        out.fail(item, ErrorCode.INVALID_UTF8, String.format("data is not valid UTF-8: byte 0x%02x at offset %d",
                item.data[bad] & 0xFF, bad));
        return false;
    }

    /**
     * Parses the item as exactly one JSON value (after a UTF-8 check), failing it with
     * {@link ErrorCode#MALFORMED_JSON} otherwise.
     *
     * @return the tree, or {@code null} after failing the item
     */
    static JsonNode readTree(Item item, StageOutput out) {
        if (!requireUtf8(item, out)) {
            return null;
        }
        try (var parser = FACTORY.createParser(item.data)) {
            JsonToken first = parser.nextToken();
            if (first == null) {
                out.fail(item, ErrorCode.MALFORMED_JSON, "malformed JSON: no content (" + item.data.length + " bytes)");
                return null;
            }
            JsonNode tree = MAPPER.readTree(parser);
            if (parser.nextToken() != null) {
                out.fail(item, ErrorCode.MALFORMED_JSON, trailing(parser.currentTokenLocation()));
                return null;
            }
            return tree;
        } catch (JsonProcessingException e) {
            out.fail(item, ErrorCode.MALFORMED_JSON, describe(e));
            return null;
        } catch (IOException e) {
            out.fail(item, ErrorCode.MALFORMED_JSON, "malformed JSON: " + e.getMessage());
            return null;
        }
    }

    /** Describes a Jackson parse failure without echoing record content beyond Jackson's short token excerpt. */
    /** Describes a parse failure, with the byte offset when Jackson knows it. */
    static String describe(IOException e) {
        if (e instanceof JsonProcessingException parse) {
            JsonLocation location = parse.getLocation();
            String where = location == null ? "" : " at byte " + location.getByteOffset();
            return "malformed JSON" + where + ": " + parse.getOriginalMessage();
        }
        return "malformed JSON: " + e.getMessage();
    }

    static String trailing(JsonLocation location) {
        return "malformed JSON: unexpected content after the first JSON value at byte " + location.getByteOffset()
                + " (split concatenated objects with a de-aggregation processor first)";
    }
}
