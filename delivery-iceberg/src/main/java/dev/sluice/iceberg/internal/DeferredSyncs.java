package dev.sluice.iceberg.internal;

import org.apache.iceberg.BaseTable;
import org.apache.iceberg.HasTableOperations;
import org.apache.iceberg.Table;
import org.apache.iceberg.TableMetadata;
import org.apache.iceberg.TableOperations;
import org.apache.iceberg.encryption.EncryptionManager;
import org.apache.iceberg.exceptions.RuntimeIOException;
import org.apache.iceberg.io.FileIO;
import org.apache.iceberg.io.LocationProvider;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;

/**
 * Table operations whose new files (data and delete files written through the table, manifests, manifest lists,
 * the metadata file) are forced to disk together, in the background while the commit goes on, and waited for just
 * before the catalog update, instead of one after another as each is closed.
 *
 * <p>Design note: every catalog table is wrapped (its metadata reloads are serialized: {@link #metadataLock}); the
 * forces apply to a table on {@link LocalFileIO} (any other file IO is left alone: an S3 object is durable when its
 * upload returns). There {@link #io()} is {@link LocalFileIO#deferringSyncs}: closing a file starts its
 * force on a background thread and registers it here. {@link #commit} waits for every registered force, then lets
 * the catalog's own operations write the metadata file (forced when closed; with Iceberg's JDBC catalog the wait runs
 * right after that force, so it overlaps the others: {@link LocalFileIO#awaitAtNextForce}) and move the catalog
 * pointer (SQLite then syncs its write-ahead log). So each
 * file the new metadata refers to is on disk before the pointer moves, as before (durable across an OS crash, not
 * only kill -9); what changes is that a commit waits for one round of overlapping forces instead of a queue of them.
 * A force that failed fails the commit before the catalog is touched ({@link RuntimeIOException}, not retried by
 * Iceberg; the delivery retries the object). Everything else delegates, so the catalog's operations keep their
 * identity checks ({@code base == current()}) and refresh logic. Thread-safe; this process's commits to a table
 * are serialized by the {@link TableWriter}'s lock, so a commit waits only for files written before it (and, at
 * worst, for another thread's uncommitted files written meanwhile, which costs time, never correctness).
 */
final class DeferredSyncs implements TableOperations {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(DeferredSyncs.class);
    /** Iceberg's JDBC catalog's operations (package-private there), known to write the metadata file locally. */
    private static final String JDBC_OPERATIONS = "org.apache.iceberg.jdbc.JdbcTableOperations";

    private final TableOperations delegate;
    private final FileIO io;
    /**
     * Whether the delegate writes each commit's new metadata file through the {@link LocalFileIO}, on the
     * committing thread, before it moves the catalog pointer (Iceberg's JDBC catalog, the embedded one).
     */
    private final boolean writesMetadataLocally;
    /** Forces started and not yet waited for by a commit; guarded by itself. */
    private final List<Future<?>> started = new ArrayList<>();

    /**
     * Serializes {@link #current}, {@link #refresh} and the delegate's methods that read its own current metadata
     * ({@link #locationProvider}, {@link #metadataFileLocation}). After each commit Iceberg's catalog operations reload the
     * table's metadata at the next of these calls; when a delivery thread (asking the table's spec, schema or
     * locations for its next data file) and the committer reload at once, each installs its own copy, and the next
     * commit, whose base is the other copy, fails as "stale table metadata" and sleeps 100 ms before Iceberg retries
     * it. Serialized, the second caller finds the location already loaded and keeps the same copy.
     */
    private final Object metadataLock = new Object();

    private DeferredSyncs(TableOperations delegate, LocalFileIO local) {
        this.delegate = delegate;
        this.writesMetadataLocally = local != null && delegate.getClass().getName().equals(JDBC_OPERATIONS);
        this.io = local != null ? local.deferringSyncs(this::started) : delegate.io();
    }

    /** Registers a force that the next commit waits for (the file IO view's closes; tests). */
    void started(Future<?> force) {
        synchronized (started) {
            started.add(force);
        }
    }

    /**
     * The table with its operations wrapped, when it is a catalog table: its metadata reloads serialized, and, on
     * {@link LocalFileIO}, its commits' files forced together. Any other table is returned as it is.
     *
     * @param table a table loaded from a catalog
     * @return a table whose commits force their files together
     */
    static Table wrap(Table table) {
        if (table instanceof BaseTable base && table instanceof HasTableOperations has) {
            LocalFileIO local = has.operations().io() instanceof LocalFileIO l ? l : null;
            return new BaseTable(new DeferredSyncs(has.operations(), local), table.name(), base.reporter());
        }
        return table;
    }

    /** Waits for every force started so far; rethrows the first failure. */
    void awaitForces() {
        List<Future<?>> pending;
        synchronized (started) {
            pending = new ArrayList<>(started);
            started.clear();
        }
        RuntimeIOException failure = null;
        boolean interrupted = false;
        for (Future<?> force : pending) {
            while (true) {
                try {
                    force.get();
                    break;
                } catch (InterruptedException e) {
                    // Finish waiting: the files must be on disk (or known not to be) before the commit goes on.
                    interrupted = true;
                } catch (ExecutionException e) {
                    IOException cause = e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
                    if (failure == null) {
                        failure = new RuntimeIOException(cause, "cannot force a new table file to disk before the commit: %s",
                                cause.getMessage());
                    } else {
                        failure.addSuppressed(cause);
                    }
                    break;
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        if (failure != null) {
            throw failure;
        }
    }

    @Override
    public void commit(TableMetadata base, TableMetadata metadata) {
        if (!writesMetadataLocally) {
            awaitForces();
            delegate.commit(base, metadata);
            return;
        }
        // Iceberg's JDBC catalog writes the new metadata file (through the LocalFileIO, forced when closed) and
        // then updates the catalog row: the wait goes right after that force, so it overlaps the others.
        LocalFileIO.awaitAtNextForce(this::awaitForces);
        boolean unused;
        try {
            delegate.commit(base, metadata);
        } finally {
            unused = LocalFileIO.clearAwaitAtNextForce();
        }
        if (unused) {
            // Only when the catalog's operations committed without writing a metadata file, which Iceberg's JDBC
            // catalog does not do for an existing table; the files are forced late rather than never.
            LOG.warn("table commit wrote no metadata file; forced the commit's files after it");
            awaitForces();
        }
    }

    @Override
    public TableMetadata current() {
        synchronized (metadataLock) {
            return delegate.current();
        }
    }

    @Override
    public TableMetadata refresh() {
        synchronized (metadataLock) {
            return delegate.refresh();
        }
    }

    @Override
    public FileIO io() {
        return io;
    }

    @Override
    public EncryptionManager encryption() {
        return delegate.encryption();
    }

    @Override
    public String metadataFileLocation(String fileName) {
        synchronized (metadataLock) {
            // Reads the delegate's own current(), which may reload the metadata: serialized as current() is.
            return delegate.metadataFileLocation(fileName);
        }
    }

    @Override
    public LocationProvider locationProvider() {
        synchronized (metadataLock) {
            // As metadataFileLocation: each data file asks for its location on a delivery thread, often just after
            // a commit, and the delegate's unserialized reload there still raced the committer's.
            return delegate.locationProvider();
        }
    }

    @Override
    public TableOperations temp(TableMetadata uncommittedMetadata) {
        return delegate.temp(uncommittedMetadata);
    }

    @Override
    public long newSnapshotId() {
        return delegate.newSnapshotId();
    }

    @Override
    public boolean requireStrictCleanup() {
        return delegate.requireStrictCleanup();
    }
}
