package dev.sluice.iceberg;

import dev.sluice.delivery.DeliveryException;
import dev.sluice.delivery.ErrorCode;
import dev.sluice.delivery.Sink;
import dev.sluice.delivery.SinkObject;
import dev.sluice.delivery.SinkResult;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.io.CloseableIterable;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Firehose's unique-keys upsert/delete: one RowDelta per object, read back by Iceberg and by the metadata walk. */
class IcebergUpsertTest extends EmbeddedCatalogTest {

    static final String ORDER = """
            {"type":"record","name":"order","fields":[
              {"name":"id","type":"long"},
              {"name":"region","type":"string"},
              {"name":"customer","type":"string"},
              {"name":"amount","type":["null","long"],"default":null},
              {"name":"score","type":["null","double"],"default":null}]}""";

    static final String ROUTE = "{destinationDatabaseName: \"shop\", destinationTableName: .table, operation: .op}";

    private IcebergDestination destination(IcebergCatalog catalog, DestinationTableConfiguration... tables) {
        IcebergDestination.Builder builder = IcebergDestination.builder().catalog(catalog).routingQuery(ROUTE)
                .errorOutputSink(Sink.localBucket(work.resolve("errors")));
        for (DestinationTableConfiguration table : tables) {
            builder.table(table);
        }
        IcebergDestination destination = builder.build();
        closing.add(destination);
        return destination;
    }

    static String order(String op, long id, String region, long amount) {
        return "{\"table\":\"orders\",\"op\":" + (op == null ? "null" : "\"" + op + "\"") + ",\"id\":" + id
                + ",\"region\":\"" + region + "\",\"customer\":\"c" + (id % 3) + "\",\"amount\":" + amount + "}";
    }

    static SinkObject object(String key, List<String> records) {
        List<ByteBuffer> views = records.stream()
                .map(r -> ByteBuffer.wrap(r.getBytes(StandardCharsets.UTF_8))).toList();
        return new SinkObject(key, ByteBuffer.allocate(0), "application/json", views, "req-" + key, true,
                Instant.parse("2026-05-06T22:30:00Z"));
    }

    /** Key to amount as Iceberg's own reader sees the table; fails on a key seen twice. */
    static Map<String, Long> icebergRows(IcebergCatalog catalog, String table) throws Exception {
        Table t = catalog.catalog().loadTable(TableIdentifier.of("shop", table));
        Map<String, Long> rows = new TreeMap<>();
        try (CloseableIterable<Record> records = IcebergGenerics.read(t).build()) {
            for (Record r : records) {
                String key = r.getField("region") + "/" + r.getField("id");
                assertEquals(null, rows.put(key, (Long) r.getField("amount")), "key " + key + " twice");
            }
        }
        return rows;
    }

    /** Key to amount as the independent walk sees the table, equality deletes applied by the walk. */
    static Map<String, Long> walkedRows(MetadataWalk walk) throws Exception {
        Map<String, Long> rows = new TreeMap<>();
        for (Map<String, Object> r : walk.liveRows()) {
            String key = r.get("region") + "/" + r.get("id");
            assertEquals(null, rows.put(key, r.get("amount") == null ? null : ((Number) r.get("amount")).longValue()),
                    "key " + key + " twice");
        }
        return rows;
    }

    @Test
    void upsert_twoObjects_eachKeyHasExactlyItsLatestRowForBothReaders() throws Exception {
        IcebergCatalog catalog = catalog();
        IcebergDestination destination = destination(catalog,
                DestinationTableConfiguration.of("shop", "orders", ORDER).withUniqueKeys("id"));
        Map<String, Long> expected = new TreeMap<>();
        List<String> first = new ArrayList<>();
        for (long id = 0; id < 50; id++) {
            first.add(order(id % 2 == 0 ? null : "insert", id, "eu", id));
            expected.put("eu/" + id, id);
        }
        // Within one object the operations of a key apply in order.
        first.add(order("update", 5, "eu", 500));
        first.add(order("update", 5, "eu", 501));
        expected.put("eu/5", 501L);
        first.add("{\"table\":\"orders\",\"op\":\"delete\",\"id\":7}");
        expected.remove("eu/7");
        first.add(order("insert", 200, "eu", 1));
        first.add(order("DELETE", 200, "eu", 0));
        first.add(order("delete", 201, "eu", 0));
        first.add(order("insert", 201, "eu", 2010));
        expected.put("eu/201", 2010L);
        assertEquals(SinkResult.CREATED, destination.write(object("o1", first)));
        assertEquals(expected, icebergRows(catalog, "orders"));

        List<String> second = new ArrayList<>();
        for (long id = 0; id < 10; id++) {
            second.add(order("update", id, "eu", 1000 + id));
            expected.put("eu/" + id, 1000 + id);
        }
        for (long id = 10; id < 20; id++) {
            second.add("{\"table\":\"orders\",\"op\":\"delete\",\"id\":" + id + ",\"note\":\"gone\"}");
            expected.remove("eu/" + id);
        }
        second.add(order("update", 300, "eu", 3000));
        expected.put("eu/300", 3000L);
        second.add(order("delete", 201, "eu", 0));
        expected.remove("eu/201");
        assertEquals(SinkResult.CREATED, destination.write(object("o2", second)));

        assertEquals(expected, icebergRows(catalog, "orders"));
        MetadataWalk walk = MetadataWalk.of(work.resolve("warehouse"), "shop", "orders");
        assertEquals(expected, walkedRows(walk));
        assertEquals(2, walk.snapshotSummaries().size(), "one RowDelta per object");
        assertEquals(List.of("o1", "o2"), walk.snapshotSummaries().stream().map(s -> s.get("sluice.object-key"))
                .toList());
        assertEquals(2, walk.deleteFiles.size(), "one equality-delete file per object (unpartitioned)");
        int idField = walk.currentSchemaIds().get("id");
        for (MetadataWalk.DeleteFileEntry delete : walk.deleteFiles) {
            assertEquals(List.of(idField), delete.equalityIds());
            assertEquals(Map.of("id", idField), MetadataWalk.parquetFieldIds(delete.path()));
        }
        // The first object's deletes (5, 7, 200, 201) and the second's (0-19, 300, 201): keys only.
        assertEquals(List.of(4L, 22L), walk.deleteFiles.stream().map(MetadataWalk.DeleteFileEntry::recordCount)
                .sorted().toList());

        // A retry (or a restarted process) of a committed object changes nothing.
        assertEquals(SinkResult.ALREADY_EXISTS, destination.write(object("o2", second)));
        assertEquals(SinkResult.ALREADY_EXISTS, destination.write(object("o1", first)));
        assertEquals(expected, icebergRows(catalog, "orders"));
        assertEquals(2, MetadataWalk.of(work.resolve("warehouse"), "shop", "orders").snapshotSummaries().size());
    }

    @Test
    void upsert_partitionedByKeyColumn_deletesApplyWithinTheirPartition() throws Exception {
        IcebergCatalog catalog = catalog();
        IcebergDestination destination = destination(catalog,
                DestinationTableConfiguration.of("shop", "orders", ORDER).withUniqueKeys("region", "id")
                        .withPartitioning(PartitionField.identity("region")));
        Map<String, Long> expected = new TreeMap<>();
        List<String> first = new ArrayList<>();
        for (long id = 0; id < 20; id++) {
            for (String region : List.of("eu", "us")) {
                first.add(order("insert", id, region, id));
                expected.put(region + "/" + id, id);
            }
        }
        assertEquals(SinkResult.CREATED, destination.write(object("p1", first)));
        List<String> second = new ArrayList<>();
        for (long id = 0; id < 5; id++) {
            second.add(order("update", id, "eu", 100 + id));
            expected.put("eu/" + id, 100 + id);
            second.add("{\"table\":\"orders\",\"op\":\"delete\",\"region\":\"us\",\"id\":" + (id + 10) + "}");
            expected.remove("us/" + (id + 10));
        }
        assertEquals(SinkResult.CREATED, destination.write(object("p2", second)));

        assertEquals(expected, icebergRows(catalog, "orders"));
        MetadataWalk walk = MetadataWalk.of(work.resolve("warehouse"), "shop", "orders");
        assertEquals(expected, walkedRows(walk));
        assertEquals(2, walk.deleteFiles.size(), "one equality-delete file per partition touched");
        for (MetadataWalk.DeleteFileEntry delete : walk.deleteFiles) {
            assertEquals(List.of("region"), List.copyOf(delete.partition().keySet()));
            assertTrue(delete.path().contains("/region=" + delete.partition().get("region") + "/"), delete.path());
        }
    }

    @Test
    void badRecords_goToTheErrorOutputWithFirehoseCodes_andTheRestCommits() throws Exception {
        IcebergCatalog catalog = catalog();
        IcebergDestination destination = destination(catalog,
                DestinationTableConfiguration.of("shop", "orders", ORDER).withUniqueKeys("id"),
                DestinationTableConfiguration.of("shop", "log", ORDER));
        List<String> records = List.of(
                order("insert", 1, "eu", 1),
                order("update", 2, "eu", 2).replace("\"orders\"", "\"log\""),
                order("delete", 3, "eu", 3).replace("\"orders\"", "\"log\""),
                order("insert", 4, "eu", 4).replace("\"orders\"", "\"log\""),
                "{\"table\":\"orders\",\"op\":\"delete\",\"region\":\"eu\"}",
                "{\"table\":\"orders\",\"op\":\"update\",\"id\":null,\"region\":\"eu\",\"customer\":\"c\"}",
                order("upsert", 5, "eu", 5),
                "{\"table\":\"orders\",\"op\":7,\"id\":6}");
        assertEquals(SinkResult.CREATED, destination.write(object("bad", records)));

        assertEquals(Map.of("eu/1", 1L), icebergRows(catalog, "orders"));
        assertEquals(Map.of("eu/4", 4L), icebergRows(catalog, "log"));
        List<String> lines = new ArrayList<>();
        try (Stream<Path> files = Files.walk(work.resolve("errors"))) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                lines.addAll(Files.readAllLines(file));
            }
        }
        assertEquals(6, lines.size(), String.join("\n", lines));
        assertEquals(2, lines.stream().filter(l -> l.contains("\"errorCode\":\"Iceberg.MissingUniqueKeys\"")
                && l.contains("\"destinationTableName\":\"log\"")).count(), String.join("\n", lines));
        assertEquals(2, lines.stream().filter(l -> l.contains("\"errorCode\":\"Iceberg.InvalidUniqueKeys\"")
                && l.contains("unique key id")).count(), String.join("\n", lines));
        assertEquals(2, lines.stream().filter(l -> l.contains("\"errorCode\":\"Iceberg.InvalidOperation\""))
                .count(), String.join("\n", lines));
    }

    @Test
    void uniqueKeys_notATopLevelField_isRefusedNamingIt() {
        DeliveryException e = assertThrows(DeliveryException.class,
                () -> DestinationTableConfiguration.of("shop", "orders", ORDER).withUniqueKeys("order_id"));
        assertEquals(ErrorCode.INVALID_ARGUMENT, e.errorCode());
        assertTrue(e.getMessage().contains("order_id") && e.getMessage().contains("[id, region, customer"),
                e.getMessage());
    }

    @Test
    void uniqueKeys_floatingPointOrRepeated_areRefused() {
        DeliveryException floating = assertThrows(DeliveryException.class,
                () -> DestinationTableConfiguration.of("shop", "orders", ORDER).withUniqueKeys("score"));
        assertTrue(floating.getMessage().contains("score") && floating.getMessage().contains("double"),
                floating.getMessage());
        DeliveryException twice = assertThrows(DeliveryException.class,
                () -> DestinationTableConfiguration.of("shop", "orders", ORDER).withUniqueKeys("id", "id"));
        assertTrue(twice.getMessage().contains("twice"), twice.getMessage());
    }

    @Test
    void uniqueKeys_partitionSourceNotAKey_isRefusedAtBuild() {
        IcebergCatalog catalog = catalog();
        DeliveryException e = assertThrows(DeliveryException.class, () -> destination(catalog,
                DestinationTableConfiguration.of("shop", "orders", ORDER).withUniqueKeys("id")
                        .withPartitioning(PartitionField.identity("region"))));
        assertEquals(ErrorCode.INVALID_ARGUMENT, e.errorCode());
        assertTrue(e.getMessage().contains("region") && e.getMessage().contains("unique keys"), e.getMessage());
    }
}
