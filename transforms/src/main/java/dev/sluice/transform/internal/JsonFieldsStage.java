package dev.sluice.transform.internal;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import dev.sluice.transform.ErrorCode;

import java.io.IOException;
import java.util.Map;
import java.util.Set;

/**
 * Project, drop or rename the top-level fields of a JSON object, streaming (no tree is built).
 *
 * <p>Design note: one pass of Jackson's streaming parser copies kept values with
 * {@code copyCurrentStructure} and skips the rest with {@code skipChildren}, which still tokenises (so
 * malformed JSON anywhere in the record is detected). Field order is the record's order. The record must be
 * exactly one JSON object.
 */
public final class JsonFieldsStage implements RecordStage {

    private enum Mode { PROJECT, DROP, RENAME }

    private final Mode mode;
    private final Set<String> names;
    private final Map<String, String> renames;

    private JsonFieldsStage(Mode mode, Set<String> names, Map<String, String> renames) {
        this.mode = mode;
        this.names = Set.copyOf(names);
        this.renames = Map.copyOf(renames);
    }

    /** Keeps only the named top-level fields. */
    public static JsonFieldsStage project(Set<String> fields) {
        return new JsonFieldsStage(Mode.PROJECT, fields, Map.of());
    }

    /** Removes the named top-level fields. */
    public static JsonFieldsStage drop(Set<String> fields) {
        return new JsonFieldsStage(Mode.DROP, fields, Map.of());
    }

    /** Renames top-level fields, old name to new name; other fields are kept. */
    public static JsonFieldsStage rename(Map<String, String> oldToNew) {
        return new JsonFieldsStage(Mode.RENAME, Set.of(), oldToNew);
    }

    @Override
    public void apply(Item item, StageOutput out) {
        if (!Json.requireUtf8(item, out)) {
            return;
        }
        ByteArrayBuilder buffer = Json.buffer();
        try (JsonParser parser = Json.FACTORY.createParser(item.data);
             JsonGenerator generator = Json.FACTORY.createGenerator(buffer)) {
            JsonToken first = parser.nextToken();
            if (first != JsonToken.START_OBJECT) {
                out.fail(item, ErrorCode.MALFORMED_JSON, "expected a JSON object but found "
                        + (first == null ? "no content" : first.asString() == null ? first.name() : first.asString()));
                return;
            }
            generator.writeStartObject();
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String name = parser.currentName();
                parser.nextToken();
                copyOrSkip(name, parser, generator);
            }
            generator.writeEndObject();
            if (parser.nextToken() != null) {
                out.fail(item, ErrorCode.MALFORMED_JSON, Json.trailing(parser.currentTokenLocation()));
                return;
            }
        } catch (IOException e) {
            out.fail(item, ErrorCode.MALFORMED_JSON, Json.describe(e));
            return;
        }
        item.data = buffer.toByteArray();
        out.emit(item);
    }

    private void copyOrSkip(String name, JsonParser parser, JsonGenerator generator) throws IOException {
        switch (mode) {
            case PROJECT -> {
                if (names.contains(name)) {
                    generator.writeFieldName(name);
                    generator.copyCurrentStructure(parser);
                } else {
                    parser.skipChildren();
                }
            }
            case DROP -> {
                if (names.contains(name)) {
                    parser.skipChildren();
                } else {
                    generator.writeFieldName(name);
                    generator.copyCurrentStructure(parser);
                }
            }
            case RENAME -> {
                generator.writeFieldName(renames.getOrDefault(name, name));
                generator.copyCurrentStructure(parser);
            }
        }
    }

    @Override
    public String toString() {
        return switch (mode) {
            case PROJECT -> "projectFields" + names;
            case DROP -> "dropFields" + names;
            case RENAME -> "renameFields" + renames;
        };
    }
}
