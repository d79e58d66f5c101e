package dev.sluice.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.transform.FakeLambdaEndpoint;
import dev.sluice.transform.FakeLambdaEndpoint.Reply;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.firehose.FirehoseClient;
import software.amazon.awssdk.services.firehose.model.CreateDeliveryStreamRequest;
import software.amazon.awssdk.services.firehose.model.DestinationTableConfiguration;
import software.amazon.awssdk.services.firehose.model.IcebergDestinationConfiguration;
import software.amazon.awssdk.services.firehose.model.Processor;
import software.amazon.awssdk.services.firehose.model.ProcessorParameter;
import software.amazon.awssdk.services.firehose.model.ProcessorType;
import software.amazon.awssdk.services.firehose.model.Record;
import software.amazon.awssdk.services.glue.GlueClient;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Firehose's Lambda method of Iceberg routing over the wire: the real {@link FirehoseClient} creates an Iceberg
 * destination with two Glue tables and a Lambda processor and no MetadataExtraction query; the function (an in-test
 * Lambda endpoint) returns each record's {@code metadata.otfMetadata}, which picks its table and its operation
 * (insert, update, delete on a unique-keys table). The tables are read back by {@link IcebergTableWalk}, which shares
 * no code with the writer.
 */
@Timeout(180)
class FirehoseIcebergLambdaIT {

    private static final String FUNCTION = "arn:aws:lambda:us-east-1:000000000000:function:router";

    @TempDir
    Path data;

    private FakeLambdaEndpoint lambda;
    private SluiceServer server;
    private FirehoseClient firehose;
    private GlueClient glue;

    /**
     * The function: each record is JSON with {@code table} and {@code op}; it answers Ok with the record and
     * otfMetadata {@code {destinationDatabaseName: "web", destinationTableName: table, operation: op}}, except for
     * records marked {@code "otf":"none"} (no metadata) and {@code "otf":"malformed"} (otfMetadata a string).
     */
    private static JsonNode route(JsonNode event) {
        ObjectNode response = FakeLambdaEndpoint.JSON.createObjectNode();
        for (JsonNode record : event.path("records")) {
            ObjectNode out = response.withArray("records").addObject();
            out.put("recordId", record.path("recordId").asText());
            out.put("result", "Ok");
            out.put("data", record.path("data").asText());
            JsonNode json;
            try {
                json = FakeLambdaEndpoint.JSON.readTree(Base64.getDecoder().decode(record.path("data").asText()));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            switch (json.path("otf").asText("")) {
                case "none" -> { }
                case "malformed" -> out.putObject("metadata").put("otfMetadata", "web.orders");
                default -> {
                    ObjectNode otf = out.putObject("metadata").putObject("otfMetadata");
                    otf.put("destinationDatabaseName", "web");
                    otf.put("destinationTableName", json.path("table").asText());
                    otf.put("operation", json.path("op").asText());
                }
            }
        }
        return response;
    }

    private void start() {
        lambda = new FakeLambdaEndpoint((invocation, call) -> Reply.ok(route(invocation.event())));
        server = SluiceServer.builder().port(0).dataDirectory(data).lambdaEndpoint(lambda.endpoint()).build().start();
        firehose = Clients.firehose(server.endpoint());
        glue = GlueCatalogIT.glue(server.endpoint());
        glue.createDatabase(b -> b.databaseInput(d -> d.name("web")));
        glue.createTable(b -> b.databaseName("web").tableInput(GlueCatalogIT.table("orders",
                "id", "bigint", "customer", "string", "amount", "bigint")));
        glue.createTable(b -> b.databaseName("web").tableInput(GlueCatalogIT.table("audit",
                "id", "bigint", "customer", "string", "amount", "bigint")));
    }

    @AfterEach
    void stop() {
        if (server != null) {
            glue.close();
            firehose.close();
            server.close();
        }
        if (lambda != null) {
            lambda.close();
        }
    }

    private Path warehouse() {
        return data.resolve("iceberg").resolve("glue-catalog");
    }

    private static DestinationTableConfiguration.Builder table(String name) {
        return DestinationTableConfiguration.builder().destinationDatabaseName("web").destinationTableName(name);
    }

    private static String order(String table, String op, long id, long amount) {
        return "{\"table\":\"" + table + "\",\"op\":\"" + op + "\",\"id\":" + id + ",\"customer\":\"c" + (id % 3)
                + "\",\"amount\":" + amount + "}";
    }

    private void put(List<String> records) {
        List<Record> batch = records.stream().map(r -> Record.builder().data(SdkBytes.fromUtf8String(r)).build())
                .toList();
        assertEquals(0, firehose.putRecordBatch(b -> b.deliveryStreamName("routed").records(batch)).failedPutCount());
    }

    /** Key to amount of the walk's live rows (equality deletes applied); fails on a key seen twice. */
    private static Map<Long, Long> amounts(IcebergTableWalk walk) throws Exception {
        Map<Long, Long> out = new TreeMap<>();
        for (Map<String, Object> row : walk.liveRows()) {
            Long before = out.put(((Number) row.get("id")).longValue(), ((Number) row.get("amount")).longValue());
            assertEquals(null, before, "id " + row.get("id") + " twice");
        }
        return out;
    }

    private List<JsonNode> errorLines() {
        Path root = data.resolve("buckets").resolve("errors");
        if (!Files.isDirectory(root)) {
            return List.of();
        }
        List<JsonNode> lines = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path file : walk.filter(f -> Files.isRegularFile(f) && !f.getFileName().toString().startsWith("."))
                    .toList()) {
                for (String line : Files.readAllLines(file)) {
                    if (!line.isEmpty()) {
                        lines.add(FakeLambdaEndpoint.JSON.readTree(line));
                    }
                }
            }
        } catch (IOException | UncheckedIOException e) {
            return List.of(); // an object renamed into place during the walk: the next poll sees it
        }
        return lines;
    }

    private static String errorCode(JsonNode line) {
        return line.has("errorCode") ? line.path("errorCode").asText() : line.path("lastErrorCode").asText();
    }

    @Test
    void aLambdasOtfMetadataRoutesRecordsToTwoTables_andUpdatesAndDeletesKeys() throws Exception {
        start();
        firehose.createDeliveryStream(CreateDeliveryStreamRequest.builder().deliveryStreamName("routed")
                .icebergDestinationConfiguration(IcebergDestinationConfiguration.builder()
                        .roleARN(FirehoseIcebergIT.ROLE)
                        .catalogConfiguration(c -> c.catalogARN(FirehoseIcebergIT.CATALOG)
                                .warehouseLocation("s3://warehouse/"))
                        .destinationTableConfigurationList(table("orders").uniqueKeys("id").build(),
                                table("audit").build())
                        .bufferingHints(h -> h.sizeInMBs(1).intervalInSeconds(0))
                        .s3Configuration(s -> s.bucketARN("arn:aws:s3:::errors").roleARN(FirehoseIcebergIT.ROLE)
                                .errorOutputPrefix("failed/"))
                        .processingConfiguration(p -> p.enabled(true).processors(Processor.builder().type(ProcessorType.LAMBDA)
                                .parameters(ProcessorParameter.builder().parameterName("LambdaArn")
                                        .parameterValue(FUNCTION).build(), ProcessorParameter.builder()
                                        .parameterName("NumberOfRetries").parameterValue("0").build()).build()))
                        .build()).build());

        Map<Long, Long> orders = new TreeMap<>();
        Map<Long, Long> audit = new TreeMap<>();
        List<String> first = new ArrayList<>();
        for (long id = 0; id < 20; id++) {
            first.add(order("orders", "insert", id, id));
            orders.put(id, id);
        }
        for (long id = 0; id < 10; id++) {
            first.add(order("audit", "insert", id, 100 + id));
            audit.put(id, 100 + id);
        }
        first.add(order("orders", "update", 3, 33));
        orders.put(3L, 33L);
        first.add("{\"table\":\"orders\",\"op\":\"delete\",\"id\":4}");
        orders.remove(4L);
        first.add(order("nowhere", "insert", 1, 1));
        first.add(order("orders", "upsert", 2, 2));
        first.add("{\"otf\":\"none\",\"id\":7,\"amount\":7}");
        first.add("{\"otf\":\"malformed\",\"id\":8,\"amount\":8}");
        put(first);

        await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> amounts(IcebergTableWalk.of(
                warehouse(), "web", "orders")), orders::equals);
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> amounts(IcebergTableWalk.of(
                warehouse(), "web", "audit")), audit::equals);

        List<String> second = new ArrayList<>();
        for (long id = 0; id < 5; id++) {
            second.add(order("orders", "update", id, 1000 + id));
            orders.put(id, 1000 + id);
        }
        for (long id = 10; id < 15; id++) {
            second.add("{\"table\":\"orders\",\"op\":\"delete\",\"id\":" + id + "}");
            orders.remove(id);
        }
        second.add(order("audit", "insert", 50, 50));
        audit.put(50L, 50L);
        put(second);

        await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> amounts(IcebergTableWalk.of(
                warehouse(), "web", "orders")), orders::equals);
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> amounts(IcebergTableWalk.of(
                warehouse(), "web", "audit")), audit::equals);
        IcebergTableWalk ordersWalk = IcebergTableWalk.of(warehouse(), "web", "orders");
        assertTrue(ordersWalk.deleteFiles.size() >= 2, "both puts updated or deleted keys: " + ordersWalk.deleteFiles);
        assertEquals(0, IcebergTableWalk.of(warehouse(), "web", "audit").deleteFiles.size());

        await().atMost(Duration.ofSeconds(60)).until(() -> errorLines().size() == 4);
        Map<String, String> codes = new TreeMap<>();
        for (JsonNode line : errorLines()) {
            JsonNode raw = FakeLambdaEndpoint.JSON.readTree(new String(Base64.getDecoder()
                    .decode(line.path("rawData").asText()), StandardCharsets.UTF_8));
            codes.put(raw.has("table") ? raw.path("table").asText() + "/" + raw.path("op").asText()
                    : raw.path("otf").asText(), errorCode(line));
        }
        assertEquals(Map.of("nowhere/insert", "Iceberg.NoSuchTable", "orders/upsert", "Iceberg.InvalidOperation",
                "none", "Iceberg.RoutingFailed", "malformed", "Lambda.InvalidOtfMetadata"), codes);
    }
}
