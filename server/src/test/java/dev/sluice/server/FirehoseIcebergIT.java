package dev.sluice.server;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.firehose.FirehoseClient;
import software.amazon.awssdk.services.firehose.model.CreateDeliveryStreamRequest;
import software.amazon.awssdk.services.firehose.model.DeliveryStreamType;
import software.amazon.awssdk.services.firehose.model.DestinationTableConfiguration;
import software.amazon.awssdk.services.firehose.model.IcebergDestinationConfiguration;
import software.amazon.awssdk.services.firehose.model.IcebergDestinationDescription;
import software.amazon.awssdk.services.firehose.model.InvalidArgumentException;
import software.amazon.awssdk.services.firehose.model.ProcessorParameterName;
import software.amazon.awssdk.services.firehose.model.ProcessorType;
import software.amazon.awssdk.services.firehose.model.Record;
import software.amazon.awssdk.services.glue.GlueClient;
import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.kinesis.model.StreamStatus;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Firehose's IcebergDestinationConfiguration on the wire: the Glue table made with {@link GlueClient}, the delivery
 * stream with {@link FirehoseClient}, and the Iceberg table read back by {@link IcebergTableWalk} (metadata, manifest
 * list and manifests as plain Avro, data files with DuckDB), which shares no code with the writer.
 */
class FirehoseIcebergIT {

    static final String CATALOG = "arn:aws:glue:us-east-1:000000000000:catalog";
    static final String ROLE = "arn:aws:iam::000000000000:role/firehose";
    static final Instant T0 = Instant.parse("2026-05-06T22:30:00Z");

    @TempDir
    Path data;

    private SluiceServer server;
    private FirehoseClient firehose;
    private GlueClient glue;

    private void start() {
        server = SluiceServer.builder().port(0).dataDirectory(data).build().start();
        firehose = Clients.firehose(server.endpoint());
        glue = GlueCatalogIT.glue(server.endpoint());
        glue.createDatabase(b -> b.databaseInput(d -> d.name("web")));
        glue.createTable(b -> b.databaseName("web").tableInput(GlueCatalogIT.table("clicks",
                "id", "bigint", "user", "string", "country", "string", "ts", "timestamp")));
    }

    @AfterEach
    void stop() {
        if (server != null) {
            glue.close();
            firehose.close();
            server.close();
        }
    }

    private Path warehouse() {
        return data.resolve("iceberg").resolve("glue-catalog");
    }

    private static DestinationTableConfiguration.Builder table(String database, String table) {
        return DestinationTableConfiguration.builder().destinationDatabaseName(database).destinationTableName(table);
    }

    private static IcebergDestinationConfiguration.Builder iceberg(DestinationTableConfiguration... tables) {
        return IcebergDestinationConfiguration.builder().roleARN(ROLE)
                .catalogConfiguration(c -> c.catalogARN(CATALOG).warehouseLocation("s3://warehouse/"))
                .destinationTableConfigurationList(tables)
                .bufferingHints(h -> h.sizeInMBs(1).intervalInSeconds(0))
                .s3Configuration(s -> s.bucketARN("arn:aws:s3:::errors").roleARN(ROLE).errorOutputPrefix("failed/"));
    }

    private static String click(int id) {
        String country = List.of("NO", "PE", "JP").get(id % 3);
        return "{\"id\":" + id + ",\"user\":\"u" + (id % 7) + "\",\"country\":\"" + country + "\",\"ts\":\""
                + T0.plusSeconds(60L * id) + "\",\"kind\":\"" + (id % 4 == 0 ? "views" : "clicks") + "\"}";
    }

    private void put(String stream, List<String> records) {
        List<Record> batch = records.stream().map(r -> Record.builder().data(SdkBytes.fromUtf8String(r)).build())
                .toList();
        assertEquals(0, firehose.putRecordBatch(b -> b.deliveryStreamName(stream).records(batch)).failedPutCount());
    }

    private static List<String> files(Path root) {
        if (!Files.isDirectory(root)) {
            return List.of();
        }
        try (Stream<Path> walk = Files.walk(root)) {
            List<String> lines = new ArrayList<>();
            for (Path file : walk.filter(Files::isRegularFile).toList()) {
                lines.addAll(Files.readAllLines(file));
            }
            return lines;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Set<Long> ids(IcebergTableWalk walk) throws Exception {
        return walk.query("SELECT id FROM rows").stream().map(r -> ((Number) r.get(0)).longValue())
                .collect(Collectors.toSet());
    }

    @Test
    void recordsLandInTheGlueTablesIcebergTable_exactlyOnce_andBadRecordsInTheErrorBucket() throws Exception {
        start();
        firehose.createDeliveryStream(CreateDeliveryStreamRequest.builder().deliveryStreamName("clicks")
                .icebergDestinationConfiguration(iceberg(table("web", "clicks")
                        .partitionSpec(p -> p.identity(i -> i.sourceName("country"))).build()).build()).build());
        List<String> records = new ArrayList<>(IntStream.range(0, 100).mapToObj(FirehoseIcebergIT::click).toList());
        records.add("{\"id\":\"not a number\",\"user\":\"x\"}");
        records.add("{\"id\":{\"nested\":1}}");
        put("clicks", records);

        IcebergTableWalk walk = await().atMost(Duration.ofSeconds(30)).ignoreExceptions()
                .until(() -> IcebergTableWalk.of(warehouse(), "web", "clicks"), w -> w.recordCount() == 100);
        await().atMost(Duration.ofSeconds(30)).until(() -> files(data.resolve("buckets").resolve("errors")).size() == 2);

        List<List<Object>> counts = walk.query("SELECT count(*), count(DISTINCT id) FROM rows");
        assertEquals(100L, ((Number) counts.get(0).get(0)).longValue(), "every record once");
        assertEquals(100L, ((Number) counts.get(0).get(1)).longValue());
        assertEquals(IntStream.range(0, 100).mapToObj(i -> (long) i).collect(Collectors.toSet()), ids(walk));
        // The Glue columns are the Iceberg schema, with field ids; the identity spec partitions by country.
        assertEquals(List.of("id", "user", "country", "ts"), walk.columns());
        Set<Object> countries = new HashSet<>();
        for (IcebergTableWalk.DataFile file : walk.files) {
            Object country = String.valueOf(file.partition().get("country"));
            countries.add(country);
            List<List<Object>> inFile = walk.only(file).query("SELECT DISTINCT country FROM rows");
            assertEquals(List.of(List.of(country)), inFile, "a file holds only its partition's rows");
        }
        assertEquals(Set.of("NO", "PE", "JP"), countries);
        List<String> errors = files(data.resolve("buckets").resolve("errors"));
        assertTrue(errors.stream().allMatch(e -> e.contains("\"destinationTableName\":\"clicks\"")
                && e.contains("DataFormatConversion.SchemaMismatch")), errors.toString());
        try (Stream<Path> under = Files.walk(data.resolve("buckets").resolve("errors"))) {
            assertTrue(under.filter(Files::isRegularFile).allMatch(p -> data.resolve("buckets").resolve("errors")
                    .relativize(p).toString().startsWith("failed/")), "errors go under the error prefix");
        }

        IcebergDestinationDescription described = firehose.describeDeliveryStream(b -> b.deliveryStreamName("clicks"))
                .deliveryStreamDescription().destinations().get(0).icebergDestinationDescription();
        assertEquals(CATALOG, described.catalogConfiguration().catalogARN());
        assertEquals("clicks", described.destinationTableConfigurationList().get(0).destinationTableName());
        assertEquals("arn:aws:s3:::errors", described.s3DestinationDescription().bucketARN());
        assertEquals("FailedDataOnly", described.s3BackupModeAsString());
    }

    @Test
    void aMetadataExtractionQueryRoutesRecordsToSeveralTables() throws Exception {
        start();
        glue.createTable(b -> b.databaseName("web").tableInput(GlueCatalogIT.table("views",
                "id", "bigint", "ts", "timestamp")));
        firehose.createDeliveryStream(CreateDeliveryStreamRequest.builder().deliveryStreamName("routed")
                .icebergDestinationConfiguration(iceberg(table("web", "clicks").build(), table("web", "views").build())
                        .processingConfiguration(p -> p.enabled(true).processors(pr -> pr
                                .type(ProcessorType.METADATA_EXTRACTION).parameters(
                                        pa -> pa.parameterName(ProcessorParameterName.METADATA_EXTRACTION_QUERY)
                                                .parameterValue("{destinationDatabaseName: \"web\","
                                                        + " destinationTableName: .kind}"),
                                        pa -> pa.parameterName(ProcessorParameterName.JSON_PARSING_ENGINE)
                                                .parameterValue("JQ-1.6")))).build()).build());
        put("routed", IntStream.range(0, 40).mapToObj(FirehoseIcebergIT::click).toList());

        IcebergTableWalk clicks = await().atMost(Duration.ofSeconds(30)).ignoreExceptions()
                .until(() -> IcebergTableWalk.of(warehouse(), "web", "clicks"), w -> w.recordCount() == 30);
        IcebergTableWalk views = await().atMost(Duration.ofSeconds(30)).ignoreExceptions()
                .until(() -> IcebergTableWalk.of(warehouse(), "web", "views"), w -> w.recordCount() == 10);
        assertEquals(IntStream.range(0, 40).filter(i -> i % 4 != 0).mapToObj(i -> (long) i)
                .collect(Collectors.toSet()), ids(clicks));
        assertEquals(IntStream.range(0, 40).filter(i -> i % 4 == 0).mapToObj(i -> (long) i)
                .collect(Collectors.toSet()), ids(views));
    }

    @Test
    void updateDestinationReReadsTheGlueTable_andTheIcebergTableGainsItsNewColumn() throws Exception {
        start();
        firehose.createDeliveryStream(CreateDeliveryStreamRequest.builder().deliveryStreamName("evolving")
                .icebergDestinationConfiguration(iceberg(table("web", "clicks").build()).build()).build());
        put("evolving", IntStream.range(0, 10).mapToObj(FirehoseIcebergIT::click).toList());
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions()
                .until(() -> IcebergTableWalk.of(warehouse(), "web", "clicks"), w -> w.recordCount() == 10);

        glue.updateTable(b -> b.databaseName("web").tableInput(GlueCatalogIT.table("clicks",
                "id", "bigint", "user", "string", "country", "string", "ts", "timestamp", "referrer", "string")));
        firehose.updateDestination(b -> b.deliveryStreamName("evolving").currentDeliveryStreamVersionId("1")
                .destinationId("destinationId-000000000001")
                .icebergDestinationUpdate(u -> u.bufferingHints(h -> h.sizeInMBs(2).intervalInSeconds(0))));
        put("evolving", IntStream.range(10, 20).mapToObj(i -> click(i).replace("}", ",\"referrer\":\"r" + i + "\"}"))
                .toList());

        IcebergTableWalk walk = await().atMost(Duration.ofSeconds(30)).ignoreExceptions()
                .until(() -> IcebergTableWalk.of(warehouse(), "web", "clicks"), w -> w.recordCount() == 20);
        assertEquals(List.of("id", "user", "country", "ts", "referrer"), walk.columns());
        List<Object> counts = walk.query("SELECT count(*), count(referrer), min(referrer) FROM rows").get(0);
        assertEquals(20L, ((Number) counts.get(0)).longValue());
        assertEquals(10L, ((Number) counts.get(1)).longValue(), "old files have no referrer, new files carry it");
        assertEquals("r10", counts.get(2));
        IcebergDestinationDescription described = firehose.describeDeliveryStream(b -> b.deliveryStreamName("evolving"))
                .deliveryStreamDescription().destinations().get(0).icebergDestinationDescription();
        assertEquals(2, described.bufferingHints().sizeInMBs());
        assertEquals(CATALOG, described.catalogConfiguration().catalogARN(), "the rest of the destination is kept");
    }

    private InvalidArgumentException refused(IcebergDestinationConfiguration config) {
        return assertThrows(InvalidArgumentException.class, () -> firehose.createDeliveryStream(
                CreateDeliveryStreamRequest.builder().deliveryStreamName("bad").icebergDestinationConfiguration(config)
                        .build()));
    }

    @Test
    void anUnknownGlueTableIsRefusedNamingIt() {
        start();
        InvalidArgumentException e = refused(iceberg(table("web", "orders").build()).build());
        assertTrue(e.getMessage().contains("web.orders") && e.getMessage().contains("CreateTable"), e.getMessage());
    }

    private static String order(String op, long id, long amount) {
        return "{\"op\":\"" + op + "\",\"id\":" + id + ",\"customer\":\"c" + (id % 3) + "\",\"amount\":" + amount
                + "}";
    }

    /** Key to amount of the walk's live rows; fails on a key seen twice. */
    private static Map<Long, Long> amounts(IcebergTableWalk walk) throws Exception {
        Map<Long, Long> out = new TreeMap<>();
        for (Map<String, Object> row : walk.liveRows()) {
            Long before = out.put(((Number) row.get("id")).longValue(), ((Number) row.get("amount")).longValue());
            assertEquals(null, before, "id " + row.get("id") + " twice");
        }
        return out;
    }

    @Test
    void uniqueKeys_insertUpdateDeleteAcrossTwoBuffers_eachKeyHasExactlyItsLatestRow() throws Exception {
        start();
        glue.createTable(b -> b.databaseName("web").tableInput(GlueCatalogIT.table("orders",
                "id", "bigint", "customer", "string", "amount", "bigint")));
        firehose.createDeliveryStream(CreateDeliveryStreamRequest.builder().deliveryStreamName("orders")
                .icebergDestinationConfiguration(iceberg(table("web", "orders").uniqueKeys("ID").build())
                        .processingConfiguration(p -> p.enabled(true).processors(pr -> pr
                                .type(ProcessorType.METADATA_EXTRACTION).parameters(
                                        pa -> pa.parameterName(ProcessorParameterName.METADATA_EXTRACTION_QUERY)
                                                .parameterValue("{destinationDatabaseName: \"web\","
                                                        + " destinationTableName: \"orders\", operation: .op}"),
                                        pa -> pa.parameterName(ProcessorParameterName.JSON_PARSING_ENGINE)
                                                .parameterValue("JQ-1.6")))).build()).build());
        Map<Long, Long> expected = new TreeMap<>();
        List<String> first = new ArrayList<>();
        for (long id = 0; id < 30; id++) {
            first.add(order("insert", id, id));
            expected.put(id, id);
        }
        first.add(order("update", 3, 33));
        expected.put(3L, 33L);
        first.add("{\"op\":\"delete\",\"id\":4}");
        expected.remove(4L);
        first.add(order("update", 99, 9));
        expected.put(99L, 9L);
        put("orders", first);
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> amounts(IcebergTableWalk.of(
                warehouse(), "web", "orders")), expected::equals);

        List<String> second = new ArrayList<>();
        for (long id = 0; id < 10; id++) {
            second.add(order("update", id, 100 + id));
            expected.put(id, 100 + id);
        }
        for (long id = 20; id < 30; id++) {
            second.add("{\"op\":\"delete\",\"id\":" + id + "}");
            expected.remove(id);
        }
        second.add(order("delete", 99, 0));
        expected.remove(99L);
        second.add("{\"op\":\"update\",\"customer\":\"no key\"}");
        second.add(order("insert", 500, 5));
        expected.put(500L, 5L);
        put("orders", second);

        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> amounts(IcebergTableWalk.of(
                warehouse(), "web", "orders")), expected::equals);
        IcebergTableWalk walk = IcebergTableWalk.of(warehouse(), "web", "orders");
        assertTrue(walk.deleteFiles.size() >= 2, "both buffers updated or deleted keys: " + walk.deleteFiles);
        for (JsonNode snapshot : walk.metadata.path("snapshots")) {
            assertTrue(snapshot.path("summary").has("sluice.object-key"), snapshot.toString());
        }
        int idField = -1;
        for (JsonNode field : walk.metadata.path("schemas").get(0).path("fields")) {
            if (field.path("name").asText().equals("id")) {
                idField = field.path("id").asInt();
            }
        }
        for (IcebergTableWalk.DeleteFile delete : walk.deleteFiles) {
            assertEquals(List.of(idField), delete.equalityIds());
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> files(data.resolve("buckets").resolve("errors")).size() == 1);
        String error = files(data.resolve("buckets").resolve("errors")).get(0);
        assertTrue(error.contains("\"errorCode\":\"Iceberg.InvalidUniqueKeys\""), error);

        IcebergDestinationDescription described = firehose.describeDeliveryStream(b -> b.deliveryStreamName("orders"))
                .deliveryStreamDescription().destinations().get(0).icebergDestinationDescription();
        assertEquals(List.of("ID"), described.destinationTableConfigurationList().get(0).uniqueKeys());
    }

    @Test
    void uniqueKeysThatAreNotColumnsOfTheGlueTableAreRefused() {
        start();
        InvalidArgumentException e = refused(iceberg(table("web", "clicks").uniqueKeys("order_id").build()).build());
        assertTrue(e.getMessage().contains("UniqueKeys") || e.getMessage().contains("order_id"), e.getMessage());
        assertTrue(e.getMessage().contains("order_id"), e.getMessage());
    }

    @Test
    void aPartitionColumnOutsideTheUniqueKeysIsRefused() {
        start();
        InvalidArgumentException e = refused(iceberg(table("web", "clicks").uniqueKeys("id")
                .partitionSpec(p -> p.identity(i -> i.sourceName("country"))).build()).build());
        assertTrue(e.getMessage().contains("country") && e.getMessage().contains("unique keys"), e.getMessage());
    }

    @Test
    void aCatalogArnOtherThanTheServersGlueCatalogIsRefused() {
        start();
        InvalidArgumentException malformed = refused(iceberg(table("web", "clicks").build())
                .catalogConfiguration(c -> c.catalogARN("arn:aws:s3:::not-a-catalog")).build());
        assertTrue(malformed.getMessage().contains("CatalogARN"), malformed.getMessage());
        InvalidArgumentException otherAccount = refused(iceberg(table("web", "clicks").build())
                .catalogConfiguration(c -> c.catalogARN("arn:aws:glue:eu-west-1:123456789012:catalog")).build());
        assertTrue(otherAccount.getMessage().contains(CATALOG), otherAccount.getMessage());
    }

    @Test
    void severalTablesWithoutARouteAreRefused() {
        start();
        glue.createTable(b -> b.databaseName("web").tableInput(GlueCatalogIT.table("views", "id", "bigint")));
        InvalidArgumentException e = refused(iceberg(table("web", "clicks").build(), table("web", "views").build())
                .build());
        assertTrue(e.getMessage().contains("MetadataExtraction"), e.getMessage());
    }

    @Test
    void aKinesisStreamSourceWithFirehosesLongestRetry_isAcceptedAndEachRecordLandsOnce() throws Exception {
        start();
        try (KinesisClient kinesis = Clients.kinesis(server.endpoint(), true, false)) {
            kinesis.createStream(b -> b.streamName("source").shardCount(1));
            await().atMost(Duration.ofSeconds(30)).until(() -> kinesis.describeStreamSummary(
                    b -> b.streamName("source")).streamDescriptionSummary().streamStatus() == StreamStatus.ACTIVE);
            // Retries of up to 2 h outlast the destination's default snapshot retention (1 h), where a commit's
            // evidence lives: the server keeps the snapshots longer instead of refusing Firehose's own maximum.
            firehose.createDeliveryStream(CreateDeliveryStreamRequest.builder().deliveryStreamName("from-stream")
                    .deliveryStreamType(DeliveryStreamType.KINESIS_STREAM_AS_SOURCE)
                    .kinesisStreamSourceConfiguration(s -> s
                            .kinesisStreamARN("arn:aws:kinesis:us-east-1:000000000000:stream/source").roleARN(ROLE))
                    .icebergDestinationConfiguration(iceberg(table("web", "clicks").build())
                            .retryOptions(r -> r.durationInSeconds(7200)).build()).build());
            for (int i = 0; i < 20; i++) {
                String record = click(i);
                kinesis.putRecord(b -> b.streamName("source").partitionKey(record)
                        .data(SdkBytes.fromUtf8String(record)));
            }
            IcebergTableWalk walk = await().atMost(Duration.ofSeconds(30)).ignoreExceptions()
                    .until(() -> IcebergTableWalk.of(warehouse(), "web", "clicks"), w -> w.recordCount() >= 20);
            assertEquals(20, walk.recordCount());
            assertEquals(IntStream.range(0, 20).mapToObj(i -> (long) i).collect(Collectors.toSet()), ids(walk));
        }
    }
}
