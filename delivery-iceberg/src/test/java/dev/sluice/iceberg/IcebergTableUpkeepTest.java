package dev.sluice.iceberg;

import dev.sluice.delivery.DeliveryException;
import dev.sluice.delivery.Sink;
import dev.sluice.delivery.SinkObject;
import dev.sluice.delivery.SinkResult;
import dev.sluice.stream.testing.ManualClock;
import org.apache.avro.generic.GenericRecord;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.DataFiles;
import org.apache.iceberg.FileFormat;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.io.CloseableIterable;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Commit protocol (group commit, committed-key index), snapshot expiry and column metrics of destination tables. */
class IcebergTableUpkeepTest extends EmbeddedCatalogTest {

    private IcebergDestination.Builder destination(IcebergCatalog catalog) {
        return IcebergDestination.builder().catalog(catalog)
                .table(DestinationTableConfiguration.of("web", "clicks", IcebergDestinationTest.CLICK))
                .errorOutputSink(Sink.localBucket(work.resolve("errors")));
    }

    /** Object {@code n}: records {@code n*100 .. n*100+99}, key derived from n as a stream source's would be. */
    private static SinkObject object(int n) {
        List<ByteBuffer> records = new ArrayList<>();
        for (int i = n * 100; i < n * 100 + 100; i++) {
            records.add(ByteBuffer.wrap(IcebergDestinationTest.click(i)));
        }
        return new SinkObject("2026/05/06/22/clicks-shardId-000000000000-" + n, ByteBuffer.allocate(0),
                "application/octet-stream", records, "req-" + n, true, IcebergDestinationTest.T0);
    }

    private static Set<Long> ids(Table table) throws Exception {
        table.refresh();
        Set<Long> seen = new HashSet<>();
        try (CloseableIterable<Record> records = IcebergGenerics.read(table).build()) {
            for (Record r : records) {
                assertTrue(seen.add((Long) r.getField("id")), "duplicate " + r);
            }
        }
        return seen;
    }

    private static Set<Long> range(int objects) {
        Set<Long> ids = new HashSet<>();
        for (long i = 0; i < objects * 100L; i++) {
            ids.add(i);
        }
        return ids;
    }

    @Test
    void write_concurrentObjects_eachCommittedOnceAndRetriesFindThem() throws Exception {
        IcebergCatalog catalog = catalog();
        int threads = 6;
        int perThread = 5;
        try (IcebergDestination destination = destination(catalog).build()) {
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            try {
                CyclicBarrier start = new CyclicBarrier(threads);
                List<Future<List<SinkResult>>> results = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    int first = t * perThread;
                    results.add(pool.submit(() -> {
                        start.await();
                        List<SinkResult> out = new ArrayList<>();
                        for (int n = first; n < first + perThread; n++) {
                            out.add(destination.write(object(n)));
                        }
                        return out;
                    }));
                }
                for (Future<List<SinkResult>> f : results) {
                    assertEquals(List.of(SinkResult.CREATED, SinkResult.CREATED, SinkResult.CREATED,
                            SinkResult.CREATED, SinkResult.CREATED), f.get());
                }
            } finally {
                pool.shutdownNow();
            }
            for (int n = 0; n < threads * perThread; n++) {
                assertEquals(SinkResult.ALREADY_EXISTS, destination.write(object(n)), "retry of object " + n);
            }
        }
        MetadataWalk walk = MetadataWalk.of(work.resolve("warehouse"), "web", "clicks");
        List<String> keys = walk.committedObjectKeys();
        assertEquals(threads * perThread, keys.size(), "every object listed once: " + keys);
        assertEquals(threads * perThread, Set.copyOf(keys).size());
        assertTrue(walk.snapshotSummaries().size() <= threads * perThread);
        assertEquals(threads * perThread * 100L, walk.totalRecords());
        assertEquals(range(threads * perThread), ids(catalog.catalog().loadTable(TableIdentifier.of("web",
                "clicks"))));
    }

    @Test
    void write_keysListedInAnEarlierGroupSnapshot_foundAfterRestart() throws Exception {
        IcebergCatalog catalog = catalog();
        try (IcebergDestination first = destination(catalog).build()) {
            assertEquals(SinkResult.CREATED, first.write(object(0)));
        }
        // A group commit as another process left it: one snapshot listing objects 1 and 2.
        Table table = catalog.catalog().loadTable(TableIdentifier.of("web", "clicks"));
        Path data = Files.createDirectories(work.resolve("foreign"));
        Path file = Files.write(data.resolve("empty.parquet"), new byte[]{1});
        DataFile placeholder = DataFiles.builder(table.spec()).withPath(file.toString())
                .withFormat(FileFormat.PARQUET).withFileSizeInBytes(1).withRecordCount(0).build();
        table.newAppend().appendFile(placeholder).set("sluice.object-key", object(1).key())
                .set("sluice.object-keys", object(1).key() + "\n" + object(2).key()).commit();

        try (IcebergDestination restarted = destination(catalog).build()) {
            assertEquals(SinkResult.ALREADY_EXISTS, restarted.write(object(0)));
            assertEquals(SinkResult.ALREADY_EXISTS, restarted.write(object(1)));
            assertEquals(SinkResult.ALREADY_EXISTS, restarted.write(object(2)), "second key of the group");
            assertEquals(SinkResult.CREATED, restarted.write(object(3)));
        }
        table.refresh();
        assertEquals(3, MetadataWalk.of(work.resolve("warehouse"), "web", "clicks").snapshotSummaries().size());
    }

    @Test
    void expiry_afterRetention_dropsOldSnapshotsAndTheirFilesKeepsDataAndExactlyOnce() throws Exception {
        IcebergCatalog catalog = catalog();
        // Iceberg stamps snapshots with the system clock, so the manual clock starts at the real time.
        ManualClock clock = new ManualClock(Instant.now());
        try (IcebergDestination destination = destination(catalog).clock(clock)
                .snapshotRetention(Duration.ofMinutes(10)).minSnapshotsToKeep(2).build()) {
            for (int n = 0; n < 5; n++) {
                assertEquals(SinkResult.CREATED, destination.write(object(n)));
            }
            List<String> oldLists = MetadataWalk.of(work.resolve("warehouse"), "web", "clicks").manifestLists();
            assertEquals(5, oldLists.size());
            clock.advance(Duration.ofMinutes(9));
            assertEquals(SinkResult.CREATED, destination.write(object(5)));
            assertEquals(0, destination.writer("web.clicks").expireSnapshots(),
                    "nothing expires within a retention of opening the table");

            clock.advance(Duration.ofMinutes(2));
            assertEquals(SinkResult.CREATED, destination.write(object(6)), "this commit schedules the expiry");
            await().atMost(Duration.ofSeconds(30)).until(() -> MetadataWalk.of(work.resolve("warehouse"), "web",
                    "clicks").snapshotSummaries().size() == 2);
            // The expiry commits the new metadata first and deletes the expired files after it.
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                for (String expired : oldLists) {
                    assertFalse(Files.exists(Path.of(expired)), "manifest list of an expired snapshot: " + expired);
                }
            });

            MetadataWalk walk = MetadataWalk.of(work.resolve("warehouse"), "web", "clicks");
            assertEquals(7, walk.files.size(), "every data file is still live");
            for (MetadataWalk.DataFileEntry f : walk.files) {
                assertTrue(Files.exists(Path.of(MetadataWalk.localPath(f.path()))), f.path());
            }
            assertEquals(700L, ((Number) walk.duckdb("SELECT count(DISTINCT id) FROM FILES").get(0).get(0))
                    .longValue());
            assertEquals(range(7), ids(catalog.catalog().loadTable(TableIdentifier.of("web", "clicks"))));

            // The evidence of objects 0..4 left with their snapshots; this process still remembers them.
            for (int n = 0; n < 7; n++) {
                assertEquals(SinkResult.ALREADY_EXISTS, destination.write(object(n)), "retry of object " + n);
            }
        }
        assertEquals(range(7), ids(catalog.catalog().loadTable(TableIdentifier.of("web", "clicks"))));
    }

    @Test
    void expiry_disabled_keepsEverySnapshot() throws Exception {
        IcebergCatalog catalog = catalog();
        ManualClock clock = new ManualClock(Instant.now());
        try (IcebergDestination destination = destination(catalog).clock(clock).expireSnapshots(false)
                .build()) {
            for (int n = 0; n < 3; n++) {
                destination.write(object(n));
                clock.advance(Duration.ofHours(2));
            }
            assertEquals(0, destination.writer("web.clicks").expireSnapshots());
        }
        assertEquals(3, MetadataWalk.of(work.resolve("warehouse"), "web", "clicks").snapshotSummaries().size());
    }

    @Test
    void build_retentionTooShortOrNoSnapshotsKept_invalidArgumentNamingTheOption() {
        IcebergCatalog catalog = catalog();
        DeliveryException shortRetention = assertThrows(DeliveryException.class,
                () -> destination(catalog).snapshotRetention(Duration.ofMinutes(1)).build());
        assertEquals("InvalidArgumentException", shortRetention.errorCode().code());
        assertTrue(shortRetention.getMessage().contains("snapshotRetention must be >= PT10M but was PT1M"),
                shortRetention.getMessage());
        DeliveryException none = assertThrows(DeliveryException.class,
                () -> destination(catalog).minSnapshotsToKeep(0).build());
        assertTrue(none.getMessage().contains("minSnapshotsToKeep must be >= 1 but was 0"), none.getMessage());
        DeliveryException negative = assertThrows(DeliveryException.class,
                () -> destination(catalog).minCommitInterval(Duration.ofMillis(-1)).build());
        assertEquals("InvalidArgumentException", negative.errorCode().code());
        assertTrue(negative.getMessage().contains("minCommitInterval must be from 0 to PT1M but was PT-0.001S"),
                negative.getMessage());
        DeliveryException tooLong = assertThrows(DeliveryException.class,
                () -> destination(catalog).minCommitInterval(Duration.ofSeconds(61)).build());
        assertTrue(tooLong.getMessage().contains("minCommitInterval must be from 0 to PT1M but was PT1M1S"),
                tooLong.getMessage());
        destination(catalog).minCommitInterval(Duration.ZERO).build().close();
        destination(catalog).minCommitInterval(IcebergDestination.MAX_MIN_COMMIT_INTERVAL).build().close();
    }

    @Test
    void dataFiles_carryCountsAndBoundsMatchingTheirData() throws Exception {
        IcebergCatalog catalog = catalog();
        try (IcebergDestination destination = destination(catalog).build()) {
            for (int n = 0; n < 3; n++) {
                destination.write(object(n));
            }
        }
        MetadataWalk walk = MetadataWalk.of(work.resolve("warehouse"), "web", "clicks");
        Map<String, Integer> ids = walk.currentSchemaIds();
        Map<String, GenericRecord> entries = walk.dataFileRecords();
        assertEquals(3, entries.size());
        for (Map.Entry<String, GenericRecord> entry : entries.entrySet()) {
            GenericRecord file = entry.getValue();
            List<Object> truth = new MetadataWalk(new MetadataWalk.DataFileEntry(entry.getKey(), 0, Map.of(), 0, 0))
                    .duckdb("SELECT count(*), count(country), min(id), max(id), min(\"user\"), max(\"user\"),"
                            + " epoch_us(min(ts)), epoch_us(max(ts)), min(country), max(country),"
                            + " sum(len(tags)) FROM FILES").get(0);
            long rows = ((Number) truth.get(0)).longValue();
            Map<Integer, Long> values = longs(file.get("value_counts"));
            Map<Integer, Long> nulls = longs(file.get("null_value_counts"));
            Map<Integer, ByteBuffer> lower = bytes(file.get("lower_bounds"));
            Map<Integer, ByteBuffer> upper = bytes(file.get("upper_bounds"));
            assertEquals(rows, values.get(ids.get("id")));
            assertEquals(0L, nulls.get(ids.get("id")));
            assertEquals(rows - ((Number) truth.get(1)).longValue(), nulls.get(ids.get("country")),
                    "null countries");
            assertEquals(((Number) truth.get(2)).longValue(), le(lower.get(ids.get("id"))).getLong(), "min id");
            assertEquals(((Number) truth.get(3)).longValue(), le(upper.get(ids.get("id"))).getLong(), "max id");
            assertEquals(truth.get(4), utf8(lower.get(ids.get("user"))), "min user");
            assertEquals(truth.get(5), utf8(upper.get(ids.get("user"))), "max user");
            assertEquals(((Number) truth.get(6)).longValue(), le(lower.get(ids.get("ts"))).getLong(), "min ts");
            assertEquals(((Number) truth.get(7)).longValue(), le(upper.get(ids.get("ts"))).getLong(), "max ts");
            assertEquals(truth.get(8), utf8(lower.get(ids.get("country"))), "min country");
            assertEquals(truth.get(9), utf8(upper.get(ids.get("country"))), "max country");
            // The list's element column: counted (one value per tag), but no bounds inside lists.
            int tagElement = values.keySet().stream().filter(id -> !ids.containsValue(id)).findFirst()
                    .orElseThrow();
            assertEquals(((Number) truth.get(10)).longValue(), values.get(tagElement));
            assertFalse(lower.containsKey(tagElement));
        }
    }

    private static ByteBuffer le(ByteBuffer b) {
        return b.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    }

    private static String utf8(ByteBuffer b) {
        return StandardCharsets.UTF_8.decode(b.duplicate()).toString();
    }

    private static Map<Integer, Long> longs(Object avroMap) {
        Map<Integer, Long> out = new HashMap<>();
        for (Object kv : (Iterable<?>) avroMap) {
            GenericRecord r = (GenericRecord) kv;
            out.put((Integer) r.get("key"), (Long) r.get("value"));
        }
        return out;
    }

    private static Map<Integer, ByteBuffer> bytes(Object avroMap) {
        Map<Integer, ByteBuffer> out = new HashMap<>();
        for (Object kv : (Iterable<?>) avroMap) {
            GenericRecord r = (GenericRecord) kv;
            out.put((Integer) r.get("key"), (ByteBuffer) r.get("value"));
        }
        return out;
    }
}
