package dev.sluice.perf;

import dev.sluice.stream.PutRecordRequest;
import dev.sluice.stream.PutRecordResult;
import dev.sluice.stream.PutRecordsRequestEntry;
import dev.sluice.stream.PutRecordsResult;
import dev.sluice.stream.StreamEngine;
import dev.sluice.stream.ThrottleMode;
import org.HdrHistogram.Histogram;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * End-to-end ingest harness: records/s, MB/s and call latency percentiles for Sluice's in-memory engine,
 * measured in the same run as a bare Disruptor ring doing only the hand-off ({@link BareRing}).
 *
 * <pre>java -cp perf/target/sluice-perf.jar dev.sluice.perf.IngestHarness [--seconds 3] [--warmup 1] [--repeats 3]
 *     [--writers N] [--ring SLOTS] [--only TEXT]</pre>
 * {@code --only} runs just the cases whose label contains the text (e.g. {@code "x500, 100B, 2P"} or {@code paced});
 * {@code --ring} sets the engine's {@code ringBufferSize} (the engine's default otherwise).
 *
 * <p>Every figure is measured here, now; the medians of the repeats are printed with their spread
 * (min-max) because this machine is shared and noisy.
 */
public final class IngestHarness {

    private static final int SHARDS = 4;
    private static final int BATCH = 500;
    private static final int KEYS = 10_000;
    private static final int WINDOW = 4;
    /** Single asynchronous puts each producer keeps in flight: a client firing records without waiting. */
    private static final int RECORD_WINDOW = 8_192;

    private final double seconds;
    private final double warmup;
    private final int repeats;
    private final int writers;
    private final String[] keys;
    private final String only;
    private final int ring;

    private IngestHarness(double seconds, double warmup, int repeats, int writers, String only, int ring) {
        this.only = only;
        this.ring = ring;
        this.seconds = seconds;
        this.warmup = warmup;
        this.repeats = repeats;
        this.writers = writers;
        Random random = new Random(1);
        keys = new String[KEYS];
        for (int i = 0; i < KEYS; i++) {
            keys[i] = "user-" + Long.toHexString(random.nextLong());
        }
    }

    /**
     * Runs every case and prints the table.
     *
     * @param args {@code --seconds S --warmup S --repeats N --writers N}
     * @throws Exception if a run fails
     */
    public static void main(String[] args) throws Exception {
        double seconds = 3;
        double warmup = 1;
        int repeats = 3;
        int writers = defaultWriters();
        String only = "";
        int ring = 0;
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--seconds" -> seconds = Double.parseDouble(args[i + 1]);
                case "--warmup" -> warmup = Double.parseDouble(args[i + 1]);
                case "--repeats" -> repeats = Integer.parseInt(args[i + 1]);
                case "--writers" -> writers = Integer.parseInt(args[i + 1]);
                case "--only" -> only = args[i + 1];
                case "--ring" -> ring = Integer.parseInt(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]
                        + " (options: --seconds S --warmup S --repeats N --writers N --ring SLOTS --only TEXT)");
            }
        }
        System.out.printf(Locale.ROOT, "Sluice ingest harness: %d shards, in-memory, throttle OFF, %d writer thread(s);"
                        + " ring %s; %d cores, Java %s; %.1f s measured after %.1f s warm-up, median of %d repeats"
                        + " [min-max]%n%n",
                SHARDS, writers, ring == 0 ? "default" : ring + " slots", Runtime.getRuntime().availableProcessors(),
                Runtime.version(), seconds, warmup, repeats);
        new IngestHarness(seconds, warmup, repeats, writers, only, ring).run();
    }

    private static int defaultWriters() {
        return Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors() / 2));
    }

    private void run() throws Exception {
        System.out.printf(Locale.ROOT, "%-42s %30s %9s %28s %12s %12s%n", "case", "records/s", "MB/s",
                "call latency p50/p99/p99.9 us", "vs same-shape", "vs per-record");
        for (int size : new int[] {100, 1024}) {
            for (int producers : new int[] {1, 2}) {
                for (int mode = 0; mode < 4; mode++) {
                    boolean batch = mode == 1 || mode == 2;
                    int window = mode == 2 ? WINDOW : mode == 3 ? RECORD_WINDOW : 1;
                    String sluiceLabel = label("sluice " + (mode == 0 ? "PutRecord, sync" : mode == 1 ? "PutRecords x500, sync"
                            : mode == 2 ? "PutRecords x500, " + WINDOW + " in flight"
                            : "PutRecord, " + RECORD_WINDOW + " in flight"), size, producers);
                    if (!sluiceLabel.contains(only)) {
                        continue;
                    }
                    Result perRecord = repeat(() -> bareNoReply(producers));
                    print(label("bare ring, per-record hand-off", size, producers), size, perRecord, null, null);
                    // Firing single records without waiting has the per-record hand-off as its same-shape bare case.
                    Result bare = mode == 3 ? perRecord : repeat(() -> bare(producers, batch));
                    if (mode != 3) {
                        String bareLabel = "bare ring, " + (batch ? "500/hand-off" : "1/hand-off, sync");
                        print(label(bareLabel, size, producers), size, bare, null, null);
                    }
                    Result sluice = repeat(() -> sluice(producers, size, batch, window));
                    print(sluiceLabel, size, sluice, bare, perRecord);
                }
            }
            System.out.println();
        }
        if ("paced".contains(only) || only.contains("paced")) {
            System.gc();
            paced(10_000, 100);
        }
    }

    private static String label(String name, int size, int producers) {
        return String.format(Locale.ROOT, "%s, %dB, %dP", name, size, producers);
    }

    private interface Run {
        Result once() throws Exception;
    }

    private Result repeat(Run run) throws Exception {
        List<Result> results = new ArrayList<>();
        for (int i = 0; i < repeats; i++) {
            System.gc();
            results.add(run.once());
        }
        results.sort((a, b) -> Double.compare(a.recordsPerSecond, b.recordsPerSecond));
        Result median = results.get(results.size() / 2);
        median.min = results.get(0).recordsPerSecond;
        median.max = results.get(results.size() - 1).recordsPerSecond;
        return median;
    }

    private static void print(String label, int size, Result r, Result sameShape, Result perRecord) {
        String spread = String.format(Locale.ROOT, "%,.0f [%,.0f-%,.0f]", r.recordsPerSecond, r.min, r.max);
        String latency = r.latency == null ? "-" : String.format(Locale.ROOT, "%.1f/%.1f/%.1f",
                r.latency.getValueAtPercentile(50) / 1e3, r.latency.getValueAtPercentile(99) / 1e3,
                r.latency.getValueAtPercentile(99.9) / 1e3);
        System.out.printf(Locale.ROOT, "%-42s %30s %9.1f %28s %12s %12s%n", label, spread, r.recordsPerSecond * size / 1e6,
                latency, ratio(r, sameShape), ratio(r, perRecord));
    }

    private static String ratio(Result r, Result baseline) {
        return baseline == null ? "" : String.format(Locale.ROOT, "%.2f", r.recordsPerSecond / baseline.recordsPerSecond);
    }

    /**
     * Sluice: each producer puts in a closed loop: single synchronous puts, or 500-record batches, either
     * synchronous or asynchronous with up to {@code window} batches in flight (as a pipelining client does).
     */
    private Result sluice(int producers, int size, boolean batch, int window) throws Exception {
        StreamEngine.Builder builder = StreamEngine.builder().throttleMode(ThrottleMode.OFF).writerThreads(writers);
        if (ring > 0) {
            builder.ringBufferSize(ring);
        }
        try (StreamEngine engine = builder.build()) {
            engine.createStream("bench", SHARDS);
            byte[] payload = new byte[size];
            @SuppressWarnings("unchecked")
            CompletableFuture<PutRecordsResult>[][] inFlight = new CompletableFuture[producers][batch ? window : 0];
            @SuppressWarnings("unchecked")
            CompletableFuture<PutRecordResult>[][] recordsInFlight =
                    new CompletableFuture[producers][batch ? 0 : window];
            Result result = drive(producers, batch ? BATCH : 1, (producer, i) -> {
                if (!batch && window == 1) {
                    engine.putRecord("bench", keys[(int) (i % KEYS)], payload);
                    return;
                }
                if (!batch) {
                    int slot = (int) (i % window);
                    CompletableFuture<PutRecordResult> previous = recordsInFlight[producer][slot];
                    if (previous != null) {
                        previous.join();
                    }
                    PutRecordRequest request = PutRecordRequest.of("bench", keys[(int) (i % KEYS)], payload);
                    recordsInFlight[producer][slot] = engine.putRecordAsync(request);
                    return;
                }
                List<PutRecordsRequestEntry> entries = new ArrayList<>(BATCH);
                int first = (int) (i % KEYS);
                for (int k = 0; k < BATCH; k++) {
                    int key = first + k;
                    entries.add(PutRecordsRequestEntry.of(keys[key < KEYS ? key : key - KEYS], payload));
                }
                if (window == 1) {
                    check(engine.putRecords("bench", entries));
                    return;
                }
                // The call slot this batch reuses: wait for the batch sent `window` calls ago.
                int slot = (int) (i % window);
                CompletableFuture<PutRecordsResult> previous = inFlight[producer][slot];
                if (previous != null) {
                    check(previous.join());
                }
                inFlight[producer][slot] = engine.putRecordsAsync("bench", entries);
            });
            for (CompletableFuture<PutRecordsResult>[] calls : inFlight) {
                for (CompletableFuture<PutRecordsResult> call : calls) {
                    if (call != null) {
                        check(call.join());
                    }
                }
            }
            for (CompletableFuture<PutRecordResult>[] calls : recordsInFlight) {
                for (CompletableFuture<PutRecordResult> call : calls) {
                    if (call != null) {
                        call.join();
                    }
                }
            }
            return result;
        }
    }

    private static void check(PutRecordsResult result) {
        if (result.failedRecordCount() != 0) {
            throw new IllegalStateException(result.failedRecordCount() + " entries failed");
        }
    }

    /** The same loop against the bare ring: one slot per writer per call, waiting for completion. */
    private Result bare(int producers, boolean batch) throws Exception {
        try (BareRing ring = new BareRing(writers, 16_384)) {
            return drive(producers, batch ? BATCH : 1, (producer, i) -> BareRing.await(ring.handOff(batch ? writers : 1)));
        }
    }

    /** Raw ring capacity: one slot per record, no completion. */
    private Result bareNoReply(int producers) throws Exception {
        try (BareRing ring = new BareRing(writers, 16_384)) {
            Result r = drive(producers, 1, (producer, i) -> ring.handOffNoReply((int) (i % writers)));
            r.latency = null;
            return r;
        }
    }

    private interface Call {
        void call(int producer, long iteration) throws Exception;
    }

    /** Warm-up, then a timed closed loop on each producer thread; latency per call in nanoseconds. */
    private Result drive(int producers, int recordsPerCall, Call call) throws Exception {
        Histogram histogram = new Histogram(TimeUnit.SECONDS.toNanos(10), 3);
        long[] counts = new long[producers];
        Exception[] failure = new Exception[1];
        CountDownLatch ready = new CountDownLatch(producers);
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        long warmupNanos = (long) (warmup * 1e9);
        long measureNanos = (long) (seconds * 1e9);
        long[] measuredNanos = new long[producers];
        for (int p = 0; p < producers; p++) {
            int producer = p;
            Thread t = new Thread(() -> {
                Histogram local = new Histogram(TimeUnit.SECONDS.toNanos(10), 3);
                try {
                    ready.countDown();
                    go.await();
                    long i = (long) producer << 40;
                    long warmEnd = System.nanoTime() + warmupNanos;
                    while (System.nanoTime() < warmEnd) {
                        call.call(producer, i++);
                    }
                    long start = System.nanoTime();
                    long end = start + measureNanos;
                    long n = 0;
                    long now = start;
                    while (now < end) {
                        call.call(producer, i++);
                        long after = System.nanoTime();
                        local.recordValue(Math.min(after - now, local.getHighestTrackableValue()));
                        now = after;
                        n++;
                    }
                    counts[producer] = n * recordsPerCall;
                    measuredNanos[producer] = now - start;
                    synchronized (histogram) {
                        histogram.add(local);
                    }
                } catch (Exception e) {
                    failure[0] = e;
                }
            }, "harness-producer-" + p);
            t.start();
            threads.add(t);
        }
        ready.await();
        go.countDown();
        for (Thread t : threads) {
            t.join();
        }
        if (failure[0] != null) {
            throw failure[0];
        }
        Result r = new Result();
        r.recordsPerSecond = Arrays.stream(counts).sum() / (Arrays.stream(measuredNanos).max().orElse(1) / 1e9);
        r.latency = histogram;
        return r;
    }

    /**
     * Synchronous single puts paced at a fixed rate. Reports service time (from the actual send) and response
     * time (from the intended send, which charges stalls of the pacing loop and of the engine to every put
     * they delay, so coordinated omission cannot hide them). The pacing loop spins and yields for short gaps:
     * parking oversleeps by tens of microseconds on this kind of machine.
     */
    private void paced(int perSecond, int size) throws Exception {
        try (StreamEngine engine = StreamEngine.builder().throttleMode(ThrottleMode.OFF).writerThreads(writers).build()) {
            engine.createStream("paced", SHARDS);
            byte[] payload = new byte[size];
            long interval = 1_000_000_000L / perSecond;
            Histogram service = new Histogram(TimeUnit.SECONDS.toNanos(10), 3);
            Histogram response = new Histogram(TimeUnit.SECONDS.toNanos(10), 3);
            long total = (long) ((seconds * 2 + warmup) * perSecond);
            long warm = (long) (warmup * perSecond);
            long next = System.nanoTime();
            for (long i = 0; i < total; i++) {
                long now;
                while ((now = System.nanoTime()) < next) {
                    if (next - now > 500_000) {
                        LockSupport.parkNanos(next - now - 400_000);
                    } else {
                        Thread.yield();
                    }
                }
                engine.putRecord("paced", keys[(int) (i % KEYS)], payload);
                long end = System.nanoTime();
                if (i >= warm) {
                    service.recordValue(Math.min(end - now, service.getHighestTrackableValue()));
                    response.recordValue(Math.min(end - next, response.getHighestTrackableValue()));
                }
                next += interval;
            }
            for (Histogram h : List.of(service, response)) {
                System.out.printf(Locale.ROOT, "sluice PutRecord, sync, paced at %,d/s, %dB, 1P, %s: %,d puts, us p50 %.1f"
                                + " p90 %.1f p99 %.1f p99.9 %.1f max %.1f%n", perSecond, size,
                        h == service ? "service time (from actual send)" : "response time (from intended send)",
                        h.getTotalCount(), h.getValueAtPercentile(50) / 1e3, h.getValueAtPercentile(90) / 1e3,
                        h.getValueAtPercentile(99) / 1e3, h.getValueAtPercentile(99.9) / 1e3, h.getMaxValue() / 1e3);
            }
        }
    }

    private static final class Result {
        double recordsPerSecond;
        double min;
        double max;
        Histogram latency;
    }
}
