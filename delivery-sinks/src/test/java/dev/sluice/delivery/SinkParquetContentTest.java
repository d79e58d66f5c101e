package dev.sluice.delivery;

import dev.sluice.stream.testing.ManualClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A sink's own Parquet content ({@link Sink#parquetContent()}): layout with field ids, failures handed to it. */
class SinkParquetContentTest {

    private static final String SCHEMA = """
            {"type":"record","name":"e","fields":[
              {"name":"id","type":"long"},
              {"name":"name","type":["null","string"],"default":null},
              {"name":"tags","type":["null",{"type":"array","items":"string"}],"default":null}]}""";

    /** The three-level-list layout of SCHEMA with ids, as an Iceberg table would give them. */
    private static final String LAYOUT = """
            message e {
              required int64 id = 1;
              optional binary name (STRING) = 2;
              optional group tags (LIST) = 3 {
                repeated group list {
                  required binary element (STRING) = 4;
                }
              }
            }""";

    @TempDir
    Path work;

    /** Keeps the objects; stores nothing. */
    private static final class OwnContent implements Sink {
        final List<SinkObject> objects = new CopyOnWriteArrayList<>();
        final String layout;

        OwnContent(String layout) {
            this.layout = layout;
        }

        @Override
        public SinkResult write(SinkObject object) {
            objects.add(object);
            return SinkResult.CREATED;
        }

        @Override
        public boolean storesObjects() {
            return false;
        }

        @Override
        public Optional<ParquetContent> parquetContent() {
            return Optional.of(new ParquetContent(ParquetConversion.of(SCHEMA), Optional.of(layout)));
        }
    }

    private DeliveryStream stream(Sink sink) {
        ManualClock clock = new ManualClock(Instant.parse("2026-03-04T05:06:07Z"));
        return DeliveryStream.builder().name("own").clock(clock).ticker(clock).sink(sink)
                .errorOutputSink(Sink.localBucket(work.resolve("errors")))
                .bufferingHints(new BufferingHints(1 << 20, Duration.ofSeconds(60))).build();
    }

    @Test
    void ownContent_objectsAreParquetWithTheFieldIds_rejectedRecordsGoToTheSinkNotTheErrorOutput()
            throws Exception {
        OwnContent sink = new OwnContent(LAYOUT);
        List<byte[]> records = new ArrayList<>();
        for (int i = 0; i < 3000; i++) {
            records.add(("{\"id\":" + i + ",\"name\":\"n" + i + "\",\"tags\":[\"t" + (i % 3) + "\"]}")
                    .getBytes(StandardCharsets.UTF_8));
        }
        records.set(7, "{\"id\":\"seven\"}".getBytes(StandardCharsets.UTF_8));
        records.set(2999, "{\"id\":".getBytes(StandardCharsets.UTF_8));
        try (DeliveryStream stream = stream(sink)) {
            for (int start = 0; start < records.size(); start += 500) {
                assertEquals(0, stream.putRecordBatch(records.subList(start, start + 500)).failedPutCount());
            }
            stream.flush();
            DeliveryStats stats = stream.stats();
            assertEquals(2998, stats.deliveredRecords());
            assertEquals(2, stats.errorOutputRecords(), "the sink took the rejected records, for its error output");
            assertTrue(stats.reconciles());
        }
        assertEquals(1, sink.objects.size(), "3,000 small records fit one 1 MiB buffer, encoded in parts");
        SinkObject object = sink.objects.get(0);
        assertEquals("application/vnd.apache.parquet", object.contentType());
        assertTrue(!object.key().endsWith(".parquet"), "object names as the stream's own format gives: "
                + object.key());
        assertEquals(2998, object.records().size());
        assertEquals(2, object.conversionFailures().size());
        assertEquals("DataFormatConversion.SchemaMismatch", object.conversionFailures().get(0).errorCode());
        assertEquals("{\"id\":\"seven\"}", StandardCharsets.UTF_8.decode(object.conversionFailures().get(0)
                .record()).toString());
        assertEquals("DataFormatConversion.MalformedData", object.conversionFailures().get(1).errorCode());

        Path file = work.resolve("object.parquet");
        Files.write(file, object.contentBytes());
        try (Connection db = ParquetConversionTest.duckdb(); Statement st = db.createStatement()) {
            Map<String, Integer> ids = new LinkedHashMap<>();
            try (ResultSet rs = st.executeQuery("SELECT name, field_id FROM parquet_schema('" + file + "')")) {
                while (rs.next()) {
                    if (rs.getObject(2) != null) {
                        ids.put(rs.getString(1), rs.getInt(2));
                    }
                }
            }
            assertEquals(Map.of("id", 1, "name", 2, "tags", 3, "element", 4), ids);
            try (ResultSet rs = st.executeQuery("SELECT count(*), count(DISTINCT id), sum(len(tags)),"
                    + " max(name) FROM read_parquet('" + file + "')")) {
                assertTrue(rs.next());
                assertEquals(2998, rs.getLong(1));
                assertEquals(2998, rs.getLong(2));
                assertEquals(2998, rs.getLong(3));
                assertEquals("n999", rs.getString(4));
            }
        }
        assertTrue(!Files.exists(work.resolve("errors")) || Files.walk(work.resolve("errors"))
                .noneMatch(Files::isRegularFile), "no format-conversion-failed output");
    }

    @Test
    void ownContent_layoutNotTheSchemas_buildFailsNamingParquetSchema() {
        DeliveryException e = assertThrows(DeliveryException.class, () -> stream(new OwnContent(
                LAYOUT.replace("optional binary name (STRING) = 2;\n", ""))));
        assertEquals(ErrorCode.INVALID_ARGUMENT, e.errorCode());
        assertTrue(e.getMessage().contains("parquetSchema must be the three-level-list layout"), e.getMessage());
        e = assertThrows(DeliveryException.class, () -> stream(new OwnContent("message {")));
        assertEquals(ErrorCode.INVALID_ARGUMENT, e.errorCode());
        assertTrue(e.getMessage().contains("parquetSchema does not parse"), e.getMessage());
    }
}
