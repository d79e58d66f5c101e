package dev.sluice.perf.bench.measure;

import dev.sluice.delivery.DeliveryStats;
import dev.sluice.delivery.DeliveryStream;
import dev.sluice.delivery.OutputFormat;
import dev.sluice.delivery.Sink;
import dev.sluice.delivery.SinkObject;
import dev.sluice.delivery.SinkOutcome;
import dev.sluice.delivery.SinkResult;
import dev.sluice.iceberg.IcebergCatalog;
import dev.sluice.iceberg.IcebergDestination;
import dev.sluice.perf.bench.reporting.Figures;
import dev.sluice.perf.bench.reporting.RunResult;
import dev.sluice.perf.bench.scenario.DeliveryDesign;
import dev.sluice.perf.bench.scenario.Scenario;
import dev.sluice.perf.bench.scenario.ScenarioLoader;
import dev.sluice.perf.bench.workload.Workload;
import dev.sluice.stream.ConsumerApplication;
import dev.sluice.stream.ConsumerRecord;
import dev.sluice.stream.CreateStreamRequest;
import dev.sluice.stream.ErrorCode;
import dev.sluice.stream.PutRecordRequest;
import dev.sluice.stream.PutRecordsRequestEntry;
import dev.sluice.stream.PutRecordsResult;
import dev.sluice.stream.PutRecordsResultEntry;
import dev.sluice.stream.ShardIteratorType;
import dev.sluice.stream.Storage;
import dev.sluice.stream.StreamEngine;
import dev.sluice.stream.StreamException;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.distribution.pause.NoPauseDetector;
import io.micrometer.core.instrument.search.Search;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Measure mode: runs a scenario for real on this machine's wall clock (real engine, real consumer applications,
 * real delivery stream reading the stream and writing objects into {@code <out>/bucket-<n>}), once per repeat, and
 * reports the median repeat with the spread between repeats.
 *
 * <p>Design note: paced producers send on a fixed schedule and time each call from its <em>intended</em> send time,
 * so a stall shows in the percentiles instead of silently lowering the rate (coordinated omission). Throttled
 * records are counted, not retried, so the throttled share is the design's, not a retry policy's. After the run the
 * consumers and the delivery stream are drained (up to {@link #DRAIN_TIMEOUT}) and the delivery stream flushed, so
 * the reconciliation covers every accepted record.
 *
 * <p>Resources: every sample also records the process's resident set size ({@code VmRSS} of {@code /proc/self/status}
 * on Linux), the heap and direct memory in use, and the stream's retained bytes and bytes on disk (the engine's
 * {@code Engine.RetainedBytes} and {@code DiskBytes} meters), so a long run ({@code soak} preset) shows whether memory
 * and disk stay flat.
 *
 * <p>Not thread-safe: one run at a time per instance; it owns its producer threads.
 */
public final class Measurement {

    /** How long to wait after the run for consumers and delivery to catch up. */
    static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(60);
    /**
     * How long the drain waits without any record reaching a consumer or the delivery stream: longer than a consumer
     * application's longest back-off (10 s), so only records a byte limit dropped before they were read end it early.
     */
    static final Duration STALL_TIMEOUT = Duration.ofSeconds(15);
    private static final String STREAM = "bench";
    private static final long MAX_LATENCY_MICROS = TimeUnit.MINUTES.toMicros(10);

    private final ScenarioLoader.Loaded loaded;
    private final Scenario scenario;
    private final Path outDir;
    private final Consumer<String> progress;

    /**
     * @param loaded   the scenario
     * @param outDir   where the delivered objects (and durable stream data) go
     * @param progress receives a progress line every second
     */
    public Measurement(ScenarioLoader.Loaded loaded, Path outDir, Consumer<String> progress) {
        this.loaded = loaded;
        this.scenario = loaded.scenario();
        this.outDir = outDir;
        this.progress = progress;
    }

    /**
     * Runs every repeat.
     *
     * @param environment the machine description
     * @return the median repeat's figures, every repeat's throughput and the spread, all marked measured
     * @throws IOException if the output directory cannot be used
     */
    public RunResult run(RunResult.Environment environment) throws IOException {
        int repeats = scenario.run().repeats();
        List<One> runs = new ArrayList<>();
        for (int i = 1; i <= repeats; i++) {
            runs.add(once(i, repeats));
        }
        List<One> sorted = new ArrayList<>(runs);
        sorted.sort(Comparator.comparingDouble(o -> o.summary.recordsPerSecond()));
        One median = sorted.get(sorted.size() / 2);
        List<RunResult.Repeat> reps = new ArrayList<>();
        for (One o : runs) {
            reps.add(new RunResult.Repeat(o.index, o.summary.recordsPerSecond(), o.summary.throttledPercent()));
        }
        double min = sorted.get(0).summary.recordsPerSecond();
        double max = sorted.get(sorted.size() - 1).summary.recordsPerSecond();
        double spread = median.summary.recordsPerSecond() == 0 ? 0 : 100 * (max - min) / median.summary.recordsPerSecond();
        String verdict = repeats == 1 ? "one repeat only: the spread is unknown; use --repeats 3 or more on a shared machine"
                : spread < 5 ? "steady: differences over 5 % between designs are likely real"
                : spread < 15 ? "noisy machine: treat differences under " + Math.round(spread) + " % as noise"
                : "very noisy machine: figures may differ by " + Math.round(spread) + " % between runs; do not trust small differences";
        List<String> notes = new ArrayList<>();
        notes.add("MEASURED: on this machine's wall clock; the median of " + repeats + " repeat(s) by records/s.");
        notes.add("Put latency is timed from each call's intended send time (paced producers), so stalls are not hidden.");
        notes.add("Throttled records are counted and not retried.");
        notes.add("Object figures include the objects cut by the final flush; freshness is the age of each object's oldest"
                + " record when it was written (Firehose's DataFreshness).");
        if (scenario.stream().capacityMode() == Scenario.CapacityMode.ON_DEMAND) {
            notes.add("ON_DEMAND stream: created with " + StreamEngine.ON_DEMAND_INITIAL_SHARDS + " shards (stream.shards is"
                    + " ignored); " + median.openShards + " open shard(s) at the end of the median repeat.");
        }
        if (scenario.consumers().fanOut() && scenario.consumers().applications() > 0) {
            notes.add("Consumers use enhanced fan-out (SubscribeToShard, 2 MiB/s per shard each).");
        }
        Scenario.StreamSpec stream = scenario.stream();
        if (stream.retentionBytes() > 0) {
            notes.add("Byte retention: the stream keeps at most " + stream.retentionBytes() + " bytes (" + stream.overflowPolicy()
                    + (stream.overflowPolicy() == dev.sluice.stream.OverflowPolicy.TRIM_OLDEST
                    ? ", the oldest records are dropped whether read or not)" : ", lossless for registered readers)") + ".");
        }
        if (scenario.delivery().enabled() && stream.overflowPolicy() != dev.sluice.stream.OverflowPolicy.TRIM_OLDEST) {
            notes.add("The delivery stream's source is not a registered reader: under a lossless policy only the consumer"
                    + " applications' checkpoints keep records from being dropped at a byte limit.");
        }
        if (scenario.delivery().enabled() && scenario.delivery().format() == Scenario.Format.ICEBERG) {
            notes.add("ICEBERG: object sizes and bytes are the table's data files; the per-second bytes of the series"
                    + " are the JSON records handed to the table.");
        }
        for (One o : runs) {
            if (o.table != null) {
                notes.add(o.table);
            }
        }
        if (environment.loadAverage() > environment.cores() * 0.5) {
            notes.add(String.format(Locale.ROOT, "Busy machine: load average %.2f on %d cores when the run started;"
                    + " other processes competed for the CPU.", environment.loadAverage(), environment.cores()));
        }
        return new RunResult("sluice-bench " + version(), RunResult.MEASURED,
                new RunResult.ScenarioInfo(scenario.name(), loaded.source(), scenario.description(), loaded.effective()),
                environment, notes, median.summary, reps,
                new RunResult.Spread(min, max, RunResult.round(spread, 2), verdict), null, null, median.series);
    }

    private static String version() {
        String v = Measurement.class.getPackage().getImplementationVersion();
        return v == null ? "0.1.0-SNAPSHOT" : v;
    }

    private record One(int index, RunResult.Summary summary, RunResult.Series series, int openShards, String table) {
    }

    /**
     * What one repeat left in its Iceberg table, read from the table's own metadata: rows, data files and snapshots
     * (one per commit), and how long each object took from the call to its commit. The objects' sizes become the
     * data files' (the stream hands the table JSON records, whose size is not what lands).
     */
    private static String icebergFigures(IcebergCatalog catalog, int index, Observed observed) {
        org.apache.iceberg.Table table = catalog.loadTable(DeliveryDesign.ICEBERG_DATABASE, DeliveryDesign.ICEBERG_TABLE)
                .orElseThrow(() -> new IllegalStateException("the Iceberg table was not created"));
        synchronized (observed) {
            observed.sizes.reset();
            java.util.Arrays.fill(observed.buckets, 0);
            observed.bytes = 0;
            try (org.apache.iceberg.io.CloseableIterable<org.apache.iceberg.FileScanTask> files =
                         table.newScan().planFiles()) {
                for (org.apache.iceberg.FileScanTask file : files) {
                    long size = file.file().fileSizeInBytes();
                    observed.bytes += size;
                    observed.sizes.recordValue(Math.max(1, size));
                    observed.buckets[Figures.bucketOf(size)]++;
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        long snapshots = 0;
        for (org.apache.iceberg.Snapshot ignored : table.snapshots()) {
            snapshots++;
        }
        java.util.Map<String, String> summary = table.currentSnapshot() == null ? java.util.Map.of()
                : table.currentSnapshot().summary();
        long objects;
        double p50;
        double p99;
        synchronized (observed) {
            objects = observed.objects;
            p50 = observed.writeMicros.getValueAtPercentile(50) / 1000.0;
            p99 = observed.writeMicros.getValueAtPercentile(99) / 1000.0;
        }
        return String.format(Locale.ROOT, "ICEBERG (repeat %d): table %s.%s holds %d rows in %d data files from %d"
                        + " snapshots (commits) for %d objects (%.2f commits per object); an object's write, data file"
                        + " and commit, took p50 %.1f ms, p99 %.1f ms.", index, DeliveryDesign.ICEBERG_DATABASE,
                DeliveryDesign.ICEBERG_TABLE, Long.parseLong(summary.getOrDefault("total-records", "0")),
                Long.parseLong(summary.getOrDefault("total-data-files", "0")), snapshots, objects,
                objects == 0 ? 0.0 : (double) snapshots / objects, p50, p99);
    }

    /** Peaks and last values of the resource samples of one run. */
    private static final class Peaks {
        long rss = -1;
        long heap = -1;
        long direct = -1;
        long retained = -1;
        long disk = -1;
        long endRss = -1;
        long endRetained = -1;

        void add(Figures.ResourceSample r) {
            rss = Math.max(rss, r.rssBytes());
            heap = Math.max(heap, r.heapUsedBytes());
            direct = Math.max(direct, r.directBytes());
            retained = Math.max(retained, r.retainedBytes());
            disk = Math.max(disk, r.diskBytes());
            endRss = r.rssBytes();
            endRetained = r.retainedBytes();
        }
    }

    /** Counters shared by the producer threads. */
    private static final class Counters {
        final AtomicLong attempted = new AtomicLong();
        final AtomicLong accepted = new AtomicLong();
        final AtomicLong throttled = new AtomicLong();
        final AtomicLong failed = new AtomicLong();
        final AtomicLong bytes = new AtomicLong();
        final AtomicLong acceptedTotal = new AtomicLong();
        final Recorder latencyMicros = new Recorder(MAX_LATENCY_MICROS, 3);
        volatile boolean measuring;
        /** Send time (nanoTime) from which records count end to end; far in the future until the warm-up ends. */
        volatile long measureFromNanos = System.nanoTime() + TimeUnit.DAYS.toNanos(365);
        volatile boolean stop;
    }

    /** Wraps the destination to see each object's size and freshness. */
    private static final class Observed implements Sink {
        final Sink target;
        final Clock clock = Clock.systemUTC();
        final Histogram sizes = new Histogram(3);
        final Histogram freshnessMillis = new Histogram(3);
        /** From the call to the object's commit: for a table, its data file and the snapshot that took it. */
        final Histogram writeMicros = new Histogram(3);
        final long[] buckets = new long[Figures.bucketCount()];
        long objects;
        long bytes;

        Observed(Sink target) {
            this.target = target;
        }

        @Override
        public SinkResult write(SinkObject object) throws Exception {
            long size = object.content().remaining();
            long start = System.nanoTime();
            SinkResult result = target.write(object);
            observe(object, size, start);
            return result;
        }

        /** The stream's call: the target's own (an Iceberg table completes it when its commit is done). */
        @Override
        public CompletableFuture<SinkOutcome> writeReporting(SinkObject object) {
            long size = object.content().remaining();
            long start = System.nanoTime();
            return target.writeReporting(object).thenApply(outcome -> {
                observe(object, size, start);
                return outcome;
            });
        }

        private void observe(SinkObject object, long size, long start) {
            long micros = Math.max(1, (System.nanoTime() - start) / 1_000);
            long age = Math.max(0, Duration.between(object.oldestArrival(), clock.instant()).toMillis());
            synchronized (this) {
                objects++;
                bytes += size;
                sizes.recordValue(Math.max(1, size));
                freshnessMillis.recordValue(age);
                buckets[Figures.bucketOf(size)]++;
                writeMicros.recordValue(micros);
            }
        }

        @Override
        public boolean storesObjects() {
            return target.storesObjects();
        }

        @Override
        public String errorOutputType() {
            return target.errorOutputType();
        }

        @Override
        public String metricsPrefix() {
            return target.metricsPrefix();
        }

        @Override
        public Duration defaultRetryDuration() {
            return target.defaultRetryDuration();
        }

        @Override
        public Optional<Duration> redeliveryWindow() {
            return target.redeliveryWindow();
        }

        @Override
        public Optional<ParquetContent> parquetContent() {
            return target.parquetContent();
        }

        @Override
        public void close() {
            target.close();
        }
    }

    private One once(int index, int repeats) throws IOException {
        Scenario.ProducerSpec p = scenario.producers();
        Path data = Files.createTempDirectory(outDir.toAbsolutePath(), "stream-data-");
        Scenario.StreamSpec spec = scenario.stream();
        Storage storage = spec.storage() == Scenario.StorageKind.DURABLE ? Storage.durable(data)
                : spec.maxRetainedBytes() > 0 ? Storage.inMemory().withMaxRetainedBytes(spec.maxRetainedBytes())
                : Storage.inMemory();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        registry.config().pauseDetector(NoPauseDetector.INSTANCE);
        Peaks peaks = new Peaks();
        Counters c = new Counters();
        Recorder endToEnd = new Recorder(MAX_LATENCY_MICROS, 3);
        Histogram latencyTotal = new Histogram(MAX_LATENCY_MICROS, 3);
        Histogram endToEndTotal = new Histogram(MAX_LATENCY_MICROS, 3);
        double interval = 1.0;
        Figures figures = new Figures(interval, "put call latency (ms)");
        List<ConsumerApplication> apps = new ArrayList<>();
        List<AtomicLong> consumed = new ArrayList<>();
        Observed observed = null;
        DeliveryStream delivery = null;
        boolean iceberg = scenario.delivery().format() == Scenario.Format.ICEBERG;
        IcebergCatalog catalog = null;
        try (StreamEngine engine = StreamEngine.builder().throttleMode(spec.throttleMode())
                .storage(storage).meterRegistry(registry).build()) {
            boolean onDemand = spec.capacityMode() == Scenario.CapacityMode.ON_DEMAND;
            CreateStreamRequest request = (onDemand ? CreateStreamRequest.onDemand(STREAM)
                    : CreateStreamRequest.of(STREAM, spec.shards())).withRetention(spec.retention())
                    .withOverflowPolicy(spec.overflowPolicy());
            engine.createStream(spec.retentionBytes() > 0 ? request.withRetentionBytes(spec.retentionBytes()) : request);
            for (int a = 0; a < scenario.consumers().applications(); a++) {
                AtomicLong count = new AtomicLong();
                consumed.add(count);
                apps.add(ConsumerApplication.builder(engine).applicationName("bench-app-" + a).streamName(STREAM)
                        .initialPosition(ShardIteratorType.trimHorizon()).pollInterval(scenario.consumers().pollInterval())
                        .enhancedFanOut(scenario.consumers().fanOut())
                        .processor(input -> {
                            long now = System.nanoTime();
                            for (ConsumerRecord r : input.records()) {
                                // Only records sent in the measured window: a backlog from the warm-up (or from the
                                // consumer's start-up) would otherwise count against the steady state.
                                long sent = Workload.sentNanos(r.dataBytes());
                                if (sent - c.measureFromNanos >= 0) {
                                    endToEnd.recordValue(Math.min(MAX_LATENCY_MICROS, Math.max(0, (now - sent) / 1000)));
                                }
                            }
                            count.addAndGet(input.records().size());
                            input.checkpointer().checkpoint(); // as KCL applications do; lossless retention waits for it
                        }).build());
            }
            if (scenario.delivery().enabled()) {
                Path bucket = outDir.resolve("bucket-" + index);
                Sink errors = Sink.localBucket(outDir.resolve("errors-" + index));
                if (iceberg) {
                    catalog = IcebergCatalog.embedded(outDir.resolve("warehouse-" + index));
                    observed = new Observed(IcebergDestination.builder().catalog(catalog)
                            .table(DeliveryDesign.icebergTable(scenario.delivery()))
                            .compression(DeliveryDesign.parquetCodec(scenario.delivery()))
                            .minCommitInterval(scenario.delivery().icebergCommitInterval()).errorOutputSink(errors)
                            .build());
                } else {
                    observed = new Observed(Sink.localBucket(bucket));
                }
                DeliveryStream.Builder builder = DeliveryDesign.builder(scenario.delivery(), true,
                        DeliveryDesign.hints(scenario.delivery()));
                if (iceberg) {
                    builder.outputFormat(OutputFormat.jsonLines()).errorOutputSink(errors);
                }
                delivery = builder.name("bench").kinesisStreamSource(engine, STREAM, data.resolve("delivery-state"))
                        .sink(observed).build();
            }
            List<Thread> producers = new ArrayList<>();
            long start = System.nanoTime();
            long warmupEnd = start + scenario.run().warmup().toNanos();
            for (int i = 0; i < p.count(); i++) {
                Workload workload = new Workload(p, scenario.run().seed(), i, p.count());
                Thread t = new Thread(() -> produce(engine, workload, c, start), "sluice-bench-producer-" + i);
                t.setDaemon(true);
                producers.add(t);
                t.start();
            }
            LockSupport.parkNanos(Math.max(0, warmupEnd - System.nanoTime()));
            c.latencyMicros.getIntervalHistogram();
            endToEnd.getIntervalHistogram();
            long measuredStart = System.nanoTime();
            c.measureFromNanos = measuredStart;
            c.measuring = true;
            long lastAttempted = 0;
            long lastAccepted = 0;
            long lastObjects = 0;
            long lastBytes = 0;
            long maxLag = 0;
            long samples = Math.max(1, (long) (scenario.run().duration().toNanos() / (interval * 1e9)));
            for (int s = 1; s <= samples; s++) {
                LockSupport.parkNanos(Math.max(0, measuredStart + (long) (s * interval * 1e9) - System.nanoTime()));
                Histogram h = c.latencyMicros.getIntervalHistogram();
                latencyTotal.add(h);
                endToEndTotal.add(endToEnd.getIntervalHistogram());
                long attempted = c.attempted.get();
                long accepted = c.accepted.get();
                long lag = lag(c, consumed);
                maxLag = Math.max(maxLag, lag);
                long objects = 0;
                long bytes = 0;
                if (observed != null) {
                    synchronized (observed) {
                        objects = observed.objects;
                        bytes = observed.bytes;
                    }
                }
                figures.sample(s * interval, accepted - lastAccepted, attempted - lastAttempted, h, lag,
                        objects - lastObjects, bytes - lastBytes);
                Figures.ResourceSample resources = resources(registry);
                figures.resources(resources);
                peaks.add(resources);
                progress.accept(String.format(Locale.ROOT,
                        "[measure %d/%d] %3d s / %d s  %,10.0f rec/s  throttled %6.2f %%  lag %,d  objects %,d",
                        index, repeats, s, scenario.run().duration().toSeconds(), (accepted - lastAccepted) / interval,
                        attempted == 0 ? 0 : 100.0 * c.throttled.get() / attempted, lag, objects));
                lastAttempted = attempted;
                lastAccepted = accepted;
                lastObjects = objects;
                lastBytes = bytes;
            }
            c.stop = true;
            double seconds = (System.nanoTime() - measuredStart) / 1e9;
            for (Thread t : producers) {
                join(t);
            }
            latencyTotal.add(c.latencyMicros.getIntervalHistogram());
            RunResult.Reconciliation reconciliation = null;
            DeliveryStats stats = null;
            long drainDeadline = System.nanoTime() + DRAIN_TIMEOUT.toNanos();
            long progress = -1;
            long progressAt = System.nanoTime();
            while (System.nanoTime() < drainDeadline && (lag(c, consumed) > 0
                    || (delivery != null && delivery.stats().incomingRecords() < c.acceptedTotal.get()))) {
                // Records a byte limit dropped before they were read never arrive: stop waiting once nothing moves.
                long now = consumed.stream().mapToLong(AtomicLong::get).sum()
                        + (delivery == null ? 0 : delivery.stats().incomingRecords());
                if (now != progress) {
                    progress = now;
                    progressAt = System.nanoTime();
                } else if (System.nanoTime() - progressAt > STALL_TIMEOUT.toNanos()) {
                    break;
                }
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
            }
            endToEndTotal.add(endToEnd.getIntervalHistogram());
            long finalLag = lag(c, consumed);
            int openShards = engine.describeStreamSummary(STREAM).openShardCount();
            if (delivery != null) {
                delivery.flush(DRAIN_TIMEOUT);
                stats = delivery.stats();
                reconciliation = new RunResult.Reconciliation(stats.incomingRecords(), stats.deliveredRecords(),
                        stats.droppedRecords(), stats.errorOutputRecords(), stats.pendingRecords(),
                        stats.reconciles() && stats.pendingRecords() == 0 && stats.incomingRecords() == c.acceptedTotal.get());
                delivery.close();
            }
            for (ConsumerApplication app : apps) {
                app.close();
            }
            String table = null;
            if (catalog != null) {
                table = icebergFigures(catalog, index, observed);
            }
            RunResult.Delivery d = new RunResult.Delivery(false, 0, 0, 0, null, null, 0, null, null);
            if (observed != null) {
                double hours = (scenario.run().warmup().toNanos() / 1e9 + seconds) / 3600;
                d = new RunResult.Delivery(true, observed.objects, RunResult.round(observed.objects / hours, 1), observed.bytes,
                        Figures.unscaled(observed.sizes, "object size", "B"), Figures.buckets(observed.buckets),
                        observed.buckets[0] + observed.buckets[1],
                        Figures.percentiles(observed.freshnessMillis, "freshness (oldest record per object)", "s"),
                        iceberg ? "measured: sizes of the data files committed to the Iceberg table in "
                                + outDir.resolve("warehouse-" + index)
                                : "measured: sizes of the objects written to " + outDir.resolve("bucket-" + index));
            }
            long consumedTotal = consumed.stream().mapToLong(AtomicLong::get).sum();
            RunResult.Summary summary = new RunResult.Summary(RunResult.round(seconds, 3), c.attempted.get(), c.accepted.get(),
                    c.throttled.get(), c.failed.get(),
                    RunResult.round(c.attempted.get() == 0 ? 0 : 100.0 * c.throttled.get() / c.attempted.get(), 4),
                    RunResult.round(c.accepted.get() / seconds, 1), RunResult.round(c.bytes.get() / seconds / 1e6, 4),
                    Figures.percentiles(latencyTotal, "put call latency", "ms"),
                    apps.isEmpty() ? null : Figures.percentiles(endToEndTotal, "end-to-end put to consumer", "ms"),
                    new RunResult.Consumers(apps.size(), consumedTotal, 0, maxLag, finalLag, 0), d, reconciliation,
                    new RunResult.Resources(peaks.rss, peaks.heap, peaks.direct, peaks.retained, peaks.disk, peaks.endRss,
                            peaks.endRetained, limit(spec, storage), (long) count(registry, "Retention.TrimmedRecords"),
                            (long) count(registry, "Retention.RefusedRecords")));
            return new One(index, summary, figures.series(), openShards, table);
        } finally {
            if (catalog != null) {
                catalog.close();
            }
            deleteRecursively(data);
        }
    }

    /** What the process and the stream use now. */
    private static Figures.ResourceSample resources(SimpleMeterRegistry registry) {
        long direct = -1;
        for (BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
            if (pool.getName().equals("direct")) {
                direct = pool.getMemoryUsed();
            }
        }
        long retained = (long) Search.in(registry).name("Retention.RetainedBytes").gauges().stream()
                .mapToDouble(Gauge::value).sum();
        long disk = (long) Search.in(registry).name("DiskBytes").gauges().stream().mapToDouble(Gauge::value).sum();
        return new Figures.ResourceSample(residentSetBytes(),
                ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed(), direct, retained, disk);
    }

    /** The process's resident set size from {@code /proc/self/status} (Linux), or -1 elsewhere. */
    static long residentSetBytes() {
        Path status = Path.of("/proc/self/status");
        if (!Files.isReadable(status)) {
            return -1;
        }
        try {
            for (String line : Files.readAllLines(status)) {
                if (line.startsWith("VmRSS:")) {
                    String[] parts = line.substring("VmRSS:".length()).trim().split("\\s+");
                    return Long.parseLong(parts[0]) * (parts.length > 1 && parts[1].equalsIgnoreCase("kB") ? 1024 : 1);
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1; // a figure the platform does not give is reported as unknown, not as a failure of the run
        }
        return -1;
    }

    private static double count(SimpleMeterRegistry registry, String name) {
        return Search.in(registry).name(name).counters().stream().mapToDouble(io.micrometer.core.instrument.Counter::count).sum();
    }

    /** The byte limit that applies to the stream: its own, else in-memory storage's; -1 for none. */
    private static long limit(Scenario.StreamSpec spec, Storage storage) {
        if (spec.retentionBytes() > 0) {
            return spec.retentionBytes();
        }
        return storage instanceof Storage.InMemory memory ? memory.maxRetainedBytes() : -1;
    }

    private static long lag(Counters c, List<AtomicLong> consumed) {
        long lag = 0;
        for (AtomicLong n : consumed) {
            lag = Math.max(lag, c.acceptedTotal.get() - n.get());
        }
        return lag;
    }

    private void produce(StreamEngine engine, Workload workload, Counters c, long start) {
        Scenario.ProducerSpec p = scenario.producers();
        double perProducer = p.ratePerSecond() / p.count();
        long callNanos = perProducer <= 0 ? 0 : (long) (p.batchSize() * 1e9 / perProducer);
        long next = start;
        List<PutRecordsRequestEntry> entries = new ArrayList<>(p.batchSize());
        while (!c.stop) {
            if (callNanos > 0) {
                long wait = next - System.nanoTime();
                if (wait > 0) {
                    LockSupport.parkNanos(wait);
                    continue;
                }
            }
            long intended = callNanos > 0 ? next : System.nanoTime();
            next += callNanos;
            entries.clear();
            long bytes = 0;
            for (int i = 0; i < p.batchSize(); i++) {
                String key = workload.nextKey();
                byte[] data = workload.nextData(System.nanoTime(), key);
                bytes += data.length;
                entries.add(PutRecordsRequestEntry.of(key, data));
            }
            long ok = 0;
            long throttled = 0;
            long failed = 0;
            long okBytes = 0;
            if (p.batchSize() == 1) {
                try {
                    engine.putRecord(PutRecordRequest.of(STREAM, entries.get(0).partitionKey(), entries.get(0).data()));
                    ok = 1;
                    okBytes = bytes;
                } catch (StreamException e) {
                    if (e.errorCode() == ErrorCode.PROVISIONED_THROUGHPUT_EXCEEDED) {
                        throttled = 1;
                    } else if (e.errorCode() == ErrorCode.ENGINE_CLOSED) {
                        return;
                    } else {
                        failed = 1;
                    }
                }
            } else {
                PutRecordsResult result = engine.putRecords(STREAM, entries);
                for (int i = 0; i < entries.size(); i++) {
                    PutRecordsResultEntry e = result.records().get(i);
                    if (e instanceof PutRecordsResultEntry.Failure f) {
                        if (f.errorCode() == ErrorCode.PROVISIONED_THROUGHPUT_EXCEEDED) {
                            throttled++;
                        } else {
                            failed++;
                        }
                    } else {
                        ok++;
                        okBytes += entries.get(i).data().length;
                    }
                }
            }
            long micros = (System.nanoTime() - intended) / 1000;
            c.acceptedTotal.addAndGet(ok);
            if (c.measuring && !c.stop) {
                c.latencyMicros.recordValue(Math.min(MAX_LATENCY_MICROS, Math.max(0, micros)));
                c.attempted.addAndGet(entries.size());
                c.accepted.addAndGet(ok);
                c.throttled.addAndGet(throttled);
                c.failed.addAndGet(failed);
                c.bytes.addAndGet(okBytes);
            }
        }
    }

    private static void join(Thread t) {
        try {
            t.join(TimeUnit.SECONDS.toMillis(60));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while stopping the producers", e);
        }
    }

    private static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete the run's stream data in " + dir, e);
        }
    }
}
