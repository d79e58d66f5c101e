package dev.sluice.perf;

import dev.sluice.stream.PutRecordsRequestEntry;
import dev.sluice.stream.StreamEngine;
import dev.sluice.stream.ThrottleMode;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/**
 * CPU time per record of each engine thread and of the producer, for synchronous PutRecords x500 calls into a 4-shard
 * in-memory stream with one writer thread: where the put path spends its work, as a figure a loaded machine changes
 * much less than wall time (other processes delay a thread, they do not add to its CPU time). Public API only, so the
 * same class runs against an older jar for a side-by-side run.
 *
 * <pre>java -cp perf/target/sluice-perf.jar dev.sluice.perf.IngestCpuHarness [--size 1024] [--batches 4000] [--rounds 2]</pre>
 * Prints, per round (a fresh engine; round 0 includes warm-up): wall ns per record, then CPU ns per record of the
 * producer and of every {@code sluice-} thread.
 */
public final class IngestCpuHarness {

    private static final int BATCH = 500;
    private static final int SHARDS = 4;
    private static final int KEYS = 10_000;

    private IngestCpuHarness() {
    }

    /**
     * Runs the rounds and prints a line per round.
     *
     * @param args {@code --size BYTES --batches N --rounds N}
     * @throws Exception if a put fails
     */
    public static void main(String[] args) throws Exception {
        int size = 1024;
        int batches = 4000;
        int rounds = 2;
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--size" -> size = Integer.parseInt(args[i + 1]);
                case "--batches" -> batches = Integer.parseInt(args[i + 1]);
                case "--rounds" -> rounds = Integer.parseInt(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]
                        + " (options: --size BYTES --batches N --rounds N)");
            }
        }
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        Random random = new Random(1);
        String[] keys = new String[KEYS];
        for (int i = 0; i < KEYS; i++) {
            keys[i] = "user-" + Long.toHexString(random.nextLong());
        }
        byte[] payload = new byte[size];
        for (int round = 0; round < rounds; round++) {
            try (StreamEngine engine = StreamEngine.builder().throttleMode(ThrottleMode.OFF).writerThreads(1).build()) {
                engine.createStream("bench", SHARDS);
                Map<String, Long> before = cpuByThread(threads);
                long producerStart = threads.getCurrentThreadCpuTime();
                long wallStart = System.nanoTime();
                for (int b = 0; b < batches; b++) {
                    List<PutRecordsRequestEntry> entries = new ArrayList<>(BATCH);
                    int first = (int) ((long) b * BATCH % KEYS);
                    for (int k = 0; k < BATCH; k++) {
                        entries.add(PutRecordsRequestEntry.of(keys[(first + k) % KEYS], payload));
                    }
                    if (engine.putRecords("bench", entries).failedRecordCount() != 0) {
                        throw new IllegalStateException("a put failed");
                    }
                }
                double records = (double) batches * BATCH;
                long wall = System.nanoTime() - wallStart;
                long producer = threads.getCurrentThreadCpuTime() - producerStart;
                StringBuilder line = new StringBuilder(String.format(Locale.ROOT,
                        "round %d, %d B: wall %.0f ns/record; CPU ns/record: producer %.0f", round, size, wall / records,
                        producer / records));
                for (Map.Entry<String, Long> e : cpuByThread(threads).entrySet()) {
                    if (e.getKey().startsWith("sluice-")) {
                        line.append(String.format(Locale.ROOT, ", %s %.0f", e.getKey(),
                                (e.getValue() - before.getOrDefault(e.getKey(), 0L)) / records));
                    }
                }
                System.out.println(line);
            }
            System.gc();
        }
    }

    /** CPU nanoseconds of every live thread, summed by name. */
    private static Map<String, Long> cpuByThread(ThreadMXBean threads) {
        Map<String, Long> cpu = new TreeMap<>();
        for (ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds())) {
            if (info != null) {
                cpu.merge(info.getThreadName(), Math.max(0, threads.getThreadCpuTime(info.getThreadId())), Long::sum);
            }
        }
        return cpu;
    }
}
