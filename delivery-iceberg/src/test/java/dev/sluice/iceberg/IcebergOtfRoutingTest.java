package dev.sluice.iceberg;

import dev.sluice.delivery.DeliveryException;
import dev.sluice.delivery.ErrorCode;
import dev.sluice.delivery.Sink;
import dev.sluice.delivery.SinkObject;
import dev.sluice.delivery.SinkResult;
import dev.sluice.transform.OtfMetadata;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;

import static dev.sluice.iceberg.IcebergUpsertTest.ORDER;
import static dev.sluice.iceberg.IcebergUpsertTest.icebergRows;
import static dev.sluice.iceberg.IcebergUpsertTest.walkedRows;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Firehose's Lambda method of routing: each record's {@code otfMetadata} (table and operation, as a Lambda
 * transformation returns it) picks its table and operation, read back with Iceberg's own reader and the independent
 * metadata walk.
 */
class IcebergOtfRoutingTest extends EmbeddedCatalogTest {

    private static final Instant ARRIVAL = Instant.parse("2026-05-06T22:30:00Z");

    /** One record and the otfMetadata its transformation gave it (null: none). */
    private record Routed(String json, OtfMetadata otf) {
    }

    private static Routed to(String table, String op, String json) {
        return new Routed(json, OtfMetadata.of("shop", table, op));
    }

    private static Routed bare(String json) {
        return new Routed(json, null);
    }

    private static String order(long id, String region, long amount) {
        return "{\"id\":" + id + ",\"region\":\"" + region + "\",\"customer\":\"c" + (id % 3) + "\",\"amount\":"
                + amount + "}";
    }

    private static SinkObject object(String key, List<Routed> records) {
        List<ByteBuffer> views = records.stream()
                .map(r -> ByteBuffer.wrap(r.json().getBytes(StandardCharsets.UTF_8))).toList();
        List<Optional<OtfMetadata>> otf = records.stream().map(r -> Optional.ofNullable(r.otf())).toList();
        return new SinkObject(key, ByteBuffer.allocate(0), "application/json", views, "req-" + key, true, ARRIVAL,
                otf);
    }

    private IcebergDestination.Builder builder(IcebergCatalog catalog) {
        return IcebergDestination.builder().catalog(catalog).errorOutputSink(Sink.localBucket(work.resolve("errors")))
                .table(DestinationTableConfiguration.of("shop", "orders", ORDER).withUniqueKeys("id"))
                .table(DestinationTableConfiguration.of("shop", "log", ORDER));
    }

    private IcebergDestination open(IcebergDestination.Builder builder) {
        IcebergDestination destination = builder.build();
        closing.add(destination);
        return destination;
    }

    private List<String> errorLines() throws Exception {
        List<String> lines = new ArrayList<>();
        Path errors = work.resolve("errors");
        if (!Files.isDirectory(errors)) {
            return lines;
        }
        try (Stream<Path> files = Files.walk(errors)) {
            for (Path file : files.filter(Files::isRegularFile).sorted().toList()) {
                lines.addAll(Files.readAllLines(file));
            }
        }
        return lines;
    }

    @Test
    void otfMetadata_routesToTwoTables_andUpdatesAndDeletesKeys_forBothReaders() throws Exception {
        IcebergCatalog catalog = catalog();
        IcebergDestination destination = open(builder(catalog).routeByOtfMetadata(true));
        Map<String, Long> orders = new TreeMap<>();
        Map<String, Long> log = new TreeMap<>();
        List<Routed> first = new ArrayList<>();
        for (long id = 0; id < 20; id++) {
            first.add(to("orders", "insert", order(id, "eu", id)));
            orders.put("eu/" + id, id);
            first.add(to("log", "insert", order(id, "us", 100 + id)));
            log.put("us/" + id, 100 + id);
        }
        first.add(to("orders", "update", order(3, "eu", 33)));
        orders.put("eu/3", 33L);
        assertEquals(SinkResult.CREATED, destination.write(object("o1", first)));

        List<Routed> second = new ArrayList<>();
        for (long id = 0; id < 5; id++) {
            second.add(to("orders", "update", order(id, "eu", 1000 + id)));
            orders.put("eu/" + id, 1000 + id);
        }
        for (long id = 10; id < 15; id++) {
            second.add(new Routed("{\"id\":" + id + "}", OtfMetadata.of("shop", "orders", "delete")));
            orders.remove("eu/" + id);
        }
        second.add(new Routed(order(50, "eu", 50), new OtfMetadata(Optional.of("shop"), Optional.of("orders"),
                Optional.empty())));
        orders.put("eu/50", 50L);
        assertEquals(SinkResult.CREATED, destination.write(object("o2", second)));

        assertEquals(orders, icebergRows(catalog, "orders"));
        assertEquals(log, icebergRows(catalog, "log"));
        MetadataWalk ordersWalk = MetadataWalk.of(work.resolve("warehouse"), "shop", "orders");
        assertEquals(orders, walkedRows(ordersWalk));
        assertEquals(List.of("o1", "o2"), ordersWalk.snapshotSummaries().stream()
                .map(s -> s.get("sluice.object-key")).toList(), "one RowDelta per object");
        assertEquals(2, ordersWalk.deleteFiles.size(), "the update in o1 and the updates and deletes in o2");
        MetadataWalk logWalk = MetadataWalk.of(work.resolve("warehouse"), "shop", "log");
        assertEquals(log, walkedRows(logWalk));
        assertEquals(0, logWalk.deleteFiles.size());
        assertEquals(List.of(), errorLines());

        assertEquals(SinkResult.ALREADY_EXISTS, destination.write(object("o2", second)), "exactly once, as JQ");
        assertEquals(orders, icebergRows(catalog, "orders"));
    }

    @Test
    void otfMetadata_thatCannotBeApplied_goesToTheErrorOutputWithFirehoseCodes() throws Exception {
        IcebergCatalog catalog = catalog();
        IcebergDestination destination = open(builder(catalog).routeByOtfMetadata(true));
        List<Routed> records = List.of(
                to("orders", "insert", order(1, "eu", 1)),
                to("nowhere", "insert", order(2, "eu", 2)),
                to("orders", "upsert", order(3, "eu", 3)),
                bare(order(4, "eu", 4)),
                new Routed(order(5, "eu", 5), new OtfMetadata(Optional.of("shop"), Optional.empty(),
                        Optional.of("insert"))),
                to("log", "delete", order(6, "eu", 6)),
                to("orders", "delete", "{\"region\":\"eu\"}"));
        assertEquals(SinkResult.CREATED, destination.write(object("bad", records)));

        assertEquals(Map.of("eu/1", 1L), icebergRows(catalog, "orders"));
        assertEquals(Map.of(), icebergRows(catalog, "log"));
        List<String> lines = errorLines();
        String all = String.join("\n", lines);
        assertEquals(6, lines.size(), all);
        assertEquals(1, lines.stream().filter(l -> l.contains("\"errorCode\":\"Iceberg.NoSuchTable\"")
                && l.contains("\"destinationTableName\":\"nowhere\"")).count(), all);
        assertEquals(1, lines.stream().filter(l -> l.contains("\"errorCode\":\"Iceberg.InvalidOperation\"")
                && l.contains("otfMetadata.operation was \\\"upsert\\\"")).count(), all);
        assertEquals(2, lines.stream().filter(l -> l.contains("\"errorCode\":\"Iceberg.RoutingFailed\"")).count(),
                all);
        assertTrue(all.contains("no otfMetadata naming its table"), all);
        assertTrue(all.contains("destinationDatabaseName but no destinationTableName"), all);
        assertEquals(1, lines.stream().filter(l -> l.contains("\"errorCode\":\"Iceberg.MissingUniqueKeys\"")
                && l.contains("\"destinationTableName\":\"log\"")).count(), all);
        assertEquals(1, lines.stream().filter(l -> l.contains("\"errorCode\":\"Iceberg.InvalidUniqueKeys\""))
                .count(), all);
    }

    @Test
    void otfMetadata_takesPrecedenceOverTheRoutingQuery_andFillsOnlyWhatItGives() throws Exception {
        IcebergCatalog catalog = catalog();
        IcebergDestination destination = open(builder(catalog)
                .routingQuery("{destinationDatabaseName: \"shop\", destinationTableName: .t, operation: .op}"));
        List<Routed> first = List.of(
                // the query says log; the Lambda says orders and wins
                to("orders", "insert", order(1, "eu", 1).replace("{", "{\"t\":\"log\",")),
                // no otfMetadata: the query routes
                bare(order(2, "eu", 2).replace("{", "{\"t\":\"log\",")),
                bare(order(3, "eu", 3).replace("{", "{\"t\":\"orders\",")));
        assertEquals(SinkResult.CREATED, destination.write(object("p1", first)));
        List<Routed> second = List.of(
                // only an operation: the table is the query's, the operation the Lambda's
                new Routed(order(3, "eu", 30).replace("{", "{\"t\":\"orders\",\"op\":\"insert\","),
                        new OtfMetadata(Optional.empty(), Optional.empty(), Optional.of("update"))));
        assertEquals(SinkResult.CREATED, destination.write(object("p2", second)));

        assertEquals(Map.of("eu/1", 1L, "eu/3", 30L), icebergRows(catalog, "orders"));
        assertEquals(Map.of("eu/2", 2L), icebergRows(catalog, "log"));
        assertEquals(List.of(), errorLines());
    }

    @Test
    void otfMetadata_withOneTable_routesTheOperationToIt() throws Exception {
        IcebergCatalog catalog = catalog();
        IcebergDestination destination = open(IcebergDestination.builder().catalog(catalog)
                .errorOutputSink(Sink.localBucket(work.resolve("errors")))
                .table(DestinationTableConfiguration.of("shop", "orders", ORDER).withUniqueKeys("id")));
        assertEquals(SinkResult.CREATED, destination.write(object("s1", List.of(bare(order(1, "eu", 1)),
                bare(order(2, "eu", 2))))));
        assertEquals(SinkResult.CREATED, destination.write(object("s2", List.of(
                new Routed("{\"id\":1}", new OtfMetadata(Optional.empty(), Optional.empty(), Optional.of("delete"))),
                bare(order(3, "eu", 3))))));

        assertEquals(Map.of("eu/2", 2L, "eu/3", 3L), icebergRows(catalog, "orders"));
        assertEquals(Map.of("eu/2", 2L, "eu/3", 3L),
                walkedRows(MetadataWalk.of(work.resolve("warehouse"), "shop", "orders")));
    }

    @Test
    void build_withSeveralTablesAndNeitherQueryNorOtfRouting_isRefusedNamingBoth() {
        IcebergCatalog catalog = catalog();
        DeliveryException e = assertThrows(DeliveryException.class, () -> open(builder(catalog)));
        assertEquals(ErrorCode.INVALID_ARGUMENT, e.errorCode());
        assertTrue(e.getMessage().contains("routingQuery") && e.getMessage().contains("routeByOtfMetadata(true)"),
                e.getMessage());
    }
}
