package dev.sluice.delivery;

import dev.sluice.stream.testing.ManualClock;
import org.apache.parquet.format.PageType;
import org.apache.parquet.format.Util;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static dev.sluice.delivery.TestData.files;
import static dev.sluice.delivery.TestData.lines;
import static dev.sluice.delivery.TestData.utf8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The OpenX and Hive JSON deserializer options and the Parquet writer options, read back with DuckDB. */
class ParquetDeserializerOptionsTest {

    private static final String SCHEMA = """
            {"type":"record","name":"Row","fields":[
              {"name":"id","type":["null","long"],"default":null},
              {"name":"ts","type":["null",{"type":"long","logicalType":"timestamp-micros"}],"default":null},
              {"name":"a_b","type":["null","string"],"default":null},
              {"name":"amount","type":["null","double"],"default":null}
            ]}""";

    @TempDir
    Path bucket;

    private final ManualClock time = new ManualClock(Instant.parse("2026-03-04T05:06:07Z"));

    /** Rows as "id|epoch micros|a_b|amount" sorted by id, and the error lines. */
    private record Result(List<String> rows, List<String> errors) {
    }

    private Result convert(ParquetConversion conversion, String... records) throws Exception {
        Path root = Files.createTempDirectory(bucket, "run");
        try (DeliveryStream stream = DeliveryStream.builder().name("opts").clock(time).ticker(time)
                .sink(Sink.localBucket(root)).outputFormat(OutputFormat.parquet(conversion)).build()) {
            List<byte[]> batch = new ArrayList<>();
            for (String r : records) {
                batch.add(utf8(r));
            }
            stream.putRecordBatch(batch);
            stream.flush();
        }
        List<String> rows = new ArrayList<>();
        List<String> errors = new ArrayList<>();
        for (String f : files(root)) {
            if (f.endsWith(".parquet")) {
                try (Connection db = DriverManager.getConnection("jdbc:duckdb:"); Statement st = db.createStatement();
                     ResultSet rs = st.executeQuery("SELECT id, epoch_us(ts), a_b, amount FROM read_parquet('"
                             + root.resolve(f) + "') ORDER BY id")) {
                    while (rs.next()) {
                        rows.add(rs.getObject(1) + "|" + rs.getObject(2) + "|" + rs.getObject(3) + "|"
                                + rs.getObject(4));
                    }
                }
            } else {
                errors.addAll(lines(Files.readAllBytes(root.resolve(f))));
            }
        }
        return new Result(rows, errors);
    }

    @Test
    void openX_caseInsensitiveByDefault_andCaseSensitiveWhenOff() throws Exception {
        ParquetConversion base = ParquetConversion.of(SCHEMA);
        assertEquals(List.of("1|null|x|null"), convert(base, "{\"ID\":1,\"A_B\":\"x\"}").rows());
        assertEquals(List.of("null|null|null|null"), convert(base.withOpenXJsonSerDe(false, Map.of(), false),
                "{\"ID\":1,\"A_B\":\"x\"}").rows());
    }

    @Test
    void openX_columnToJsonKeyMappings_fillsTheColumnFromTheMappedKey() throws Exception {
        ParquetConversion mapped = ParquetConversion.of(SCHEMA).withOpenXJsonSerDe(true,
                Map.of("ts", "timestamp", "a_b", "Label"), false);
        assertEquals(List.of("1|1518033528000000|lbl|null"), convert(mapped,
                "{\"id\":1,\"timestamp\":1518033528,\"label\":\"lbl\"}").rows());
    }

    @Test
    void openX_convertDotsInJsonKeysToUnderscores_readsDottedKeysIntoUnderscoreColumns() throws Exception {
        String record = "{\"id\":1,\"a.b\":\"dotted\"}";
        assertEquals(List.of("1|null|null|null"), convert(ParquetConversion.of(SCHEMA), record).rows());
        assertEquals(List.of("1|null|dotted|null"), convert(ParquetConversion.of(SCHEMA)
                .withOpenXJsonSerDe(true, Map.of(), true), record).rows());
    }

    @Test
    void openX_timestamps_readIsoSpaceSeparatedEpochSecondsMillisAndFractionalSeconds() throws Exception {
        Result result = convert(ParquetConversion.of(SCHEMA),
                "{\"id\":1,\"ts\":\"2017-02-07T15:13:01.39256Z\"}",
                "{\"id\":2,\"ts\":\"2017-02-07 15:13:01.14\"}",
                "{\"id\":3,\"ts\":1518033528}",
                "{\"id\":4,\"ts\":1518033528123}",
                "{\"id\":5,\"ts\":1518033528.123}",
                "{\"id\":6,\"ts\":\"2017-02-07T16:13:01+01:00\"}",
                "{\"id\":7,\"ts\":\"yesterday\"}");
        assertEquals(List.of("1|1486480381392560|null|null", "2|1486480381140000|null|null",
                "3|1518033528000000|null|null", "4|1518033528123000|null|null", "5|1518033528123000|null|null",
                "6|1486480381000000|null|null"), result.rows());
        assertEquals(1, result.errors().size());
        assertTrue(result.errors().get(0).contains("field 'ts' is 'yesterday'"), result.errors().toString());
    }

    @Test
    void openX_acceptsNumbersAsStrings_hiveRefusesThem() throws Exception {
        String record = "{\"id\":\"42\",\"amount\":\"1.5\"}";
        assertEquals(List.of("42|null|null|1.5"), convert(ParquetConversion.of(SCHEMA), record).rows());
        Result hive = convert(ParquetConversion.of(SCHEMA).withHiveJsonSerDe(List.of()), record);
        assertEquals(List.of(), hive.rows());
        assertEquals(1, hive.errors().size());
        assertTrue(hive.errors().get(0).contains("DataFormatConversion.SchemaMismatch"), hive.errors().toString());
    }

    @Test
    void hive_withoutFormats_readsSqlTimestampsOnly() throws Exception {
        Result result = convert(ParquetConversion.of(SCHEMA).withHiveJsonSerDe(List.of()),
                "{\"id\":1,\"ts\":\"2017-02-07 15:13:01.5\"}",
                "{\"id\":2,\"ts\":\"2017-02-07T15:13:01Z\"}",
                "{\"id\":3,\"ts\":1518033528123}");
        assertEquals(List.of("1|1486480381500000|null|null"), result.rows());
        assertEquals(2, result.errors().size());
    }

    @Test
    void hive_timestampFormats_triesJodaPatternsInOrderAndMillis() throws Exception {
        Result result = convert(ParquetConversion.of(SCHEMA).withHiveJsonSerDe(List.of("dd/MM/yyyy HH:mm:ss",
                        "yyyy-MM-dd'T'HH:mm:ss.SSSZZ", "millis")),
                "{\"id\":1,\"ts\":\"07/02/2017 15:13:01\"}",
                "{\"id\":2,\"ts\":\"2017-02-07T16:13:01.250+01:00\"}",
                "{\"id\":3,\"ts\":1518033528123}",
                "{\"id\":4,\"ts\":\"1518033528123\"}",
                "{\"id\":5,\"ts\":\"2017-02-07 15:13:01\"}");
        assertEquals(List.of("1|1486480381000000|null|null", "2|1486480381250000|null|null",
                "3|1518033528123000|null|null", "4|1518033528123000|null|null"), result.rows());
        assertEquals(1, result.errors().size());
    }

    @Test
    void options_invalidCombinationsAndPatterns_failAtConfigurationNamingTheOption() {
        ParquetConversion base = ParquetConversion.of(SCHEMA);
        DeliveryException pattern = assertThrows(DeliveryException.class,
                () -> base.withHiveJsonSerDe(List.of("yyyy-MM-dd {{")));
        assertTrue(pattern.getMessage().contains("yyyy-MM-dd {{"), pattern.getMessage());
        assertThrows(DeliveryException.class, () -> base.withHiveJsonSerDe(List.of("CC yyyy")));
        DeliveryException formats = assertThrows(DeliveryException.class, () -> new ParquetConversion(SCHEMA,
                ParquetConversion.Codec.SNAPPY, ParquetConversion.DEFAULT_BLOCK_SIZE_BYTES,
                ParquetConversion.DEFAULT_PAGE_SIZE_BYTES, false, true, ParquetConversion.JsonDeserializer.OPENX,
                Map.of(), false, List.of("millis"), 0, ParquetConversion.WriterVersion.V1));
        assertTrue(formats.getMessage().contains("timestampFormats"), formats.getMessage());
        DeliveryException padding = assertThrows(DeliveryException.class, () -> base.withMaxPaddingBytes(-1));
        assertTrue(padding.getMessage().contains("maxPaddingBytes"), padding.getMessage());
        assertThrows(DeliveryException.class, () -> base.withHiveJsonSerDe(List.of()).withCaseInsensitive(false));
    }

    @Test
    void writerVersion_v2_writesDataPageV2AndV1WritesV1_bothReadableByDuckDb() throws Exception {
        for (ParquetConversion.WriterVersion version : ParquetConversion.WriterVersion.values()) {
            Path root = Files.createTempDirectory(bucket, version.name());
            try (DeliveryStream stream = DeliveryStream.builder().name("v").clock(time).ticker(time)
                    .sink(Sink.localBucket(root)).outputFormat(OutputFormat.parquet(ParquetConversion.of(SCHEMA)
                            .withWriterVersion(version).withMaxPaddingBytes(8 << 20)
                            .withCompression(ParquetConversion.Codec.UNCOMPRESSED))).build()) {
                for (int i = 0; i < 100; i++) {
                    stream.putRecord(utf8("{\"id\":" + i + ",\"a_b\":\"s" + i + "\"}"));
                }
                stream.flush();
            }
            Path file = root.resolve(files(root).get(0));
            // Dictionary encoding is off, so the first column chunk starts right after the magic with a data page.
            try (InputStream in = Files.newInputStream(file)) {
                assertEquals(4, in.skip(4));
                PageType expected = version == ParquetConversion.WriterVersion.V2 ? PageType.DATA_PAGE_V2
                        : PageType.DATA_PAGE;
                assertEquals(expected, Util.readPageHeader(in).getType(), version.name());
            }
            try (Connection db = DriverManager.getConnection("jdbc:duckdb:"); Statement st = db.createStatement();
                 ResultSet rs = st.executeQuery("SELECT count(*), sum(id), max(a_b) FROM read_parquet('" + file
                         + "')")) {
                ResultSetMetaData meta = rs.getMetaData();
                assertEquals(3, meta.getColumnCount());
                rs.next();
                assertEquals(100, rs.getLong(1));
                assertEquals(4950, rs.getLong(2));
                assertEquals("s99", rs.getString(3));
            }
        }
    }
}
