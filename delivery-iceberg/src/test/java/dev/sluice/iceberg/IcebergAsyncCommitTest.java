package dev.sluice.iceberg;

import dev.sluice.delivery.DeliveryException;
import dev.sluice.delivery.ErrorCode;
import dev.sluice.delivery.ParquetConversion;
import dev.sluice.iceberg.internal.TableWriter;
import org.apache.avro.generic.GenericData;
import org.apache.iceberg.catalog.TableIdentifier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Files;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Appends whose commits run on the destination's committer ({@link TableWriter#appendAsync}): the caller returns once
 * its data file is written, objects written meanwhile share the next snapshot, and each future completes only after
 * that snapshot is in the catalog (or fails with it), so that the delivery stream acknowledges nothing uncommitted.
 * The committer here is held by the test, which decides when the commit runs.
 */
@Timeout(60)
class IcebergAsyncCommitTest extends EmbeddedCatalogTest {

    private static final TableIdentifier CLICKS = TableIdentifier.of("web", "clicks");

    /** Runs its tasks when the test says. */
    private static final class HeldExecutor implements Executor {
        final BlockingQueue<Runnable> tasks = new LinkedBlockingQueue<>();

        @Override
        public void execute(Runnable task) {
            tasks.add(task);
        }
    }

    private final HeldExecutor committer = new HeldExecutor();

    private TableWriter open(IcebergCatalog catalog) {
        return open(catalog, java.time.Duration.ZERO);
    }

    private TableWriter open(IcebergCatalog catalog, java.time.Duration minCommitInterval) {
        return TableWriter.open(catalog.catalog(), DestinationTableConfiguration.of("web", "clicks",
                        IcebergDestinationTest.CLICK),
                new TableWriter.ParquetWriting(ParquetConversion.Codec.SNAPPY,
                        ParquetConversion.DEFAULT_BLOCK_SIZE_BYTES, ParquetConversion.DEFAULT_PAGE_SIZE_BYTES, false,
                        true),
                new TableWriter.Upkeep(Optional.empty(), Runnable::run, Clock.systemUTC(), committer,
                        minCommitInterval));
    }

    private static List<GenericData.Record> rows(TableWriter writer, int from, int count) {
        List<GenericData.Record> out = new ArrayList<>();
        for (int id = from; id < from + count; id++) {
            writer.rows().convert(IcebergDestinationTest.click(id), out);
        }
        return out;
    }

    private long dataFilesOnDisk() throws Exception {
        try (Stream<java.nio.file.Path> files = Files.walk(work.resolve("warehouse"))) {
            return files.filter(p -> p.toString().contains("/data/") && p.toString().endsWith(".parquet")).count();
        }
    }

    @Test
    void appendAsync_returnsBeforeTheCommit_objectsWrittenMeanwhileShareOneSnapshot_completedAfterIt()
            throws Exception {
        IcebergCatalog catalog = catalog();
        TableWriter writer = open(catalog);

        CompletableFuture<Boolean> a = writer.appendAsync("obj-a", "req-a", rows(writer, 0, 10));
        CompletableFuture<Boolean> b = writer.appendAsync("obj-b", "req-b", rows(writer, 10, 15));
        // Both data files are written, nothing is committed, and the table has one commit task at a time.
        assertEquals(2, dataFilesOnDisk());
        assertFalse(a.isDone());
        assertFalse(b.isDone());
        assertEquals(1, committer.tasks.size());
        assertEquals(null, catalog.catalog().loadTable(CLICKS).currentSnapshot());

        committer.tasks.take().run();
        assertTrue(a.get());
        assertTrue(b.get());
        MetadataWalk walk = MetadataWalk.of(work.resolve("warehouse"), "web", "clicks");
        assertEquals(1, walk.snapshotSummaries().size(), "one snapshot for both objects");
        assertEquals(List.of("obj-a", "obj-b"), walk.committedObjectKeys());
        assertEquals(25, walk.totalRecords());
        assertEquals(List.of(List.of(25L, 25L)), walk.duckdb("SELECT count(*), count(DISTINCT id) FROM FILES")
                .stream().map(row -> row.stream().map(v -> ((Number) v).longValue()).toList()).toList());
        assertEquals(1, writer.commits());

        // The same object again (a retry whose reply was lost): found committed, completed at once, no commit.
        CompletableFuture<Boolean> again = writer.appendAsync("obj-a", "req-a", rows(writer, 0, 10));
        assertTrue(again.isDone());
        assertFalse(again.get());
        assertTrue(committer.tasks.isEmpty());
        assertEquals(25, MetadataWalk.of(work.resolve("warehouse"), "web", "clicks").totalRecords());
    }

    @Test
    void appendAsync_commitFails_everyObjectOfTheGroupFails_andTheirRetriesCommitOnce() throws Exception {
        IcebergCatalog catalog = catalog();
        TableWriter writer = open(catalog);
        CompletableFuture<Boolean> a = writer.appendAsync("obj-a", "req-a", rows(writer, 0, 5));
        CompletableFuture<Boolean> b = writer.appendAsync("obj-b", "req-b", rows(writer, 5, 5));
        // The table's metadata directory is unusable (a plain file where it was) while the group commits: its
        // manifest cannot be written, and the commit fails before the catalog is touched.
        java.nio.file.Path metadata;
        try (Stream<java.nio.file.Path> dirs = Files.walk(work.resolve("warehouse"))) {
            metadata = dirs.filter(p -> Files.isDirectory(p) && p.getFileName().toString().equals("metadata"))
                    .findFirst().orElseThrow();
        }
        java.nio.file.Path aside = Files.move(metadata, metadata.resolveSibling("metadata-aside"));
        Files.writeString(metadata, "not a directory");
        committer.tasks.take().run();
        assertThrows(ExecutionException.class, a::get);
        assertThrows(ExecutionException.class, b::get);

        // The task ended (no object is left without an outcome). The directory back, the retried objects and a new
        // one start a new task and commit together.
        assertTrue(committer.tasks.isEmpty());
        Files.delete(metadata);
        Files.move(aside, metadata);
        assertEquals(null, catalog.catalog().loadTable(CLICKS).currentSnapshot());
        CompletableFuture<Boolean> a2 = writer.appendAsync("obj-a", "req-a", rows(writer, 0, 5));
        CompletableFuture<Boolean> b2 = writer.appendAsync("obj-b", "req-b", rows(writer, 5, 5));
        CompletableFuture<Boolean> c = writer.appendAsync("obj-c", "req-c", rows(writer, 10, 5));
        assertEquals(1, committer.tasks.size());
        committer.tasks.take().run();
        assertTrue(a2.get() && b2.get() && c.get());
        MetadataWalk walk = MetadataWalk.of(work.resolve("warehouse"), "web", "clicks");
        assertEquals(List.of("obj-a", "obj-b", "obj-c"), walk.committedObjectKeys());
        assertEquals(15, walk.totalRecords());
        assertEquals(List.of(List.of(15L, 15L)), walk.duckdb("SELECT count(*), count(DISTINCT id) FROM FILES")
                .stream().map(row -> row.stream().map(v -> ((Number) v).longValue()).toList()).toList());
    }

    @Test
    void appendAsync_tableDroppedByAnotherProcess_failsNamingTheTable() throws Exception {
        IcebergCatalog catalog = catalog();
        TableWriter writer = open(catalog);
        CompletableFuture<Boolean> a = writer.appendAsync("obj-a", "req-a", rows(writer, 0, 5));
        catalog.catalog().dropTable(CLICKS, false);
        committer.tasks.take().run();
        assertThrows(ExecutionException.class, a::get);

        // Its retry (and any later object) fails at once with an error that says what happened, not a
        // NullPointerException from Iceberg's emptied table operations; nothing is written or queued.
        long files = dataFilesOnDisk();
        CompletableFuture<Boolean> retry = writer.appendAsync("obj-a", "req-a", rows(writer, 0, 5));
        ExecutionException e = assertThrows(ExecutionException.class, retry::get);
        DeliveryException dropped = assertInstanceOf(DeliveryException.class, e.getCause());
        assertEquals(ErrorCode.SINK_FAILED, dropped.errorCode());
        assertTrue(dropped.getMessage().contains("web.clicks was dropped from the catalog"), dropped.getMessage());
        assertEquals(files, dataFilesOnDisk());
        assertTrue(committer.tasks.isEmpty());
    }

    @Test
    void abandonQueued_closing_failsQueuedObjectsAsServiceUnavailable_andCommitsNothing() throws Exception {
        IcebergCatalog catalog = catalog();
        TableWriter writer = open(catalog);
        CompletableFuture<Boolean> a = writer.appendAsync("obj-a", "req-a", rows(writer, 0, 5));
        writer.abandonQueued(new DeliveryException(ErrorCode.SERVICE_UNAVAILABLE, "closed"));
        ExecutionException e = assertThrows(ExecutionException.class, a::get);
        assertEquals(ErrorCode.SERVICE_UNAVAILABLE, assertInstanceOf(DeliveryException.class, e.getCause()).errorCode());
        committer.tasks.take().run();
        assertEquals(null, catalog.catalog().loadTable(CLICKS).currentSnapshot());
        assertEquals(0, writer.commits());
    }

    /**
     * A table's commits start at least the minimum commit interval apart: the first commit (after an idle spell)
     * starts at once; objects written while the next one waits out the interval queue up and share its snapshot; and
     * closing the destination ends the wait, so a close never waits out the interval (one hour here).
     */
    @Test
    void minCommitInterval_firstCommitAtOnce_objectsWrittenDuringTheIntervalShareTheNext_closingEndsTheWait()
            throws Exception {
        IcebergCatalog catalog = catalog();
        TableWriter writer = open(catalog, java.time.Duration.ofHours(1));

        CompletableFuture<Boolean> a = writer.appendAsync("obj-a", "req-a", rows(writer, 0, 5));
        committer.tasks.take().run();
        assertTrue(a.get(), "the first commit waits for nothing");
        assertEquals(1, writer.commits());

        // The next commit's task waits for the interval, on its own thread; objects written meanwhile queue up.
        CompletableFuture<Boolean> b = writer.appendAsync("obj-b", "req-b", rows(writer, 5, 5));
        Thread drain = new Thread(committer.tasks.take(), "test-drain");
        drain.start();
        CompletableFuture<Boolean> c = writer.appendAsync("obj-c", "req-c", rows(writer, 10, 5));
        CompletableFuture<Boolean> d = writer.appendAsync("obj-d", "req-d", rows(writer, 15, 5));
        assertTrue(committer.tasks.isEmpty(), "one commit task per table at a time");
        org.awaitility.Awaitility.await().during(java.time.Duration.ofMillis(300))
                .atMost(java.time.Duration.ofSeconds(5)).until(() -> !b.isDone() && !c.isDone() && !d.isDone());
        assertEquals(1, writer.commits());

        writer.closing();
        drain.join(10_000);
        assertFalse(drain.isAlive(), "closing ended the wait");
        assertTrue(b.get() && c.get() && d.get());
        assertEquals(2, writer.commits());
        MetadataWalk walk = MetadataWalk.of(work.resolve("warehouse"), "web", "clicks");
        assertEquals(2, walk.snapshotSummaries().size(), "obj-b, obj-c and obj-d share the second snapshot");
        assertEquals(List.of("obj-a", "obj-b", "obj-c", "obj-d"), walk.committedObjectKeys());
        assertEquals(20, walk.totalRecords());
    }
}
