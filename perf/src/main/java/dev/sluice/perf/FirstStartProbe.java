package dev.sluice.perf;

import dev.sluice.stream.GetRecordsResult;
import dev.sluice.stream.PutRecordResult;
import dev.sluice.stream.ShardIteratorType;
import dev.sluice.stream.StreamEngine;

import java.io.FileInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * What {@link FirstStartHarness} runs in each fresh JVM: the first embedded engine of the process, from
 * {@code StreamEngine.builder().build()} to the first record read back, then a second engine in the same JVM.
 * Public API only, so the same class runs against an older jar for a side-by-side run.
 *
 * <p>Prints one line: {@code first-start build=NS create=NS put=NS read=NS total=NS second=NS thread-cpu=NS
 * process-cpu=NS} (nanoseconds). {@code thread-cpu} is the CPU time the main thread spent on the first start
 * ({@code /proc/thread-self/schedstat}), {@code process-cpu} that of all the JVM's threads over the same span (compiler,
 * collector and the engine's own threads included; {@code /proc/self/stat}, clock ticks of usually 10 ms): figures that
 * move much less than wall time when other processes load the machine. Both are -1 where {@code /proc} is missing.
 */
public final class FirstStartProbe {

    private FirstStartProbe() {
    }

    /**
     * Runs the probe once and prints its timings.
     *
     * @param args ignored
     */
    public static void main(String[] args) {
        long threadCpu = threadCpuNanos();
        long processCpu = processCpuTicks();
        long[] first = startOnce();
        threadCpu = threadCpu < 0 ? -1 : threadCpuNanos() - threadCpu;
        processCpu = processCpu < 0 ? -1 : (processCpuTicks() - processCpu) * NANOS_PER_TICK;
        long[] second = startOnce();
        System.out.println("first-start build=" + first[0] + " create=" + first[1] + " put=" + first[2] + " read=" + first[3]
                + " total=" + first[4] + " second=" + second[4] + " thread-cpu=" + threadCpu + " process-cpu=" + processCpu);
    }

    /** Linux's USER_HZ, the unit of {@code /proc/self/stat}'s CPU times, on every common configuration. */
    private static final long NANOS_PER_TICK = 10_000_000;

    /** CPU time of the calling thread so far, or -1: the first field of {@code /proc/thread-self/schedstat}. */
    private static long threadCpuNanos() {
        String line = read("/proc/thread-self/schedstat");
        return line == null ? -1 : Long.parseLong(line.substring(0, line.indexOf(' ')));
    }

    /** User plus system CPU ticks of every thread of the process so far, or -1 (fields 14 and 15 of /proc/self/stat). */
    private static long processCpuTicks() {
        String line = read("/proc/self/stat");
        if (line == null) {
            return -1;
        }
        String[] fields = line.substring(line.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(fields[11]) + Long.parseLong(fields[12]); // fields 3.. after the name: utime is 14th
    }

    /** A small /proc file's text, read with classes the JVM has loaded at start-up already; null if unreadable. */
    private static String read(String file) {
        byte[] buffer = new byte[1024];
        try (FileInputStream in = new FileInputStream(file)) {
            int n = in.read(buffer);
            return n <= 0 ? null : new String(buffer, 0, n, StandardCharsets.US_ASCII).trim();
        } catch (IOException e) {
            return null;
        }
    }

    /** Build, create a stream, put one record, read it back: nanoseconds of each step and the total. */
    private static long[] startOnce() {
        long t0 = System.nanoTime();
        try (StreamEngine engine = StreamEngine.builder().build()) {
            long t1 = System.nanoTime();
            engine.createStream("first", 1);
            long t2 = System.nanoTime();
            PutRecordResult put = engine.putRecord("first", "key", "hello".getBytes(StandardCharsets.UTF_8));
            long t3 = System.nanoTime();
            String iterator = engine.getShardIterator("first", put.shardId(), ShardIteratorType.trimHorizon());
            GetRecordsResult read = engine.getRecords(iterator, 10);
            if (read.records().isEmpty()) {
                throw new IllegalStateException("an acknowledged record was not readable");
            }
            long t4 = System.nanoTime();
            return new long[] {t1 - t0, t2 - t1, t3 - t2, t4 - t3, t4 - t0};
        }
    }
}
