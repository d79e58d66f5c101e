package dev.sluice.perf;

import dev.sluice.stream.GetRecordsResult;
import dev.sluice.stream.PutRecordResult;
import dev.sluice.stream.ShardIteratorType;
import dev.sluice.stream.StreamEngine;

import java.nio.charset.StandardCharsets;

/**
 * What {@link FirstStartHarness} runs in each fresh JVM: the first embedded engine of the process, from
 * {@code StreamEngine.builder().build()} to the first record read back, then a second engine in the same JVM.
 * Public API only, so the same class runs against an older jar for a side-by-side run.
 *
 * <p>Prints one line: {@code first-start build=NS create=NS put=NS read=NS total=NS second=NS} (nanoseconds).
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
        long[] first = startOnce();
        long[] second = startOnce();
        System.out.println("first-start build=" + first[0] + " create=" + first[1] + " put=" + first[2] + " read=" + first[3]
                + " total=" + first[4] + " second=" + second[4]);
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
