package dev.sluice.server.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A Glue table's columns ({@code StorageDescriptor.Columns}, Hive types) as the Avro record schema that
 * {@code ParquetConversion} writes, as Firehose derives its Parquet schema from the table.
 *
 * <p>Mapping: {@code string}, {@code char(n)}, {@code varchar(n)} → string; {@code tinyint}, {@code smallint},
 * {@code int}/{@code integer} → int; {@code bigint} → long; {@code float}; {@code double}; {@code boolean};
 * {@code binary} → bytes (base64 text in JSON); {@code timestamp} → long {@code timestamp-micros};
 * {@code date} → int {@code date}; {@code decimal}, {@code decimal(p)}, {@code decimal(p,s)} → bytes
 * {@code decimal} (Hive's default (10,0), precision 1 to 38); {@code array<T>}; {@code map<K,V>} with a string key
 * (Avro maps have string keys); {@code struct<name:T,...>} → a nested record, to any depth. Every column, element,
 * map value and struct field is nullable (Hive columns are), so a missing JSON key is a null, not a failure.
 * Partition keys are not part of the data (Firehose ignores them too). Anything else, {@code uniontype} included,
 * is an {@code InvalidArgumentException} naming the column and the type.
 *
 * <p>Stateless; the parser is a small recursive descent over the type text.
 */
final class GlueSchemas {

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final Pattern AVRO_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    /** Hive: decimal precision is 1 to 38; {@code decimal} alone is (10, 0). */
    static final int MAX_DECIMAL_PRECISION = 38;

    private GlueSchemas() {
    }

    /**
     * @param table the table as GetTable returns it
     * @return the Avro schema as JSON text
     * @throws ApiException {@code InvalidArgumentException} naming the column whose type cannot be converted
     */
    static String avroSchema(JsonNode table) {
        String tableName = table.path("Name").asText();
        JsonNode columns = table.path("StorageDescriptor").path("Columns");
        if (!columns.isArray() || columns.isEmpty()) {
            throw ApiException.invalidArgument("Glue table " + table.path("DatabaseName").asText() + "." + tableName
                    + " has no columns (StorageDescriptor.Columns), so there is no schema to convert records to");
        }
        ObjectNode record = NODES.objectNode();
        record.put("type", "record");
        record.put("name", avroName(tableName, "record"));
        ArrayNode fields = record.putArray("fields");
        Set<String> seen = new HashSet<>();
        for (JsonNode column : columns) {
            String name = column.path("Name").asText();
            String type = column.path("Type").asText("");
            checkField(name, "column '" + name + "'", seen);
            Parser parser = new Parser(type, name);
            JsonNode avro = parser.type("col_" + name);
            parser.end();
            fields.add(field(name, avro));
        }
        try {
            return PlainJson.MAPPER.writeValueAsString(record);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void checkField(String name, String what, Set<String> seen) {
        if (!AVRO_NAME.matcher(name).matches()) {
            throw ApiException.invalidArgument(what + " is not a valid Parquet/Avro field name: it must match "
                    + AVRO_NAME.pattern());
        }
        if (!seen.add(name.toLowerCase(Locale.ROOT))) {
            throw ApiException.invalidArgument(what + " appears twice (names are compared ignoring case)");
        }
    }

    private static String avroName(String name, String fallback) {
        String cleaned = name.replaceAll("[^A-Za-z0-9_]", "_");
        return cleaned.isEmpty() || Character.isDigit(cleaned.charAt(0)) ? fallback + "_" + cleaned : cleaned;
    }

    private static ObjectNode field(String name, JsonNode type) {
        ObjectNode field = NODES.objectNode();
        field.put("name", name);
        field.set("type", nullable(type));
        field.putNull("default");
        return field;
    }

    private static ArrayNode nullable(JsonNode type) {
        ArrayNode union = NODES.arrayNode();
        union.add("null");
        union.add(type);
        return union;
    }

    /** Recursive descent over one column's Hive type. */
    private static final class Parser {
        private final String text;
        private final String column;
        private int pos;

        Parser(String text, String column) {
            this.text = text;
            this.column = column;
        }

        private ApiException invalid(String problem) {
            return ApiException.invalidArgument("column '" + column + "' has type '" + WireFormat.abbreviate(text)
                    + "' which cannot be converted to Parquet: " + problem);
        }

        private void skipSpace() {
            while (pos < text.length() && Character.isWhitespace(text.charAt(pos))) {
                pos++;
            }
        }

        private String word() {
            skipSpace();
            int start = pos;
            while (pos < text.length() && (Character.isLetterOrDigit(text.charAt(pos)) || text.charAt(pos) == '_')) {
                pos++;
            }
            if (start == pos) {
                throw invalid("expected a type or name at position " + start);
            }
            return text.substring(start, pos);
        }

        private boolean accept(char c) {
            skipSpace();
            if (pos < text.length() && text.charAt(pos) == c) {
                pos++;
                return true;
            }
            return false;
        }

        private void expect(char c) {
            if (!accept(c)) {
                throw invalid("expected '" + c + "' at position " + pos);
            }
        }

        void end() {
            skipSpace();
            if (pos != text.length()) {
                throw invalid("unexpected text at position " + pos);
            }
        }

        private int number() {
            String digits = word();
            try {
                return Integer.parseInt(digits);
            } catch (NumberFormatException e) {
                throw invalid("'" + digits + "' is not a number");
            }
        }

        JsonNode type(String path) {
            String name = word().toLowerCase(Locale.ROOT);
            switch (name) {
                case "string":
                    return NODES.textNode("string");
                case "char":
                case "varchar":
                    if (accept('(')) {
                        number();
                        expect(')');
                    }
                    return NODES.textNode("string");
                case "tinyint":
                case "smallint":
                case "int":
                case "integer":
                    return NODES.textNode("int");
                case "bigint":
                    return NODES.textNode("long");
                case "float":
                    return NODES.textNode("float");
                case "double":
                    return NODES.textNode("double");
                case "boolean":
                    return NODES.textNode("boolean");
                case "binary":
                    return NODES.textNode("bytes");
                case "timestamp":
                    return NODES.objectNode().put("type", "long").put("logicalType", "timestamp-micros");
                case "date":
                    return NODES.objectNode().put("type", "int").put("logicalType", "date");
                case "decimal":
                    return decimal();
                case "array": {
                    expect('<');
                    JsonNode element = type(path + "_element");
                    expect('>');
                    return NODES.objectNode().put("type", "array").set("items", nullable(element));
                }
                case "map": {
                    expect('<');
                    JsonNode key = type(path + "_key");
                    if (!key.isTextual() || !key.textValue().equals("string")) {
                        throw invalid("map keys must be string, char or varchar (Avro and Sluice's Parquet writer"
                                + " have string map keys only)");
                    }
                    expect(',');
                    JsonNode value = type(path + "_value");
                    expect('>');
                    return NODES.objectNode().put("type", "map").set("values", nullable(value));
                }
                case "struct":
                    return struct(path);
                default:
                    throw invalid("unknown or unsupported type '" + name + "' (supported: string, char, varchar,"
                            + " tinyint, smallint, int, bigint, float, double, boolean, binary, timestamp, date,"
                            + " decimal, array, map, struct)");
            }
        }

        private JsonNode decimal() {
            int precision = 10;
            int scale = 0;
            if (accept('(')) {
                precision = number();
                if (accept(',')) {
                    scale = number();
                }
                expect(')');
            }
            if (precision < 1 || precision > MAX_DECIMAL_PRECISION || scale < 0 || scale > precision) {
                throw invalid("decimal(" + precision + "," + scale + ") needs precision 1 to "
                        + MAX_DECIMAL_PRECISION + " and scale 0 to precision");
            }
            return NODES.objectNode().put("type", "bytes").put("logicalType", "decimal").put("precision", precision)
                    .put("scale", scale);
        }

        private JsonNode struct(String path) {
            expect('<');
            ObjectNode record = NODES.objectNode();
            record.put("type", "record");
            record.put("name", avroName(path, "struct"));
            ArrayNode fields = record.putArray("fields");
            Set<String> seen = new HashSet<>();
            do {
                skipSpace();
                boolean quoted = accept('`');
                String name = word();
                if (quoted) {
                    expect('`');
                }
                checkField(name, "field '" + name + "' of struct column '" + column + "'", seen);
                expect(':');
                fields.add(field(name, type(path + "_" + name)));
            } while (accept(','));
            expect('>');
            return record;
        }
    }
}
