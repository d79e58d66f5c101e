package dev.sluice.delivery.internal.encode;

import dev.sluice.delivery.DeliveryException;
import dev.sluice.delivery.ErrorCode;
import dev.sluice.delivery.ParquetConversion;
import org.apache.avro.generic.GenericData;
import org.apache.parquet.schema.GroupType;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.Type;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ParquetRowsTest {

    private static final String SCHEMA = """
            {"type":"record","name":"r","fields":[
              {"name":"id","type":"long"},
              {"name":"tags","type":["null",{"type":"array","items":"string"}],"default":null},
              {"name":"where","type":{"type":"record","name":"w","fields":[{"name":"city","type":"string"}]}}]}""";

    @TempDir
    Path dir;

    @Test
    void write_withFieldIds_duckDbSeesTheIdsAndTheRows() throws Exception {
        ParquetRows rows = ParquetRows.of(SCHEMA, true);
        List<GenericData.Record> converted = new ArrayList<>();
        rows.convert("{\"id\":1,\"tags\":[\"a\",\"b\"],\"where\":{\"city\":\"Oslo\"}}".getBytes(StandardCharsets.UTF_8),
                converted);
        rows.convert("{\"ID\":2,\"where\":{\"city\":\"Lima\"}}".getBytes(StandardCharsets.UTF_8), converted);
        int[] next = {1};
        MessageType withIds = new MessageType(rows.messageType().getName(), stamp(rows.messageType(), next));
        ByteBuffer bytes = rows.write(converted, withIds, ParquetConversion.Codec.SNAPPY, 1 << 20, 64 << 10, false);
        Path file = dir.resolve("f.parquet");
        byte[] array = new byte[bytes.remaining()];
        bytes.get(array);
        Files.write(file, array);

        Map<String, Integer> ids = new HashMap<>();
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:"); Statement s = c.createStatement()) {
            try (ResultSet r = s.executeQuery("SELECT name, field_id FROM parquet_schema('" + file + "')")) {
                while (r.next()) {
                    if (r.getObject(2) != null) {
                        ids.put(r.getString(1), r.getInt(2));
                    }
                }
            }
            try (ResultSet r = s.executeQuery("SELECT id, tags, \"where\".city FROM '" + file + "' ORDER BY id")) {
                assertTrue(r.next());
                assertEquals(1, r.getLong(1));
                assertEquals("[a, b]", r.getString(2));
                assertEquals("Oslo", r.getString(3));
                assertTrue(r.next());
                assertEquals(2, r.getLong(1));
                assertEquals(null, r.getObject(2));
                assertEquals("Lima", r.getString(3));
            }
        }
        // Every column, group, list and element carries the id it was given, in schema order.
        assertEquals(Map.of("id", 1, "tags", 2, "element", 3, "where", 4, "city", 5), ids);
    }

    @Test
    void convert_whenRecordDoesNotFit_rejectsItAndAppendsNothing() {
        ParquetRows rows = ParquetRows.of(SCHEMA, false);
        List<GenericData.Record> converted = new ArrayList<>();
        DeliveryException e = assertThrows(DeliveryException.class,
                () -> rows.convert("{\"id\":\"x\"}".getBytes(StandardCharsets.UTF_8), converted));
        assertEquals(ErrorCode.CONVERSION_SCHEMA_MISMATCH, e.errorCode());
        assertEquals(0, converted.size());
    }

    /** Numbers every field depth-first, skipping the repeated {@code list} level that carries no id in Iceberg. */
    private static List<Type> stamp(GroupType group, int[] next) {
        List<Type> out = new ArrayList<>();
        for (Type field : group.getFields()) {
            boolean listLevel = field.isRepetition(Type.Repetition.REPEATED) && !field.isPrimitive();
            Type stamped = listLevel ? field : field.withId(next[0]++);
            if (!field.isPrimitive()) {
                stamped = field.asGroupType().withNewFields(stamp(field.asGroupType(), next));
                if (!listLevel) {
                    stamped = stamped.withId(next[0] - countFields(field.asGroupType()) - 1);
                }
            }
            out.add(stamped);
        }
        return out;
    }

    private static int countFields(GroupType group) {
        int n = 0;
        for (Type field : group.getFields()) {
            boolean listLevel = field.isRepetition(Type.Repetition.REPEATED) && !field.isPrimitive();
            n += (listLevel ? 0 : 1) + (field.isPrimitive() ? 0 : countFields(field.asGroupType()));
        }
        return n;
    }
}
