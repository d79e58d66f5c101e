package dev.sluice.iceberg.internal;

import dev.sluice.delivery.ParquetConversion;
import dev.sluice.delivery.internal.encode.ParquetRows;
import org.apache.avro.generic.GenericData;
import org.apache.iceberg.Metrics;
import org.apache.iceberg.Schema;
import org.apache.parquet.schema.MessageType;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ColumnMetricsTest {

    private static final String SCHEMA = """
            {"type":"record","name":"r","fields":[
              {"name":"s","type":"string"},
              {"name":"d","type":"double"},
              {"name":"n","type":["null","long"],"default":null},
              {"name":"i","type":"int"},
              {"name":"b","type":"boolean"}]}""";

    private final ParquetRows rows = ParquetRows.of(SCHEMA, false);
    private final Schema table = TableSchemas.toIceberg(rows.avroSchema());
    private final MessageType fileSchema = TableSchemas.withFieldIds(rows.messageType(), table);

    private ByteBuffer file(int count, int rowGroupBytes) throws java.io.IOException {
        List<GenericData.Record> batch = new ArrayList<>();
        for (int k = 0; k < count; k++) {
            GenericData.Record r = new GenericData.Record(rows.avroSchema());
            r.put("s", (k % 2 == 0 ? "aaaaaaaaaaaaaaaaaaaa-" : "zzzzzzzzzzzzzzzzzzzz-") + k);
            r.put("d", k == 3 ? Double.NaN : k * 1.5);
            r.put("n", null);
            r.put("i", k - 50);
            r.put("b", k % 3 == 0);
            batch.add(r);
        }
        return rows.write(batch, fileSchema, ParquetConversion.Codec.SNAPPY, rowGroupBytes, 64 << 10, false);
    }

    private int id(String column) {
        return table.findField(column).fieldId();
    }

    @Test
    void of_longStringsNullsAndDoubles_truncatedBoundsCountsAndNoDoubleBounds() throws Exception {
        Metrics metrics = ColumnMetrics.of(file(100, 1 << 20), fileSchema, table, 100);
        assertEquals(100L, metrics.recordCount());
        assertEquals("aaaaaaaaaaaaaaaa", utf8(metrics.lowerBounds().get(id("s"))), "min truncated to 16");
        assertEquals("zzzzzzzzzzzzzzz{", utf8(metrics.upperBounds().get(id("s"))),
                "max truncated to 16 and rounded up past every value with that prefix");
        assertFalse(metrics.lowerBounds().containsKey(id("d")), "no bounds for doubles (NaN)");
        assertEquals(100L, metrics.valueCounts().get(id("d")));
        assertEquals(100L, metrics.nullValueCounts().get(id("n")));
        assertFalse(metrics.lowerBounds().containsKey(id("n")), "all null: no bounds");
        assertEquals(-50, le(metrics.lowerBounds().get(id("i"))).getInt());
        assertEquals(49, le(metrics.upperBounds().get(id("i"))).getInt());
        assertEquals(0, metrics.lowerBounds().get(id("b")).get(0));
        assertEquals(1, metrics.upperBounds().get(id("b")).get(0));
        assertEquals(0L, metrics.nullValueCounts().get(id("i")));
    }

    @Test
    void of_severalRowGroups_boundsAndCountsOverAllOfThem() throws Exception {
        ByteBuffer file = file(20_000, (int) ParquetConversion.MIN_BLOCK_SIZE_BYTES);
        assertTrue(ColumnMetrics.footer(file).getRow_groups().size() > 1, "several row groups");
        Metrics metrics = ColumnMetrics.of(file, fileSchema, table, 20_000);
        assertEquals(20_000L, metrics.valueCounts().get(id("i")));
        assertEquals(-50, le(metrics.lowerBounds().get(id("i"))).getInt());
        assertEquals(19_949, le(metrics.upperBounds().get(id("i"))).getInt());
    }

    @Test
    void of_notParquet_ioException() {
        assertThrows(java.io.IOException.class, () -> ColumnMetrics.of(ByteBuffer.wrap(new byte[]{1, 2, 3}),
                fileSchema, table, 0));
    }

    private static ByteBuffer le(ByteBuffer b) {
        return b.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    }

    private static String utf8(ByteBuffer b) {
        return StandardCharsets.UTF_8.decode(b.duplicate()).toString();
    }
}
