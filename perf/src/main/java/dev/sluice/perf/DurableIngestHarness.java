package dev.sluice.perf;

import dev.sluice.stream.FsyncPolicy;
import dev.sluice.stream.PutRecordsRequestEntry;
import dev.sluice.stream.PutRecordsResult;
import dev.sluice.stream.Storage;
import dev.sluice.stream.StreamEngine;
import dev.sluice.stream.ThrottleMode;
import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.RollCycles;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;
import net.openhft.chronicle.wire.DocumentContext;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;

/**
 * Durable ingest, in one run: Sluice on durable storage under each fsync policy, Sluice in memory, and a bare
 * Chronicle Queue appender writing the same bytes per record (Sluice's 26-byte record header, the key, the
 * payload) in a loop on one thread: the ceiling for one writer thread on this disk.
 *
 * <pre>java --add-exports=java.base/sun.nio.ch=ALL-UNNAMED --add-opens=java.base/java.lang.reflect=ALL-UNNAMED \
 *     --add-exports=java.base/jdk.internal.ref=ALL-UNNAMED -cp perf/target/sluice-perf.jar \
 *     dev.sluice.perf.DurableIngestHarness [--seconds 2] [--warmup 1] [--repeats 3] [--dir perf/target/durable-bench]
 *     [--only TEXT]</pre>
 * {@code --only} runs just the cases whose label contains the text (e.g. {@code "fsync none, 100B"}).
 *
 * <p>Sluice cases: 4 shards, 1 writer thread, throttling off, one producer putting PutRecords x500 with 4 calls in
 * flight. Records per second are the median of the repeats with their spread [min-max]; files are deleted after
 * each run, so every run writes fresh files (page cache, then the disk's write-back).
 */
public final class DurableIngestHarness {

    private static final int SHARDS = 4;
    private static final int BATCH = 500;
    private static final int WINDOW = 4;
    private static final int KEYS = 10_000;

    private final double seconds;
    private final double warmup;
    private final int repeats;
    private final Path root;
    private final String only;
    private final String[] keys = new String[KEYS];

    private DurableIngestHarness(double seconds, double warmup, int repeats, Path root, String only) {
        this.only = only;
        this.seconds = seconds;
        this.warmup = warmup;
        this.repeats = repeats;
        this.root = root;
        Random random = new Random(1);
        for (int i = 0; i < KEYS; i++) {
            keys[i] = "user-" + Long.toHexString(random.nextLong());
        }
    }

    /**
     * Runs every case and prints the table.
     *
     * @param args {@code --seconds S --warmup S --repeats N --dir DIR --only TEXT}
     * @throws Exception if a run fails
     */
    public static void main(String[] args) throws Exception {
        double seconds = 2;
        double warmup = 1;
        int repeats = 3;
        Path root = Path.of("perf", "target", "durable-bench");
        String only = "";
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--seconds" -> seconds = Double.parseDouble(args[i + 1]);
                case "--warmup" -> warmup = Double.parseDouble(args[i + 1]);
                case "--repeats" -> repeats = Integer.parseInt(args[i + 1]);
                case "--dir" -> root = Path.of(args[i + 1]);
                case "--only" -> only = args[i + 1];
                default -> throw new IllegalArgumentException("unknown option " + args[i]
                        + " (options: --seconds S --warmup S --repeats N --dir DIR --only TEXT)");
            }
        }
        // Silence Chronicle's banner before the bare case loads it (the durable engine does the same).
        for (String property : List.of("chronicle.announcer.disable", "chronicle.analytics.disable", "chronicle.disk.monitor.disable")) {
            if (System.getProperty(property) == null) {
                System.setProperty(property, "true");
            }
        }
        System.out.printf(Locale.ROOT, "Sluice durable ingest harness: %d shards, 1 writer thread, throttle OFF, PutRecords x%d,"
                        + " %d in flight, 1 producer; %d cores, Java %s; %.1f s measured after %.1f s warm-up, median of %d"
                        + " repeats [min-max]; files in %s%n%n", SHARDS, BATCH, WINDOW, Runtime.getRuntime().availableProcessors(),
                Runtime.version(), seconds, warmup, repeats, root.toAbsolutePath());
        new DurableIngestHarness(seconds, warmup, repeats, root, only).run();
    }

    private void run() throws Exception {
        System.out.printf(Locale.ROOT, "%-46s %32s %9s %10s %12s%n", "case", "records/s", "MB/s", "vs bare", "vs memory");
        for (int size : new int[] {100, 1024}) {
            double[] bare = null;
            double[] memory = null;
            if (selected("bare Chronicle append, 1 thread", size)) {
                bare = repeat(() -> bareChronicle(size));
                print("bare Chronicle append, 1 thread", size, bare, null, null);
            }
            if (selected("sluice in-memory", size)) {
                memory = repeat(() -> sluice(Storage.inMemory(), size));
                print("sluice in-memory", size, memory, bare, null);
            }
            for (FsyncPolicy policy : List.of(FsyncPolicy.none(), FsyncPolicy.interval(Duration.ofMillis(100)), FsyncPolicy.perBatch())) {
                String name = "sluice durable, fsync " + policy;
                if (selected(name, size)) {
                    double[] durable = repeat(() -> sluice(Storage.durable(root.resolve("sluice")).withFsyncPolicy(policy), size));
                    print(name, size, durable, bare, memory);
                }
            }
            System.out.println();
        }
    }

    /** Whether a case's label contains the {@code --only} text. */
    private boolean selected(String name, int size) {
        return (name + ", " + size + "B").contains(only);
    }

    private interface Run {
        double once() throws Exception;
    }

    private double[] repeat(Run run) throws Exception {
        double[] results = new double[repeats];
        for (int i = 0; i < repeats; i++) {
            deleteTree(root);
            System.gc();
            results[i] = run.once();
        }
        deleteTree(root);
        Arrays.sort(results);
        return results;
    }

    private static void print(String name, int size, double[] r, double[] bare, double[] memory) {
        double median = r[r.length / 2];
        String spread = String.format(Locale.ROOT, "%,.0f [%,.0f-%,.0f]", median, r[0], r[r.length - 1]);
        System.out.printf(Locale.ROOT, "%-46s %32s %9.1f %10s %12s%n", name + ", " + size + "B", spread, median * size / 1e6,
                ratio(median, bare), ratio(median, memory));
    }

    private static String ratio(double value, double[] baseline) {
        return baseline == null ? "-" : String.format(Locale.ROOT, "%.2f", value / baseline[baseline.length / 2]);
    }

    /** One producer, PutRecords x500 with {@value #WINDOW} calls in flight, for the warm-up and then the measured time. */
    private double sluice(Storage storage, int size) {
        try (StreamEngine engine = StreamEngine.builder().storage(storage).throttleMode(ThrottleMode.OFF).writerThreads(1).build()) {
            engine.createStream("bench", SHARDS);
            byte[] payload = new byte[size];
            List<CompletableFuture<PutRecordsResult>> inFlight = new ArrayList<>();
            long warmEnd = System.nanoTime() + (long) (warmup * 1e9);
            long start = 0;
            long records = 0;
            long i = 0;
            while (true) {
                long now = System.nanoTime();
                if (start == 0 && now >= warmEnd) {
                    start = now;
                    records = 0;
                }
                if (start != 0 && now - start >= seconds * 1e9) {
                    break;
                }
                if (inFlight.size() == WINDOW) {
                    check(inFlight.remove(0).join());
                    records += BATCH;
                }
                List<PutRecordsRequestEntry> entries = new ArrayList<>(BATCH);
                for (int k = 0; k < BATCH; k++) {
                    entries.add(PutRecordsRequestEntry.of(keys[(int) (i++ % KEYS)], payload));
                }
                inFlight.add(engine.putRecordsAsync("bench", entries));
            }
            long end = System.nanoTime();
            inFlight.forEach(f -> check(f.join()));
            return records / ((end - start) / 1e9);
        }
    }

    private static void check(PutRecordsResult result) {
        if (result.failedRecordCount() != 0) {
            throw new IllegalStateException(result.failedRecordCount() + " entries failed");
        }
    }

    /** The storage ceiling: one thread appending Sluice's record layout to one queue, as fast as it can. */
    private double bareChronicle(int size) {
        byte[] payload = new byte[size];
        byte[][] utf8Keys = new byte[KEYS][];
        for (int k = 0; k < KEYS; k++) {
            utf8Keys[k] = keys[k].getBytes(StandardCharsets.UTF_8);
        }
        try (SingleChronicleQueue queue = SingleChronicleQueueBuilder.single(root.resolve("bare").toFile())
                .rollCycle(RollCycles.FAST_HOURLY).blockSize(16L << 20).build();
             ExcerptAppender appender = queue.createAppender()) {
            long warmEnd = System.nanoTime() + (long) (warmup * 1e9);
            long start = 0;
            long records = 0;
            long cumulative = 0;
            for (long i = 0; ; i++) {
                if ((i & 1023) == 0) {
                    long now = System.nanoTime();
                    if (start == 0 && now >= warmEnd) {
                        start = now;
                        records = 0;
                    }
                    if (start != 0 && now - start >= seconds * 1e9) {
                        return records / ((now - start) / 1e9);
                    }
                }
                byte[] key = utf8Keys[(int) (i % KEYS)];
                cumulative += key.length + size;
                try (DocumentContext dc = appender.writingDocument()) {
                    Bytes<?> bytes = dc.wire().bytes();
                    bytes.writeLong(i);
                    bytes.writeLong(warmEnd);
                    bytes.writeLong(cumulative);
                    bytes.writeUnsignedShort(key.length);
                    bytes.write(key);
                    bytes.write(payload);
                }
                records++;
            }
        }
    }

    private static void deleteTree(Path directory) throws IOException {
        if (!Files.exists(directory)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(directory)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }
}
