package dev.sluice.perf;

import dev.sluice.stream.PutRecordResult;
import dev.sluice.stream.PutRecordsRequestEntry;
import dev.sluice.stream.PutRecordsResult;
import dev.sluice.stream.StreamEngine;
import dev.sluice.stream.ThrottleMode;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * JMH: Sluice puts (4 shards, in-memory, throttle OFF) and the bare-ring hand-off they are compared with.
 * Scores are operations per second; batch scores are records per second ({@code OperationsPerInvocation}).
 *
 * <pre>java -Xmx8g -jar perf/target/sluice-perf.jar PutBenchmark -t 2</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(value = 1, jvmArgsAppend = "-Xmx8g")
public class PutBenchmark {

    private static final int KEYS = 10_000;
    private static final int BATCH = 500;

    @Param({"100", "1024"})
    public int size;

    private StreamEngine engine;
    private BareRing ring;
    private String[] keys;
    private byte[] payload;

    /** Per-thread position in the key pool. */
    @State(Scope.Thread)
    public static class Cursor {
        int next;
    }

    @Setup(Level.Trial)
    public void start() {
        engine = StreamEngine.builder().throttleMode(ThrottleMode.OFF).build();
        ring = new BareRing(1, 16_384);
        Random random = new Random(3);
        keys = new String[KEYS];
        for (int i = 0; i < KEYS; i++) {
            keys[i] = "user-" + Long.toHexString(random.nextLong());
        }
        payload = new byte[size];
    }

    /** A fresh stream per iteration, so retained records do not pile up across iterations. */
    @Setup(Level.Iteration)
    public void createStream() {
        engine.createStream("bench", 4);
    }

    @TearDown(Level.Iteration)
    public void deleteStream() {
        engine.deleteStream("bench");
    }

    @TearDown(Level.Trial)
    public void stop() {
        engine.close();
        ring.close();
    }

    @Benchmark
    public PutRecordResult putRecordSync(Cursor cursor) {
        return engine.putRecord("bench", keys[next(cursor, 1)], payload);
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public PutRecordsResult putRecords500(Cursor cursor) {
        int first = next(cursor, BATCH);
        List<PutRecordsRequestEntry> entries = new ArrayList<>(BATCH);
        for (int k = 0; k < BATCH; k++) {
            int key = first + k;
            entries.add(PutRecordsRequestEntry.of(keys[key < KEYS ? key : key - KEYS], payload));
        }
        return engine.putRecords("bench", entries);
    }

    /** Baseline: one synchronous hand-off through a bare ring with the same event shape and handler count. */
    @Benchmark
    public Object bareRingHandOffSync() {
        return BareRing.await(ring.handOff(1));
    }

    /** Baseline: raw ring capacity, one slot per record, no reply. */
    @Benchmark
    public void bareRingHandOffPerRecord(Cursor cursor) {
        next(cursor, 1);
        ring.handOffNoReply(0);
    }

    private static int next(Cursor cursor, int count) {
        int first = cursor.next;
        cursor.next = first + count >= KEYS ? 0 : first + count;
        return first;
    }
}
