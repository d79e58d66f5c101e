package dev.sluice.server;

import org.HdrHistogram.Histogram;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttribute;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;

import java.io.PrintStream;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Where an SDK v2 call spends its time, for the throughput harness's latency case: an interceptor stamps each call
 * at {@code beforeExecution}, {@code beforeTransmission} (marshalled and signed), {@code afterTransmission} (the HTTP
 * client has the response head: the socket round trip plus the server) and {@code afterExecution} (unmarshalled), and
 * the caller records the call's own start and end. A call slower than the threshold is kept with its wall-clock start,
 * so it can be matched with a GC log ({@code -Xlog:gc:...:time}) or the server's {@code dev.sluice.server.Request} JFR
 * events.
 *
 * <p>Not thread-safe: one measuring thread (the SDK may run the hooks of an async call on its own threads, one call at
 * a time, which the happens-before of the call's future covers).
 */
final class SdkCallPhases implements ExecutionInterceptor {

    private static final ExecutionAttribute<long[]> STAMPS = new ExecutionAttribute<>("sluice-harness-stamps");

    /** One slow call: wall-clock start, and nanoseconds in each phase. */
    record Slow(Instant start, long total, long before, long sdkIn, long wire, long sdkOut, long after) {
    }

    private final long slowNanos;
    private final List<Slow> slow = new ArrayList<>();
    private final Histogram sdkIn = new Histogram(3_600_000_000_000L, 3);
    private final Histogram wire = new Histogram(3_600_000_000_000L, 3);
    private final Histogram sdkOut = new Histogram(3_600_000_000_000L, 3);
    private volatile long[] last;
    private boolean recording;
    private long gcCountStart;
    private long gcMillisStart;
    private long jitMillisStart;
    private Instant windowStart;
    private long windowStartNanos;

    SdkCallPhases(long slowNanos) {
        this.slowNanos = slowNanos;
    }

    @Override
    public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
        long[] stamps = new long[4];
        stamps[0] = System.nanoTime();
        attributes.putAttribute(STAMPS, stamps);
    }

    @Override
    public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes attributes) {
        attributes.getAttribute(STAMPS)[1] = System.nanoTime();
    }

    @Override
    public void afterTransmission(Context.AfterTransmission context, ExecutionAttributes attributes) {
        attributes.getAttribute(STAMPS)[2] = System.nanoTime();
    }

    @Override
    public void afterExecution(Context.AfterExecution context, ExecutionAttributes attributes) {
        long[] stamps = attributes.getAttribute(STAMPS);
        stamps[3] = System.nanoTime();
        last = stamps;
    }

    /** Starts keeping phases (after the warm-up), and notes the GC and JIT totals so far. */
    void startRecording() {
        recording = true;
        windowStart = Instant.now();
        windowStartNanos = System.nanoTime();
        gcCountStart = gcCount();
        gcMillisStart = gcMillis();
        jitMillisStart = ManagementFactory.getCompilationMXBean().getTotalCompilationTime();
    }

    /**
     * Records the call that just returned.
     *
     * @param start {@link System#nanoTime()} when the call started
     * @param end   {@link System#nanoTime()} when it returned
     */
    void called(long start, long end) {
        long[] s = last;
        if (!recording || s == null) {
            return;
        }
        sdkIn.recordValue(Math.max(0, s[1] - s[0]));
        wire.recordValue(Math.max(0, s[2] - s[1]));
        sdkOut.recordValue(Math.max(0, s[3] - s[2]));
        if (end - start >= slowNanos) {
            slow.add(new Slow(windowStart.plusNanos(start - windowStartNanos), end - start, s[0] - start, s[1] - s[0],
                    s[2] - s[1], s[3] - s[2], end - s[3]));
        }
    }

    /** Prints the phase percentiles of every call, then where the slow calls spent their time. */
    void print(PrintStream out, long calls, int listed) {
        out.printf("  phases of all calls (p50 / p99 ms): marshal+sign %.3f / %.3f, HTTP round trip %.3f / %.3f,"
                        + " unmarshal %.3f / %.3f%n", sdkIn.getValueAtPercentile(50) / 1e6,
                sdkIn.getValueAtPercentile(99) / 1e6, wire.getValueAtPercentile(50) / 1e6,
                wire.getValueAtPercentile(99) / 1e6, sdkOut.getValueAtPercentile(50) / 1e6,
                sdkOut.getValueAtPercentile(99) / 1e6);
        out.printf("  during the window: %d GCs, %d ms GC, %d ms JIT compilation%n", gcCount() - gcCountStart,
                gcMillis() - gcMillisStart,
                ManagementFactory.getCompilationMXBean().getTotalCompilationTime() - jitMillisStart);
        long[] sums = new long[6];
        for (Slow s : slow) {
            sums[0] += s.before();
            sums[1] += s.sdkIn();
            sums[2] += s.wire();
            sums[3] += s.sdkOut();
            sums[4] += s.after();
            sums[5] += s.total();
        }
        out.printf("  %d calls of %d over %.1f ms; their time: before hooks %.0f %%, marshal+sign %.0f %%, HTTP round trip"
                        + " %.0f %%, unmarshal %.0f %%, after hooks %.0f %%%n", slow.size(), calls, slowNanos / 1e6,
                percent(sums[0], sums[5]), percent(sums[1], sums[5]), percent(sums[2], sums[5]),
                percent(sums[3], sums[5]), percent(sums[4], sums[5]));
        if (!slow.isEmpty()) {
            // Slow calls per second of the window: a warm-up that is too short shows as a crowded first second.
            long first = windowStart.toEpochMilli();
            int[] perSecond = new int[(int) ((slow.get(slow.size() - 1).start().toEpochMilli() - first) / 1000) + 1];
            for (Slow s : slow) {
                perSecond[(int) Math.max(0, (s.start().toEpochMilli() - first) / 1000)]++;
            }
            out.println("  slow calls per second of the window: " + java.util.Arrays.toString(perSecond));
        }
        for (int i = Math.max(0, slow.size() - listed); i < slow.size(); i++) {
            Slow s = slow.get(i);
            out.printf("    slow %s total %.3f ms: before %.3f, marshal+sign %.3f, HTTP %.3f, unmarshal %.3f, after %.3f%n",
                    s.start(), s.total() / 1e6, s.before() / 1e6, s.sdkIn() / 1e6, s.wire() / 1e6, s.sdkOut() / 1e6,
                    s.after() / 1e6);
        }
    }

    private static double percent(long part, long whole) {
        return whole == 0 ? 0 : 100.0 * part / whole;
    }

    private static long gcCount() {
        long n = 0;
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            n += Math.max(0, gc.getCollectionCount());
        }
        return n;
    }

    private static long gcMillis() {
        long n = 0;
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            n += Math.max(0, gc.getCollectionTime());
        }
        return n;
    }
}
