package dev.sluice.transform.internal;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import dev.sluice.transform.ErrorCode;

import java.io.IOException;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * PII masking inside one JSON value, streaming: the value of every field whose name is configured (at any
 * depth, exact match) becomes {@link #MASK}, and every match of a configured pattern inside any string value
 * is replaced by {@link #MASK}.
 *
 * <p>Design note: the record is copied token by token; a masked field's value is skipped with
 * {@code skipChildren}, so a masked object or array disappears entirely. Field names and non-string scalars
 * are never pattern-masked. {@link Pattern} is thread-safe; a {@link Matcher} is created per string.
 */
public final class MaskStage implements RecordStage {

    /** The replacement text. */
    public static final String MASK = "****";

    private final Set<String> fields;
    private final List<Pattern> patterns;

    public MaskStage(Set<String> fields, List<Pattern> patterns) {
        this.fields = Set.copyOf(fields);
        this.patterns = List.copyOf(patterns);
    }

    @Override
    public void apply(Item item, StageOutput out) {
        if (!Json.requireUtf8(item, out)) {
            return;
        }
        ByteArrayBuilder buffer = Json.buffer();
        try (JsonParser parser = Json.FACTORY.createParser(item.data);
             JsonGenerator generator = Json.FACTORY.createGenerator(buffer)) {
            JsonToken token = parser.nextToken();
            if (token == null) {
                out.fail(item, ErrorCode.MALFORMED_JSON, "malformed JSON: no content (" + item.data.length + " bytes)");
                return;
            }
            copyValue(token, parser, generator);
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

    /** Copies one complete value starting at {@code token}, masking as configured. Iterative: depth is bounded
     * only by Jackson's nesting limit, never by the stack. */
    private void copyValue(JsonToken first, JsonParser parser, JsonGenerator generator) throws IOException {
        int depth = 0;
        JsonToken token = first;
        while (true) {
            switch (token) {
                case START_OBJECT, START_ARRAY -> {
                    generator.copyCurrentEvent(parser);
                    depth++;
                }
                case END_OBJECT, END_ARRAY -> {
                    generator.copyCurrentEvent(parser);
                    depth--;
                }
                case FIELD_NAME -> {
                    String name = parser.currentName();
                    generator.writeFieldName(name);
                    if (fields.contains(name)) {
                        parser.nextToken();
                        parser.skipChildren();
                        generator.writeString(MASK);
                    }
                }
                case VALUE_STRING -> {
                    if (patterns.isEmpty()) {
                        generator.copyCurrentEvent(parser);
                    } else {
                        generator.writeString(maskPatterns(parser.getText()));
                    }
                }
                default -> generator.copyCurrentEvent(parser);
            }
            if (depth == 0) {
                return;
            }
            token = parser.nextToken();
        }
    }

    private String maskPatterns(String text) {
        String result = text;
        for (Pattern pattern : patterns) {
            Matcher matcher = pattern.matcher(result);
            if (matcher.find()) {
                result = matcher.replaceAll(MASK);
            }
        }
        return result;
    }

    @Override
    public String toString() {
        return "mask[fields=" + fields + ", patterns=" + patterns + "]";
    }
}
