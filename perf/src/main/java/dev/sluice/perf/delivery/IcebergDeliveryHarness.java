package dev.sluice.perf.delivery;

import dev.sluice.delivery.BufferingHints;
import dev.sluice.delivery.DeliveryStream;
import dev.sluice.delivery.OutputFormat;
import dev.sluice.delivery.ParquetConversion;
import dev.sluice.delivery.Sink;
import dev.sluice.delivery.SinkObject;
import dev.sluice.delivery.SinkResult;
import dev.sluice.iceberg.DestinationTableConfiguration;
import dev.sluice.iceberg.IcebergCatalog;
import dev.sluice.iceberg.IcebergDestination;
import dev.sluice.stream.PutRecordsRequestEntry;
import dev.sluice.stream.StreamEngine;
import dev.sluice.stream.ThrottleMode;
import org.HdrHistogram.Histogram;
import org.apache.iceberg.CatalogProperties;
import org.apache.iceberg.metrics.CommitReport;
import org.apache.iceberg.metrics.MetricsReport;
import org.apache.iceberg.metrics.MetricsReporter;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;

/**
 * JSON to an Iceberg table (Snappy Parquet data files, embedded SQLite catalog, one append per delivery object)
 * against JSON to plain Snappy Parquet objects in a local bucket, end to end from a 4-shard in-process stream (the
 * exactly-once stream source), with 1 MiB buffers. Rounds alternate between the two destinations on the same
 * machine, so noise hits both; it prints each round, then medians: records/s, input MB/s, the latency of one
 * destination write (HdrHistogram p50/p99: for Iceberg, writing the data file and committing the snapshot) and, for
 * Iceberg, of one commit as Iceberg's own commit report times it (manifest, manifest list, metadata file, catalog
 * update). It ends with one Iceberg run at the default buffering ({@link BufferingHints#DEFAULT_SIZE_BYTES} or
 * {@link BufferingHints#DEFAULT_INTERVAL}), giving the data files and snapshots per hour at that rate. Each round also
 * prints the process's CPU time per record (all threads: JIT compiler and GC included, and the system share).
 *
 * <p>Warm-up: one round of each destination by default, or alternating rounds for {@code warmup-seconds}. A
 * commit runs about a hundred times per round against the per-record code's million, so the JIT compiles Iceberg's
 * commit path (snapshot producer, Avro manifests, metadata JSON) only after tens of seconds: short warm-ups measure
 * that compilation too, on the Iceberg side only.
 *
 * <pre>
 * java -cp perf/target/sluice-perf.jar dev.sluice.perf.delivery.IcebergDeliveryHarness [records] [rounds] [delivery-threads] [warmup-seconds]
 * </pre>
 */
public final class IcebergDeliveryHarness {

    private static final int SHARDS = 4;
    private static final long BUFFER_BYTES = 1L << 20;
    /** Whether the destination had the stream encode its data files ({@code Sink.parquetContent}); last round's. */
    private static volatile boolean streamEncoded;
    /** The delivery threads of both destinations' streams. */
    private static int deliveryThreads = DeliveryStream.DEFAULT_DELIVERY_THREADS;

    private IcebergDeliveryHarness() {
    }

    /** {@code -Dsluice.harness.only=iceberg} or {@code parquet}: rounds of one destination only, for profiling. */
    private static final String ONLY = System.getProperty("sluice.harness.only", "");
    /**
     * {@code -Dsluice.harness.minCommitIntervalMillis=N}: the Iceberg destination's minimum commit interval (default
     * the destination's own, {@link IcebergDestination#DEFAULT_MIN_COMMIT_INTERVAL}); 0 commits as soon as the
     * previous commit ends, as before that setting existed.
     */
    private static final Duration MIN_COMMIT_INTERVAL = Duration.ofMillis(Long.getLong(
            "sluice.harness.minCommitIntervalMillis", IcebergDestination.DEFAULT_MIN_COMMIT_INTERVAL.toMillis()));

    /** One round's figures. */
    private record Round(double recordsPerSecond, double megabytesPerSecond, long objects, Histogram writes,
                         Histogram commits, long snapshots, long dataFiles, double seconds, double cpuMicrosPerRecord,
                         double systemMicrosPerRecord, long gcMillis) {
    }

    /**
     * System (kernel) CPU time of the whole process so far, in nanoseconds, from /proc (0 where there is none; Linux
     * counts it in ticks of 10 ms).
     */
    private static long systemCpuNanos() {
        try {
            String stat = Files.readString(Path.of("/proc/self/stat"));
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(fields[12]) * 10_000_000L;
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    /** Collection time of every collector so far, in milliseconds. */
    private static long gcMillis() {
        long total = 0;
        for (var gc : java.lang.management.ManagementFactory.getGarbageCollectorMXBeans()) {
            total += Math.max(0, gc.getCollectionTime());
        }
        return total;
    }

    /** CPU time of the whole process so far, in nanoseconds. */
    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                .getOperatingSystemMXBean()).getProcessCpuTime();
    }

    /**
     * Iceberg metrics reporter (named by class in the catalog properties) recording each commit's duration, in
     * microseconds, into the current round's histogram.
     */
    public static final class CommitTimes implements MetricsReporter {
        static volatile Histogram current = new Histogram(60_000_000L, 3);
        static final java.util.concurrent.atomic.AtomicLong addedFiles = new java.util.concurrent.atomic.AtomicLong();

        /** Instantiated by Iceberg's catalog. */
        public CommitTimes() {
        }

        @Override
        public void report(MetricsReport report) {
            if (report instanceof CommitReport commit && commit.commitMetrics().totalDuration() != null) {
                if (commit.commitMetrics().addedDataFiles() != null) {
                    addedFiles.addAndGet(commit.commitMetrics().addedDataFiles().value());
                }
                Histogram h = current;
                synchronized (h) {
                    h.recordValue(Math.max(1, commit.commitMetrics().totalDuration().totalDuration().toNanos()
                            / 1_000));
                }
            }
        }
    }

    /**
     * Runs the comparison.
     *
     * @param args record count per round (default 400,000), rounds per destination (default 5) and the delivery
     *        threads of both destinations' streams (default the stream's)
     * @throws Exception on failure
     */
    public static void main(String[] args) throws Exception {
        int records = args.length > 0 ? Integer.parseInt(args[0]) : 400_000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        deliveryThreads = args.length > 2 ? Integer.parseInt(args[2]) : DeliveryStream.DEFAULT_DELIVERY_THREADS;
        double warmupSeconds = args.length > 3 ? Double.parseDouble(args[3]) : 0;
        List<byte[]> payloads = payloads(10_000);
        long inputBytes = 0;
        for (int i = 0; i < records; i++) {
            inputBytes += payloads.get(i % payloads.size()).length;
        }
        long warmupEnd = System.nanoTime() + (long) (warmupSeconds * 1e9);
        int warmups = 0;
        do {
            Round p = ONLY.equals("iceberg") ? null : once(false, records, payloads, inputBytes, BUFFER_BYTES);
            Round i = ONLY.equals("parquet") ? null : once(true, records, payloads, inputBytes, BUFFER_BYTES);
            warmups++;
            if (warmupSeconds > 0) {
                System.out.printf("warm-up %d:%s%s%n", warmups, p == null ? "" : String.format(
                        " parquet %,.0f records/s (CPU %.2f us/record)", p.recordsPerSecond, p.cpuMicrosPerRecord),
                        i == null ? "" : String.format(" iceberg %,.0f records/s (CPU %.2f us/record)",
                                i.recordsPerSecond, i.cpuMicrosPerRecord));
            }
        } while (System.nanoTime() < warmupEnd);
        List<Round> parquet = new ArrayList<>();
        List<Round> iceberg = new ArrayList<>();
        for (int r = 0; r < rounds; r++) {
            Round p = ONLY.equals("iceberg") ? null : once(false, records, payloads, inputBytes, BUFFER_BYTES);
            Round i = ONLY.equals("parquet") ? null : once(true, records, payloads, inputBytes, BUFFER_BYTES);
            if (p == null || i == null) {
                Round one = p == null ? i : p;
                System.out.printf("round %d: %s only, %,.0f records/s, CPU %.2f us/record%n", r + 1, ONLY,
                        one.recordsPerSecond, one.cpuMicrosPerRecord);
                continue;
            }
            parquet.add(p);
            iceberg.add(i);
            System.out.printf("round %d: parquet %,.0f records/s (%.1f MB/s, %d objects, CPU %.2f us/record of which"
                    + " system %.2f, GC %d ms), iceberg %,.0f records/s (%.1f MB/s, %d objects in %d snapshots, CPU"
                    + " %.2f us/record of which system %.2f, GC %d ms)%n", r + 1, p.recordsPerSecond,
                    p.megabytesPerSecond, p.objects, p.cpuMicrosPerRecord, p.systemMicrosPerRecord, p.gcMillis,
                    i.recordsPerSecond, i.megabytesPerSecond, i.objects, i.snapshots, i.cpuMicrosPerRecord,
                    i.systemMicrosPerRecord, i.gcMillis);
        }
        if (!ONLY.isEmpty()) {
            return;
        }
        System.out.printf("%n%,d records of ~%d B JSON per round, %d shards, 1 MiB buffers, %d delivery threads,"
                + " %d rounds each after %d warm-up round(s) each; Iceberg minimum commit interval %d ms%n", records,
                inputBytes / records, SHARDS, deliveryThreads, rounds, warmups, MIN_COMMIT_INTERVAL.toMillis());
        report("plain Parquet objects", parquet);
        report("Iceberg table        ", iceberg);
        System.out.printf("process CPU per record delivered (all threads, GC included): plain Parquet %.2f us,"
                + " Iceberg %.2f us%n", median(parquet, Round::cpuMicrosPerRecord),
                median(iceberg, Round::cpuMicrosPerRecord));
        System.out.printf("Iceberg data files encoded by the delivery stream while buffers fill: %s%n",
                streamEncoded);
        double ratio = median(iceberg, Round::recordsPerSecond) / median(parquet, Round::recordsPerSecond);
        System.out.printf("Iceberg / Parquet records/s: %.2f%n", ratio);
        Histogram commits = new Histogram(3);
        for (Round r : iceberg) {
            commits.add(r.commits);
        }
        System.out.printf("Iceberg commit (CommitReport): p50 %.1f ms, p99 %.1f ms (%d commits for %d objects)%n",
                commits.getValueAtPercentile(50) / 1e3, commits.getValueAtPercentile(99) / 1e3,
                commits.getTotalCount(), iceberg.stream().mapToLong(Round::objects).sum());
        Round defaults = once(true, records, payloads, inputBytes, BufferingHints.DEFAULT_SIZE_BYTES);
        System.out.printf("default buffering (%d MiB or %d s), unpartitioned table: %,.0f records/s, %d objects in"
                + " %d snapshots, %d data files in %.2f s%n  at that rate: %,.0f data files/h, %,.0f snapshots/h;"
                + " commit p50 %.1f ms, p99 %.1f ms%n  at low traffic: %d snapshots/h per shard (interval-bound),"
                + " %d for %d shards%n", BufferingHints.DEFAULT_SIZE_BYTES >> 20,
                BufferingHints.DEFAULT_INTERVAL.toSeconds(), defaults.recordsPerSecond, defaults.objects,
                defaults.snapshots, defaults.dataFiles, defaults.seconds, defaults.dataFiles * 3600 / defaults.seconds,
                defaults.snapshots * 3600 / defaults.seconds, defaults.commits.getValueAtPercentile(50) / 1e3,
                defaults.commits.getValueAtPercentile(99) / 1e3,
                3600 / BufferingHints.DEFAULT_INTERVAL.toSeconds(),
                3600 / BufferingHints.DEFAULT_INTERVAL.toSeconds() * SHARDS, SHARDS);
    }

    private static void report(String label, List<Round> rounds) {
        Histogram all = new Histogram(3);
        for (Round r : rounds) {
            all.add(r.writes);
        }
        System.out.printf("%s: median %,.0f records/s [%,.0f - %,.0f], %.1f MB/s; write latency p50 %.1f ms,"
                + " p99 %.1f ms (%d writes)%n", label, median(rounds, Round::recordsPerSecond),
                rounds.stream().mapToDouble(Round::recordsPerSecond).min().orElse(0),
                rounds.stream().mapToDouble(Round::recordsPerSecond).max().orElse(0),
                median(rounds, Round::megabytesPerSecond), all.getValueAtPercentile(50) / 1e3,
                all.getValueAtPercentile(99) / 1e3, all.getTotalCount());
    }

    private static double median(List<Round> rounds, java.util.function.ToDoubleFunction<Round> f) {
        double[] values = rounds.stream().mapToDouble(f).sorted().toArray();
        return values[values.length / 2];
    }

    private static Round once(boolean iceberg, int records, List<byte[]> payloads, long inputBytes, long bufferBytes)
            throws IOException {
        Path work = Files.createTempDirectory("sluice-iceberg-harness");
        Histogram writes = new Histogram(60_000_000L, 3);
        Histogram commits = new Histogram(60_000_000L, 3);
        CommitTimes.current = commits;
        CommitTimes.addedFiles.set(0);
        Path warehouse = work.resolve("warehouse");
        Files.createDirectories(warehouse);
        try (StreamEngine engine = StreamEngine.builder().throttleMode(ThrottleMode.OFF).build();
             IcebergCatalog catalog = IcebergCatalog.jdbc("jdbc:sqlite:" + warehouse.resolve(
                     IcebergCatalog.EMBEDDED_CATALOG_FILE), warehouse.toString(),
                     Map.of(CatalogProperties.METRICS_REPORTER_IMPL, CommitTimes.class.getName()))) {
            engine.createStream("clicks", SHARDS);
            for (int i = 0; i < records; i += 500) {
                List<PutRecordsRequestEntry> batch = new ArrayList<>(500);
                for (int j = i; j < Math.min(records, i + 500); j++) {
                    batch.add(PutRecordsRequestEntry.of("c" + (j % 1_000), payloads.get(j % payloads.size())));
                }
                if (engine.putRecords("clicks", batch).failedRecordCount() != 0) {
                    throw new IllegalStateException("put failed");
                }
            }
            Sink destination = iceberg
                    ? IcebergDestination.builder().catalog(catalog)
                            .table(DestinationTableConfiguration.of("web", "clicks", DeliveryBenchmark.SCHEMA))
                            .minCommitInterval(MIN_COMMIT_INTERVAL)
                            .errorOutputSink(Sink.localBucket(work.resolve("iceberg-errors"))).build()
                    : Sink.localBucket(work.resolve("bucket"));
            if (iceberg) {
                streamEncoded = destination.parquetContent().isPresent();
            }
            Sink timed = timed(destination, writes);
            long start = System.nanoTime();
            long cpuStart = processCpuNanos();
            long systemStart = systemCpuNanos();
            long gcStart = gcMillis();
            DeliveryStream.Builder builder = DeliveryStream.builder().name("harness")
                    .bufferingHints(new BufferingHints(bufferBytes, bufferBytes == BUFFER_BYTES
                            ? Duration.ofSeconds(60) : BufferingHints.DEFAULT_INTERVAL))
                    .deliveryThreads(deliveryThreads)
                    .sink(timed).errorOutputSink(Sink.localBucket(work.resolve("errors")))
                    .kinesisStreamSource(engine, "clicks", work.resolve("checkpoints"));
            if (!iceberg) {
                builder.outputFormat(OutputFormat.parquet(ParquetConversion.of(DeliveryBenchmark.SCHEMA)));
            }
            try (DeliveryStream delivery = builder.build()) {
                while (delivery.stats().incomingRecords() < records) {
                    LockSupport.parkNanos(1_000_000);
                }
                delivery.flush(Duration.ofMinutes(10));
                long elapsed = System.nanoTime() - start;
                if (delivery.stats().deliveredRecords() != records) {
                    throw new IllegalStateException("delivered " + delivery.stats());
                }
                return new Round(records * 1e9 / elapsed, inputBytes * 1e3 / elapsed, writes.getTotalCount(), writes,
                        commits, commits.getTotalCount(), CommitTimes.addedFiles.getAndSet(0), elapsed / 1e9,
                        (processCpuNanos() - cpuStart) / 1e3 / records, (systemCpuNanos() - systemStart) / 1e3 / records,
                        gcMillis() - gcStart);
            }
        } finally {
            delete(work);
        }
    }

    /**
     * Records the duration of each destination write in microseconds (to its commit, when it completes later): the
     * stream's calls go through {@code writeReporting}.
     */
    private static Sink timed(Sink sink, Histogram writes) {
        return new Sink() {
            @Override
            public SinkResult write(SinkObject object) throws Exception {
                long start = System.nanoTime();
                SinkResult result = sink.write(object);
                synchronized (writes) {
                    writes.recordValue(Math.max(1, (System.nanoTime() - start) / 1_000));
                }
                return result;
            }

            @Override
            public java.util.concurrent.CompletableFuture<dev.sluice.delivery.SinkOutcome> writeReporting(
                    SinkObject object) {
                long start = System.nanoTime();
                return sink.writeReporting(object).whenComplete((outcome, failure) -> {
                    synchronized (writes) {
                        writes.recordValue(Math.max(1, (System.nanoTime() - start) / 1_000));
                    }
                });
            }

            @Override
            public boolean storesObjects() {
                return sink.storesObjects();
            }

            @Override
            public java.util.Optional<ParquetContent> parquetContent() {
                return sink.parquetContent();
            }

            @Override
            public void close() {
                sink.close();
            }
        };
    }

    /** Deletes a run's working directory and everything under it. */
    static void delete(Path dir) throws IOException {
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    private static List<byte[]> payloads(int n) {
        SplittableRandom random = new SplittableRandom(5);
        String[] types = {"page_view", "add_to_cart", "purchase", "search"};
        List<byte[]> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(("{\"event_id\":\"" + String.format("%012x", random.nextLong(1L << 48)) + "\",\"customer_id\":\""
                    + String.format("cust-%06d", random.nextInt(1_000_000)) + "\",\"event_type\":\""
                    + types[random.nextInt(types.length)] + "\",\"level\":\"info\",\"page\":\"/products/item-"
                    + random.nextInt(10_000) + "\",\"amount\":" + random.nextInt(100_000) / 100.0
                    + ",\"event_time\":" + (1_767_225_600_000L + random.nextInt(86_400_000)) + "}")
                    .getBytes(StandardCharsets.UTF_8));
        }
        return Arrays.asList(out.toArray(byte[][]::new));
    }
}
