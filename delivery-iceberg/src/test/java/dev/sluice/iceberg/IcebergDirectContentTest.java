package dev.sluice.iceberg;

import dev.sluice.delivery.BufferingHints;
import dev.sluice.delivery.DeliveryStream;
import dev.sluice.delivery.Sink;
import dev.sluice.delivery.SinkObject;
import dev.sluice.delivery.SinkResult;
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
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.stream.Stream;

import static dev.sluice.iceberg.IcebergDestinationTest.CLICK;
import static dev.sluice.iceberg.IcebergDestinationTest.T0;
import static dev.sluice.iceberg.IcebergDestinationTest.click;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The direct path: a single unpartitioned append-only table has the delivery stream encode its data files (with the
 * table's field ids) while buffers fill, and commits those bytes; everything else converts the records itself.
 */
class IcebergDirectContentTest extends EmbeddedCatalogTest {

    /** 256 KiB buffers hold ~1,900 clicks: more than one early-encoding part (1,024 items) per object. */
    private static final long BUFFER_BYTES = 256 << 10;

    /** Forwards to the destination, keeping every object it was given; forwards parquetContent unless told not to. */
    private static final class Capturing implements Sink {
        final Sink destination;
        final boolean forward;
        final ConcurrentLinkedQueue<SinkObject> objects = new ConcurrentLinkedQueue<>();

        Capturing(Sink destination, boolean forward) {
            this.destination = destination;
            this.forward = forward;
        }

        @Override
        public SinkResult write(SinkObject object) throws Exception {
            objects.add(object);
            return destination.write(object);
        }

        @Override
        public boolean storesObjects() {
            return false;
        }

        @Override
        public Optional<ParquetContent> parquetContent() {
            return forward ? destination.parquetContent() : Optional.empty();
        }

        @Override
        public void close() {
            destination.close();
        }
    }

    private DeliveryStream stream(Sink sink, Path errors) {
        ManualClock clock = new ManualClock(T0);
        return DeliveryStream.builder().name("clicks").clock(clock).ticker(clock).sink(sink)
                .errorOutputSink(Sink.localBucket(errors))
                .bufferingHints(new BufferingHints(BUFFER_BYTES, Duration.ofSeconds(60))).build();
    }

    private static void put(DeliveryStream stream, List<byte[]> records) {
        for (int start = 0; start < records.size(); start += 500) {
            assertEquals(0, stream.putRecordBatch(records.subList(start, Math.min(records.size(), start + 500)))
                    .failedPutCount());
        }
        stream.flush();
    }

    private static List<byte[]> clicks(int from, int to) {
        List<byte[]> out = new ArrayList<>();
        for (int i = from; i < to; i++) {
            out.add(click(i));
        }
        return out;
    }

    private IcebergDestination destination(IcebergCatalog catalog, DestinationTableConfiguration table) {
        return IcebergDestination.builder().catalog(catalog).table(table)
                .errorOutputSink(Sink.localBucket(work.resolve("errors"))).build();
    }

    /** Every record once by id, read with Iceberg's own reader. */
    private static Set<Long> idsByIceberg(IcebergCatalog catalog) throws Exception {
        Table table = catalog.catalog().loadTable(TableIdentifier.of("web", "clicks"));
        Set<Long> seen = new HashSet<>();
        try (CloseableIterable<Record> records = IcebergGenerics.read(table).build()) {
            for (Record r : records) {
                assertTrue(seen.add((Long) r.getField("id")), "duplicate " + r);
            }
        }
        return seen;
    }

    private List<String> errorObjects() throws Exception {
        Path errors = work.resolve("errors");
        if (!Files.exists(errors)) {
            return List.of();
        }
        try (Stream<Path> walk = Files.walk(errors)) {
            return walk.filter(Files::isRegularFile).map(p -> errors.relativize(p).toString()).sorted().toList();
        }
    }

    @Test
    void largeBuffers_dataFilesAreTheStreamsEncodedBytes_bothReadersSeeEveryRecordOnceWithFieldIds()
            throws Exception {
        IcebergCatalog catalog = catalog();
        IcebergDestination destination = destination(catalog, DestinationTableConfiguration.of("web", "clicks",
                CLICK));
        assertTrue(destination.parquetContent().isPresent(), "single unpartitioned append-only table");
        Capturing sink = new Capturing(destination, true);
        try (DeliveryStream stream = stream(sink, work.resolve("errors"))) {
            put(stream, clicks(0, 12000));
            assertEquals(12000, stream.stats().deliveredRecords());
        }

        MetadataWalk walk = MetadataWalk.of(work.resolve("warehouse"), "web", "clicks");
        assertEquals(12000, walk.totalRecords());
        assertTrue(walk.files.size() >= 3, "several 256 KiB objects: " + walk.files.size());
        assertEquals(walk.files.size(), sink.objects.size(), "one data file per object");
        assertEquals(Set.copyOf(walk.committedObjectKeys()),
                Set.copyOf(sink.objects.stream().map(SinkObject::key).toList()));
        // Each data file is, byte for byte, the content the stream encoded for its object, and holds all its rows.
        Map<String, byte[]> contents = new java.util.HashMap<>();
        for (SinkObject object : sink.objects) {
            assertEquals("application/vnd.apache.parquet", object.contentType());
            contents.put(object.requestId(), object.contentBytes());
        }
        assertTrue(sink.objects.stream().anyMatch(o -> o.records().size() > 1024),
                "some objects were encoded early, in parts of 1,024 items");
        for (MetadataWalk.DataFileEntry file : walk.files) {
            String name = Path.of(MetadataWalk.localPath(file.path())).getFileName().toString();
            String requestId = contents.keySet().stream().filter(name::startsWith).findFirst().orElseThrow(
                    () -> new AssertionError(name + " matches no object's request id"));
            assertArrayEquals(contents.get(requestId), Files.readAllBytes(Path.of(
                    MetadataWalk.localPath(file.path()))), name);
            assertEquals(((Number) new MetadataWalk(file).duckdb("SELECT count(*) FROM FILES").get(0).get(0))
                    .longValue(), file.recordCount(), "manifest record count of " + name);
        }
        Map<String, Integer> ids = walk.currentSchemaIds();
        for (MetadataWalk.DataFileEntry file : walk.files) {
            Map<String, Integer> fileIds = MetadataWalk.parquetFieldIds(file.path());
            for (Map.Entry<String, Integer> column : ids.entrySet()) {
                assertEquals(column.getValue(), fileIds.get(column.getKey()), "field id of " + column.getKey());
            }
        }
        assertEquals(List.of(12000L, 12000L, 0L, 11999L, 9600L, 12000L), walk.duckdb("SELECT count(*), count(DISTINCT"
                + " id), min(id), max(id), count(country), sum(len(tags)) FROM FILES").get(0).stream()
                .map(v -> ((Number) v).longValue()).toList());
        assertEquals(12000, idsByIceberg(catalog).size());
        // Column bounds come from the footer the stream wrote: a filter on id skips files (and finds the row).
        Table table = catalog.catalog().loadTable(TableIdentifier.of("web", "clicks"));
        int files = 0;
        try (CloseableIterable<org.apache.iceberg.FileScanTask> tasks = table.newScan()
                .filter(org.apache.iceberg.expressions.Expressions.equal("id", 4321L)).planFiles()) {
            for (org.apache.iceberg.FileScanTask ignored : tasks) {
                files++;
            }
        }
        assertEquals(1, files, "id bounds prune all files but one");
        assertTrue(errorObjects().isEmpty(), errorObjects().toString());
    }

    @Test
    void recordsNotFittingTheTable_goToTheDestinationsErrorOutputWithConversionCodes_restCommittedOnce()
            throws Exception {
        IcebergCatalog catalog = catalog();
        IcebergDestination destination = destination(catalog, DestinationTableConfiguration.of("web", "clicks",
                CLICK).withErrorOutputPrefix("bad-clicks/"));
        List<byte[]> records = clicks(0, 3000);
        records.set(10, "{\"id\":\"ten\",\"user\":\"u\",\"ts\":\"2026-05-06T22:30:00Z\"}"
                .getBytes(StandardCharsets.UTF_8));
        records.set(2500, "{\"id\":".getBytes(StandardCharsets.UTF_8));
        try (DeliveryStream stream = stream(new Capturing(destination, true), work.resolve("errors"))) {
            put(stream, records);
            // The destination committed the two to its error output: the stream counts them there, not delivered.
            assertEquals(2998, stream.stats().deliveredRecords());
            assertEquals(2, stream.stats().errorOutputRecords());
            assertTrue(stream.stats().reconciles(), stream.stats().toString());
        }

        MetadataWalk walk = MetadataWalk.of(work.resolve("warehouse"), "web", "clicks");
        assertEquals(2998, walk.totalRecords());
        Set<Long> ids = idsByIceberg(catalog);
        assertEquals(2998, ids.size());
        assertFalse(ids.contains(10L) || ids.contains(2500L));

        List<String> errorObjects = errorObjects();
        assertTrue(errorObjects.stream().allMatch(k -> k.startsWith("bad-clicks/")),
                "nothing in the stream's own format-conversion-failed output: " + errorObjects);
        StringBuilder lines = new StringBuilder();
        for (String key : errorObjects) {
            lines.append(Files.readString(work.resolve("errors").resolve(key)));
        }
        String all = lines.toString();
        assertEquals(2, all.lines().count(), all);
        assertTrue(all.contains("\"errorCode\":\"DataFormatConversion.SchemaMismatch\""), all);
        assertTrue(all.contains("\"errorCode\":\"DataFormatConversion.MalformedData\""), all);
        assertTrue(all.contains("\"destinationDatabaseName\":\"web\",\"destinationTableName\":\"clicks\""), all);
        assertTrue(all.contains("\"rawData\":\"" + java.util.Base64.getEncoder().encodeToString(records.get(10))
                + "\""), all);
    }

    @Test
    void everyRecordRejected_nothingCommitted_allInErrorOutput() throws Exception {
        IcebergCatalog catalog = catalog();
        IcebergDestination destination = destination(catalog, DestinationTableConfiguration.of("web", "clicks",
                CLICK));
        List<byte[]> records = new ArrayList<>();
        for (int i = 0; i < 1500; i++) {
            records.add(("{\"id\":\"x" + i + "\"}").getBytes(StandardCharsets.UTF_8));
        }
        try (DeliveryStream stream = stream(new Capturing(destination, true), work.resolve("errors"))) {
            put(stream, records);
            assertEquals(0, stream.stats().deliveredRecords());
            assertEquals(1500, stream.stats().errorOutputRecords());
        }
        Table table = catalog.catalog().loadTable(TableIdentifier.of("web", "clicks"));
        assertNull(table.currentSnapshot(), "no snapshot for an object with no rows");
        long lines = 0;
        for (String key : errorObjects()) {
            assertTrue(key.startsWith("iceberg-failed/"), key);
            lines += Files.readString(work.resolve("errors").resolve(key)).lines()
                    .filter(l -> l.contains("DataFormatConversion.SchemaMismatch")).count();
        }
        assertEquals(1500, lines);
    }

    @Test
    void dayPartitioned_objectsOfOneDayAreTheEncodedBytes_objectsSpanningDaysSplitByConversion() throws Exception {
        IcebergCatalog catalog = catalog();
        IcebergDestination destination = destination(catalog, DestinationTableConfiguration.of("web", "clicks",
                CLICK).withPartitioning(PartitionField.day("ts")));
        assertTrue(destination.parquetContent().isPresent(), "time partitions only");
        Capturing sink = new Capturing(destination, true);
        List<byte[]> oneDay = new ArrayList<>();
        for (int i = 0; i < 6000; i++) {
            // 22:30:00 plus a quarter second each: all before 23:00 on 2026-05-06. on 2026-05-06.
            oneDay.add(new String(click(i), StandardCharsets.UTF_8).replaceFirst("\"ts\":\"[^\"]+\"",
                    "\"ts\":\"" + T0.plusMillis(250L * i) + "\"").getBytes(StandardCharsets.UTF_8));
        }
        try (DeliveryStream stream = stream(sink, work.resolve("errors"))) {
            put(stream, oneDay);
            put(stream, clicks(6000, 9000)); // every object spans two days
            assertEquals(9000, stream.stats().deliveredRecords());
        }
        MetadataWalk walk = MetadataWalk.of(work.resolve("warehouse"), "web", "clicks");
        assertEquals(9000, walk.totalRecords());
        int direct = 0;
        Set<byte[]> contents = new HashSet<>();
        sink.objects.forEach(o -> contents.add(o.contentBytes()));
        for (MetadataWalk.DataFileEntry file : walk.files) {
            Object day = file.partition().get("ts_day");
            for (List<Object> row : new MetadataWalk(file).duckdb("SELECT DISTINCT CAST(ts AT TIME ZONE 'UTC' AS"
                    + " DATE) FROM FILES")) {
                assertEquals(java.time.LocalDate.ofEpochDay((Integer) day).toString(), row.get(0).toString(),
                        file.path());
            }
            assertTrue(file.path().contains("/ts_day=" + java.time.LocalDate.ofEpochDay((Integer) day) + "/"),
                    file.path());
            byte[] bytes = Files.readAllBytes(Path.of(MetadataWalk.localPath(file.path())));
            if (contents.stream().anyMatch(c -> java.util.Arrays.equals(c, bytes))) {
                direct++;
                assertEquals("2026-05-06", java.time.LocalDate.ofEpochDay((Integer) day).toString());
            }
        }
        long oneDayObjects = sink.objects.stream().filter(o -> o.records().stream()
                .noneMatch(r -> StandardCharsets.UTF_8.decode(r.duplicate()).toString().contains("2026-05-07")))
                .count();
        assertTrue(oneDayObjects >= 2, "6,000 records of one day fill more than one 256 KiB buffer");
        assertEquals(oneDayObjects, direct, "each object of one day is committed as encoded; the others are not");
        assertEquals(9000L, ((Number) walk.duckdb("SELECT count(DISTINCT id) FROM FILES").get(0).get(0))
                .longValue());
        assertEquals(9000, idsByIceberg(catalog).size());
    }

    @Test
    void partitionedRoutedOrUpsertTables_keepConvertingThemselves() {
        IcebergCatalog catalog = catalog();
        Sink errors = Sink.localBucket(work.resolve("errors"));
        assertTrue(IcebergDestination.builder().catalog(catalog).table(DestinationTableConfiguration.of("web", "a",
                CLICK).withPartitioning(PartitionField.identity("country"))).errorOutputSink(errors).build()
                .parquetContent().isEmpty(), "identity partition");
        assertTrue(IcebergDestination.builder().catalog(catalog).table(DestinationTableConfiguration.of("web", "e",
                CLICK).withPartitioning(PartitionField.day("ts"), PartitionField.bucket("user", 4)))
                .errorOutputSink(errors).build().parquetContent().isEmpty(), "bucket partition");
        assertTrue(IcebergDestination.builder().catalog(catalog).table(DestinationTableConfiguration.of("web", "b",
                CLICK).withUniqueKeys("id")).errorOutputSink(errors).build().parquetContent().isEmpty(), "upserts");
        assertTrue(IcebergDestination.builder().catalog(catalog).table(DestinationTableConfiguration.of("web", "c",
                CLICK)).routingQuery("{destinationDatabaseName: \"web\", destinationTableName: \"c\"}")
                .errorOutputSink(errors).build().parquetContent().isEmpty(), "routing query");
        assertTrue(IcebergDestination.builder().catalog(catalog).table(DestinationTableConfiguration.of("web", "d",
                CLICK)).routeByOtfMetadata(true).errorOutputSink(errors).build().parquetContent().isEmpty(),
                "otfMetadata routing");
    }

    @Test
    void wrapperThatDoesNotPassTheRequestOn_rawContentIsNotTakenAsADataFile_recordsConverted() throws Exception {
        IcebergCatalog catalog = catalog();
        IcebergDestination destination = destination(catalog, DestinationTableConfiguration.of("web", "clicks",
                CLICK));
        Capturing sink = new Capturing(destination, false);
        try (DeliveryStream stream = stream(sink, work.resolve("errors"))) {
            put(stream, clicks(0, 3000));
        }
        assertTrue(sink.objects.stream().allMatch(o -> !o.contentType().contains("parquet")));
        MetadataWalk walk = MetadataWalk.of(work.resolve("warehouse"), "web", "clicks");
        assertEquals(3000, walk.totalRecords());
        assertEquals(3000L, ((Number) walk.duckdb("SELECT count(DISTINCT id) FROM FILES").get(0).get(0))
                .longValue());
        assertEquals(3000, idsByIceberg(catalog).size());
    }

    @Test
    void schemaChangedByAnotherWriter_laterObjectsStillLandOnceAndTheNewColumnReadsNull() throws Exception {
        IcebergCatalog catalog = catalog();
        IcebergDestination destination = destination(catalog, DestinationTableConfiguration.of("web", "clicks",
                CLICK));
        try (DeliveryStream stream = stream(new Capturing(destination, true), work.resolve("errors"))) {
            put(stream, clicks(0, 2000));
            try (IcebergCatalog other = IcebergCatalog.embedded(work.resolve("warehouse"))) {
                other.catalog().loadTable(TableIdentifier.of("web", "clicks")).updateSchema()
                        .addColumn("campaign", Types.StringType.get()).commit();
            }
            put(stream, clicks(2000, 6000));
            assertEquals(6000, stream.stats().deliveredRecords());
        }
        MetadataWalk walk = MetadataWalk.of(work.resolve("warehouse"), "web", "clicks");
        assertEquals(6000, walk.totalRecords());
        assertTrue(walk.currentSchemaIds().containsKey("campaign"));
        Table table = catalog.catalog().loadTable(TableIdentifier.of("web", "clicks"));
        Set<Long> seen = new HashSet<>();
        try (CloseableIterable<Record> records = IcebergGenerics.read(table).build()) {
            for (Record r : records) {
                assertTrue(seen.add((Long) r.getField("id")), "duplicate " + r);
                assertNull(r.getField("campaign"));
            }
        }
        assertEquals(6000, seen.size());
    }

    @Test
    void callerObjectWithParquetOfAnotherLayout_isConvertedFromItsRecords() throws Exception {
        IcebergCatalog catalog = catalog();
        IcebergDestination destination = destination(catalog, DestinationTableConfiguration.of("web", "clicks",
                CLICK));
        // Parquet bytes, but not this table's layout (no field ids): must not become the data file.
        dev.sluice.delivery.internal.encode.ParquetRows rows = dev.sluice.delivery.internal.encode.ParquetRows
                .of(CLICK, true);
        List<org.apache.avro.generic.GenericData.Record> converted = new ArrayList<>();
        rows.convert(click(5), converted);
        ByteBuffer foreign = rows.write(converted, rows.messageType(),
                dev.sluice.delivery.ParquetConversion.Codec.SNAPPY, 1 << 20, 1 << 16, false);
        SinkObject object = new SinkObject("2026/05/06/22/clicks-1-x", foreign,
                "application/vnd.apache.parquet", List.of(ByteBuffer.wrap(click(1)), ByteBuffer.wrap(click(2))),
                "req-1", true, T0);
        assertEquals(SinkResult.CREATED, destination.write(object));
        assertEquals(2, idsByIceberg(catalog).size());
    }
}
