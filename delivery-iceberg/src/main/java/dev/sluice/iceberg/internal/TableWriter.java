package dev.sluice.iceberg.internal;

import dev.sluice.delivery.DeliveryException;
import dev.sluice.delivery.ErrorCode;
import dev.sluice.delivery.ParquetConversion;
import dev.sluice.delivery.internal.encode.ParquetRows;
import dev.sluice.iceberg.DestinationTableConfiguration;
import dev.sluice.iceberg.PartitionField;
import org.apache.avro.generic.GenericData;
import org.apache.iceberg.AppendFiles;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.DataFiles;
import org.apache.iceberg.FileFormat;
import org.apache.iceberg.PartitionKey;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.TableProperties;
import org.apache.iceberg.UpdateSchema;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.SupportsNamespaces;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.exceptions.AlreadyExistsException;
import org.apache.iceberg.exceptions.NoSuchTableException;
import org.apache.iceberg.io.OutputFile;
import org.apache.iceberg.io.PositionOutputStream;
import org.apache.parquet.schema.MessageType;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * One destination table: created or evolved when the destination starts, then appended to once per delivery object.
 *
 * <p>Design note: thread-safe. Data files are written outside any lock (several delivery threads encode at once);
 * the authoritative dedupe check and the commit run under one lock per table, so this process never races itself
 * on a table and Iceberg's optimistic retries are left for other writers. Objects queued while another commit runs
 * (or whose threads linger briefly for a data file still being written) are committed together in one snapshot.
 * <b>Exactly once:</b> each append's snapshot summary carries the delivery object's key ({@link #OBJECT_KEY}, and
 * for a group every key in {@link CommittedKeys#OBJECT_KEYS}); for a stream source that key is derived from the
 * shard and the first and last sequence numbers, so a retried or post-crash attempt of the same object finds its own
 * earlier commit and commits nothing. The lookup goes to {@link CommittedKeys}, an index of the retained snapshots'
 * keys (plus keys this process committed recently), not a walk over the history. {@link SnapshotExpiry} states
 * what expiry may drop and why that is safe. Data files of an attempt that did not commit stay unreferenced (or are
 * deleted when the dedupe check finds the object committed).
 */
public final class TableWriter {

    /** Snapshot summary property: the delivery object key this append committed. */
    public static final String OBJECT_KEY = "sluice.object-key";
    /** Snapshot summary property: the delivery object's request id (stable across retries). */
    public static final String REQUEST_ID = "sluice.request-id";

    /**
     * Longest a written object waits for other threads still writing their data files before it commits without
     * them: a commit costs a manifest, a manifest list, a metadata file, a catalog update and their syncs, so two
     * objects in one commit cost little more than one.
     */
    static final java.time.Duration LINGER = java.time.Duration.ofMillis(100);

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(TableWriter.class);

    /**
     * Runs Iceberg's manifest work on the committing thread. Iceberg's own worker pool waits for its tasks by polling
     * every 10 ms, which made a commit of one small file take over 100 ms; tasks run here are done when submitted.
     */
    static final java.util.concurrent.ExecutorService SAME_THREAD = new SameThread();

    private final DestinationTableConfiguration config;
    private final ParquetWriting writing;
    private final ParquetRows rows;
    private final Table table;
    private final MessageType fileSchema;
    /** The table schema {@link #fileSchema}'s field ids come from. */
    private final int fileSchemaId;
    /** The partition spec when the table was opened; an encoded file is taken only while it is still current. */
    private final int fileSpecId;
    private final Object commitLock = new Object();
    /** Objects whose files are written, waiting for a group commit; its monitor guards {@link #dataFilesInProgress}. */
    private final List<Pending> queue = new ArrayList<>();
    /** Appends of this table writing their data files now. */
    private int dataFilesInProgress;
    /** Whether a {@link #drain} task is submitted or running; guarded by {@link #queue}. */
    private boolean draining;
    /** Runs {@link #drain}: the commits of asynchronous appends, one task at a time for this table. */
    private final java.util.concurrent.Executor committer;
    /** Least time between the starts of two commits of {@link #drain}; 0 for none. */
    private final long minCommitIntervalNanos;
    /** {@link System#nanoTime} when {@link #drain} last took a group; guarded by {@link #queue}. */
    private long lastCommitStart;
    /** Set when the destination closes: {@link #drain} stops waiting for the interval; guarded by {@link #queue}. */
    private boolean closing;
    /** Keys of the retained snapshots; changed under {@link #commitLock}, read anywhere. */
    private final CommittedKeys keys = new CommittedKeys();
    private final java.util.concurrent.atomic.AtomicLong commits = new java.util.concurrent.atomic.AtomicLong();
    /** Warns when the table keeps enough snapshots to slow its commits; used under {@link #commitLock}. */
    private RetainedSnapshots retained = new RetainedSnapshots(RetainedSnapshots.DEFAULT_THRESHOLD);
    /** What the warning of {@link #retained} tells the user to change, from this table's expiry settings. */
    private final String retentionAdvice;
    private final java.util.Optional<SnapshotExpiry> expiry;
    private final java.util.concurrent.Executor expiryExecutor;
    private final java.time.Clock clock;
    private final java.time.Instant openedAt;
    private final Object expiryState = new Object();
    private boolean expiryRunning;
    private java.time.Instant nextExpiry;
    private final java.util.Optional<UpsertWriter> upserts;

    /** Parquet options shared by a destination's tables. */
    public record ParquetWriting(ParquetConversion.Codec codec, long rowGroupBytes, int pageBytes,
                                 boolean dictionary, boolean caseInsensitive) {
    }

    private TableWriter(DestinationTableConfiguration config, ParquetWriting writing, ParquetRows rows, Table table,
                        Upkeep upkeep) {
        this.config = config;
        this.writing = writing;
        this.rows = rows;
        this.table = table;
        this.fileSchema = TableSchemas.withFieldIds(rows.messageType(), table.schema());
        this.fileSchemaId = table.schema().schemaId();
        this.fileSpecId = table.spec().specId();
        this.expiry = upkeep.expiry();
        this.retentionAdvice = expiry.map(e -> "snapshot expiry keeps " + e.maxAge().toMinutes() + " min of them"
                + " (snapshotRetention, 10 min at least): shorten it, or buffer more per object so that the table"
                + " commits less often").orElse("snapshot expiry is off (expireSnapshots(false)): expire them in the"
                + " table's maintenance, or buffer more per object");
        this.expiryExecutor = upkeep.executor();
        this.committer = upkeep.committer();
        this.minCommitIntervalNanos = upkeep.minCommitInterval().toNanos();
        this.lastCommitStart = System.nanoTime() - minCommitIntervalNanos;
        this.clock = upkeep.clock();
        this.openedAt = clock.instant();
        // No expiry before a whole retention has passed since open: a restarted process first re-delivers the
        // objects it had committed but not checkpointed, and their evidence must still be in the table.
        this.nextExpiry = expiry.map(e -> openedAt.plus(e.maxAge())).orElse(java.time.Instant.MAX);
        keys.rebuild(table);
        this.upserts = config.uniqueKeys().isEmpty() ? java.util.Optional.empty()
                : java.util.Optional.of(UpsertWriter.open(this, writing.caseInsensitive()));
    }

    /**
     * Table upkeep shared by a destination's tables: snapshot expiry (empty for none), the executor it runs on (off
     * the commit path), the clock that decides when it is due, the executor of asynchronous appends' commits, and the
     * least time between two of a table's commits ({@link java.time.Duration#ZERO} for none).
     */
    public record Upkeep(java.util.Optional<SnapshotExpiry> expiry, java.util.concurrent.Executor executor,
                         java.time.Clock clock, java.util.concurrent.Executor committer,
                         java.time.Duration minCommitInterval) {
        /** No expiry; asynchronous appends commit on the caller's thread. */
        public static Upkeep none() {
            return new Upkeep(java.util.Optional.empty(), Runnable::run, java.time.Clock.systemUTC(), Runnable::run,
                    java.time.Duration.ZERO);
        }
    }

    /**
     * Loads the table, creating it (and its namespace) when absent and evolving its schema towards the delivery's.
     *
     * @throws DeliveryException {@code INVALID_ARGUMENT} naming the table and what is wrong
     */
    public static TableWriter open(Catalog catalog, DestinationTableConfiguration config, ParquetWriting writing) {
        return open(catalog, config, writing, Upkeep.none());
    }

    /**
     * Loads the table, creating it (and its namespace) when absent and evolving its schema towards the delivery's,
     * with snapshot expiry.
     *
     * @throws DeliveryException {@code INVALID_ARGUMENT} naming the table and what is wrong
     */
    public static TableWriter open(Catalog catalog, DestinationTableConfiguration config, ParquetWriting writing,
                                   Upkeep upkeep) {
        // Strings as Utf8: parquet-avro writes their bytes as read; partitioning (AvroRow) and unique keys (UpsertWriter)
        // take any CharSequence.
        ParquetRows rows = ParquetRows.withUtf8Strings(config.schema(), writing.caseInsensitive());
        org.apache.iceberg.Schema wanted = TableSchemas.toIceberg(rows.avroSchema());
        TableIdentifier id = TableIdentifier.of(config.database(), config.table());
        try {
            if (catalog instanceof SupportsNamespaces namespaces
                    && !namespaces.namespaceExists(Namespace.of(config.database()))) {
                try {
                    namespaces.createNamespace(Namespace.of(config.database()));
                } catch (AlreadyExistsException raced) {
                    // another process created it first
                }
            }
            Table table;
            try {
                table = catalog.loadTable(id);
            } catch (NoSuchTableException absent) {
                PartitionSpec spec = spec(wanted, config);
                try {
                    table = catalog.buildTable(id, wanted).withPartitionSpec(spec)
                            .withProperty(TableProperties.FORMAT_VERSION, "2")
                            // One metadata file per commit: keep the last 100, not every one since creation.
                            .withProperty(TableProperties.METADATA_DELETE_AFTER_COMMIT_ENABLED, "true")
                            .withProperty(TableProperties.METADATA_PREVIOUS_VERSIONS_MAX, "100")
                            .withProperty(TableProperties.PARQUET_COMPRESSION,
                                    writing.codec().name().toLowerCase(java.util.Locale.ROOT))
                            .create();
                } catch (AlreadyExistsException raced) {
                    table = catalog.loadTable(id);
                }
            }
            UpdateSchema update = table.updateSchema();
            if (TableSchemas.evolve(update, table.schema(), wanted, config.qualifiedName())) {
                update.commit();
                table.refresh();
            }
            return new TableWriter(config, writing, rows, DeferredSyncs.wrap(table), upkeep);
        } catch (DeliveryException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new DeliveryException(ErrorCode.INVALID_ARGUMENT, "cannot open Iceberg table "
                    + config.qualifiedName() + ": " + e.getMessage(), e);
        }
    }

    private static PartitionSpec spec(org.apache.iceberg.Schema schema, DestinationTableConfiguration config) {
        PartitionSpec.Builder spec = PartitionSpec.builderFor(schema);
        PartitionField current = null;
        try {
            for (PartitionField field : config.partitioning()) {
                current = field;
                if (field instanceof PartitionField.Identity) {
                    spec.identity(field.column());
                } else if (field instanceof PartitionField.Day) {
                    spec.day(field.column());
                } else if (field instanceof PartitionField.Hour) {
                    spec.hour(field.column());
                } else if (field instanceof PartitionField.Month) {
                    spec.month(field.column());
                } else if (field instanceof PartitionField.Year) {
                    spec.year(field.column());
                } else {
                    spec.bucket(field.column(), ((PartitionField.Bucket) field).buckets());
                }
            }
            return spec.build();
        } catch (RuntimeException e) {
            throw Problems.invalidArgument("partition spec " + config.partitioning() + " of table "
                    + config.qualifiedName() + " is not valid for its schema"
                    + (current == null ? "" : " (at " + current + ")") + ": " + e.getMessage());
        }
    }

    /**
     * Fails clearly when another process dropped the table after this writer opened it. Iceberg's operations then
     * hold no metadata (a commit's refresh found the table gone), and every use of the table would throw a
     * {@code NullPointerException}. The writer does not follow a table created again under the same name: its
     * data files carry field ids and a layout taken from the table it opened.
     *
     * @throws DeliveryException {@link ErrorCode#SINK_FAILED} (retried, then the records go to the error output)
     */
    void requireTable() {
        if (table instanceof org.apache.iceberg.HasTableOperations has && has.operations().current() == null) {
            throw new DeliveryException(ErrorCode.SINK_FAILED, "Iceberg table " + config.qualifiedName()
                    + " was dropped from the catalog after the destination opened it; its objects are retried for"
                    + " the retry duration, then their records go to the error output. Build the destination again"
                    + " to write to a table created anew");
        }
    }

    /** The conversion of this table's records. */
    public ParquetRows rows() {
        return rows;
    }

    /** The table's configuration. */
    public DestinationTableConfiguration config() {
        return config;
    }

    /** The upsert/delete writer of a table with unique keys; empty for an append-only table. */
    public java.util.Optional<UpsertWriter> upserts() {
        return upserts;
    }

    Object commitLock() {
        return commitLock;
    }

    ParquetWriting writing() {
        return writing;
    }

    /** The Iceberg table (tests and the perf harness read it). */
    public Table table() {
        return table;
    }

    /**
     * Writes the rows as one data file per partition and appends them in one snapshot, unless an earlier attempt
     * already committed {@code objectKey}.
     *
     * <p>Group commit: the files are written outside any lock; then the caller queues its files, waits up to
     * {@link #LINGER} for other threads still writing theirs, and takes the commit lock. Whoever holds the lock
     * commits every queued object in one snapshot (whose summary lists all their keys), so objects that reach the
     * table together from several delivery threads share one manifest, manifest list,
     * metadata file and catalog update. A caller whose object was committed by another thread returns that thread's
     * outcome; a failed group commit fails every object of the group (each is retried by its delivery thread, and
     * nothing of it is in the table).
     *
     * @return {@code true} when this call committed; {@code false} when the key was found committed
     * @throws IOException if a data file cannot be written
     */
    public boolean append(String objectKey, String requestId, List<GenericData.Record> batch) throws IOException {
        return append(objectKey, requestId, () -> write(requestId, batch));
    }

    /**
     * As {@link #append}, for a data file the delivery stream already encoded with {@link #directContent()}: its
     * bytes become the table's data file as they are (no conversion, no copy), with metrics read from its footer.
     * Only for a table that {@link #acceptsEncoded() accepts} it.
     *
     * @param file the whole Parquet file, written with {@link #directContent()}'s layout; not empty
     * @return {@code true} when this call committed; {@code false} when the key was found committed
     * @throws IOException if the data file cannot be written or its footer read
     */
    public boolean appendEncoded(String objectKey, String requestId, EncodedFile file) throws IOException {
        return append(objectKey, requestId, () -> List.of(writeEncoded(requestId, file)));
    }

    /**
     * As {@link #appendEncoded}, but returns once the data file is written: the commit runs on the destination's
     * committer thread, grouped with whatever other objects of this table are written by the time it starts (one
     * snapshot for all, as a group commit; see {@link #append}), and completes the future.
     *
     * <p>Design note: a commit costs about 20 ms on a local disk (manifest, manifest list, metadata file, catalog
     * update, each forced), several times the write of a 1 MiB data file. Waited for on the delivery thread, it caps
     * a stream's objects per second at its delivery threads over that cost; handed to the committer, the delivery
     * threads write the next data files meanwhile, and each commit takes every object written during the previous
     * one. Commits of the table start at least the minimum commit interval apart ({@link Upkeep#minCommitInterval},
     * none after an idle spell), so at high rates each takes several objects: a commit's CPU (manifests, metadata
     * file, the metadata reload after it) is about the same for one object or five. The future completes only after
     * the snapshot is committed (or found committed), so what the delivery stream acknowledges and checkpoints is
     * unchanged: exactly once, as before.
     *
     * @return the future of {@code true} when this call committed, {@code false} when the key was found committed;
     *         failed with the write's or commit's exception (the delivery stream retries the object)
     */
    public java.util.concurrent.CompletableFuture<Boolean> appendEncodedAsync(String objectKey, String requestId,
                                                                            EncodedFile file) {
        return appendAsync(objectKey, requestId, () -> List.of(writeEncoded(requestId, file)));
    }

    /**
     * As {@link #append}, with the commit on the committer thread (see {@link #appendEncodedAsync}).
     *
     * @return the future of {@code true} when this call committed, {@code false} when the key was found committed
     */
    public java.util.concurrent.CompletableFuture<Boolean> appendAsync(String objectKey, String requestId,
                                                                     List<GenericData.Record> batch) {
        return appendAsync(objectKey, requestId, () -> write(requestId, batch));
    }

    private java.util.concurrent.CompletableFuture<Boolean> appendAsync(String objectKey, String requestId,
                                                                      DataFileWrite dataFiles) {
        Pending mine;
        try {
            mine = written(objectKey, requestId, dataFiles);
        } catch (IOException | RuntimeException e) {
            return java.util.concurrent.CompletableFuture.failedFuture(e);
        }
        if (mine == null) {
            return java.util.concurrent.CompletableFuture.completedFuture(false);
        }
        boolean start;
        synchronized (queue) {
            queue.add(mine);
            start = !draining;
            draining = true;
        }
        if (start) {
            try {
                committer.execute(this::drain);
            } catch (java.util.concurrent.RejectedExecutionException closed) {
                synchronized (queue) {
                    draining = false;
                }
                abandonQueued(new DeliveryException(ErrorCode.SERVICE_UNAVAILABLE,
                        "Iceberg destination of table " + config.qualifiedName() + " is closed; not committed"));
            }
        }
        return mine.outcome;
    }

    /**
     * Commits what the asynchronous appends queued, group after group, until the queue is empty; the one task of
     * this table on the committer. A failure fails the group's objects (their delivery threads retry them), never the
     * task, so no queued object is left without an outcome.
     */
    private void drain() {
        while (true) {
            List<Pending> group;
            synchronized (queue) {
                if (queue.isEmpty()) {
                    draining = false;
                    return;
                }
                // Objects queued meanwhile (the wait releases the lock) join this commit.
                awaitCommitInterval();
                if (queue.isEmpty()) {
                    // A closing destination abandoned them meanwhile.
                    draining = false;
                    return;
                }
                group = new ArrayList<>(queue);
                queue.clear();
                lastCommitStart = System.nanoTime();
            }
            synchronized (commitLock) {
                commitOrFail(group);
            }
            try {
                maybeExpire();
            } catch (RuntimeException e) {
                LOG.warn("table {}: cannot schedule snapshot expiry: {}", config.qualifiedName(), e.toString());
            }
        }
    }

    /**
     * With the {@link #queue} lock held: waits until the minimum commit interval has passed since the last commit
     * started (objects written meanwhile queue up and share the next commit), or the destination closes.
     */
    private void awaitCommitInterval() {
        long due = lastCommitStart + minCommitIntervalNanos;
        while (!closing) {
            long left = due - System.nanoTime();
            if (left <= 0) {
                return;
            }
            try {
                java.util.concurrent.TimeUnit.NANOSECONDS.timedWait(queue, left);
            } catch (InterruptedException e) {
                // The committer is being stopped: commit what is queued now, as when closing.
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /**
     * The destination is closing: a commit waiting for the minimum commit interval starts now, so that closing
     * commits every object already written without waiting out the interval.
     */
    public void closing() {
        synchronized (queue) {
            closing = true;
            queue.notifyAll();
        }
    }

    /**
     * Fails every queued object not yet taken by a commit (the destination is closing and its committer stopped):
     * its data files stay unreferenced, and its delivery retries it or, closing, leaves it to the next process.
     *
     * @param cause what the objects' futures fail with
     */
    public void abandonQueued(Exception cause) {
        for (Pending p : takeQueued()) {
            p.fail(cause);
        }
    }

    /** Takes every queued object (for a commit, or to fail them). */
    private List<Pending> takeQueued() {
        synchronized (queue) {
            List<Pending> taken = new ArrayList<>(queue);
            queue.clear();
            return taken;
        }
    }

    /** A data file encoded elsewhere with {@link #directContent()}'s layout, and its parsed footer. */
    public static final class EncodedFile {
        private final ByteBuffer bytes;
        private final org.apache.parquet.format.FileMetaData footer;
        private final PartitionSpec spec;
        /** The partition of every row; {@code null} for an unpartitioned table. */
        private final org.apache.iceberg.PartitionData partition;

        private EncodedFile(ByteBuffer bytes, org.apache.parquet.format.FileMetaData footer, PartitionSpec spec,
                            org.apache.iceberg.PartitionData partition) {
            this.bytes = bytes;
            this.footer = footer;
            this.spec = spec;
            this.partition = partition;
        }
    }

    /**
     * Takes an object's content as a data file if it can be one: the table {@linkplain #acceptsEncoded() accepts
     * encoded files} and the content is a Parquet file with rows whose footer has exactly {@link #directContent()}'s
     * layout and field ids. Anything else (the raw records of a caller that did not ask the stream for this
     * content, or a stream whose sink wrapper did not pass the request on) is refused, and the records are
     * converted instead.
     *
     * @param content the object's content
     * @return the file, or empty when the content cannot be this table's data file
     */
    public java.util.Optional<EncodedFile> encoded(ByteBuffer content) {
        requireTable();
        if (!acceptsEncoded()) {
            return java.util.Optional.empty();
        }
        org.apache.parquet.format.FileMetaData footer;
        try {
            footer = ColumnMetrics.footer(content);
        } catch (IOException | RuntimeException notParquet) {
            return java.util.Optional.empty();
        }
        if (footer.getNum_rows() <= 0 || !ColumnMetrics.sameLayout(footer, fileSchema)) {
            return java.util.Optional.empty();
        }
        PartitionSpec spec = table.spec();
        org.apache.iceberg.PartitionData partition = null;
        if (!spec.isUnpartitioned()) {
            partition = partitionOf(spec, footer);
            if (partition == null) {
                return java.util.Optional.empty();
            }
        }
        return java.util.Optional.of(new EncodedFile(content, footer, spec, partition));
    }

    /** Writes an object's data files (outside any lock). */
    @FunctionalInterface
    private interface DataFileWrite {
        List<DataFile> write() throws IOException;
    }

    /**
     * Writes an object's data files, unless {@code objectKey} is already committed (then {@code null}); the first
     * step of both appends. Counted in {@link #dataFilesInProgress} meanwhile, for a synchronous append lingering
     * for a group.
     */
    private Pending written(String objectKey, String requestId, DataFileWrite dataFiles) throws IOException {
        requireTable();
        if (keys.contains(objectKey)) {
            // Without the commit lock: a commit under way must not hold up writing the next data file.
            LOG.info("table {}: object {} is already committed (an earlier attempt or process); not appended again",
                    config.qualifiedName(), objectKey);
            return null;
        }
        synchronized (queue) {
            dataFilesInProgress++;
        }
        try {
            return new Pending(objectKey, requestId, dataFiles.write());
        } finally {
            synchronized (queue) {
                dataFilesInProgress--;
                queue.notifyAll();
            }
        }
    }

    private boolean append(String objectKey, String requestId, DataFileWrite dataFiles) throws IOException {
        Pending mine = written(objectKey, requestId, dataFiles);
        if (mine == null) {
            return false;
        }
        synchronized (queue) {
            queue.add(mine);
            // Linger while another thread is still writing its data file, so that both objects share one commit.
            long deadline = System.nanoTime() + LINGER.toNanos();
            long left;
            while (dataFilesInProgress > 0 && !mine.done && (left = deadline - System.nanoTime()) > 0) {
                try {
                    java.util.concurrent.TimeUnit.NANOSECONDS.timedWait(queue, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        synchronized (commitLock) {
            if (!mine.done) {
                commitOrFail(takeQueued());
            }
        }
        if (mine.failure != null) {
            if (mine.failure instanceof IOException io) {
                throw io;
            }
            throw (RuntimeException) mine.failure;
        }
        maybeExpire();
        return mine.committed;
    }

    /** One object waiting for (or done with) a group commit; fields written and read under the commit lock. */
    private static final class Pending {
        final String objectKey;
        final String requestId;
        final List<DataFile> files;
        volatile boolean done;
        boolean committed;
        Exception failure;
        /** Completed with {@link #committed} or {@link #failure} when the group commit that took it ends. */
        final java.util.concurrent.CompletableFuture<Boolean> outcome = new java.util.concurrent.CompletableFuture<>();

        Pending(String objectKey, String requestId, List<DataFile> files) {
            this.objectKey = objectKey;
            this.requestId = requestId;
            this.files = files;
        }

        /** Fails this object with {@code cause}, and publishes that. */
        void fail(Exception cause) {
            failure = cause;
            done = true;
            complete();
        }

        /** Publishes the outcome set by the commit to whoever waits on {@link #outcome}. */
        void complete() {
            if (failure != null) {
                outcome.completeExceptionally(failure);
            } else {
                outcome.complete(committed);
            }
        }
    }

    /**
     * {@link #commit}, and should it throw (it catches the commit's own failures; this is for anything else), fails
     * the members it left without an outcome, so that no caller or future waits for ever.
     */
    private void commitOrFail(List<Pending> group) {
        try {
            commit(group);
        } catch (RuntimeException | Error e) {
            Exception cause = e instanceof RuntimeException r ? r : new IllegalStateException(e);
            for (Pending p : group) {
                if (!p.outcome.isDone()) {
                    p.fail(cause);
                }
            }
            if (e instanceof Error error) {
                throw error;
            }
        }
    }

    /** Commits a group in one snapshot; called with the commit lock held. Sets every member's outcome. */
    private void commit(List<Pending> group) {
        List<Pending> fresh = new ArrayList<>(group.size());
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (Pending p : group) {
            if (keys.contains(p.objectKey) || !seen.add(p.objectKey)) {
                deleteQuietly(p.files);
                p.done = true;
            } else {
                fresh.add(p);
            }
        }
        // A key with a line break cannot be listed in OBJECT_KEYS: commit such an object on its own.
        List<List<Pending>> snapshots = new ArrayList<>();
        List<Pending> shared = new ArrayList<>();
        for (Pending p : fresh) {
            if (p.objectKey.indexOf('\n') >= 0) {
                snapshots.add(List.of(p));
            } else {
                shared.add(p);
            }
        }
        if (!shared.isEmpty()) {
            snapshots.add(0, shared);
        }
        for (List<Pending> members : snapshots) {
            try {
                AppendFiles append = table.newAppend().scanManifestsWith(SAME_THREAD)
                        .writeManifestsWith(SAME_THREAD, 1);
                for (Pending p : members) {
                    for (DataFile file : p.files) {
                        append.appendFile(file);
                    }
                }
                append.set(OBJECT_KEY, members.get(0).objectKey).set(REQUEST_ID, members.get(0).requestId);
                if (members.size() > 1) {
                    StringBuilder all = new StringBuilder();
                    for (Pending p : members) {
                        all.append(all.length() == 0 ? "" : "\n").append(p.objectKey);
                    }
                    append.set(CommittedKeys.OBJECT_KEYS, all.toString());
                }
                append.commit();
                List<String> committed = new ArrayList<>(members.size());
                for (Pending p : members) {
                    p.committed = true;
                    p.done = true;
                    committed.add(p.objectKey);
                }
                keys.remember(committed, clock.instant());
            } catch (RuntimeException e) {
                // Each member's thread retries. Iceberg's commit is atomic, but when its outcome is unknown (the
                // catalog update may have landed) re-read the table, so the retry finds the keys if it did.
                for (Pending p : members) {
                    p.failure = e;
                    p.done = true;
                }
                try {
                    table.refresh();
                } catch (RuntimeException refresh) {
                    e.addSuppressed(refresh);
                }
            } finally {
                keys.catchUp(table);
            }
        }
        commits.incrementAndGet();
        checkRetained();
        for (Pending p : group) {
            p.complete();
        }
    }

    /**
     * Whether {@code objectKey} is committed, from the index of committed keys (see {@link CommittedKeys}); the
     * upsert path checks it before and, under the commit lock, again before its RowDelta.
     */
    boolean committed(String objectKey) {
        return keys.contains(objectKey);
    }

    /**
     * Indexes a commit made by the upsert path (one RowDelta per object, never grouped: two objects' deletes and
     * rows in one snapshot would share a sequence number, and the later object's deletes would miss the earlier
     * object's rows). Called with the commit lock held, after the commit or its failure.
     *
     * @param objectKey the committed object, or {@code null} when the commit failed
     * @param failure the commit's failure, or {@code null}
     */
    void upsertFinished(String objectKey, RuntimeException failure) {
        if (failure != null) {
            try {
                table.refresh();
            } catch (RuntimeException refresh) {
                failure.addSuppressed(refresh);
            }
        } else {
            keys.remember(List.of(objectKey), clock.instant());
        }
        keys.catchUp(table);
        commits.incrementAndGet();
        checkRetained();
    }

    /** Counts the table's snapshots after a commit and warns when they slow commits down (never fails a commit). */
    private void checkRetained() {
        try {
            retained.afterCommit(table, config.qualifiedName(), retentionAdvice);
        } catch (RuntimeException e) {
            LOG.debug("table {}: cannot count its snapshots: {}", config.qualifiedName(), e.toString());
        }
    }

    /** Warns from {@code threshold} retained snapshots instead of {@link RetainedSnapshots#DEFAULT_THRESHOLD} (tests). */
    void warnFromSnapshots(int threshold) {
        synchronized (commitLock) {
            retained = new RetainedSnapshots(threshold);
        }
    }

    /** Snapshot expiry, if due, after an upsert commit as after an append. */
    void afterUpsert() {
        maybeExpire();
    }

    private void deleteQuietly(List<DataFile> files) {
        for (DataFile file : files) {
            try {
                table.io().deleteFile(file.location());
            } catch (RuntimeException e) {
                LOG.warn("table {}: cannot delete unreferenced data file {}: {}", config.qualifiedName(),
                        file.location(), e.toString());
            }
        }
    }

    /** Hands snapshot expiry to the expiry executor when it is due; never runs it on the caller's thread. */
    private void maybeExpire() {
        if (expiry.isEmpty()) {
            return;
        }
        java.time.Instant now = clock.instant();
        synchronized (expiryState) {
            if (expiryRunning || now.isBefore(nextExpiry)) {
                return;
            }
            expiryRunning = true;
            nextExpiry = now.plus(SnapshotExpiry.CHECK_INTERVAL);
        }
        try {
            expiryExecutor.execute(() -> {
                try {
                    expireSnapshots();
                } catch (RuntimeException e) {
                    LOG.warn("table {}: snapshot expiry failed; tried again in {}: {}", config.qualifiedName(),
                            SnapshotExpiry.CHECK_INTERVAL, e.toString());
                } finally {
                    synchronized (expiryState) {
                        expiryRunning = false;
                    }
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException closing) {
            synchronized (expiryState) {
                expiryRunning = false;
            }
        }
    }

    /**
     * Expires the snapshots older than the retention (keeping the configured minimum), deletes the files only they
     * referenced, and re-indexes the committed keys from the snapshots that remain. Appends wait meanwhile.
     *
     * @return the number of snapshots expired; 0 when expiry is off or not yet allowed (see {@link SnapshotExpiry})
     */
    public int expireSnapshots() {
        if (expiry.isEmpty()) {
            return 0;
        }
        synchronized (commitLock) {
            int before = snapshotCount();
            if (expiry.get().expire(table, clock.instant(), openedAt, SAME_THREAD)) {
                keys.rebuild(table);
            }
            return before - snapshotCount();
        }
    }

    private int snapshotCount() {
        int n = 0;
        for (Snapshot ignored : table.snapshots()) {
            n++;
        }
        return n;
    }

    /** Commits made so far (a group commit counts once), for tests and the perf harness. */
    public long commits() {
        return commits.get();
    }

    /**
     * Groups rows by the table's partition, in first-seen order; an unpartitioned table has one group under
     * {@code null}.
     *
     * @param avroSchema the schema the rows were built with
     */
    static Map<PartitionKey, List<GenericData.Record>> byPartition(Table table, org.apache.avro.Schema avroSchema,
                                                                   List<GenericData.Record> batch) {
        PartitionSpec spec = table.spec();
        Map<PartitionKey, List<GenericData.Record>> groups = new LinkedHashMap<>();
        if (spec.isUnpartitioned()) {
            groups.put(null, batch);
        } else {
            PartitionKey key = new PartitionKey(spec, table.schema());
            AvroRow view = new AvroRow(table.schema().asStruct(), avroSchema);
            for (GenericData.Record row : batch) {
                key.partition(view.wrap(row));
                groups.computeIfAbsent(key.copy(), k -> new ArrayList<>()).add(row);
            }
        }
        return groups;
    }

    List<DataFile> write(String requestId, List<GenericData.Record> batch) throws IOException {
        PartitionSpec spec = table.spec();
        Map<PartitionKey, List<GenericData.Record>> groups = byPartition(table, rows.avroSchema(), batch);
        String attempt = UUID.randomUUID().toString().substring(0, 8);
        List<DataFile> files = new ArrayList<>(groups.size());
        int n = 0;
        for (Map.Entry<PartitionKey, List<GenericData.Record>> group : groups.entrySet()) {
            String name = String.format("%s-%s-%05d.parquet", requestId, attempt, n++);
            String location = group.getKey() == null ? table.locationProvider().newDataLocation(name)
                    : table.locationProvider().newDataLocation(spec, group.getKey(), name);
            ByteBuffer bytes = rows.write(group.getValue(), fileSchema, writing.codec(), writing.rowGroupBytes(),
                    writing.pageBytes(), writing.dictionary());
            long size = bytes.remaining();
            org.apache.iceberg.Metrics metrics = ColumnMetrics.of(bytes, fileSchema, table.schema(),
                    group.getValue().size());
            // On a local table the force starts in the background now and the commit waits for it together with
            // its own files' (DeferredSyncs), before the catalog pointer moves.
            OutputFile out = table.io().newOutputFile(location);
            try (PositionOutputStream stream = out.create()) {
                if (bytes.hasArray()) {
                    stream.write(bytes.array(), bytes.arrayOffset() + bytes.position(), bytes.remaining());
                } else {
                    byte[] copy = new byte[bytes.remaining()];
                    bytes.get(copy);
                    stream.write(copy);
                }
            }
            DataFiles.Builder file = DataFiles.builder(spec).withPath(location).withFormat(FileFormat.PARQUET)
                    .withFileSizeInBytes(size).withMetrics(metrics);
            if (group.getKey() != null) {
                file.withPartition(group.getKey());
            }
            files.add(file.build());
        }
        return files;
    }

    /**
     * The Parquet content a delivery stream can encode for this table while its buffers fill: the destination's
     * conversion rules and Parquet options, and the file layout with the table's field ids. Empty when this table's
     * objects need their rows (a partitioned table, whose rows go to one file per partition; unique keys).
     */
    public java.util.Optional<dev.sluice.delivery.Sink.ParquetContent> directContent() {
        if (!timePartitionedOrNot(table) || upserts.isPresent()) {
            return java.util.Optional.empty();
        }
        String layout = fileSchema.toString();
        try {
            if (!org.apache.parquet.schema.MessageTypeParser.parseMessageType(layout).equals(fileSchema)) {
                return java.util.Optional.empty();
            }
        } catch (RuntimeException notParsed) {
            // A type Parquet's schema text does not round-trip: this table keeps converting its records.
            return java.util.Optional.empty();
        }
        ParquetConversion conversion = ParquetConversion.of(config.schema())
                .withCaseInsensitive(writing.caseInsensitive())
                .withCompression(writing.codec())
                .withBlockSizeBytes(writing.rowGroupBytes())
                .withPageSizeBytes(writing.pageBytes())
                .withDictionary(writing.dictionary());
        return java.util.Optional.of(new dev.sluice.delivery.Sink.ParquetContent(conversion,
                java.util.Optional.of(layout)));
    }

    /**
     * Whether a file encoded with {@link #directContent()} can be appended now: the table is still unpartitioned and
     * its schema is the one the layout's field ids were taken from (another writer may have changed either since the
     * table was opened; then the object's records are converted again, as for any other table).
     */
    public boolean acceptsEncoded() {
        return table.spec().specId() == fileSpecId && table.schema().schemaId() == fileSchemaId
                && upserts.isEmpty() && timePartitionedOrNot(table);
    }

    /** Time transforms: data arrives roughly in time order, so most objects fall in one partition. */
    private static final java.util.Set<String> TIME_TRANSFORMS = java.util.Set.of("year", "month", "day", "hour");

    /**
     * Whether the table is unpartitioned or partitioned only by time transforms of top-level columns: then a whole
     * object whose rows fall in one partition (told by its footer's min/max) is one data file. Identity and bucket
     * partitions are left out: records of several values usually arrive interleaved, and encoding an object only
     * to convert it again would cost more than it saves.
     */
    private static boolean timePartitionedOrNot(Table table) {
        for (org.apache.iceberg.PartitionField field : table.spec().fields()) {
            if (!TIME_TRANSFORMS.contains(field.transform().toString())
                    || table.schema().asStruct().field(field.sourceId()) == null) {
                return false;
            }
        }
        return true;
    }

    /**
     * The one partition every row of an encoded file falls in, from the footer's min/max of the partition source
     * columns; {@code null} when the rows span partitions or the statistics do not tell.
     */
    @SuppressWarnings("unchecked")
    private org.apache.iceberg.PartitionData partitionOf(PartitionSpec spec,
                                                         org.apache.parquet.format.FileMetaData footer) {
        org.apache.iceberg.PartitionData partition = new org.apache.iceberg.PartitionData(spec.partitionType());
        List<org.apache.iceberg.PartitionField> fields = spec.fields();
        for (int i = 0; i < fields.size(); i++) {
            org.apache.iceberg.PartitionField field = fields.get(i);
            ColumnMetrics.Range range = ColumnMetrics.range(footer, fileSchema, table.schema(), field.sourceId());
            if (range == null) {
                return null;
            }
            Object value = null;
            if (range.min() != null) {
                org.apache.iceberg.util.SerializableFunction<Object, Object> transform =
                        ((org.apache.iceberg.transforms.Transform<Object, Object>) field.transform())
                                .bind(table.schema().findType(field.sourceId()));
                value = transform.apply(range.min());
                if (!java.util.Objects.equals(value, transform.apply(range.max()))) {
                    return null;
                }
            }
            partition.set(i, value);
        }
        return partition;
    }

    private DataFile writeEncoded(String requestId, EncodedFile encoded) throws IOException {
        PartitionSpec spec = encoded.spec;
        String attempt = UUID.randomUUID().toString().substring(0, 8);
        String name = String.format("%s-%s-%05d.parquet", requestId, attempt, 0);
        String location = encoded.partition == null ? table.locationProvider().newDataLocation(name)
                : table.locationProvider().newDataLocation(spec, encoded.partition, name);
        org.apache.iceberg.Metrics metrics = ColumnMetrics.of(encoded.footer, fileSchema, table.schema());
        ByteBuffer file = encoded.bytes;
        long size = file.remaining();
        OutputFile out = table.io().newOutputFile(location);
        try (PositionOutputStream stream = out.create()) {
            if (stream instanceof java.nio.channels.WritableByteChannel channel) {
                channel.write(file.duplicate());
            } else {
                byte[] copy = new byte[file.remaining()];
                file.duplicate().get(copy);
                stream.write(copy);
            }
        }
        DataFiles.Builder entry = DataFiles.builder(spec).withPath(location).withFormat(FileFormat.PARQUET)
                .withFileSizeInBytes(size).withMetrics(metrics);
        if (encoded.partition != null) {
            entry.withPartition(encoded.partition);
        }
        return entry.build();
    }

    /** An executor that runs each task in the caller; never shut down (shared, stateless). */
    private static final class SameThread extends java.util.concurrent.AbstractExecutorService {
        @Override
        public void execute(Runnable task) {
            task.run();
        }

        @Override
        public void shutdown() {
        }

        @Override
        public List<Runnable> shutdownNow() {
            return List.of();
        }

        @Override
        public boolean isShutdown() {
            return false;
        }

        @Override
        public boolean isTerminated() {
            return false;
        }

        @Override
        public boolean awaitTermination(long timeout, java.util.concurrent.TimeUnit unit) {
            return false;
        }
    }
}
