package dev.sluice.iceberg.internal;

import org.apache.iceberg.DataFile;
import org.apache.iceberg.DataFiles;
import org.apache.iceberg.FileFormat;
import org.apache.iceberg.HasTableOperations;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.exceptions.RuntimeIOException;
import org.apache.iceberg.io.PositionOutputStream;
import org.apache.iceberg.jdbc.JdbcCatalog;
import org.apache.iceberg.types.Types;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DeferredSyncsTest {

    @TempDir
    Path dir;

    private JdbcCatalog catalog;
    private Table table;
    private DeferredSyncs ops;

    @BeforeEach
    void open() {
        catalog = LocalCatalogs.open(dir);
        catalog.createNamespace(Namespace.of("db"));
        Table loaded = catalog.createTable(TableIdentifier.of("db", "t"),
                new Schema(Types.NestedField.optional(1, "id", Types.LongType.get())), PartitionSpec.unpartitioned());
        table = DeferredSyncs.wrap(loaded);
        ops = assertInstanceOf(DeferredSyncs.class, ((HasTableOperations) table).operations());
    }

    @AfterEach
    void close() throws IOException {
        catalog.close();
    }

    private DataFile dataFile(String name) throws IOException {
        String location = table.locationProvider().newDataLocation(name);
        try (PositionOutputStream out = table.io().newOutputFile(location).create()) {
            out.write(new byte[] {1, 2, 3, 4});
        }
        return DataFiles.builder(PartitionSpec.unpartitioned()).withPath(location).withFormat(FileFormat.PARQUET)
                .withFileSizeInBytes(4).withRecordCount(1).build();
    }

    /** The snapshot the catalog points at now, read by a fresh load (not through the table under test). */
    private Long catalogSnapshot() {
        var current = catalog.loadTable(TableIdentifier.of("db", "t")).currentSnapshot();
        return current == null ? null : current.snapshotId();
    }

    @Test
    void commit_waitsForEveryStartedForce_beforeTheCatalogPointerMoves() throws Exception {
        DataFile file = dataFile("a.parquet");
        assertTrue(Files.exists(LocalFileIO.path(file.location())), "the data file is written when closed");
        CompletableFuture<Void> slowForce = new CompletableFuture<>();
        ops.started(slowForce);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread committer = new Thread(() -> {
            try {
                table.newAppend().appendFile(file).commit();
            } catch (Throwable e) {
                failure.set(e);
            }
        }, "committer");
        committer.start();
        // The committer reaches the wait (parked on the force) with the metadata file written but the catalog not
        // yet moved.
        await().atMost(Duration.ofSeconds(20)).until(() -> committer.getState() == Thread.State.WAITING
                && Files.exists(dir.resolve("db/t/metadata"))
                && stackHas(committer, "awaitForces"));
        assertNull(catalogSnapshot(), "the catalog must not point at the new snapshot before its files are forced");
        slowForce.complete(null);
        committer.join(Duration.ofSeconds(20).toMillis());
        assertNull(failure.get());
        assertEquals(table.currentSnapshot().snapshotId(), catalogSnapshot());
    }

    @Test
    void commit_whenAForceFailed_failsBeforeTheCatalogMoves_andTheNextCommitSucceeds() throws Exception {
        DataFile file = dataFile("b.parquet");
        ops.started(CompletableFuture.failedFuture(new IOException("disk full")));
        RuntimeIOException e = assertThrows(RuntimeIOException.class,
                () -> table.newAppend().appendFile(file).commit());
        assertTrue(e.getMessage().contains("disk full"), e.getMessage());
        assertNull(catalogSnapshot());
        table.refresh();
        table.newAppend().appendFile(dataFile("c.parquet")).commit();
        assertEquals(table.currentSnapshot().snapshotId(), catalogSnapshot());
    }

    private static boolean stackHas(Thread thread, String method) {
        for (StackTraceElement frame : thread.getStackTrace()) {
            if (frame.getMethodName().equals(method)) {
                return true;
            }
        }
        return false;
    }
}
