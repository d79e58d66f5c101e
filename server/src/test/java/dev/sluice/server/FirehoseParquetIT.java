package dev.sluice.server;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.firehose.FirehoseClient;
import software.amazon.awssdk.services.firehose.model.CompressionFormat;
import software.amazon.awssdk.services.firehose.model.DataFormatConversionConfiguration;
import software.amazon.awssdk.services.firehose.model.Deserializer;
import software.amazon.awssdk.services.firehose.model.ExtendedS3DestinationDescription;
import software.amazon.awssdk.services.firehose.model.InvalidArgumentException;
import software.amazon.awssdk.services.firehose.model.ParquetCompression;
import software.amazon.awssdk.services.firehose.model.ParquetSerDe;
import software.amazon.awssdk.services.firehose.model.ParquetWriterVersion;
import software.amazon.awssdk.services.firehose.model.Record;
import software.amazon.awssdk.services.glue.GlueClient;
import software.amazon.awssdk.services.glue.model.TableInput;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * DataFormatConversionConfiguration on the wire: a Glue table made with the SDK's {@link GlueClient}, a delivery
 * stream converting JSON to Parquet made with {@link FirehoseClient}, and the objects read back with DuckDB.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FirehoseParquetIT {

    private SluiceServer server;
    private FirehoseClient firehose;
    private GlueClient glue;

    @BeforeAll
    void start() {
        server = SluiceServer.builder().port(0).build().start();
        firehose = Clients.firehose(server.endpoint());
        glue = GlueCatalogIT.glue(server.endpoint());
        glue.createDatabase(b -> b.databaseInput(d -> d.name("events")));
        glue.createTable(b -> b.databaseName("events").tableInput(GlueCatalogIT.table("all_types",
                "s", "string", "i", "int", "b", "bigint", "d", "double", "f", "float", "flag", "boolean",
                "ts", "timestamp", "day", "date", "amount", "decimal(10,2)", "tags", "array<string>",
                "attrs", "map<string,int>", "geo", "struct<country:string,pos:struct<lat:double,lon:double>>",
                "items", "array<struct<k:string,v:bigint>>", "v", "varchar(20)", "small", "smallint")));
    }

    @AfterAll
    void stop() {
        glue.close();
        firehose.close();
        server.close();
    }

    private static DataFormatConversionConfiguration conversion(String table, Deserializer deserializer,
                                                                ParquetSerDe parquet) {
        return DataFormatConversionConfiguration.builder().enabled(true)
                .schemaConfiguration(s -> s.databaseName("events").tableName(table)
                        .roleARN("arn:aws:iam::000000000000:role/firehose"))
                .inputFormatConfiguration(i -> i.deserializer(deserializer))
                .outputFormatConfiguration(o -> o.serializer(s -> s.parquetSerDe(parquet))).build();
    }

    private static Deserializer openX() {
        return Deserializer.builder().openXJsonSerDe(o -> { }).build();
    }

    private void createStream(String name, String bucket, DataFormatConversionConfiguration conversion) {
        firehose.createDeliveryStream(b -> b.deliveryStreamName(name)
                .extendedS3DestinationConfiguration(d -> d.bucketARN("arn:aws:s3:::" + bucket)
                        .roleARN("arn:aws:iam::000000000000:role/firehose")
                        .prefix("data/").errorOutputPrefix("errors/!{firehose:error-output-type}/")
                        .bufferingHints(h -> h.sizeInMBs(64).intervalInSeconds(0))
                        .dataFormatConversionConfiguration(conversion)));
    }

    private void put(String stream, String... json) {
        List<Record> records = new ArrayList<>();
        for (String j : json) {
            records.add(Record.builder().data(SdkBytes.fromUtf8String(j)).build());
        }
        assertEquals(0, firehose.putRecordBatch(b -> b.deliveryStreamName(stream).records(records)).failedPutCount());
    }

    private static List<Path> files(Path bucket, String prefix, String suffix) {
        if (!Files.isDirectory(bucket)) {
            return List.of();
        }
        try (Stream<Path> walk = Files.walk(bucket)) {
            return walk.filter(Files::isRegularFile).filter(p -> !p.getFileName().toString().startsWith("."))
                    .filter(p -> bucket.relativize(p).toString().startsWith(prefix))
                    .filter(p -> p.toString().endsWith(suffix)).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<String> errorLines(Path bucket) {
        List<String> lines = new ArrayList<>();
        for (Path f : files(bucket, "errors/", "")) {
            try {
                lines.addAll(Files.readString(f, StandardCharsets.UTF_8).lines().toList());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return lines;
    }

    private static List<List<Object>> query(String sql) throws SQLException {
        List<List<Object>> rows = new ArrayList<>();
        try (Connection db = DriverManager.getConnection("jdbc:duckdb:"); Statement st = db.createStatement();
             ResultSet rs = st.executeQuery(sql)) {
            int n = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                List<Object> row = new ArrayList<>();
                for (int i = 1; i <= n; i++) {
                    Object value = rs.getObject(i);
                    row.add(value == null ? null : value.toString());
                }
                rows.add(row);
            }
        }
        return rows;
    }

    private static Map<String, String> columnTypes(Path parquet) throws SQLException {
        Map<String, String> types = new LinkedHashMap<>();
        for (List<Object> row : query("DESCRIBE SELECT * FROM read_parquet('" + parquet + "')")) {
            types.put((String) row.get(0), (String) row.get(1));
        }
        return types;
    }

    private static long rows(List<Path> files) throws SQLException {
        if (files.isEmpty()) {
            return 0;
        }
        String list = files.stream().map(p -> "'" + p + "'").collect(Collectors.joining(","));
        return Long.parseLong((String) query("SELECT count(*) FROM read_parquet([" + list + "])").get(0).get(0));
    }

    @Test
    void everyHiveType_isWrittenAsTheMatchingParquetType_andMismatchesGoToFormatConversionFailed() throws Exception {
        createStream("typed", "typed-bucket", conversion("all_types", openX(), ParquetSerDe.builder().build()));
        put("typed",
                "{\"s\":\"hello\",\"i\":7,\"b\":9000000000,\"d\":2.5,\"f\":1.25,\"flag\":true,"
                        + "\"ts\":\"2026-03-04T05:06:07.123Z\",\"day\":\"2026-03-04\",\"amount\":\"12.34\","
                        + "\"tags\":[\"a\",\"b\"],\"attrs\":{\"x\":1,\"y\":2},"
                        + "\"geo\":{\"country\":\"FR\",\"pos\":{\"lat\":45.75,\"lon\":4.85}},"
                        + "\"items\":[{\"k\":\"p\",\"v\":3}],\"v\":\"short\",\"small\":12,\"unknown\":\"dropped\"}",
                "{\"S\":\"only-s\",\"ts\":1518033528}",
                "{\"s\":\"bad\",\"i\":\"not a number\"}",
                "not json");
        Path bucket = server.bucketDirectory("typed-bucket");
        await().atMost(Duration.ofSeconds(30)).until(() -> rows(files(bucket, "data/", ".parquet")) == 2
                && errorLines(bucket).size() == 2);
        Path parquet = files(bucket, "data/", ".parquet").get(0);
        Map<String, String> types = columnTypes(parquet);
        assertEquals(List.of("s", "i", "b", "d", "f", "flag", "ts", "day", "amount", "tags", "attrs", "geo", "items",
                "v", "small"), new ArrayList<>(types.keySet()));
        assertEquals("VARCHAR", types.get("s"));
        assertEquals("INTEGER", types.get("i"));
        assertEquals("BIGINT", types.get("b"));
        assertEquals("DOUBLE", types.get("d"));
        assertEquals("FLOAT", types.get("f"));
        assertEquals("BOOLEAN", types.get("flag"));
        assertTrue(types.get("ts").startsWith("TIMESTAMP"), types.get("ts"));
        assertEquals("DATE", types.get("day"));
        assertEquals("DECIMAL(10,2)", types.get("amount"));
        assertEquals("VARCHAR[]", types.get("tags"));
        assertEquals("MAP(VARCHAR, INTEGER)", types.get("attrs"));
        assertEquals("STRUCT(country VARCHAR, pos STRUCT(lat DOUBLE, lon DOUBLE))", types.get("geo"));
        assertEquals("STRUCT(k VARCHAR, v BIGINT)[]", types.get("items"));
        assertEquals("VARCHAR", types.get("v"));
        assertEquals("INTEGER", types.get("small"));

        List<List<Object>> rows = query("SELECT s, i, b, d, f, flag, epoch_ms(ts), day, amount, tags, attrs['y'],"
                + " geo.country, geo.pos.lat, items[1].v, v, small FROM read_parquet('" + parquet + "') ORDER BY s");
        assertEquals(List.of(
                List.of("hello", "7", "9000000000", "2.5", "1.25", "true", "1772600767123", "2026-03-04", "12.34",
                        "[a, b]", "2", "FR", "45.75", "3", "short", "12"),
                java.util.Arrays.asList("only-s", null, null, null, null, null, "1518033528000", null, null, null,
                        null, null, null, null, null, null)), rows);
        List<String> errors = errorLines(bucket);
        assertTrue(files(bucket, "errors/format-conversion-failed/", "").size() >= 1);
        assertTrue(errors.stream().anyMatch(l -> l.contains("DataFormatConversion.SchemaMismatch")
                && l.contains("field 'i'")), errors.toString());
        assertTrue(errors.stream().anyMatch(l -> l.contains("DataFormatConversion.MalformedData")), errors.toString());

        ExtendedS3DestinationDescription x = firehose.describeDeliveryStream(b -> b.deliveryStreamName("typed"))
                .deliveryStreamDescription().destinations().get(0).extendedS3DestinationDescription();
        assertTrue(x.dataFormatConversionConfiguration().enabled());
        assertEquals("LATEST", x.dataFormatConversionConfiguration().schemaConfiguration().versionId());
        assertEquals("000000000000", x.dataFormatConversionConfiguration().schemaConfiguration().catalogId());
        assertEquals("us-east-1", x.dataFormatConversionConfiguration().schemaConfiguration().region());
        assertEquals(64, x.bufferingHints().sizeInMBs());
        firehose.deleteDeliveryStream(b -> b.deliveryStreamName("typed"));
    }

    @Test
    void updateTable_addingAColumn_appliesToObjectsCreatedAfterwards() throws Exception {
        glue.createTable(b -> b.databaseName("events").tableInput(GlueCatalogIT.table("evolving", "id", "bigint")));
        createStream("evolving", "evolving-bucket", conversion("evolving", openX(), ParquetSerDe.builder().build()));
        Path bucket = server.bucketDirectory("evolving-bucket");
        put("evolving", "{\"id\":1,\"extra\":\"before\"}");
        await().atMost(Duration.ofSeconds(30)).until(() -> files(bucket, "data/", ".parquet").size() == 1);
        Path first = files(bucket, "data/", ".parquet").get(0);

        TableInput evolved = GlueCatalogIT.table("evolving", "id", "bigint", "extra", "string");
        glue.updateTable(b -> b.databaseName("events").tableInput(evolved));
        put("evolving", "{\"id\":2,\"extra\":\"after\"}");
        await().atMost(Duration.ofSeconds(30)).until(() -> files(bucket, "data/", ".parquet").size() == 2);
        Path second = files(bucket, "data/", ".parquet").stream().filter(p -> !p.equals(first)).findFirst()
                .orElseThrow();
        assertEquals(List.of("id"), new ArrayList<>(columnTypes(first).keySet()));
        assertEquals(List.of("id", "extra"), new ArrayList<>(columnTypes(second).keySet()));
        assertEquals(List.of(List.of("2", "after")), query("SELECT id, extra FROM read_parquet('" + second + "')"));
        // The delivery stream's own version is unchanged: the table changed, not the stream.
        assertEquals("1", firehose.describeDeliveryStream(b -> b.deliveryStreamName("evolving"))
                .deliveryStreamDescription().versionId());
        firehose.deleteDeliveryStream(b -> b.deliveryStreamName("evolving"));
    }

    @Test
    void openXOptions_caseSensitivityKeyMappingsAndDots() throws Exception {
        glue.createTable(b -> b.databaseName("events").tableInput(GlueCatalogIT.table("openx", "ts", "timestamp",
                "a_b", "string", "name", "string")));
        Deserializer options = Deserializer.builder().openXJsonSerDe(o -> o.caseInsensitive(false)
                .columnToJsonKeyMappings(Map.of("ts", "timestamp")).convertDotsInJsonKeysToUnderscores(true)).build();
        createStream("openx", "openx-bucket", conversion("openx", options, ParquetSerDe.builder().build()));
        put("openx", "{\"timestamp\":\"2017-02-07 15:13:01.14\",\"a.b\":\"dotted\",\"name\":\"lower\"}",
                "{\"timestamp\":1518033528123,\"a.b\":\"x\",\"NAME\":\"upper is not name\"}");
        Path bucket = server.bucketDirectory("openx-bucket");
        await().atMost(Duration.ofSeconds(30)).until(() -> rows(files(bucket, "data/", ".parquet")) == 2);
        String list = files(bucket, "data/", ".parquet").stream().map(p -> "'" + p + "'")
                .collect(Collectors.joining(","));
        assertEquals(List.of(java.util.Arrays.asList("1486480381140", "dotted", "lower"),
                        java.util.Arrays.asList("1518033528123", "x", null)),
                query("SELECT epoch_ms(ts), a_b, name FROM read_parquet([" + list + "]) ORDER BY ts"));
        firehose.deleteDeliveryStream(b -> b.deliveryStreamName("openx"));
    }

    @Test
    void hiveOptions_timestampFormats_andParquetSerDeOptions() throws Exception {
        glue.createTable(b -> b.databaseName("events").tableInput(GlueCatalogIT.table("hive", "id", "int",
                "ts", "timestamp")));
        Deserializer hive = Deserializer.builder().hiveJsonSerDe(h -> h.timestampFormats("dd/MM/yyyy HH:mm:ss",
                "millis")).build();
        ParquetSerDe parquet = ParquetSerDe.builder().compression(ParquetCompression.GZIP)
                .writerVersion(ParquetWriterVersion.V2).enableDictionaryCompression(true)
                .blockSizeBytes(64 << 20).pageSizeBytes(64 << 10).maxPaddingBytes(1 << 20).build();
        createStream("hive", "hive-bucket", conversion("hive", hive, parquet));
        put("hive", "{\"id\":1,\"ts\":\"07/02/2017 15:13:01\"}", "{\"id\":2,\"ts\":1518033528123}",
                "{\"id\":3,\"ts\":\"2017-02-07T15:13:01Z\"}", "{\"id\":\"4\",\"ts\":1518033528123}");
        Path bucket = server.bucketDirectory("hive-bucket");
        await().atMost(Duration.ofSeconds(30)).until(() -> rows(files(bucket, "data/", ".parquet")) == 2
                && errorLines(bucket).size() == 2);
        Path file = files(bucket, "data/", ".parquet").get(0);
        assertEquals(List.of(List.of("1", "1486480381000"), List.of("2", "1518033528123")),
                query("SELECT id, epoch_ms(ts) FROM read_parquet('" + file + "') ORDER BY id"));
        assertEquals(List.of(List.of("GZIP")), query("SELECT DISTINCT compression FROM parquet_metadata('" + file
                + "')"));
        var serde = firehose.describeDeliveryStream(b -> b.deliveryStreamName("hive")).deliveryStreamDescription()
                .destinations().get(0).extendedS3DestinationDescription().dataFormatConversionConfiguration();
        assertEquals(List.of("dd/MM/yyyy HH:mm:ss", "millis"), serde.inputFormatConfiguration().deserializer()
                .hiveJsonSerDe().timestampFormats());
        assertEquals(ParquetWriterVersion.V2, serde.outputFormatConfiguration().serializer().parquetSerDe()
                .writerVersion());
        firehose.deleteDeliveryStream(b -> b.deliveryStreamName("hive"));
    }

    @Test
    void invalidConversions_areInvalidArgumentNamingTheCause() {
        glue.createTable(b -> b.databaseName("events").tableInput(GlueCatalogIT.table("unionized", "id", "int",
                "u", "uniontype<int,string>")));
        glue.createTable(b -> b.databaseName("events").tableInput(GlueCatalogIT.table("intkeys", "m",
                "map<int,string>")));
        Map<String, DataFormatConversionConfiguration> cases = new LinkedHashMap<>();
        cases.put("ORC", DataFormatConversionConfiguration.builder()
                .schemaConfiguration(s -> s.databaseName("events").tableName("all_types"))
                .inputFormatConfiguration(i -> i.deserializer(openX()))
                .outputFormatConfiguration(o -> o.serializer(s -> s.orcSerDe(orc -> { }))).build());
        cases.put("column 'u'", conversion("unionized", openX(), ParquetSerDe.builder().build()));
        cases.put("column 'm'", conversion("intkeys", openX(), ParquetSerDe.builder().build()));
        cases.put("events.missing", conversion("missing", openX(), ParquetSerDe.builder().build()));
        cases.put("BlockSizeBytes", conversion("all_types", openX(), ParquetSerDe.builder().blockSizeBytes(1024)
                .build()));
        cases.put("PageSizeBytes", conversion("all_types", openX(), ParquetSerDe.builder().pageSizeBytes(1024)
                .build()));
        cases.put("Deserializer", conversion("all_types", Deserializer.builder().build(), ParquetSerDe.builder()
                .build()));
        for (Map.Entry<String, DataFormatConversionConfiguration> c : cases.entrySet()) {
            InvalidArgumentException e = assertThrows(InvalidArgumentException.class,
                    () -> createStream("refused", "refused-bucket", c.getValue()), c.getKey());
            assertTrue(e.awsErrorDetails().errorMessage().contains(c.getKey()), c.getKey() + " -> "
                    + e.awsErrorDetails().errorMessage());
        }
        DataFormatConversionConfiguration good = conversion("all_types", openX(), ParquetSerDe.builder().build());
        InvalidArgumentException gzip = assertThrows(InvalidArgumentException.class, () -> firehose
                .createDeliveryStream(b -> b.deliveryStreamName("refused").extendedS3DestinationConfiguration(d -> d
                        .bucketARN("arn:aws:s3:::refused-bucket").compressionFormat(CompressionFormat.GZIP)
                        .dataFormatConversionConfiguration(good))));
        assertTrue(gzip.awsErrorDetails().errorMessage().contains("CompressionFormat"), gzip.getMessage());
        InvalidArgumentException small = assertThrows(InvalidArgumentException.class, () -> firehose
                .createDeliveryStream(b -> b.deliveryStreamName("refused").extendedS3DestinationConfiguration(d -> d
                        .bucketARN("arn:aws:s3:::refused-bucket").bufferingHints(h -> h.sizeInMBs(5))
                        .dataFormatConversionConfiguration(good))));
        assertTrue(small.awsErrorDetails().errorMessage().contains("SizeInMBs"), small.getMessage());
        assertFalse(firehose.listDeliveryStreams(b -> b.limit(100)).deliveryStreamNames().contains("refused"));
    }
}
