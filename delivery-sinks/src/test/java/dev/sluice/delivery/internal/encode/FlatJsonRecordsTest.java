package dev.sluice.delivery.internal.encode;

import dev.sluice.delivery.DeliveryException;
import dev.sluice.delivery.ParquetConversion;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.util.Utf8;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The fast path of JSON to Avro against the general (Jackson) path: for every input, {@code convert} (fast path
 * first) gives the same rows, or the same error code and message, as the general path alone; and the fast path is
 * taken for the flat records it is meant for.
 */
class FlatJsonRecordsTest {

    private static final String SCHEMA = """
            {"type":"record","name":"Row","fields":[
              {"name":"s","type":"string"},
              {"name":"i","type":["null","int"],"default":null},
              {"name":"l","type":"long","default":7},
              {"name":"f","type":["null","float"],"default":null},
              {"name":"d","type":["double","null"],"default":1.5},
              {"name":"b","type":["null","boolean"],"default":null},
              {"name":"a_b","type":["null","string"],"default":null},
              {"name":"ts","type":["null",{"type":"long","logicalType":"timestamp-millis"}],"default":null},
              {"name":"nested","type":["null",{"type":"record","name":"N","fields":[{"name":"x","type":"int"}]}],
               "default":null},
              {"name":"opt","type":["null","string"]}
            ]}""";

    private static final List<String> CASES = List.of(
            "{\"s\":\"a\",\"i\":1,\"l\":2,\"f\":1.25,\"d\":2.5,\"b\":true,\"opt\":null}",
            "{\"s\":\"a\"}",
            "{\"s\":\"a\"}{\"s\":\"b\",\"l\":-3}",
            "{\"s\":\"a\"} \n\t\r{\"s\":\"b\"}  ",
            "  {  \"s\" : \"a\" , \"l\" : 9 }  ",
            "{\"l\":5,\"s\":\"out of order\",\"i\":3}",
            "{\"S\":\"case\",\"L\":4}",
            "{\"a.b\":\"dots\",\"s\":\"x\"}",
            "{\"s\":\"x\",\"unknown\":1,\"u2\":\"t\",\"u3\":true,\"u4\":null,\"u5\":-1.5e3}",
            "{\"s\":\"x\",\"unknown\":{\"deep\":[1,2]}}",
            "{\"s\":\"x\",\"unknown\":[1,2]}",
            "{\"s\":\"dup\",\"s\":\"second\"}",
            "{\"s\":\"x\",\"d\":-0}",
            "{\"s\":\"x\",\"d\":-0.0}",
            "{\"s\":\"x\",\"d\":1e308,\"f\":3.4e39}",
            "{\"s\":\"x\",\"d\":12345678901234567890}",
            "{\"s\":\"x\",\"d\":0.1,\"f\":0.1}",
            "{\"s\":\"x\",\"d\":123456789.123456,\"f\":-0.000001}",
            "{\"s\":\"x\",\"d\":9007199254740993.5}",
            "{\"s\":\"x\",\"d\":0.1000000000000000055511151231257827}",
            "{\"s\":\"x\",\"l\":123456789012345678}",
            "{\"s\":\"x\",\"l\":1234567890123456789}",
            "{\"s\":\"x\",\"l\":12345678901234567890}",
            "{\"s\":\"x\",\"i\":2147483648}",
            "{\"s\":\"x\",\"i\":-2147483648}",
            "{\"s\":\"x\",\"i\":\"42\"}",
            "{\"s\":\"x\",\"i\":1.5}",
            "{\"s\":\"x\",\"l\":1e3}",
            "{\"s\":\"x\",\"l\":01}",
            "{\"s\":\"x\",\"l\":-}",
            "{\"s\":\"x\",\"d\":1.}",
            "{\"s\":\"x\",\"d\":.5}",
            "{\"s\":\"x\",\"d\":1e}",
            "{\"s\":\"x\",\"d\":\"2.5\"}",
            "{\"s\":\"x\",\"b\":tru}",
            "{\"s\":\"x\",\"b\":truex}",
            "{\"s\":\"x\",\"b\":1}",
            "{\"s\":\"x\",\"b\":false}",
            "{\"s\":5}",
            "{\"s\":true}",
            "{\"s\":null}",
            "{\"s\":\"esc\\\"aped\\n\"}",
            "{\"s\":\"unicode é ✓ \uD83D\uDE00\"}",
            "{\"s\":\"\\u00e9\"}",
            "{\"s\":\"x\",\"ts\":1767225600000}",
            "{\"s\":\"x\",\"ts\":\"2026-01-01T00:00:00Z\"}",
            "{\"s\":\"x\",\"nested\":{\"x\":1}}",
            "{\"s\":\"x\",\"nested\":null}",
            "{\"s\":\"x\",\"opt\":\"v\"}",
            "{}",
            "{\"i\":1}",
            "",
            "   ",
            "[1,2]",
            "\"text\"",
            "42",
            "{\"s\":\"x\"} trailing",
            "{\"s\":\"x\"}42",
            "{\"s\":\"x\",}",
            "{,\"s\":\"x\"}",
            "{\"s\":\"x\"",
            "{\"s\":\"x",
            "{\"s\" \"x\"}",
            "{'s':'x'}",
            "\uFEFF{\"s\":\"x\"}",
            "{\"s\":\"x\",\"d\":NaN}",
            "{\"s\":\"tab\there\"}",
            "{\"\":1,\"s\":\"x\"}");

    private static final List<String> FAST = List.of(
            "{\"s\":\"a\",\"i\":1,\"l\":2,\"f\":1.25,\"d\":2.5,\"b\":true,\"opt\":null}",
            "{\"s\":\"a\"}{\"s\":\"b\",\"l\":-3}",
            "  {  \"s\" : \"a\" , \"l\" : 9 }  ",
            "{\"S\":\"case\",\"L\":4}",
            "{\"a.b\":\"dots\",\"s\":\"x\"}",
            "{\"s\":\"x\",\"unknown\":1,\"u2\":\"t\",\"u3\":true,\"u4\":null,\"u5\":-1.5e3}",
            "{\"s\":\"x\",\"d\":-0}");

    private static JsonToAvro converter(boolean caseInsensitive, Map<String, String> mappings) {
        return converter(ParquetConversion.of(SCHEMA).withOpenXJsonSerDe(caseInsensitive, mappings, true));
    }

    private static JsonToAvro converter(ParquetConversion conversion) {
        return new JsonToAvro(JsonToAvro.checkSchema(SCHEMA), conversion, true);
    }

    @Test
    void convert_fixedCases_sameRowsOrErrorsAsTheParser() {
        for (JsonToAvro converter : List.of(converter(true, Map.of()), converter(false, Map.of()),
                converter(true, Map.of("l", "s", "opt", "i")),
                converter(ParquetConversion.of(SCHEMA).withHiveJsonSerDe(List.of())))) {
            for (String json : CASES) {
                assertSame(converter, json.getBytes(StandardCharsets.UTF_8));
            }
        }
    }

    @Test
    void convert_flatRecords_takeTheFastPathWithUtf8Strings() {
        JsonToAvro converter = converter(true, Map.of());
        for (String json : FAST) {
            List<GenericData.Record> rows = new ArrayList<>();
            assertTrue(converter.fastPath().read(json.getBytes(StandardCharsets.UTF_8), rows), json);
            assertInstanceOf(Utf8.class, rows.get(0).get("s"), json);
        }
        List<GenericData.Record> rows = new ArrayList<>();
        assertFalse(converter.fastPath().read("{\"s\":\"esc\\\"aped\"}".getBytes(StandardCharsets.UTF_8), rows));
        assertTrue(rows.isEmpty(), "a declined record appends nothing");
    }

    @Test
    void read_intoReusedRows_valuesOfThisRecordOnly() {
        FlatJsonRecords flat = converter(true, Map.of()).fastPath();
        FlatJsonRecords.Rows rows = flat.rows();
        int s = 0;
        int i = 1;
        int l = 2;
        int f = 3;
        int d = 4;
        int b = 5;
        int opt = 9;

        assertTrue(flat.read(utf8("{\"s\":\"a\",\"i\":-2147483648,\"f\":0.5,\"b\":false}{\"s\":\"bc\",\"l\":-3,"
                + "\"d\":-0.25,\"opt\":null}{\"s\":\"d\"}"), rows));
        assertEquals(3, rows.count());
        assertEquals(FlatJsonRecords.Rows.STRING, rows.state(1, s));
        assertEquals("bc", new String(rows.json(), (int) rows.value(1, s), rows.length(1, s), StandardCharsets.UTF_8));
        assertEquals(FlatJsonRecords.Rows.INT, rows.state(0, i));
        assertEquals(Integer.MIN_VALUE, rows.value(0, i));
        assertEquals(0.5f, Float.intBitsToFloat((int) rows.value(0, f)));
        assertEquals(FlatJsonRecords.Rows.BOOLEAN, rows.state(0, b));
        assertEquals(0, rows.value(0, b));
        assertEquals(FlatJsonRecords.Rows.DEFAULT, rows.state(0, l));
        assertEquals(-3, rows.value(1, l));
        assertEquals(-0.25, Double.longBitsToDouble(rows.value(1, d)));
        assertEquals(FlatJsonRecords.Rows.NULL, rows.state(1, opt));
        assertEquals(FlatJsonRecords.Rows.DEFAULT, rows.state(2, d));

        assertTrue(flat.read(utf8("{\"s\":\"e\"}"), rows));
        assertEquals(1, rows.count());
        assertEquals(FlatJsonRecords.Rows.DEFAULT, rows.state(0, i));
        assertEquals(FlatJsonRecords.Rows.NULL, rows.state(0, opt));

        assertFalse(flat.read(utf8("{\"s\":\"ok\"}{\"s\":\"esc\\n\"}"), rows));
        assertEquals(0, rows.count(), "a declined record leaves no rows");
    }

    @Test
    void direct_scalarColumnsAndNullOnlyOthers_writesFlatRowsDirectly() {
        FlatJsonRecords flat = converter(true, Map.of()).fastPath();
        org.apache.parquet.schema.MessageType type = new org.apache.parquet.avro.AvroSchemaConverter(
                new org.apache.parquet.conf.PlainParquetConfiguration()).convert(flat.schema());
        assertTrue(FlatRowsWriteSupport.direct(type, flat));

        String nestedDefault = """
                {"type":"record","name":"R","fields":[{"name":"s","type":"string"},
                  {"name":"n","type":{"type":"record","name":"N","fields":[{"name":"x","type":"int"}]},
                   "default":{"x":1}}]}""";
        FlatJsonRecords other = new JsonToAvro(JsonToAvro.checkSchema(nestedDefault),
                ParquetConversion.of(nestedDefault), true).fastPath();
        assertFalse(other.scalarRows());
        assertFalse(FlatRowsWriteSupport.direct(new org.apache.parquet.avro.AvroSchemaConverter(
                new org.apache.parquet.conf.PlainParquetConfiguration()).convert(other.schema()), other));
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void convert_keyMappedOverAnotherFieldsName_followsTheMapping() {
        // "s" is mapped to column l: the key s must not fill field s by position.
        JsonToAvro converter = converter(true, Map.of("l", "s"));
        assertSame(converter, "{\"s\":5,\"l\":6}".getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void convert_mutatedRecords_sameRowsOrErrorsAsTheParser() {
        JsonToAvro converter = converter(true, Map.of());
        byte[] alphabet = "{}[]\":,. -+0123456789eEtrufalsnxyz\\\t\n".getBytes(StandardCharsets.UTF_8);
        SplittableRandom random = new SplittableRandom(15);
        int fast = 0;
        for (int n = 0; n < 20_000; n++) {
            byte[] json = CASES.get(random.nextInt(CASES.size())).getBytes(StandardCharsets.UTF_8);
            int edits = 1 + random.nextInt(3);
            for (int e = 0; e < edits && json.length > 0; e++) {
                int at = random.nextInt(json.length);
                byte b = alphabet[random.nextInt(alphabet.length)];
                switch (random.nextInt(3)) {
                    case 0 -> json[at] = b;
                    case 1 -> {
                        byte[] shorter = new byte[json.length - 1];
                        System.arraycopy(json, 0, shorter, 0, at);
                        System.arraycopy(json, at + 1, shorter, at, json.length - at - 1);
                        json = shorter;
                    }
                    default -> {
                        byte[] longer = new byte[json.length + 1];
                        System.arraycopy(json, 0, longer, 0, at);
                        longer[at] = b;
                        System.arraycopy(json, at, longer, at + 1, json.length - at);
                        json = longer;
                    }
                }
            }
            if (assertSame(converter, json)) {
                fast++;
            }
        }
        assertTrue(fast > 1_000, "the fast path read only " + fast + " of the mutated records");
    }

    @Test
    void convert_randomDecimals_sameDoublesAsTheParser() {
        JsonToAvro converter = converter(true, Map.of());
        SplittableRandom random = new SplittableRandom(16);
        for (int n = 0; n < 20_000; n++) {
            StringBuilder number = new StringBuilder(random.nextBoolean() ? "-" : "");
            int digits = 1 + random.nextInt(18);
            int point = random.nextInt(digits);
            for (int d = 0; d < digits; d++) {
                number.append(d == 0 && point > 0 ? 1 + random.nextInt(9) : random.nextInt(10));
                if (d == point) {
                    number.append('.');
                }
            }
            if (number.charAt(number.length() - 1) == '.') {
                number.append(random.nextInt(10));
            }
            assertSame(converter, ("{\"s\":\"x\",\"d\":" + number + ",\"f\":" + number + "}")
                    .getBytes(StandardCharsets.UTF_8));
        }
    }

    /** Asserts both paths agree on {@code json}; returns whether the fast path read it. */
    private static boolean assertSame(JsonToAvro converter, byte[] json) {
        String label = new String(json, StandardCharsets.UTF_8);
        String expected = outcome(() -> {
            List<GenericData.Record> rows = new ArrayList<>();
            converter.convertWithParser(json, rows);
            return rows;
        });
        String actual = outcome(() -> {
            List<GenericData.Record> rows = new ArrayList<>();
            converter.convert(json, rows);
            return rows;
        });
        assertEquals(expected, actual, label);
        return converter.fastPath().read(json, new ArrayList<>());
    }

    /** Rows with every value's class and text ({@code Utf8} counted as a string), or the error code and message. */
    private static String outcome(java.util.function.Supplier<List<GenericData.Record>> convert) {
        try {
            StringBuilder out = new StringBuilder();
            for (GenericData.Record row : convert.get()) {
                out.append('{');
                for (Schema.Field field : row.getSchema().getFields()) {
                    Object value = row.get(field.pos());
                    String type = value == null ? "null" : value instanceof Utf8 ? "String"
                            : value.getClass().getSimpleName();
                    String text = value instanceof Double d ? Double.toString(d) + "/" + Double.doubleToRawLongBits(d)
                            : String.valueOf(value);
                    out.append(field.name()).append('=').append(type).append(':').append(text).append(' ');
                }
                out.append('}');
            }
            return out.toString();
        } catch (DeliveryException e) {
            return e.errorCode() + ": " + e.getMessage();
        }
    }
}
