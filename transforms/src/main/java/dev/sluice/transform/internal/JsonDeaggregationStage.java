package dev.sluice.transform.internal;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.sluice.transform.ErrorCode;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Firehose's {@code RecordDeAggregation} for JSON: a record holding concatenated JSON objects (back to back,
 * or separated by whitespace such as newlines) becomes one record per object, with id {@code <recordId>.<n>}.
 *
 * <p>Design note: each object's bytes are sliced from the input using Jackson's byte offsets, so objects come
 * out byte for byte as they went in (no re-serialisation). A value that is not an object, malformed JSON or
 * invalid UTF-8 fails the whole record; a record with only whitespace is dropped.
 */
public final class JsonDeaggregationStage implements RecordStage {

    @Override
    public void apply(Item item, StageOutput out) {
        if (!Json.requireUtf8(item, out)) {
            return;
        }
        List<byte[]> objects = new ArrayList<>();
        try (JsonParser parser = Json.FACTORY.createParser(item.data)) {
            JsonToken token;
            while ((token = parser.nextToken()) != null) {
                long start = parser.currentTokenLocation().getByteOffset();
                if (token != JsonToken.START_OBJECT) {
                    out.fail(item, ErrorCode.MALFORMED_JSON, "expected concatenated JSON objects but found "
                            + (token.asString() == null ? token.name() : token.asString()) + " at byte " + start);
                    return;
                }
                parser.skipChildren();
                long end = parser.currentLocation().getByteOffset();
                objects.add(Arrays.copyOfRange(item.data, (int) start, (int) end));
            }
        } catch (IOException e) {
            out.fail(item, ErrorCode.MALFORMED_JSON, Json.describe(e));
            return;
        }
        for (int i = 0; i < objects.size(); i++) {
            out.emit(item.derive(i, objects.get(i)));
        }
    }

    @Override
    public boolean fansOut() {
        return true;
    }

    @Override
    public String toString() {
        return "deaggregateJson";
    }
}
