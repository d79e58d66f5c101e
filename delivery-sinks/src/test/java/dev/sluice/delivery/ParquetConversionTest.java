package dev.sluice.delivery;

import dev.sluice.stream.testing.ManualClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static dev.sluice.delivery.TestData.files;
import static dev.sluice.delivery.TestData.lines;
import static dev.sluice.delivery.TestData.rawData;
import static dev.sluice.delivery.TestData.utf8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Parquet conversion, read back by an independent reader (DuckDB). */
class ParquetConversionTest {

    static final String SCHEMA = """
            {"type":"record","name":"Click","fields":[
              {"name":"id","type":"long"},
              {"name":"user","type":"string"},
              {"name":"amount","type":["null","double"],"default":null},
              {"name":"ts","type":{"type":"long","logicalType":"timestamp-millis"}},
              {"name":"tags","type":["null",{"type":"array","items":"string"}],"default":null},
              {"name":"geo","type":["null",{"type":"record","name":"Geo","fields":[
                 {"name":"country","type":"string"},{"name":"city","type":["null","string"],"default":null}]}],
               "default":null}
            ]}""";

    @TempDir
    Path bucket;

    private final ManualClock time = new ManualClock(Instant.parse("2026-03-04T05:06:07Z"));

    private DeliveryStream.Builder builder(ParquetConversion conversion) {
        return DeliveryStream.builder().name("clicks").clock(time).ticker(time).sink(Sink.localBucket(bucket))
                .outputFormat(OutputFormat.parquet(conversion)).prefix("parquet/");
    }

    static Connection duckdb() throws SQLException {
        return DriverManager.getConnection("jdbc:duckdb:");
    }

    @Test
    void parquet_withMismatches_keepsGoodRowsAndSendsBadRecordsToFormatConversionFailed() throws Exception {
        List<byte[]> input = List.of(
                utf8("{\"id\":1,\"user\":\"ann\",\"amount\":9.5,\"ts\":1772600767000,\"tags\":[\"a\",\"b\"],"
                        + "\"geo\":{\"country\":\"FR\",\"city\":\"Lyon\"},\"unknown\":\"dropped\"}"),
                utf8("{\"ID\":2,\"User\":\"bob\",\"ts\":\"2026-03-04T05:06:07.500Z\"}"),
                utf8("{\"id\":\"three\",\"user\":\"cat\",\"ts\":0}"),
                utf8("{\"id\":4,\"user\":\"dan\"}"),
                utf8("{not json"),
                utf8("{\"id\":6,\"user\":\"eve\",\"ts\":5}{\"id\":7,\"user\":\"fay\",\"ts\":6}"));
        try (DeliveryStream stream = builder(ParquetConversion.of(SCHEMA)).build()) {
            stream.putRecordBatch(input);
            stream.flush();
            DeliveryStats stats = stream.stats();
            assertEquals(6, stats.incomingRecords());
            assertEquals(3, stats.deliveredRecords());
            assertEquals(3, stats.errorOutputRecords());
            assertTrue(stats.reconciles());
        }
        List<String> parquet = files(bucket).stream().filter(f -> f.startsWith("parquet/")).toList();
        assertEquals(1, parquet.size());
        assertTrue(parquet.get(0).matches("parquet/2026/03/04/05/clicks-1-2026-03-04-05-06-07-[0-9a-f-]{36}\\.parquet"),
                parquet.get(0));
        try (Connection db = duckdb(); Statement st = db.createStatement();
             ResultSet rs = st.executeQuery("SELECT id, \"user\", amount, epoch_ms(ts), tags, geo.country, geo.city"
                     + " FROM read_parquet('" + bucket.resolve(parquet.get(0)) + "') ORDER BY id")) {
            assertTrue(rs.next());
            assertEquals(1, rs.getLong(1));
            assertEquals("ann", rs.getString(2));
            assertEquals(9.5, rs.getDouble(3));
            assertEquals(1772600767000L, rs.getLong(4));
            assertEquals("[a, b]", rs.getString(5));
            assertEquals("FR", rs.getString(6));
            assertEquals("Lyon", rs.getString(7));
            assertTrue(rs.next());
            assertEquals(2, rs.getLong(1));
            assertEquals("bob", rs.getString(2));
            assertNull(rs.getObject(3));
            assertEquals(1772600767500L, rs.getLong(4));
            assertNull(rs.getObject(5));
            assertNull(rs.getObject(6));
            assertTrue(rs.next());
            assertEquals(6, rs.getLong(1));
            assertTrue(rs.next());
            assertEquals(7, rs.getLong(1));
            assertTrue(!rs.next());
        }
        List<String> errors = new ArrayList<>();
        for (String f : files(bucket)) {
            if (f.startsWith("format-conversion-failed/2026/03/04/05/")) {
                errors.addAll(lines(Files.readAllBytes(bucket.resolve(f))));
            }
        }
        assertEquals(3, errors.size());
        assertTrue(errors.stream().anyMatch(l -> l.contains("\"lastErrorCode\":\"DataFormatConversion.SchemaMismatch\"")
                && l.contains("field 'id' must be an integer but is a string")), errors.toString());
        assertTrue(errors.stream().anyMatch(l -> l.contains("field 'ts' is missing")), errors.toString());
        assertTrue(errors.stream().anyMatch(l -> l.contains("DataFormatConversion.MalformedData")
                && rawData(l).equals("{not json")), errors.toString());
    }

    @Test
    void parquet_eachCodec_isReadableByDuckDbWithThatCodec() throws Exception {
        for (ParquetConversion.Codec codec : ParquetConversion.Codec.values()) {
            Path root = bucket.resolve(codec.name());
            try (DeliveryStream stream = DeliveryStream.builder().name("c").clock(time).ticker(time)
                    .sink(Sink.localBucket(root)).outputFormat(OutputFormat.parquet(ParquetConversion.of(SCHEMA)
                            .withCompression(codec).withDictionary(codec == ParquetConversion.Codec.ZSTD)
                            .withPageSizeBytes(64 * 1024).withBlockSizeBytes(256 * 1024)))
                    .build()) {
                List<byte[]> batch = new ArrayList<>();
                for (int i = 0; i < 500; i++) {
                    batch.add(utf8("{\"id\":" + i + ",\"user\":\"u" + (i % 7) + "\",\"amount\":" + i
                            + ".25,\"ts\":" + (1_700_000_000_000L + i) + "}"));
                }
                stream.putRecordBatch(batch);
                stream.flush();
            }
            String file = root.resolve(files(root).get(0)).toString();
            try (Connection db = duckdb(); Statement st = db.createStatement()) {
                try (ResultSet rs = st.executeQuery("SELECT count(*), sum(id), sum(amount), count(DISTINCT \"user\")"
                        + " FROM read_parquet('" + file + "')")) {
                    rs.next();
                    assertEquals(500, rs.getLong(1), codec.name());
                    assertEquals(124_750, rs.getLong(2));
                    assertEquals(124_750 + 125.0, rs.getDouble(3), 1e-9);
                    assertEquals(7, rs.getLong(4));
                }
                try (ResultSet rs = st.executeQuery("SELECT DISTINCT compression FROM parquet_metadata('" + file
                        + "')")) {
                    rs.next();
                    assertEquals(codec.name(), rs.getString(1));
                }
            }
        }
    }

    @Test
    void jsonLinesGzip_isReadableByDuckDb() throws Exception {
        try (DeliveryStream stream = DeliveryStream.builder().name("j").clock(time).ticker(time)
                .sink(Sink.localBucket(bucket)).outputFormat(OutputFormat.jsonLines()).compression(Compression.GZIP)
                .build()) {
            for (int i = 0; i < 3; i++) {
                stream.putRecord(utf8("{\"n\":" + i + ",\"s\":\"v" + i + "\"}"));
            }
            stream.flush();
        }
        String file = bucket.resolve(files(bucket).get(0)).toString();
        assertTrue(file.endsWith(".gz"));
        try (Connection db = duckdb(); Statement st = db.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*), sum(n), string_agg(s, ',' ORDER BY n) FROM read_json('"
                     + file + "', format='newline_delimited')")) {
            rs.next();
            assertEquals(3, rs.getLong(1));
            assertEquals(3, rs.getLong(2));
            assertEquals("v0,v1,v2", rs.getString(3));
        }
    }

    @Test
    void parquetConversion_invalidSchema_failsAtConfiguration() {
        DeliveryException e = assertThrows(DeliveryException.class, () -> ParquetConversion.of("{\"type\":\"string\"}"));
        assertEquals("parquet schema must be an Avro record but was STRING", e.getMessage());
        assertThrows(DeliveryException.class, () -> ParquetConversion.of("not a schema"));
        assertThrows(DeliveryException.class, () -> ParquetConversion.of(SCHEMA).withPageSizeBytes(1));
    }

    @Test
    void parquet_onePoisonRecordInBatch_neverFailsTheBatch() {
        try (DeliveryStream stream = builder(ParquetConversion.of(SCHEMA)).bufferingHints(
                new BufferingHints(1 << 20, Duration.ofSeconds(1))).build()) {
            List<byte[]> batch = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                batch.add(utf8(i == 50 ? "[1,2]" : "{\"id\":" + i + ",\"user\":\"x\",\"ts\":1}"));
            }
            stream.putRecordBatch(batch);
            stream.flush();
            assertEquals(99, stream.stats().deliveredRecords());
            assertEquals(1, stream.stats().errorOutputRecords());
        }
    }

    @Test
    void parquet_bufferLargeEnoughToEncodeWhileFilling_deliversEveryRowOnceAndBadRecordsToErrorOutput()
            throws Exception {
        int records = 5_300;
        long expectedSum = 0;
        int bad = 0;
        try (DeliveryStream stream = builder(ParquetConversion.of(SCHEMA)).deliveryThreads(2).bufferingHints(
                new BufferingHints(BufferingHints.MAX_SIZE_BYTES, Duration.ofSeconds(60))).build()) {
            for (int from = 0; from < records; from += 500) {
                List<byte[]> batch = new ArrayList<>();
                for (int i = from; i < Math.min(records, from + 500); i++) {
                    if (i % 1_000 == 999) {
                        batch.add(utf8("{\"id\":" + i + ",\"user\":[1]}"));
                        bad++;
                    } else {
                        batch.add(utf8("{\"id\":" + i + ",\"user\":\"u" + (i % 37) + "\",\"ts\":" + i + "}"));
                        expectedSum += i;
                    }
                }
                stream.putRecordBatch(batch);
            }
            stream.flush();
            DeliveryStats stats = stream.stats();
            assertEquals(records - bad, stats.deliveredRecords());
            assertEquals(bad, stats.errorOutputRecords());
            assertEquals(1, stats.deliveredObjects());
            assertTrue(stats.reconciles());
        }
        List<String> parquet = files(bucket).stream().filter(f -> f.startsWith("parquet/")).toList();
        assertEquals(1, parquet.size());
        try (Connection db = duckdb(); Statement st = db.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*), count(DISTINCT id), sum(id), max(id)"
                     + " FROM read_parquet('" + bucket.resolve(parquet.get(0)) + "')")) {
            assertTrue(rs.next());
            assertEquals(records - bad, rs.getLong(1));
            assertEquals(records - bad, rs.getLong(2));
            assertEquals(expectedSum, rs.getLong(3));
            assertEquals(records - 1, rs.getLong(4));
        }
        long errors = 0;
        for (String f : files(bucket)) {
            if (f.startsWith("format-conversion-failed/")) {
                errors += lines(Files.readAllBytes(bucket.resolve(f))).size();
            }
        }
        assertEquals(bad, errors);
    }
}
