package dev.sluice.perf.delivery;

import dev.sluice.delivery.Sink;
import dev.sluice.delivery.SinkObject;
import dev.sluice.delivery.SinkResult;
import dev.sluice.iceberg.DestinationTableConfiguration;
import dev.sluice.iceberg.IcebergCatalog;
import dev.sluice.iceberg.IcebergDestination;
import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * What a retained snapshot costs each later commit of an Iceberg destination table. Every snapshot the table keeps
 * is in its metadata file, which each commit writes anew, forces, and reads back; with snapshot expiry on its
 * defaults (an hour, and nothing before an hour since the table was opened) a busy table keeps an hour of commits.
 * The harness commits small objects (100 records each) one after another through the destination's own write path
 * into one table of the embedded catalog, with expiry on its defaults (so nothing expires during the run), and prints
 * for each block of commits the write latency (p50/p99), the process CPU per commit and the metadata file's size.
 *
 * <pre>
 * java -cp perf/target/sluice-perf.jar dev.sluice.perf.delivery.IcebergRetentionHarness [commits] [block]
 * </pre>
 */
public final class IcebergRetentionHarness {

    private IcebergRetentionHarness() {
    }

    /**
     * Runs the commits.
     *
     * @param args commits in all (default 4,000) and per printed block (default 500)
     * @throws Exception on failure
     */
    public static void main(String[] args) throws Exception {
        int commits = args.length > 0 ? Integer.parseInt(args[0]) : 4_000;
        int block = args.length > 1 ? Integer.parseInt(args[1]) : 500;
        Path work = Files.createTempDirectory("sluice-iceberg-retention");
        Path warehouse = work.resolve("warehouse");
        Files.createDirectories(warehouse);
        Path tableDir = warehouse.resolve("web").resolve("clicks").resolve("metadata");
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        System.out.printf("%,d commits of 100-record objects, one table, expiry on its defaults%n", commits);
        System.out.println("snapshots | write p50 ms | write p99 ms | CPU ms per commit | metadata file KB");
        try (IcebergCatalog catalog = IcebergCatalog.embedded(warehouse);
             IcebergDestination destination = IcebergDestination.builder().catalog(catalog)
                     .table(DestinationTableConfiguration.of("web", "clicks", DeliveryBenchmark.SCHEMA))
                     .errorOutputSink(Sink.localBucket(work.resolve("errors"))).build()) {
            Histogram writes = new Histogram(60_000_000L, 3);
            long cpu = os.getProcessCpuTime();
            for (int n = 1; n <= commits; n++) {
                long start = System.nanoTime();
                SinkResult result = destination.write(object(n));
                writes.recordValue(Math.max(1, (System.nanoTime() - start) / 1_000));
                if (result != SinkResult.CREATED) {
                    throw new IllegalStateException("object " + n + ": " + result);
                }
                if (n % block == 0) {
                    long now = os.getProcessCpuTime();
                    System.out.printf("%9d | %12.1f | %12.1f | %17.1f | %16d%n", n,
                            writes.getValueAtPercentile(50) / 1e3, writes.getValueAtPercentile(99) / 1e3,
                            (now - cpu) / 1e6 / block, newestMetadata(tableDir).map(IcebergRetentionHarness::size)
                                    .orElse(0L) / 1024);
                    writes.reset();
                    cpu = now;
                }
            }
        } finally {
            IcebergDeliveryHarness.delete(work);
        }
    }

    /** Object {@code n}: 100 records, keyed as a stream source's object would be. */
    private static SinkObject object(int n) {
        List<ByteBuffer> records = new ArrayList<>(100);
        for (int i = 0; i < 100; i++) {
            long id = n * 100L + i;
            records.add(ByteBuffer.wrap(("{\"event_id\":\"" + String.format("%012x", id) + "\",\"customer_id\":\"cust-"
                    + (id % 1_000_000) + "\",\"event_type\":\"page_view\",\"level\":\"info\",\"page\":\"/products/item-"
                    + (id % 10_000) + "\",\"amount\":" + (id % 10_000) / 100.0 + ",\"event_time\":"
                    + (1_767_225_600_000L + id) + "}").getBytes(StandardCharsets.UTF_8)));
        }
        return new SinkObject(String.format("2026/12/04/16/harness-1-2026-12-04-16-00-00-%08d", n),
                ByteBuffer.allocate(0), "application/octet-stream", records, "req-" + n, true, Instant.now());
    }

    private static Optional<Path> newestMetadata(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().endsWith(".metadata.json"))
                    .max(Comparator.comparingLong(IcebergRetentionHarness::size));
        }
    }

    private static long size(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            return 0;
        }
    }
}
