package dev.sluice.delivery.internal.encode;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import dev.sluice.delivery.DeliveryException;
import dev.sluice.delivery.ErrorCode;
import dev.sluice.delivery.ParquetConversion;
import org.apache.avro.LogicalType;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.SchemaParseException;
import org.apache.avro.generic.GenericData;

import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Streams JSON text straight into Avro {@link GenericData.Record}s for one schema, with Firehose's (OpenX JSON
 * SerDe's) mismatch rules.
 *
 * <p>Design note: immutable after construction and thread-safe. Flat records of plain scalars, the common case, are
 * read by {@link FlatJsonRecords} straight from their bytes; it declines anything it cannot read exactly as the
 * general path below would, and that path then reads the record and reports any error. No JSON tree is built: the
 * parser's tokens are matched to schema fields through a precomputed name map (exact names first, then lower-cased
 * ones when case-insensitive, so the common exact match allocates nothing), unknown fields are skipped with
 * {@code skipChildren}, and each value is converted for its schema type. Failures are thrown as
 * {@link DeliveryException} with {@link ErrorCode#CONVERSION_MALFORMED_DATA} (not JSON, not an object) or
 * {@link ErrorCode#CONVERSION_SCHEMA_MISMATCH} (wrong type, missing non-nullable field), naming the field path; the
 * caller fails that one record. A record may hold several concatenated objects (Firehose accepts
 * {@code {"a":1}{"a":2}}): each becomes a row.
 *
 * <p>The deserializer options of {@link ParquetConversion} apply here: column-to-key mappings are extra entries in
 * the top-level name map; a key with dots that matches nothing is retried with underscores when
 * {@code convertDotsInJsonKeysToUnderscores}; OpenX reads numbers given as strings; timestamps are read by
 * {@link TimestampFormats} for the chosen deserializer.
 */
public final class JsonToAvro {

    private static final JsonFactory JSON = JsonFactory.builder().enable(StreamReadFeature.AUTO_CLOSE_SOURCE)
            .enable(StreamReadFeature.USE_FAST_DOUBLE_PARSER).build();

    private final Schema schema;
    private final boolean caseInsensitive;
    private final boolean openX;
    private final boolean dotsToUnderscores;
    private final TimestampFormats hiveTimestamps;
    private final Map<Schema, Map<String, Schema.Field>> fieldsByName = new HashMap<>();
    /** The byte-scanning fast path for flat records; declines what it cannot read exactly as this class does. */
    private final FlatJsonRecords flat;

    JsonToAvro(Schema schema, ParquetConversion conversion) {
        this(schema, conversion, false);
    }

    /**
     * Prepares conversion.
     *
     * @param utf8Strings whether the fast path gives strings as Avro {@code Utf8} (bytes parquet-avro writes as
     *        they are) rather than {@link String}; for rows that only a Parquet writer reads
     */
    JsonToAvro(Schema schema, ParquetConversion conversion, boolean utf8Strings) {
        this.schema = schema;
        this.caseInsensitive = conversion.caseInsensitive();
        this.openX = conversion.deserializer() == ParquetConversion.JsonDeserializer.OPENX;
        this.dotsToUnderscores = conversion.convertDotsInJsonKeysToUnderscores();
        this.hiveTimestamps = new TimestampFormats(conversion.timestampFormats());
        index(schema);
        Map<String, Schema.Field> top = fieldsByName.get(schema);
        for (Map.Entry<String, String> mapping : conversion.columnToJsonKeyMappings().entrySet()) {
            // A mapping for a column the schema does not have is ignored, as OpenX does: a later schema may add it.
            Schema.Field field = schema.getField(mapping.getKey());
            if (field == null && caseInsensitive) {
                field = top.get(mapping.getKey().toLowerCase(Locale.ROOT));
            }
            if (field != null) {
                top.put(mapping.getValue(), field);
                if (caseInsensitive) {
                    top.put(mapping.getValue().toLowerCase(Locale.ROOT), field);
                }
            }
        }
        this.flat = new FlatJsonRecords(schema, this::topLevelField, utf8Strings);
    }

    /** The top-level field a JSON key names, after the case, mapping and dots rules; null for none. */
    private Schema.Field topLevelField(String name) {
        Map<String, Schema.Field> names = fieldsByName.get(schema);
        Schema.Field field = lookup(names, name);
        if (field == null && dotsToUnderscores && name.indexOf('.') >= 0) {
            field = lookup(names, name.replace('.', '_'));
        }
        return field;
    }

    /**
     * Parses and checks a schema for conversion.
     *
     * @param schemaJson the schema as JSON
     * @return the parsed schema
     * @throws DeliveryException {@link ErrorCode#INVALID_ARGUMENT} if it does not parse or is not a record
     */
    public static Schema checkSchema(String schemaJson) {
        Schema parsed;
        try {
            parsed = new Schema.Parser().parse(schemaJson);
        } catch (SchemaParseException | NullPointerException e) {
            throw new DeliveryException(ErrorCode.INVALID_ARGUMENT, "parquet schema is not a valid Avro schema: "
                    + e.getMessage(), e);
        }
        if (parsed.getType() != Schema.Type.RECORD) {
            throw new DeliveryException(ErrorCode.INVALID_ARGUMENT, "parquet schema must be an Avro record but was "
                    + parsed.getType());
        }
        return parsed;
    }

    Schema schema() {
        return schema;
    }

    /** The fast path, for tests that check it is taken. */
    FlatJsonRecords fastPath() {
        return flat;
    }

    /**
     * Converts one record's bytes into one or more rows, appended to {@code rows}; on failure nothing is appended.
     *
     * @param json UTF-8 JSON: one object or several concatenated objects
     * @param rows where the rows go
     * @throws DeliveryException for malformed data or a schema mismatch
     */
    void convert(byte[] json, List<GenericData.Record> rows) {
        if (!flat.read(json, rows)) {
            convertWithParser(json, rows);
        }
    }

    /** The general path: Jackson's parser, every schema type, every error; the fast path's reference in tests. */
    void convertWithParser(byte[] json, List<GenericData.Record> rows) {
        int before = rows.size();
        try {
            parse(json, rows);
        } catch (DeliveryException e) {
            rows.subList(before, rows.size()).clear();
            throw e;
        }
    }

    private void parse(byte[] json, List<GenericData.Record> rows) {
        try (JsonParser parser = JSON.createParser(json)) {
            JsonToken token = parser.nextToken();
            if (token == null) {
                throw malformed("the record is empty");
            }
            while (token != null) {
                if (token != JsonToken.START_OBJECT) {
                    throw malformed("expected a JSON object but found " + token.asString() + " (" + token + ")");
                }
                rows.add(readRecord(parser, schema, ""));
                token = parser.nextToken();
            }
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new DeliveryException(ErrorCode.CONVERSION_MALFORMED_DATA, "the record is not valid JSON: "
                    + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new DeliveryException(ErrorCode.CONVERSION_MALFORMED_DATA, "the record could not be read: " + e, e);
        }
    }

    private GenericData.Record readRecord(JsonParser parser, Schema recordSchema, String path) throws IOException {
        GenericData.Record record = new GenericData.Record(recordSchema);
        Map<String, Schema.Field> names = fieldsByName.get(recordSchema);
        boolean[] seen = new boolean[recordSchema.getFields().size()];
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            String name = parser.currentName();
            Schema.Field field = lookup(names, name);
            if (field == null && dotsToUnderscores && name.indexOf('.') >= 0) {
                field = lookup(names, name.replace('.', '_'));
            }
            JsonToken value = parser.nextToken();
            if (field == null) {
                parser.skipChildren();
                continue;
            }
            String fieldPath = path.isEmpty() ? field.name() : path + "." + field.name();
            record.put(field.pos(), read(parser, value, field.schema(), fieldPath));
            seen[field.pos()] = true;
        }
        for (Schema.Field field : recordSchema.getFields()) {
            if (!seen[field.pos()]) {
                String fieldPath = path.isEmpty() ? field.name() : path + "." + field.name();
                if (field.hasDefaultValue()) {
                    record.put(field.pos(), GenericData.get().getDefaultValue(field));
                } else if (nullable(field.schema())) {
                    record.put(field.pos(), null);
                } else {
                    throw mismatch(fieldPath, "is missing and its type " + field.schema().getType()
                            + " is not nullable");
                }
            }
        }
        return record;
    }

    private Schema.Field lookup(Map<String, Schema.Field> names, String name) {
        Schema.Field field = names.get(name);
        if (field == null && caseInsensitive) {
            field = names.get(name.toLowerCase(Locale.ROOT));
        }
        return field;
    }

    private Object read(JsonParser parser, JsonToken token, Schema type, String path) throws IOException {
        if (token == JsonToken.VALUE_NULL) {
            if (nullable(type)) {
                return null;
            }
            throw mismatch(path, "is null but its type " + type.getType() + " is not nullable");
        }
        switch (type.getType()) {
            case UNION:
                return readUnion(parser, token, type, path);
            case RECORD:
                require(token == JsonToken.START_OBJECT, path, "an object", token);
                return readRecord(parser, type, path);
            case ARRAY: {
                require(token == JsonToken.START_ARRAY, path, "an array", token);
                List<Object> list = new ArrayList<>();
                JsonToken element;
                while ((element = parser.nextToken()) != JsonToken.END_ARRAY) {
                    list.add(read(parser, element, type.getElementType(), path + "[" + list.size() + "]"));
                }
                return list;
            }
            case MAP: {
                require(token == JsonToken.START_OBJECT, path, "an object", token);
                Map<String, Object> map = new LinkedHashMap<>();
                while (parser.nextToken() == JsonToken.FIELD_NAME) {
                    String key = parser.currentName();
                    map.put(key, read(parser, parser.nextToken(), type.getValueType(), path + "." + key));
                }
                return map;
            }
            case STRING:
                require(token.isScalarValue(), path, "a string", token);
                return parser.getText();
            case ENUM: {
                require(token == JsonToken.VALUE_STRING, path, "a string", token);
                String symbol = parser.getText();
                if (!type.hasEnumSymbol(symbol)) {
                    throw mismatch(path, "is '" + symbol + "' but the enum allows " + type.getEnumSymbols());
                }
                return new GenericData.EnumSymbol(type, symbol);
            }
            case BOOLEAN:
                require(token == JsonToken.VALUE_TRUE || token == JsonToken.VALUE_FALSE, path, "a boolean", token);
                return token == JsonToken.VALUE_TRUE;
            case INT:
                return readInt(parser, token, type, path);
            case LONG:
                return readLong(parser, token, type, path);
            case FLOAT:
                return (float) readDouble(parser, token, path);
            case DOUBLE:
                return readDouble(parser, token, path);
            case BYTES:
                return readBytes(parser, token, type, path);
            default:
                throw mismatch(path, "has schema type " + type.getType() + ", which conversion does not support");
        }
    }

    private Object readUnion(JsonParser parser, JsonToken token, Schema union, String path) throws IOException {
        DeliveryException last = null;
        for (Schema branch : union.getTypes()) {
            Schema.Type t = branch.getType();
            if (t == Schema.Type.NULL) {
                continue;
            }
            if (token == JsonToken.START_OBJECT) {
                if (t == Schema.Type.RECORD || t == Schema.Type.MAP) {
                    return read(parser, token, branch, path);
                }
            } else if (token == JsonToken.START_ARRAY) {
                if (t == Schema.Type.ARRAY) {
                    return read(parser, token, branch, path);
                }
            } else if (t != Schema.Type.RECORD && t != Schema.Type.MAP && t != Schema.Type.ARRAY) {
                try {
                    return read(parser, token, branch, path);
                } catch (DeliveryException e) {
                    last = e;
                }
            }
        }
        throw last != null ? last : mismatch(path, "is " + describe(token) + " which matches no branch of " + union);
    }

    private double readDouble(JsonParser parser, JsonToken token, String path) throws IOException {
        if (openX && token == JsonToken.VALUE_STRING) {
            try {
                return Double.parseDouble(parser.getText().trim());
            } catch (NumberFormatException e) {
                throw mismatch(path, "must be a number but is a string ('" + parser.getText() + "')");
            }
        }
        require(token.isNumeric(), path, "a number", token);
        return parser.getDoubleValue();
    }

    /** OpenX reads a number given as a JSON string ({@code "42"}); Hive refuses it. */
    private long integral(JsonParser parser, JsonToken token, String path, String expected) throws IOException {
        if (openX && token == JsonToken.VALUE_STRING) {
            try {
                return Long.parseLong(parser.getText().trim());
            } catch (NumberFormatException e) {
                throw mismatch(path, "must be " + expected + " but is a string ('" + parser.getText() + "')");
            }
        }
        require(token == JsonToken.VALUE_NUMBER_INT, path, expected, token);
        if (parser.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
            throw mismatch(path, "is " + parser.getText() + " which does not fit a long");
        }
        return parser.getLongValue();
    }

    private Object readInt(JsonParser parser, JsonToken token, Schema type, String path) throws IOException {
        LogicalType logical = type.getLogicalType();
        if (logical instanceof LogicalTypes.Date && token == JsonToken.VALUE_STRING) {
            try {
                return (int) LocalDate.parse(parser.getText()).toEpochDay();
            } catch (DateTimeParseException e) {
                throw mismatch(path, "is '" + parser.getText() + "' which is not a yyyy-MM-dd date");
            }
        }
        long value = integral(parser, token, path, "an integer");
        if (value < Integer.MIN_VALUE || value > Integer.MAX_VALUE) {
            throw mismatch(path, "is " + value + " which does not fit an int");
        }
        return (int) value;
    }

    private Object readLong(JsonParser parser, JsonToken token, Schema type, String path) throws IOException {
        LogicalType logical = type.getLogicalType();
        boolean millis = logical instanceof LogicalTypes.TimestampMillis;
        boolean micros = logical instanceof LogicalTypes.TimestampMicros;
        if (millis || micros) {
            require(token == JsonToken.VALUE_STRING || token.isNumeric(), path, "a timestamp", token);
            String text = parser.getText().trim();
            Instant instant = openX ? TimestampFormats.openX(text, micros) : hiveTimestamps.hive(text, token.isNumeric());
            if (instant == null) {
                throw mismatch(path, "is '" + text + "' which is not a timestamp the " + (openX ? "OpenX" : "Hive")
                        + " JSON deserializer reads" + (openX ? " (ISO-8601, yyyy-MM-dd HH:mm:ss[.S] or epoch"
                        + " seconds/milliseconds)" : ""));
            }
            try {
                return millis ? instant.toEpochMilli() : Math.addExact(
                        Math.multiplyExact(instant.getEpochSecond(), 1_000_000L), instant.getNano() / 1000);
            } catch (ArithmeticException e) {
                throw mismatch(path, "is '" + text + "' which is out of the timestamp range");
            }
        }
        return integral(parser, token, path, "an integer");
    }

    private static Object readBytes(JsonParser parser, JsonToken token, Schema type, String path) throws IOException {
        if (type.getLogicalType() instanceof LogicalTypes.Decimal decimal) {
            require(token.isNumeric() || token == JsonToken.VALUE_STRING, path, "a decimal number", token);
            BigDecimal value;
            try {
                value = new BigDecimal(parser.getText());
            } catch (NumberFormatException e) {
                throw mismatch(path, "is '" + parser.getText() + "' which is not a decimal number");
            }
            try {
                value = value.setScale(decimal.getScale());
            } catch (ArithmeticException e) {
                throw mismatch(path, "is " + value + " which has more than " + decimal.getScale() + " decimals");
            }
            BigInteger unscaled = value.unscaledValue();
            if (value.precision() > decimal.getPrecision()) {
                throw mismatch(path, "is " + value + " which exceeds precision " + decimal.getPrecision());
            }
            return ByteBuffer.wrap(unscaled.toByteArray());
        }
        require(token == JsonToken.VALUE_STRING, path, "a base64 string", token);
        try {
            return ByteBuffer.wrap(Base64.getDecoder().decode(parser.getText()));
        } catch (IllegalArgumentException e) {
            throw mismatch(path, "is not valid base64");
        }
    }

    private static boolean nullable(Schema type) {
        if (type.getType() == Schema.Type.NULL) {
            return true;
        }
        if (type.getType() == Schema.Type.UNION) {
            for (Schema branch : type.getTypes()) {
                if (branch.getType() == Schema.Type.NULL) {
                    return true;
                }
            }
        }
        return false;
    }

    private static void require(boolean ok, String path, String expected, JsonToken actual) {
        if (!ok) {
            throw mismatch(path, "must be " + expected + " but is " + describe(actual));
        }
    }

    private static String describe(JsonToken token) {
        switch (token) {
            case START_OBJECT:
                return "an object";
            case START_ARRAY:
                return "an array";
            case VALUE_STRING:
                return "a string";
            case VALUE_NUMBER_INT:
                return "an integer";
            case VALUE_NUMBER_FLOAT:
                return "a fractional number";
            case VALUE_TRUE:
            case VALUE_FALSE:
                return "a boolean";
            default:
                return token.toString();
        }
    }

    private static DeliveryException mismatch(String path, String problem) {
        return new DeliveryException(ErrorCode.CONVERSION_SCHEMA_MISMATCH, "field '" + path + "' " + problem);
    }

    private static DeliveryException malformed(String problem) {
        return new DeliveryException(ErrorCode.CONVERSION_MALFORMED_DATA, problem);
    }

    private void index(Schema type) {
        switch (type.getType()) {
            case RECORD:
                if (fieldsByName.containsKey(type)) {
                    return;
                }
                Map<String, Schema.Field> names = new HashMap<>();
                fieldsByName.put(type, names);
                for (Schema.Field field : type.getFields()) {
                    names.put(field.name(), field);
                    if (caseInsensitive) {
                        names.putIfAbsent(field.name().toLowerCase(Locale.ROOT), field);
                    }
                    index(field.schema());
                }
                return;
            case UNION:
                type.getTypes().forEach(this::index);
                return;
            case ARRAY:
                index(type.getElementType());
                return;
            case MAP:
                index(type.getValueType());
                return;
            default:
        }
    }
}
