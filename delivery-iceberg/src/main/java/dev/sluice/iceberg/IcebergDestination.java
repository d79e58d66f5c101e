package dev.sluice.iceberg;

import dev.sluice.iceberg.internal.Problems;
import dev.sluice.delivery.DeliveryException;
import dev.sluice.delivery.DeliveryStream;
import dev.sluice.delivery.ErrorCode;
import dev.sluice.delivery.ParquetConversion;
import dev.sluice.delivery.Sink;
import dev.sluice.delivery.SinkObject;
import dev.sluice.delivery.SinkOutcome;
import dev.sluice.delivery.SinkResult;
import dev.sluice.transform.OtfMetadata;
import dev.sluice.iceberg.internal.FailedRecords;
import dev.sluice.iceberg.internal.RecordRouting;
import dev.sluice.iceberg.internal.Router;
import dev.sluice.iceberg.internal.Operation;
import dev.sluice.iceberg.internal.SnapshotExpiry;
import dev.sluice.iceberg.internal.TableWriter;
import dev.sluice.iceberg.internal.UpsertWriter;
import org.apache.avro.generic.GenericData;

import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Firehose's Apache Iceberg destination as a {@link Sink}: each delivery object becomes an Iceberg append per table
 * it has records for (objects written while the table's previous commit ran, or within its minimum commit interval,
 * share one snapshot), with data files in Parquet whose columns carry the table's field ids.
 *
 * <p>Thread-safety: thread-safe; the delivery stream calls {@link #writeReporting} from its delivery threads, and the
 * appends commit on the destination's committer threads ({@code sluice-iceberg-commit-<n>}).
 *
 * <pre>{@code
 * IcebergCatalog catalog = IcebergCatalog.embedded(Path.of("/data/warehouse"));
 * Sink errors = Sink.localBucket(Path.of("/data/errors"));
 * try (DeliveryStream clicks = DeliveryStream.builder().name("clicks")
 *         .sink(IcebergDestination.builder().catalog(catalog)
 *                 .table(DestinationTableConfiguration.of("web", "clicks", avsc)
 *                         .withPartitioning(PartitionField.day("ts")))
 *                 .errorOutputSink(errors).build())
 *         .errorOutputSink(errors)
 *         .kinesisStreamSource(engine, "clicks", Path.of("/data/state"))
 *         .build()) { ... }
 * }</pre>
 *
 * <p><b>Records.</b> For a single table without routing or unique keys, unpartitioned or partitioned by time
 * (year/month/day/hour) only, the destination has the delivery stream encode each object as the table's Parquet
 * data file while the buffer fills ({@link #parquetContent()}) and writes those bytes as the data file (for a
 * partitioned table, when the file's min/max show that all its rows fall in one partition). Otherwise it reads
 * the delivery object's processed records (one JSON object each, or several concatenated), not its encoded bytes.
 * Either way the stream's output format and compression do not matter (leave the default raw format). Each record
 * is routed (by the otfMetadata a Lambda transformation returned with it, Firehose's Lambda method, else by the
 * routing query, Firehose's JSONQuery method, else to the only table; see
 * {@link Builder#routeByOtfMetadata}), then converted with its table's schema under Firehose's conversion rules. A
 * record that cannot be routed or converted goes, as a Firehose error line, to the error-output sink under the
 * table's error prefix (or the destination's), in an object whose key is derived from the delivery object's key; the
 * other records of the object are committed.
 *
 * <p><b>Exactly once.</b> The append's snapshot summary carries the delivery object's key
 * ({@code sluice.object-key}). Before writing, the destination looks for that key in the table's snapshots and, if
 * an earlier attempt (before a crash, or a retry whose reply was lost) committed it, answers
 * {@link SinkResult#ALREADY_EXISTS}. With a stream source, whose object keys are made of the shard and sequence
 * numbers, records are therefore appended exactly once across retries and kill -9 restarts; with direct put they are
 * appended at least once across restarts (as Firehose does) and exactly once across retries.
 *
 * <p><b>Upserts and deletes.</b> A table with {@linkplain DestinationTableConfiguration#uniqueKeys() unique keys}
 * takes Firehose's operations, which a record's Lambda otfMetadata or the {@link Builder#routingQuery routing query}
 * gives as {@code operation}:
 * {@code insert} (the default) appends the record, {@code update} replaces the rows with the record's key by it,
 * {@code delete} removes them. Each delivery object is one Iceberg RowDelta per such table: equality-delete files on
 * the key columns and data files, with the same {@code sluice.object-key} summary (exactly once, as appends); within
 * an object, the records of a key apply in order. An update or delete routed to a table without unique keys goes to
 * the error output as {@code Iceberg.MissingUniqueKeys}; a record without a value for a unique key as
 * {@code Iceberg.InvalidUniqueKeys}; an operation other than the three as {@code Iceberg.InvalidOperation}.
 *
 * <p><b>Tables.</b> Created from the configuration when absent (format version 2), else loaded and evolved: fields
 * added to the delivery's schema become optional columns. Commits to one table from this process are serialized;
 * other processes may commit to the same table (Iceberg's optimistic concurrency, retried).
 *
 * <p>It does not store objects ({@link #storesObjects()} is {@code false}), so the delivery stream needs its own
 * error-output sink, as Firehose needs an S3 bucket for an Iceberg destination. Meters {@code DeliveryToIceberg.*},
 * error output type {@code iceberg-failed}, default retry duration 300 s.
 */
public final class IcebergDestination implements Sink {

    /** Default error prefix of records that do not fit a table, in the error-output sink. */
    public static final String DEFAULT_ERROR_OUTPUT_PREFIX = "iceberg-failed/";
    /** Firehose's default retry duration for Iceberg destinations (300 s). */
    public static final Duration DEFAULT_RETRY_DURATION = Duration.ofSeconds(300);
    /** Default age after which snapshots are expired (1 h). */
    public static final Duration DEFAULT_SNAPSHOT_RETENTION = Duration.ofHours(1);
    /**
     * Shortest snapshot retention accepted (10 min): twice the default retry duration, so a restarted process
     * re-delivers what it had committed before its crash while the evidence is still in the table.
     */
    public static final Duration MIN_SNAPSHOT_RETENTION = Duration.ofMinutes(10);
    /** Default number of newest snapshots kept whatever their age. */
    public static final int DEFAULT_MIN_SNAPSHOTS_TO_KEEP = 100;
    /**
     * Default least time between the starts of two commits of one table (40 ms): at high rates each commit takes
     * several objects, at low rates nothing waits (a commit after an idle spell starts at once).
     */
    public static final Duration DEFAULT_MIN_COMMIT_INTERVAL = Duration.ofMillis(40);
    /** Longest minimum commit interval accepted (1 min). */
    public static final Duration MAX_MIN_COMMIT_INTERVAL = Duration.ofMinutes(1);

    private final Map<String, TableWriter> tables;
    private final RecordRouting routing;
    private final Sink errorOutput;
    private final String errorOutputPrefix;
    private final Clock clock;
    private final java.util.concurrent.ExecutorService upkeep;
    /** Commits the tables' asynchronous appends: at most one task per table at a time. */
    private final java.util.concurrent.ExecutorService committer;
    /**
     * The one table whose data files the delivery stream encodes while its buffers fill ({@link #parquetContent()}):
     * a single table without routing or unique keys, unpartitioned or partitioned by time only; {@code null}
     * otherwise.
     */
    private final TableWriter direct;
    private final Optional<ParquetContent> directContent;
    /** The snapshot retention when this destination expires snapshots: how long a commit's evidence lasts. */
    private final Optional<Duration> redeliveryWindow;

    private IcebergDestination(Map<String, TableWriter> tables, RecordRouting routing, Sink errorOutput,
                               String errorOutputPrefix, Clock clock, java.util.concurrent.ExecutorService upkeep,
                               java.util.concurrent.ExecutorService committer, boolean routeByOtfMetadata,
                               Optional<Duration> redeliveryWindow) {
        this.redeliveryWindow = redeliveryWindow;
        TableWriter only = routing.single() && !routeByOtfMetadata ? tables.values().iterator().next() : null;
        this.directContent = only == null ? Optional.empty() : only.directContent();
        this.direct = directContent.isPresent() ? only : null;
        this.tables = tables;
        this.routing = routing;
        this.errorOutput = errorOutput;
        this.errorOutputPrefix = errorOutputPrefix;
        this.clock = clock;
        this.upkeep = upkeep;
        this.committer = committer;
    }

    /**
     * Returns a builder.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Appends the object's records to their tables, once, and returns when they are committed: {@link #writeAsync}
     * with the commits on the calling thread (grouped with other objects queued meanwhile, as there).
     *
     * @param object the delivery object; its {@link SinkObject#records()} are read
     * @return {@link SinkResult#ALREADY_EXISTS} when every table the object has records for already holds it;
     *         {@link SinkResult#CREATED} otherwise
     * @throws Exception a failure writing files, committing, or writing failed records; retried by the stream
     */
    @Override
    public SinkResult write(SinkObject object) throws Exception {
        // Every future is complete: the appends committed on this thread.
        try {
            return start(object, false, new java.util.BitSet()).join();
        } catch (java.util.concurrent.CompletionException e) {
            if (e.getCause() instanceof Exception cause) {
                throw cause;
            }
            throw e;
        }
    }

    /**
     * Appends the object's records to their tables, once: converts and routes them, writes their data files and the
     * failed records on the calling (delivery) thread, and completes when the tables' appends are committed. Appends
     * commit on the destination's committer thread, one table at a time each, at least
     * {@link Builder#minCommitInterval} apart, every object written meanwhile in the same snapshot, so that a delivery
     * thread writes its next object's data file while the commit goes on. Upserts (RowDeltas, never grouped) commit
     * on the calling thread.
     *
     * @param object the delivery object; its {@link SinkObject#records()} are read
     * @return the future of {@link SinkResult#ALREADY_EXISTS} when every table the object has records for already
     *         holds it, {@link SinkResult#CREATED} otherwise; failed with what failed writing files, committing, or
     *         writing failed records (retried by the stream)
     */
    @Override
    public java.util.concurrent.CompletableFuture<SinkResult> writeAsync(SinkObject object) {
        return writeReporting(object).thenApply(SinkOutcome::result);
    }

    /**
     * As {@link #writeAsync}, and reports the records that went to this destination's error output (no table takes
     * them, or they do not fit the table), so that the delivery stream counts them as error output, not delivered.
     *
     * @param object the delivery object
     * @return the future of the outcome
     */
    @Override
    public java.util.concurrent.CompletableFuture<SinkOutcome> writeReporting(SinkObject object) {
        java.util.BitSet failedRecords = new java.util.BitSet();
        try {
            return start(object, true, failedRecords).thenApply(result -> new SinkOutcome(result, failedRecords));
        } catch (Exception e) {
            return java.util.concurrent.CompletableFuture.failedFuture(e);
        }
    }

    /**
     * Converts, routes and writes the object's files, and starts its appends: on the committer ({@code async}) or
     * on this thread.
     */
    private java.util.concurrent.CompletableFuture<SinkResult> start(SinkObject object, boolean async,
                                                                      java.util.BitSet failedRecords)
            throws Exception {
        Map<String, FailedRecords> failed = new LinkedHashMap<>();
        if (direct != null) {
            // The stream encoded the object's records with this table's layout (parquetContent); the records its
            // conversion rejected fail here, with the conversion's codes, as if this destination had converted them.
            String prefix = prefix(direct);
            for (SinkObject.ConversionFailure failure : object.conversionFailures()) {
                ByteBuffer view = failure.record();
                byte[] raw = new byte[view.remaining()];
                view.get(raw);
                fail(failed, prefix, raw, direct.config().qualifiedName(), failure.errorCode(),
                        failure.errorMessage(), object);
            }
            Optional<TableWriter.EncodedFile> file = object.otfMetadata().isEmpty() && !object.records().isEmpty()
                    ? direct.encoded(object.content()) : Optional.empty();
            if (file.isPresent() || object.records().isEmpty()) {
                writeFailed(failed, object);
                if (file.isEmpty()) {
                    return java.util.concurrent.CompletableFuture.completedFuture(SinkResult.CREATED);
                }
                java.util.concurrent.CompletableFuture<Boolean> append = async
                        ? direct.appendEncodedAsync(object.key(), object.requestId(), file.get())
                        : java.util.concurrent.CompletableFuture.completedFuture(
                                direct.appendEncoded(object.key(), object.requestId(), file.get()));
                return append.thenApply(created -> created ? SinkResult.CREATED : SinkResult.ALREADY_EXISTS);
            }
            // A Lambda's otfMetadata may route records elsewhere, the table changed, or the content is not this
            // table's data file (a caller's own object): convert the records below.
        }
        Map<TableWriter, List<GenericData.Record>> rows = new LinkedHashMap<>();
        Map<TableWriter, UpsertWriter.Changes> changes = new LinkedHashMap<>();
        TableWriter only = routing.single() ? tables.values().iterator().next() : null;
        boolean otf = !object.otfMetadata().isEmpty();
        for (int i = 0; i < object.records().size(); i++) {
            ByteBuffer view = object.records().get(i);
            byte[] raw = new byte[view.remaining()];
            view.duplicate().get(raw);
            Optional<OtfMetadata> metadata = otf ? object.otfMetadata(i) : Optional.empty();
            TableWriter table = metadata.isEmpty() ? only : null;
            Operation operation = Operation.INSERT;
            if (table == null) {
                Router.Route route;
                try {
                    route = routing.route(raw, metadata);
                } catch (Router.Unroutable e) {
                    failAt(i, failedRecords, failed, errorOutputPrefix, raw, null, e.errorCode(), e.getMessage(),
                            object);
                    continue;
                }
                String name = route.table();
                operation = route.operation();
                table = tables.get(name);
                if (table == null) {
                    failAt(i, failedRecords, failed, errorOutputPrefix, raw, name, FailedRecords.NO_SUCH_TABLE,
                            "records were routed to " + name + " but the destination configures only "
                            + tables.keySet(), object);
                    continue;
                }
            }
            String prefix = prefix(table);
            if (table.upserts().isPresent()) {
                try {
                    changes.computeIfAbsent(table, t -> t.upserts().get().newChanges()).add(operation, raw);
                } catch (UpsertWriter.Rejected e) {
                    failAt(i, failedRecords, failed, prefix, raw, table.config().qualifiedName(), e.errorCode(),
                            e.getMessage(), object);
                } catch (DeliveryException e) {
                    failAt(i, failedRecords, failed, prefix, raw, table.config().qualifiedName(),
                            e.errorCode().code(), e.getMessage(), object);
                }
                continue;
            }
            if (operation != Operation.INSERT) {
                failAt(i, failedRecords, failed, prefix, raw, table.config().qualifiedName(),
                        FailedRecords.NO_UNIQUE_KEYS, "operation "
                        + operation.name().toLowerCase(java.util.Locale.ROOT) + " needs unique keys but table "
                        + table.config().qualifiedName() + " has none; configure its UniqueKeys or send inserts",
                        object);
                continue;
            }
            List<GenericData.Record> tableRows = rows.computeIfAbsent(table, t -> new ArrayList<>());
            try {
                table.rows().convert(raw, tableRows);
            } catch (DeliveryException e) {
                failAt(i, failedRecords, failed, prefix, raw, table.config().qualifiedName(), e.errorCode().code(),
                        e.getMessage(), object);
            }
        }
        writeFailed(failed, object);
        boolean upserted = false;
        boolean changed = false;
        for (Map.Entry<TableWriter, UpsertWriter.Changes> table : changes.entrySet()) {
            if (!table.getValue().isEmpty()) {
                changed = true;
                upserted |= table.getKey().upserts().get().commit(object.key(), object.requestId(), table.getValue());
            }
        }
        List<java.util.concurrent.CompletableFuture<Boolean>> appends = new ArrayList<>();
        for (Map.Entry<TableWriter, List<GenericData.Record>> table : rows.entrySet()) {
            if (!table.getValue().isEmpty()) {
                appends.add(async ? table.getKey().appendAsync(object.key(), object.requestId(), table.getValue())
                        : java.util.concurrent.CompletableFuture.completedFuture(
                                table.getKey().append(object.key(), object.requestId(), table.getValue())));
            }
        }
        boolean created = upserted;
        boolean nothingToCommit = !changed && appends.isEmpty();
        return java.util.concurrent.CompletableFuture.allOf(appends.toArray(java.util.concurrent.CompletableFuture[]::new))
                .thenApply(done -> {
                    boolean any = created;
                    for (java.util.concurrent.CompletableFuture<Boolean> append : appends) {
                        any |= append.join();
                    }
                    return any || nothingToCommit ? SinkResult.CREATED : SinkResult.ALREADY_EXISTS;
                });
    }

    /** {@link #fail} for record {@code index} of the object, noting it among the object's failed records. */
    private void failAt(int index, java.util.BitSet failedRecords, Map<String, FailedRecords> failed, String prefix,
                        byte[] raw, String table, String errorCode, String message, SinkObject object) {
        failedRecords.set(index);
        fail(failed, prefix, raw, table, errorCode, message, object);
    }

    private String prefix(TableWriter table) {
        return table.config().errorOutputPrefix().isEmpty() ? errorOutputPrefix : table.config().errorOutputPrefix();
    }

    private void writeFailed(Map<String, FailedRecords> failed, SinkObject object) throws Exception {
        for (Map.Entry<String, FailedRecords> errors : failed.entrySet()) {
            errorOutput.write(new SinkObject(errors.getKey() + object.key(), errors.getValue().content(),
                    "application/x-ndjson", errors.getValue().records(), object.requestId() + "-iceberg-failed",
                    true, object.oldestArrival()));
        }
    }

    /**
     * The Parquet content the delivery stream encodes for this destination while its buffers fill, so that each
     * object arrives as the table's data file: present for a single table without a routing query, otfMetadata
     * routing or unique keys, unpartitioned or partitioned by year/month/day/hour only (the common cases), with the
     * table's field ids, conversion rules and Parquet options. An object whose rows span partitions (its footer's
     * min/max tell), carries otfMetadata, or finds the table's schema or spec changed by another writer has its
     * records converted again, as for any other table. Records the stream's conversion rejects come back in
     * {@link SinkObject#conversionFailures()} and go to this destination's error output, as those it converts
     * itself. Empty otherwise: then this destination converts each object's records itself.
     *
     * @return the content, or empty
     */
    @Override
    public Optional<ParquetContent> parquetContent() {
        return directContent;
    }

    private void fail(Map<String, FailedRecords> failed, String prefix, byte[] raw, String table, String code,
                      String message, SinkObject object) {
        failed.computeIfAbsent(prefix, p -> new FailedRecords()).add(raw, table, code, message,
                object.oldestArrival(), clock.instant());
    }

    /**
     * Records go into tables, not objects.
     *
     * @return {@code false}
     */
    @Override
    public boolean storesObjects() {
        return false;
    }

    /**
     * Firehose's error output type for Iceberg destinations.
     *
     * @return {@code iceberg-failed}
     */
    @Override
    public String errorOutputType() {
        return "iceberg-failed";
    }

    /**
     * Firehose's meter prefix for Iceberg destinations.
     *
     * @return {@code DeliveryToIceberg}
     */
    @Override
    public String metricsPrefix() {
        return "DeliveryToIceberg";
    }

    /**
     * Firehose's default retry duration for Iceberg destinations.
     *
     * @return {@link #DEFAULT_RETRY_DURATION}
     */
    @Override
    public Duration defaultRetryDuration() {
        return DEFAULT_RETRY_DURATION;
    }

    /**
     * Names the destination by its tables, as errors about it do.
     *
     * @return {@code Iceberg destination [database.table, ...]}
     */
    @Override
    public String toString() {
        return "Iceberg destination " + new java.util.TreeSet<>(tables.keySet());
    }

    /**
     * The evidence that an object was committed is its snapshot, kept for the snapshot retention when this
     * destination expires snapshots; with expiry off, the table's own maintenance decides, and no window is claimed.
     *
     * @return the snapshot retention, or empty with {@code expireSnapshots(false)}
     */
    @Override
    public Optional<Duration> redeliveryWindow() {
        return redeliveryWindow;
    }

    /**
     * Lets the commits of appends already written finish (up to a minute; the delivery stream closes its sink after
     * its objects are delivered, so there are none then unless its drain timed out), fails those that could not
     * commit, stops table upkeep (waiting up to a minute for a snapshot expiry under way) and closes the
     * error-output sink; the catalog stays open (it may be shared).
     */
    @Override
    public void close() {
        for (TableWriter table : tables.values()) {
            table.closing();
        }
        stop(committer);
        for (TableWriter table : tables.values()) {
            table.abandonQueued(new DeliveryException(ErrorCode.SERVICE_UNAVAILABLE, "Iceberg destination of table "
                    + table.config().qualifiedName() + " closed before the append was committed"));
        }
        stop(upkeep);
        errorOutput.close();
    }

    /** Lets the executor's tasks finish, for up to a minute, then interrupts them. */
    private static void stop(java.util.concurrent.ExecutorService executor) {
        executor.shutdown();
        try {
            if (!executor.awaitTermination(1, java.util.concurrent.TimeUnit.MINUTES)) {
                executor.shutdownNow();
            }
        } catch (InterruptedException e) {
            executor.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    /**
     * The writer of one configured table, for tests and the perf harness in this library's modules.
     *
     * @param qualifiedName {@code database.table}
     * @return the writer, or {@code null} if no such table is configured
     */
    TableWriter writer(String qualifiedName) {
        return tables.get(qualifiedName);
    }

    /**
     * Configures an {@link IcebergDestination}; {@link #build()} validates and opens (creates, evolves) every table.
     *
     * <p>Thread-safety: not thread-safe; use from one thread.
     */
    public static final class Builder {

        private static final java.util.concurrent.atomic.AtomicInteger UPKEEP_THREADS =
                new java.util.concurrent.atomic.AtomicInteger();
        private static final java.util.concurrent.atomic.AtomicInteger COMMIT_THREADS =
                new java.util.concurrent.atomic.AtomicInteger();

        private IcebergCatalog catalog;
        private final List<DestinationTableConfiguration> tables = new ArrayList<>();
        private String routingQuery;
        private boolean routeByOtfMetadata;
        private Sink errorOutputSink;
        private String errorOutputPrefix = DEFAULT_ERROR_OUTPUT_PREFIX;
        private ParquetConversion.Codec compression = ParquetConversion.Codec.SNAPPY;
        private long blockSizeBytes = ParquetConversion.DEFAULT_BLOCK_SIZE_BYTES;
        private int pageSizeBytes = ParquetConversion.DEFAULT_PAGE_SIZE_BYTES;
        private boolean enableDictionary;
        private boolean caseInsensitive = true;
        private Clock clock = Clock.systemUTC();
        private boolean expireSnapshots = true;
        private Duration snapshotRetention = DEFAULT_SNAPSHOT_RETENTION;
        private int minSnapshotsToKeep = DEFAULT_MIN_SNAPSHOTS_TO_KEEP;
        private Duration minCommitInterval = DEFAULT_MIN_COMMIT_INTERVAL;

        private Builder() {
        }

        /**
         * Sets the catalog (required).
         *
         * @param catalog the catalog; the destination does not close it
         * @return this builder
         */
        public Builder catalog(IcebergCatalog catalog) {
            this.catalog = catalog;
            return this;
        }

        /**
         * Adds a destination table (at least one; several need a {@link #routingQuery}).
         *
         * @param table the table configuration
         * @return this builder
         */
        public Builder table(DestinationTableConfiguration table) {
            tables.add(Objects.requireNonNull(table, "table"));
            return this;
        }

        /**
         * Sets the JQ expression that routes each record to a table: it returns an object with
         * {@code destinationDatabaseName} and {@code destinationTableName}, as Firehose's metadata extraction query
         * for Iceberg does, for example {@code {destinationDatabaseName: "web", destinationTableName: .type}}, and
         * optionally {@code operation}: {@code "insert"} (the default when absent or null), {@code "update"} or
         * {@code "delete"} (these two need a table with unique keys), for example
         * {@code {destinationDatabaseName: "shop", destinationTableName: "orders", operation: .op}}.
         * Required with several tables unless {@link #routeByOtfMetadata} is set; optional with one (then every
         * record goes to it, as an insert unless the query says otherwise). A record's Lambda otfMetadata, when it
         * names a table, takes precedence over the query.
         *
         * @param jq the expression
         * @return this builder
         */
        public Builder routingQuery(String jq) {
            this.routingQuery = jq;
            return this;
        }

        /**
         * Declares that a Lambda transformation routes the records: it returns each record's table (and
         * optionally operation) as Firehose's {@code metadata.otfMetadata}, {@code {destinationDatabaseName,
         * destinationTableName, operation}}, so several tables need no {@link #routingQuery}. Default off.
         *
         * <p>A record's otfMetadata is honoured whether or not this is set: when it names a table it routes the
         * record alone (its operation, default insert; the routing query is not run); when it gives only an
         * operation, the table comes from the routing query or the only table. With several tables, a record that
         * has no otfMetadata naming its table and no routing query to ask goes to the error output as
         * {@code Iceberg.RoutingFailed}; a table not configured as {@code Iceberg.NoSuchTable}; an operation other
         * than insert, update, delete as {@code Iceberg.InvalidOperation}.
         *
         * @param enabled whether records are routed by their otfMetadata
         * @return this builder
         */
        public Builder routeByOtfMetadata(boolean enabled) {
            this.routeByOtfMetadata = enabled;
            return this;
        }

        /**
         * Sets where records that cannot be routed or converted go (required): a bucket sink, usually the delivery
         * stream's error-output sink.
         *
         * @param sink the sink; the destination closes it
         * @return this builder
         */
        public Builder errorOutputSink(Sink sink) {
            this.errorOutputSink = sink;
            return this;
        }

        /**
         * Sets the default error-output prefix (a table's own prefix wins). Default
         * {@link #DEFAULT_ERROR_OUTPUT_PREFIX}.
         *
         * @param prefix a key prefix, for example {@code errors/}
         * @return this builder
         */
        public Builder errorOutputPrefix(String prefix) {
            this.errorOutputPrefix = prefix;
            return this;
        }

        /**
         * Sets the Parquet page codec of data files. Default {@link ParquetConversion.Codec#SNAPPY}.
         *
         * @param codec the codec
         * @return this builder
         */
        public Builder compression(ParquetConversion.Codec codec) {
            this.compression = codec;
            return this;
        }

        /**
         * Sets the Parquet row-group size. Default {@link ParquetConversion#DEFAULT_BLOCK_SIZE_BYTES}.
         *
         * @param bytes at least {@link ParquetConversion#MIN_BLOCK_SIZE_BYTES}
         * @return this builder
         */
        public Builder blockSizeBytes(long bytes) {
            this.blockSizeBytes = bytes;
            return this;
        }

        /**
         * Sets the Parquet page size. Default {@link ParquetConversion#DEFAULT_PAGE_SIZE_BYTES}.
         *
         * @param bytes at least {@link ParquetConversion#MIN_PAGE_SIZE_BYTES}
         * @return this builder
         */
        public Builder pageSizeBytes(int bytes) {
            this.pageSizeBytes = bytes;
            return this;
        }

        /**
         * Turns dictionary encoding on or off. Default off (Firehose's default).
         *
         * @param enabled whether to dictionary-encode
         * @return this builder
         */
        public Builder enableDictionary(boolean enabled) {
            this.enableDictionary = enabled;
            return this;
        }

        /**
         * Sets whether JSON keys match schema fields ignoring case. Default {@code true} (Firehose's OpenX SerDe).
         *
         * @param enabled {@code true} to ignore case
         * @return this builder
         */
        public Builder caseInsensitive(boolean enabled) {
            this.caseInsensitive = enabled;
            return this;
        }

        /**
         * Turns snapshot expiry on or off. Default on: snapshots older than {@link #snapshotRetention} are expired
         * (keeping the newest {@link #minSnapshotsToKeep}) off the commit path, at most every 5 minutes of the
         * destination's clock, and the files only they referenced are deleted. Each append adds a snapshot, and
         * without expiry the table metadata, rewritten at every commit, grows without bound.
         *
         * @param enabled whether to expire snapshots
         * @return this builder
         */
        public Builder expireSnapshots(boolean enabled) {
            this.expireSnapshots = enabled;
            return this;
        }

        /**
         * Sets the age after which snapshots are expired. Default {@link #DEFAULT_SNAPSHOT_RETENTION}. No snapshot
         * is expired until this much time has passed since the destination opened the table, so that objects a
         * restarted process re-delivers still find their commits (exactly-once); keys this process committed are
         * also remembered in memory for the delivery's longest retry window. A delivery stream reading a source
         * needs it at least its retry duration plus {@link DeliveryStream#REDELIVERY_MARGIN} and refuses to build
         * otherwise (the default 1 h fits retry durations up to 55 min; see {@link Sink#redeliveryWindow()}).
         *
         * @param retention at least {@link #MIN_SNAPSHOT_RETENTION}
         * @return this builder
         */
        public Builder snapshotRetention(Duration retention) {
            this.snapshotRetention = retention;
            return this;
        }

        /**
         * Sets how many of the newest snapshots expiry keeps whatever their age. Default
         * {@link #DEFAULT_MIN_SNAPSHOTS_TO_KEEP}.
         *
         * @param snapshots at least 1
         * @return this builder
         */
        public Builder minSnapshotsToKeep(int snapshots) {
            this.minSnapshotsToKeep = snapshots;
            return this;
        }

        /**
         * Sets the least time between the starts of two commits of one table. Default
         * {@link #DEFAULT_MIN_COMMIT_INTERVAL}. Objects written while a table waits for it share the next commit (one
         * snapshot, manifest, metadata file and catalog update for all of them), so a table commits at most
         * {@code 1 / interval} times a second however small the buffers; an object waits for its commit at most this
         * much longer (a commit after an idle spell starts at once, and closing the destination does not wait).
         * {@link Duration#ZERO} commits as soon as the previous commit ends.
         *
         * @param interval from 0 to {@link #MAX_MIN_COMMIT_INTERVAL}
         * @return this builder
         */
        public Builder minCommitInterval(Duration interval) {
            this.minCommitInterval = interval;
            return this;
        }

        /**
         * Sets the clock of error-output timestamps and of snapshot expiry (when it is due, and its cut-off).
         * Default UTC system clock.
         *
         * @param clock the clock
         * @return this builder
         */
        public Builder clock(Clock clock) {
            this.clock = clock;
            return this;
        }

        /**
         * Validates, then opens every table: creates namespaces and tables that are absent and evolves the schemas
         * of those that exist.
         *
         * @return the destination; pass it to {@code DeliveryStream.Builder.sink}
         * @throws DeliveryException {@link ErrorCode#INVALID_ARGUMENT} naming the first invalid setting, or the
         *         table that cannot be opened and why
         */
        public IcebergDestination build() {
            if (catalog == null) {
                throw Problems.invalidArgument("catalog must be set but was null");
            }
            if (tables.isEmpty()) {
                throw Problems.invalidArgument("at least one destination table must be configured");
            }
            if (tables.size() > 1 && routingQuery == null && !routeByOtfMetadata) {
                throw Problems.invalidArgument("routingQuery must be set, or routeByOtfMetadata(true) for a Lambda"
                        + " transformation that returns each record's otfMetadata, when " + tables.size()
                        + " tables are configured");
            }
            if (errorOutputSink == null) {
                throw Problems.invalidArgument("errorOutputSink must be set but was null; Firehose also"
                        + " requires an S3 bucket for an Iceberg destination's failed records");
            }
            Objects.requireNonNull(errorOutputPrefix, "errorOutputPrefix");
            Objects.requireNonNull(compression, "compression");
            Objects.requireNonNull(clock, "clock");
            if (blockSizeBytes < ParquetConversion.MIN_BLOCK_SIZE_BYTES) {
                throw Problems.invalidArgument("blockSizeBytes must be >= "
                        + ParquetConversion.MIN_BLOCK_SIZE_BYTES + " but was " + blockSizeBytes);
            }
            if (pageSizeBytes < ParquetConversion.MIN_PAGE_SIZE_BYTES) {
                throw Problems.invalidArgument("pageSizeBytes must be >= "
                        + ParquetConversion.MIN_PAGE_SIZE_BYTES + " but was " + pageSizeBytes);
            }
            Objects.requireNonNull(snapshotRetention, "snapshotRetention");
            if (snapshotRetention.compareTo(MIN_SNAPSHOT_RETENTION) < 0) {
                throw Problems.invalidArgument("snapshotRetention must be >= " + MIN_SNAPSHOT_RETENTION
                        + " but was " + snapshotRetention);
            }
            if (minSnapshotsToKeep < 1) {
                throw Problems.invalidArgument("minSnapshotsToKeep must be >= 1 but was " + minSnapshotsToKeep);
            }
            Objects.requireNonNull(minCommitInterval, "minCommitInterval");
            if (minCommitInterval.isNegative() || minCommitInterval.compareTo(MAX_MIN_COMMIT_INTERVAL) > 0) {
                throw Problems.invalidArgument("minCommitInterval must be from 0 to " + MAX_MIN_COMMIT_INTERVAL
                        + " but was " + minCommitInterval);
            }
            Optional<Router> router = routingQuery == null ? Optional.empty() : Optional.of(new Router(routingQuery));
            RecordRouting routing = new RecordRouting(router,
                    tables.stream().map(DestinationTableConfiguration::qualifiedName).toList());
            TableWriter.ParquetWriting writing = new TableWriter.ParquetWriting(compression, blockSizeBytes,
                    pageSizeBytes, enableDictionary, caseInsensitive);
            Map<String, TableWriter> writers = new LinkedHashMap<>();
            for (DestinationTableConfiguration table : tables) {
                if (writers.containsKey(table.qualifiedName())) {
                    throw Problems.invalidArgument("table " + table.qualifiedName()
                            + " is configured twice");
                }
            }
            java.util.concurrent.ExecutorService upkeep = java.util.concurrent.Executors.newSingleThreadExecutor(
                    task -> {
                        Thread thread = new Thread(task, "sluice-iceberg-upkeep-" + UPKEEP_THREADS.incrementAndGet());
                        thread.setDaemon(true);
                        return thread;
                    });
            // One thread per table at most (a table has one drain task at a time); idle threads end after a minute.
            java.util.concurrent.ExecutorService committer = java.util.concurrent.Executors.newCachedThreadPool(
                    task -> {
                        Thread thread = new Thread(task, "sluice-iceberg-commit-" + COMMIT_THREADS.incrementAndGet());
                        thread.setDaemon(true);
                        return thread;
                    });
            TableWriter.Upkeep tableUpkeep = new TableWriter.Upkeep(expireSnapshots
                    ? Optional.of(new SnapshotExpiry(snapshotRetention, minSnapshotsToKeep)) : Optional.empty(),
                    upkeep, clock, committer, minCommitInterval);
            try {
                for (DestinationTableConfiguration table : tables) {
                    writers.put(table.qualifiedName(), TableWriter.open(catalog.catalog(), table, writing,
                            tableUpkeep));
                }
            } catch (RuntimeException e) {
                upkeep.shutdownNow();
                committer.shutdownNow();
                throw e;
            }
            return new IcebergDestination(Map.copyOf(writers), routing, errorOutputSink, errorOutputPrefix, clock,
                    upkeep, committer, routeByOtfMetadata,
                    expireSnapshots ? Optional.of(snapshotRetention) : Optional.empty());
        }
    }
}
