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
 * the dedupe check and the commit run under one lock per table, so this process never races itself on a table and
 * Iceberg's optimistic retries are left for other writers. <b>Exactly once:</b> each append's snapshot summary
 * carries the delivery object's key ({@link #OBJECT_KEY}); for a stream source that key is derived from the shard and
 * the first and last sequence numbers, so a retried or post-crash attempt of the same object finds its own earlier
 * snapshot in the table's history and commits nothing. That check reads snapshots kept in the table metadata: keep
 * snapshot expiry longer than the delivery's retry window. Data files of an attempt that did not commit stay
 * unreferenced (or are deleted when the dedupe check finds the object committed).
 */
public final class TableWriter {

    /** Snapshot summary property: the delivery object key this append committed. */
    public static final String OBJECT_KEY = "sluice.object-key";
    /** Snapshot summary property: the delivery object's request id (stable across retries). */
    public static final String REQUEST_ID = "sluice.request-id";

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
    private final Object commitLock = new Object();
    private final java.util.Optional<UpsertWriter> upserts;

    /** Parquet options shared by a destination's tables. */
    public record ParquetWriting(ParquetConversion.Codec codec, long rowGroupBytes, int pageBytes,
                                 boolean dictionary, boolean caseInsensitive) {
    }

    private TableWriter(DestinationTableConfiguration config, ParquetWriting writing, ParquetRows rows, Table table) {
        this.config = config;
        this.writing = writing;
        this.rows = rows;
        this.table = table;
        this.fileSchema = TableSchemas.withFieldIds(rows.messageType(), table.schema());
        this.upserts = config.uniqueKeys().isEmpty() ? java.util.Optional.empty()
                : java.util.Optional.of(UpsertWriter.open(this, writing.caseInsensitive()));
    }

    /**
     * Loads the table, creating it (and its namespace) when absent and evolving its schema towards the delivery's.
     *
     * @throws DeliveryException {@code INVALID_ARGUMENT} naming the table and what is wrong
     */
    public static TableWriter open(Catalog catalog, DestinationTableConfiguration config, ParquetWriting writing) {
        ParquetRows rows = ParquetRows.of(config.schema(), writing.caseInsensitive());
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
            return new TableWriter(config, writing, rows, table);
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
     * @return {@code true} when this call committed; {@code false} when the key was found committed
     * @throws IOException if a data file cannot be written
     */
    public boolean append(String objectKey, String requestId, List<GenericData.Record> batch) throws IOException {
        if (committed(objectKey)) {
            LOG.info("table {}: object {} is already committed (an earlier attempt or process); not appended again",
                    config.qualifiedName(), objectKey);
            return false;
        }
        List<DataFile> files = write(requestId, batch);
        synchronized (commitLock) {
            if (committed(objectKey)) {
                for (DataFile file : files) {
                    table.io().deleteFile(file.location());
                }
                return false;
            }
            AppendFiles append = table.newAppend().scanManifestsWith(SAME_THREAD)
                    .writeManifestsWith(SAME_THREAD, 1);
            for (DataFile file : files) {
                append.appendFile(file);
            }
            append.set(OBJECT_KEY, objectKey).set(REQUEST_ID, requestId).commit();
        }
        return true;
    }

    boolean committed(String objectKey) {
        for (Snapshot snapshot : table.snapshots()) {
            if (objectKey.equals(snapshot.summary().get(OBJECT_KEY))) {
                return true;
            }
        }
        return false;
    }

    List<DataFile> write(String requestId, List<GenericData.Record> batch) throws IOException {
        PartitionSpec spec = table.spec();
        Map<PartitionKey, List<GenericData.Record>> groups = new LinkedHashMap<>();
        if (spec.isUnpartitioned()) {
            groups.put(null, batch);
        } else {
            PartitionKey key = new PartitionKey(spec, table.schema());
            AvroRow view = new AvroRow(table.schema().asStruct(), rows.avroSchema());
            for (GenericData.Record row : batch) {
                key.partition(view.wrap(row));
                groups.computeIfAbsent(key.copy(), k -> new ArrayList<>()).add(row);
            }
        }
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
                    .withFileSizeInBytes(size).withRecordCount(group.getValue().size());
            if (group.getKey() != null) {
                file.withPartition(group.getKey());
            }
            files.add(file.build());
        }
        return files;
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
