package dev.sluice.perf;

import dev.sluice.stream.ConsumerApplication;
import dev.sluice.stream.CreateStreamRequest;
import dev.sluice.stream.PutRecordsRequestEntry;
import dev.sluice.stream.ShardIteratorType;
import dev.sluice.stream.ShardLimits;
import dev.sluice.stream.StreamEngine;
import dev.sluice.stream.ThrottleMode;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Consumer delivery rate: three consumer applications read the same pre-filled stream from TRIM_HORIZON at once;
 * each must process every record. Reported per application and in total, for throttling OFF (the engine's own
 * speed) and REJECT (Kinesis's shared per-shard read limits: 5 GetRecords calls/s and 2 MiB/s per shard, shared by
 * the three applications), and REJECT with enhanced fan-out (each application registered as a consumer, with its
 * own 2 MiB/s per shard).
 *
 * <pre>java -cp perf/target/sluice-perf.jar dev.sluice.perf.ConsumerHarness [--records N] [--size BYTES]</pre>
 */
public final class ConsumerHarness {

    private static final int SHARDS = 4;
    private static final int APPLICATIONS = 3;

    private ConsumerHarness() {
    }

    /**
     * Runs both modes and prints the table.
     *
     * @param args {@code --records N} (default 1,000,000 for OFF; REJECT uses a tenth), {@code --size BYTES} (100)
     */
    public static void main(String[] args) {
        int records = 1_000_000;
        int size = 100;
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--records" -> records = Integer.parseInt(args[i + 1]);
                case "--size" -> size = Integer.parseInt(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown option " + args[i] + " (options: --records N --size BYTES)");
            }
        }
        System.out.printf(Locale.ROOT, "Consumer harness: %d shards, in-memory, %d applications from TRIM_HORIZON, %d B records;"
                + " %d cores, Java %s%n", SHARDS, APPLICATIONS, size, Runtime.getRuntime().availableProcessors(), Runtime.version());
        run(ThrottleMode.OFF, records, size, false);
        run(ThrottleMode.REJECT, records / 10, size, false);
        run(ThrottleMode.REJECT, records / 10, size, true);
    }

    private static void run(ThrottleMode mode, int records, int size, boolean fanOut) {
        try (StreamEngine engine = StreamEngine.builder().throttleMode(mode).blockTimeout(Duration.ofMinutes(5)).build()) {
            // Writes unlimited so filling is quick; reads at Kinesis's per-shard limits (they only apply in REJECT).
            engine.createStream(CreateStreamRequest.of("bench", SHARDS).withShardLimits(new ShardLimits(
                    ShardLimits.MAX_BYTES_PER_SECOND, Integer.MAX_VALUE, 2L * 1_048_576, 5)));
            byte[] payload = new byte[size];
            for (int i = 0; i < records; i += 500) {
                List<PutRecordsRequestEntry> batch = new ArrayList<>(500);
                for (int k = i; k < Math.min(records, i + 500); k++) {
                    batch.add(PutRecordsRequestEntry.of("key-" + (k % 10_007), payload));
                }
                if (engine.putRecords("bench", batch).failedRecordCount() != 0) {
                    throw new IllegalStateException("fill failed");
                }
            }
            List<AtomicLong> counts = new ArrayList<>();
            List<ConsumerApplication> applications = new ArrayList<>();
            long[] finished = new long[APPLICATIONS];
            long start = System.nanoTime();
            for (int a = 0; a < APPLICATIONS; a++) {
                AtomicLong count = new AtomicLong();
                counts.add(count);
                applications.add(ConsumerApplication.builder(engine).applicationName("app-" + a).streamName("bench")
                        .initialPosition(ShardIteratorType.trimHorizon())
                        // OFF: poll as fast as possible (the engine's own speed). REJECT: the default interval
                        // between reads, as consumers sharing a shard's 5 calls/s are configured (KCL: 1 s).
                        // Enhanced fan-out: each application's own 2 MiB/s per shard, its default 50 ms interval.
                        .pollInterval(mode == ThrottleMode.OFF ? Duration.ofMillis(1)
                                : fanOut ? Duration.ofMillis(50) : Duration.ofSeconds(1))
                        .enhancedFanOut(fanOut)
                        .processor(input -> count.addAndGet(input.records().size())).build());
            }
            int done = 0;
            while (done < APPLICATIONS) {
                done = 0;
                for (int a = 0; a < APPLICATIONS; a++) {
                    if (counts.get(a).get() >= records) {
                        if (finished[a] == 0) {
                            finished[a] = System.nanoTime();
                        }
                        done++;
                    }
                }
                LockSupport.parkNanos(1_000_000);
            }
            applications.forEach(ConsumerApplication::close);
            String label = mode + (fanOut ? " fan-out" : mode == ThrottleMode.REJECT ? " shared" : "");
            double slowest = 0;
            for (int a = 0; a < APPLICATIONS; a++) {
                double seconds = (finished[a] - start) / 1e9;
                slowest = Math.max(slowest, seconds);
                System.out.printf(Locale.ROOT, "  %-14s app-%d: %,d records in %.2f s = %,.0f records/s%n", label, a, records,
                        seconds, records / seconds);
            }
            System.out.printf(Locale.ROOT, "  %-14s all %d applications: %,.0f records/s delivered in total%n", label,
                    APPLICATIONS, APPLICATIONS * (double) records / slowest);
        }
    }
}
