package dev.sluice.iceberg;

import dev.sluice.delivery.BufferingHints;
import dev.sluice.delivery.DeliveryException;
import dev.sluice.delivery.DeliveryStream;
import dev.sluice.delivery.ErrorCode;
import dev.sluice.delivery.Sink;
import dev.sluice.delivery.SinkObject;
import dev.sluice.delivery.SinkResult;
import dev.sluice.stream.StreamEngine;
import dev.sluice.stream.testing.ManualClock;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.types.Types;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class IcebergDestinationTest extends EmbeddedCatalogTest {

    static final String CLICK = """
            {"type":"record","name":"click","fields":[
              {"name":"id","type":"long"},
              {"name":"user","type":"string"},
              {"name":"country","type":["null","string"],"default":null},
              {"name":"ts","type":{"type":"long","logicalType":"timestamp-micros"}},
              {"name":"tags","type":["null",{"type":"array","items":"string"}],"default":null}]}""";

    static final String CLICK_V2 = CLICK.substring(0, CLICK.lastIndexOf("]}"))
            + ",\n  {\"name\":\"referrer\",\"type\":[\"null\",\"string\"],\"default\":null}]}";

    static final Instant T0 = Instant.parse("2026-05-06T22:30:00Z");

    static byte[] click(int id) {
        // Three hours either side of midnight: records of two days; countries in three values.
        Instant ts = T0.plusSeconds(60L * (id % 360) - 3 * 3600 + 3 * 3600L * (id % 2));
        String country = id % 5 == 0 ? "null" : "\"" + List.of("NO", "PE", "JP").get(id % 3) + "\"";
        return ("{\"id\":" + id + ",\"user\":\"u" + (id % 7) + "\",\"country\":" + country + ",\"ts\":\""
                + ts + "\",\"tags\":[\"t" + (id % 4) + "\"]}").getBytes(StandardCharsets.UTF_8);
    }

    private DeliveryStream stream(IcebergDestination destination, Path errors) {
        ManualClock clock = new ManualClock(T0);
        return DeliveryStream.builder().name("clicks").clock(clock).ticker(clock).sink(destination)
                .errorOutputSink(Sink.localBucket(errors)).bufferingHints(new BufferingHints(16 << 10,
                        Duration.ofSeconds(60))).build();
    }

    private static void put(DeliveryStream stream, int from, int to) {
        for (int start = from; start < to; start += 100) {
            List<byte[]> batch = new ArrayList<>();
            for (int i = start; i < Math.min(to, start + 100); i++) {
                batch.add(click(i));
            }
            assertEquals(0, stream.putRecordBatch(batch).failedPutCount());
        }
        stream.flush();
    }

    @Test
    void directPut_unpartitioned_bothReadersSeeEveryRecordOnceWithFieldIds() throws Exception {
        IcebergCatalog catalog = catalog();
        IcebergDestination destination = IcebergDestination.builder().catalog(catalog)
                .table(DestinationTableConfiguration.of("web", "clicks", CLICK))
                .errorOutputSink(Sink.localBucket(work.resolve("errors"))).build();
        try (DeliveryStream stream = stream(destination, work.resolve("errors"))) {
            put(stream, 0, 1000);
            assertEquals(1000, stream.stats().deliveredRecords());
        }

        MetadataWalk walk = MetadataWalk.of(work.resolve("warehouse"), "web", "clicks");
        assertEquals(1000, walk.totalRecords());
        assertTrue(walk.files.size() > 1, "16 KiB buffers give several files: " + walk.files.size());
        assertEquals(walk.files.size(), walk.committedObjectKeys().size(), "one file per delivery object");
        assertEquals(walk.files.size(), Set.copyOf(walk.committedObjectKeys()).size(), "each object once");
        assertTrue(walk.snapshotSummaries().stream().allMatch(s -> s.containsKey("sluice.object-key")));
        Map<String, Integer> ids = walk.currentSchemaIds();
        assertEquals(List.of("id", "user", "country", "ts", "tags"), List.copyOf(ids.keySet()));
        Map<String, Integer> fileIds = MetadataWalk.parquetFieldIds(walk.files.get(0).path());
        for (Map.Entry<String, Integer> column : ids.entrySet()) {
            assertEquals(column.getValue(), fileIds.get(column.getKey()), "field id of " + column.getKey());
        }
        List<List<Object>> rows = walk.duckdb("SELECT count(*), count(DISTINCT id), min(id), max(id),"
                + " count(country), sum(len(tags)) FROM FILES");
        assertEquals(List.of(1000L, 1000L, 0L, 999L, 800L, 1000L), rows.get(0).stream()
                .map(v -> ((Number) v).longValue()).toList());
        assertEquals("2026-05-06 19:30:00+00", walk.duckdb("SELECT strftime(min(ts) AT TIME ZONE 'UTC',"
                + " '%Y-%m-%d %H:%M:%S+00') FROM FILES").get(0).get(0));

        Table table = catalog.catalog().loadTable(TableIdentifier.of("web", "clicks"));
        Set<Long> seen = new HashSet<>();
        try (CloseableIterable<Record> records = IcebergGenerics.read(table).build()) {
            for (Record r : records) {
                assertTrue(seen.add((Long) r.getField("id")), "duplicate " + r);
                if ((Long) r.getField("id") == 7L) {
                    assertEquals("u0", r.getField("user"));
                    assertEquals("PE", r.getField("country"));
                    assertEquals(List.of("t3"), r.getField("tags"));
                    assertEquals(T0.plusSeconds(7 * 60).atOffset(ZoneOffset.UTC), r.getField("ts"));
                }
            }
        }
        assertEquals(1000, seen.size());
    }

    @Test
    void partitioned_dayIdentityBucket_filesHoldOnePartitionEach() throws Exception {
        IcebergCatalog catalog = catalog();
        IcebergDestination destination = IcebergDestination.builder().catalog(catalog)
                .table(DestinationTableConfiguration.of("web", "clicks", CLICK).withPartitioning(
                        PartitionField.day("ts"), PartitionField.identity("country"),
                        PartitionField.bucket("user", 4)))
                .errorOutputSink(Sink.localBucket(work.resolve("errors"))).build();
        try (DeliveryStream stream = stream(destination, work.resolve("errors"))) {
            put(stream, 0, 600);
        }

        MetadataWalk walk = MetadataWalk.of(work.resolve("warehouse"), "web", "clicks");
        assertEquals(600, walk.totalRecords());
        Set<Object> days = new HashSet<>();
        Set<Object> buckets = new HashSet<>();
        for (MetadataWalk.DataFileEntry file : walk.files) {
            assertEquals(List.of("ts_day", "country", "user_bucket"), List.copyOf(file.partition().keySet()));
            List<List<Object>> rows = new MetadataWalk(file).duckdb("SELECT DISTINCT CAST(ts AT TIME ZONE 'UTC' AS"
                    + " DATE), country, user FROM FILES");
            Object day = file.partition().get("ts_day");
            days.add(day);
            Object bucket = file.partition().get("user_bucket");
            buckets.add(bucket);
            assertTrue((Integer) bucket >= 0 && (Integer) bucket < 4, file.toString());
            for (List<Object> row : rows) {
                assertEquals(LocalDate.ofEpochDay((Integer) day).toString(), row.get(0).toString(), file.path());
                assertEquals(file.partition().get("country"), row.get(1), file.path());
            }
            assertTrue(file.path().contains("/ts_day=" + LocalDate.ofEpochDay((Integer) day) + "/"), file.path());
        }
        assertEquals(2, days.size());
        assertTrue(buckets.size() > 1);
        // Every user lands in exactly one bucket across all files.
        Map<Object, Set<Object>> bucketsOfUser = new HashMap<>();
        for (MetadataWalk.DataFileEntry file : walk.files) {
            for (List<Object> row : new MetadataWalk(file).duckdb("SELECT DISTINCT user FROM FILES")) {
                bucketsOfUser.computeIfAbsent(row.get(0), u -> new HashSet<>()).add(file.partition().get("user_bucket"));
            }
        }
        assertTrue(bucketsOfUser.values().stream().allMatch(s -> s.size() == 1), bucketsOfUser.toString());

        Table table = catalog.catalog().loadTable(TableIdentifier.of("web", "clicks"));
        long count = 0;
        try (CloseableIterable<Record> records = IcebergGenerics.read(table)
                .where(org.apache.iceberg.expressions.Expressions.equal("country", "JP")).build()) {
            for (Record r : records) {
                if ("JP".equals(r.getField("country"))) {
                    count++;
                }
            }
        }
        assertEquals(walk.duckdb("SELECT count(*) FROM FILES WHERE country = 'JP'").get(0).get(0),
                count);
    }

    @Test
    void schemaEvolution_addedOptionalField_newColumnOldRowsNull() throws Exception {
        IcebergCatalog catalog = catalog();
        Sink errors = Sink.localBucket(work.resolve("errors"));
        try (DeliveryStream stream = stream(IcebergDestination.builder().catalog(catalog)
                .table(DestinationTableConfiguration.of("web", "clicks", CLICK)).errorOutputSink(errors).build(),
                work.resolve("errors"))) {
            put(stream, 0, 100);
        }
        Map<String, Integer> before = MetadataWalk.of(work.resolve("warehouse"), "web", "clicks").currentSchemaIds();
        try (DeliveryStream stream = stream(IcebergDestination.builder().catalog(catalog)
                .table(DestinationTableConfiguration.of("web", "clicks", CLICK_V2)).errorOutputSink(errors).build(),
                work.resolve("errors"))) {
            for (int i = 100; i < 150; i++) {
                String json = new String(click(i), StandardCharsets.UTF_8);
                stream.putRecord((json.substring(0, json.length() - 1) + ",\"referrer\":\"r" + i + "\"}")
                        .getBytes(StandardCharsets.UTF_8));
            }
            stream.flush();
            assertEquals(50, stream.stats().deliveredRecords());
        }

        MetadataWalk walk = MetadataWalk.of(work.resolve("warehouse"), "web", "clicks");
        Map<String, Integer> after = walk.currentSchemaIds();
        assertEquals(List.of("id", "user", "country", "ts", "tags", "referrer"), List.copyOf(after.keySet()));
        for (String column : before.keySet()) {
            assertEquals(before.get(column), after.get(column), "ids of existing columns never change");
        }
        assertEquals(150, walk.totalRecords());
        assertEquals(List.of(100L, 50L), walk.duckdb("SELECT count(*) - count(referrer), count(referrer) FROM FILES")
                .get(0).stream().map(v -> ((Number) v).longValue()).toList());

        Table table = catalog.catalog().loadTable(TableIdentifier.of("web", "clicks"));
        assertTrue(table.schema().findField("referrer").isOptional());
        assertEquals(Types.StringType.get(), table.schema().findField("referrer").type());
        int nulls = 0;
        int set = 0;
        try (CloseableIterable<Record> records = IcebergGenerics.read(table).build()) {
            for (Record r : records) {
                long id = (Long) r.getField("id");
                if (id < 100) {
                    assertNull(r.getField("referrer"));
                    nulls++;
                } else {
                    assertEquals("r" + id, r.getField("referrer"));
                    set++;
                }
            }
        }
        assertEquals(100, nulls);
        assertEquals(50, set);
    }

    @Test
    void routing_twoTablesByJq_recordsSplitAndUnroutableToErrorOutput() throws Exception {
        IcebergCatalog catalog = catalog();
        String view = "{\"type\":\"record\",\"name\":\"v\",\"fields\":[{\"name\":\"page\",\"type\":\"string\"}]}";
        String buy = "{\"type\":\"record\",\"name\":\"b\",\"fields\":[{\"name\":\"sku\",\"type\":\"string\"},"
                + "{\"name\":\"qty\",\"type\":\"int\"}]}";
        IcebergDestination destination = IcebergDestination.builder().catalog(catalog)
                .table(DestinationTableConfiguration.of("shop", "views", view))
                .table(DestinationTableConfiguration.of("shop", "purchases", buy).withErrorOutputPrefix("bad-buys/"))
                .routingQuery("{destinationDatabaseName: \"shop\", destinationTableName: .kind}")
                .errorOutputSink(Sink.localBucket(work.resolve("errors"))).build();
        try (DeliveryStream stream = stream(destination, work.resolve("errors"))) {
            List<byte[]> batch = new ArrayList<>();
            for (int i = 0; i < 30; i++) {
                batch.add(("{\"kind\":\"views\",\"page\":\"/p" + i + "\"}").getBytes(StandardCharsets.UTF_8));
                batch.add(("{\"kind\":\"purchases\",\"sku\":\"s" + i + "\",\"qty\":" + i + "}")
                        .getBytes(StandardCharsets.UTF_8));
            }
            batch.add("{\"kind\":\"refunds\",\"sku\":\"x\"}".getBytes(StandardCharsets.UTF_8));
            batch.add("{\"kind\":\"purchases\",\"sku\":\"y\",\"qty\":\"many\"}".getBytes(StandardCharsets.UTF_8));
            stream.putRecordBatch(batch);
            stream.flush();
            // The two records the destination sent to its error output count there, not as delivered.
            assertEquals(60, stream.stats().deliveredRecords());
            assertEquals(2, stream.stats().errorOutputRecords());
            assertTrue(stream.stats().reconciles(), stream.stats().toString());
        }
        MetadataWalk views = MetadataWalk.of(work.resolve("warehouse"), "shop", "views");
        MetadataWalk purchases = MetadataWalk.of(work.resolve("warehouse"), "shop", "purchases");
        assertEquals(30, views.totalRecords());
        assertEquals(30, purchases.totalRecords());
        assertEquals(List.of(30L, 435L), purchases.duckdb("SELECT count(DISTINCT sku), sum(qty) FROM FILES").get(0)
                .stream().map(v -> ((Number) v).longValue()).toList());
        assertEquals(views.snapshotSummaries().get(0).get("sluice.object-key"),
                purchases.snapshotSummaries().get(0).get("sluice.object-key"), "one object, one append per table");

        List<String> errorFiles;
        try (Stream<Path> walk = Files.walk(work.resolve("errors"))) {
            errorFiles = walk.filter(Files::isRegularFile).map(p -> work.resolve("errors").relativize(p).toString())
                    .sorted().toList();
        }
        assertEquals(2, errorFiles.size(), errorFiles.toString());
        String unknown = Files.readString(work.resolve("errors").resolve(errorFiles.stream()
                .filter(f -> f.startsWith("iceberg-failed/")).findFirst().orElseThrow()));
        assertTrue(unknown.contains("\"errorCode\":\"Iceberg.NoSuchTable\""), unknown);
        assertTrue(unknown.contains("\"destinationTableName\":\"refunds\""), unknown);
        String mismatch = Files.readString(work.resolve("errors").resolve(errorFiles.stream()
                .filter(f -> f.startsWith("bad-buys/")).findFirst().orElseThrow()));
        assertTrue(mismatch.contains("\"errorCode\":\"DataFormatConversion.SchemaMismatch\""), mismatch);
    }

    @Test
    void write_sameObjectTwiceAndAfterRestart_appendsOnce() throws Exception {
        IcebergCatalog catalog = catalog();
        DestinationTableConfiguration config = DestinationTableConfiguration.of("web", "clicks", CLICK);
        SinkObject object = new SinkObject("2026/05/06/22/clicks-1-2026-05-06-22-30-00-shardId-000000000000-1-2",
                ByteBuffer.allocate(0), "application/octet-stream",
                List.of(ByteBuffer.wrap(click(1)), ByteBuffer.wrap(click(2))), "req-1", true, T0);
        try (IcebergDestination first = IcebergDestination.builder().catalog(catalog).table(config)
                .errorOutputSink(Sink.localBucket(work.resolve("errors"))).build()) {
            assertEquals(SinkResult.CREATED, first.write(object));
            assertEquals(SinkResult.ALREADY_EXISTS, first.write(object));
        }
        try (IcebergCatalog reopened = IcebergCatalog.embedded(work.resolve("warehouse"));
             IcebergDestination restarted = IcebergDestination.builder().catalog(reopened).table(config)
                     .errorOutputSink(Sink.localBucket(work.resolve("errors"))).build()) {
            assertEquals(SinkResult.ALREADY_EXISTS, restarted.write(object));
        }
        MetadataWalk walk = MetadataWalk.of(work.resolve("warehouse"), "web", "clicks");
        assertEquals(2, walk.totalRecords());
        assertEquals(1, walk.snapshotSummaries().size());
        assertEquals("req-1", walk.snapshotSummaries().get(0).get("sluice.request-id"));
    }

    @Test
    void build_invalidConfigurations_failWithInvalidArgumentNamingTheProblem() {
        IcebergCatalog catalog = catalog();
        Sink errors = Sink.localBucket(work.resolve("errors"));
        String millis = CLICK.replace("timestamp-micros", "timestamp-millis");
        assertMessage("field ts is timestamp-millis", () -> IcebergDestination.builder().catalog(catalog)
                .table(DestinationTableConfiguration.of("web", "a", millis)).errorOutputSink(errors).build());
        assertMessage("unique key 'tags' of table web.a has type array", () -> new DestinationTableConfiguration(
                "web", "a", CLICK, List.of(), List.of("tags"), ""));
        assertMessage("routingQuery must be set", () -> IcebergDestination.builder().catalog(catalog)
                .table(DestinationTableConfiguration.of("web", "a", CLICK))
                .table(DestinationTableConfiguration.of("web", "b", CLICK)).errorOutputSink(errors).build());
        assertMessage("(at Day[column=user])", () -> IcebergDestination.builder().catalog(catalog)
                .table(DestinationTableConfiguration.of("web", "a", CLICK).withPartitioning(PartitionField.day("user")))
                .errorOutputSink(errors).build());
        assertMessage("table must be 1 to 255 characters", () -> DestinationTableConfiguration.of("web", "a.b", CLICK));
        assertMessage("bucket count must be in [1, 1000000] but was 0", () -> PartitionField.bucket("user", 0));
        assertMessage("errorOutputSink must be set", () -> IcebergDestination.builder().catalog(catalog)
                .table(DestinationTableConfiguration.of("web", "a", CLICK)).build());
        assertMessage("not a valid JQ expression", () -> IcebergDestination.builder().catalog(catalog)
                .table(DestinationTableConfiguration.of("web", "a", CLICK)).routingQuery("{").errorOutputSink(errors)
                .build());
    }

    @Test
    void streamSource_retryLongerThanSnapshotRetention_refusedNamingBothUnlessExpiryIsOff() throws Exception {
        IcebergCatalog catalog = catalog();
        Sink errors = Sink.localBucket(work.resolve("errors"));
        try (StreamEngine engine = StreamEngine.builder().build()) {
            engine.createStream("src", 1);
            // The default retention (1 h) holds the default retry (300 s) and up to 55 min of retries.
            fromSource(engine, destination(catalog, errors, b -> { }), null).close();
            fromSource(engine, destination(catalog, errors, b -> { }), Duration.ofMinutes(55)).close();
            IcebergDestination tooShort = destination(catalog, errors, b -> { });
            assertMessage("retryDuration PT56M is too long for the sink's re-delivery window PT1H",
                    () -> fromSource(engine, tooShort, Duration.ofMinutes(56)));
            tooShort.close();
            IcebergDestination minimum = destination(catalog, errors, b -> b.snapshotRetention(Duration.ofMinutes(10)));
            assertMessage("an Iceberg destination's snapshotRetention",
                    () -> fromSource(engine, minimum, Duration.ofMinutes(6)));
            minimum.close();
            // Longer retention, expiry left to the table's maintenance, or no source: nothing to refuse.
            fromSource(engine, destination(catalog, errors, b -> b.snapshotRetention(Duration.ofHours(25))),
                    DeliveryStream.MAX_RETRY_DURATION).close();
            fromSource(engine, destination(catalog, errors, b -> b.expireSnapshots(false)),
                    DeliveryStream.MAX_RETRY_DURATION).close();
            DeliveryStream.builder().name("direct").sink(destination(catalog, errors, b -> { })).errorOutputSink(errors)
                    .retryDuration(DeliveryStream.MAX_RETRY_DURATION).build().close();
        }
    }

    private static IcebergDestination destination(IcebergCatalog catalog, Sink errors,
                                                  java.util.function.Consumer<IcebergDestination.Builder> settings) {
        IcebergDestination.Builder builder = IcebergDestination.builder().catalog(catalog)
                .table(DestinationTableConfiguration.of("web", "a", CLICK)).errorOutputSink(errors);
        settings.accept(builder);
        return builder.build();
    }

    private DeliveryStream fromSource(StreamEngine engine, IcebergDestination destination, Duration retry) {
        DeliveryStream.Builder builder = DeliveryStream.builder().name("clicks").sink(destination)
                .errorOutputSink(Sink.localBucket(work.resolve("errors")))
                .kinesisStreamSource(engine, "src", work.resolve("state"));
        if (retry != null) {
            builder.retryDuration(retry);
        }
        return builder.build();
    }

    @Test
    void build_existingTableWithIncompatibleColumn_failsNamingTheColumn() {
        IcebergCatalog catalog = catalog();
        Sink errors = Sink.localBucket(work.resolve("errors"));
        IcebergDestination.builder().catalog(catalog).table(DestinationTableConfiguration.of("web", "a", CLICK))
                .errorOutputSink(errors).build();
        assertMessage("column user of table web.a is string but the delivery schema makes it long", () ->
                IcebergDestination.builder().catalog(catalog).table(DestinationTableConfiguration.of("web", "a",
                        CLICK.replace("\"name\":\"user\",\"type\":\"string\"", "\"name\":\"user\",\"type\":\"long\"")))
                        .errorOutputSink(errors).build());
        assertMessage("column id of table web.a is required but the delivery schema lacks it", () ->
                IcebergDestination.builder().catalog(catalog).table(DestinationTableConfiguration.of("web", "a",
                        CLICK.replace("{\"name\":\"id\",\"type\":\"long\"},", "")))
                        .errorOutputSink(errors).build());
    }

    private static void assertMessage(String expected, org.junit.jupiter.api.function.Executable call) {
        DeliveryException e = assertThrows(DeliveryException.class, call);
        assertEquals(ErrorCode.INVALID_ARGUMENT, e.errorCode());
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }
}
