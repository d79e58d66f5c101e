package dev.sluice.perf.delivery;

import dev.sluice.delivery.BufferingHints;
import dev.sluice.delivery.DeliveryStream;
import dev.sluice.delivery.OutputFormat;
import dev.sluice.delivery.ParquetConversion;
import dev.sluice.delivery.Sink;
import dev.sluice.delivery.SinkResult;
import dev.sluice.delivery.internal.encode.ParquetRows;
import dev.sluice.stream.PutRecordsRequestEntry;
import dev.sluice.stream.StreamEngine;
import dev.sluice.stream.ThrottleMode;
import org.apache.avro.generic.GenericData;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.AbstractList;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Delivery from Sluice's in-process stream, end to end: a 4-shard in-memory stream pre-filled with ~170-byte JSON
 * records, read by a delivery stream (the stream source: lineage, segments, checkpoints), converted to Snappy Parquet
 * and written to a sink that keeps only the byte count. Measures records per second from the delivery stream's build
 * to the flush that makes the last record final. Each round also times the reference, a bare Parquet writer given
 * the same rows already as Avro records ({@link ParquetRows#write}: parquet-avro's writer with the shipped in-memory
 * output file and codec factory, the page, row-group and dictionary settings of {@code ParquetConversion.of}), in
 * objects of the size the delivery stream writes (one per shard), and prints the ratio of the two rates, and of the
 * CPU time each took: the bare writer's thread against the delivery stream's own threads (source reader, coordinator,
 * delivery threads; not the engine's, not GC), the steadier figure on a shared machine, and the wall time from the
 * moment the delivery stream has read the last record to the end of the flush: the work left once the source is
 * done (encoding that did not overlap with reading), with its share of the run. Uses only
 * public types, so the same source compiles against an older build for a side-by-side comparison.
 *
 * <pre>
 * java -cp perf/target/sluice-perf.jar dev.sluice.perf.delivery.StreamDeliveryHarness [records] [repeats]
 * </pre>
 */
public final class StreamDeliveryHarness {

    private static final int SHARDS = 4;
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private StreamDeliveryHarness() {
    }

    /**
     * Runs the measurement.
     *
     * @param args record count (default 1,000,000) and repeats (default 5)
     * @throws Exception on failure
     */
    public static void main(String[] args) throws Exception {
        int records = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        int repeats = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        List<byte[]> payloads = payloads(10_000);
        double averageBytes = payloads.stream().mapToInt(b -> b.length).average().orElse(0);
        ParquetRows conversion = ParquetRows.of(DeliveryBenchmark.SCHEMA, true);
        List<GenericData.Record> rows = new ArrayList<>(payloads.size());
        for (byte[] payload : payloads) {
            conversion.convert(payload, rows);
        }
        double[] rates = new double[repeats];
        double[] bareRates = new double[repeats];
        double[] ratios = new double[repeats];
        double[] cpuRatios = new double[repeats];
        double[] tails = new double[repeats];
        for (int r = -1; r < repeats; r++) {
            long cpu0 = THREADS.getCurrentThreadCpuTime();
            double bare = bare(records, conversion, rows);
            long bareCpu = THREADS.getCurrentThreadCpuTime() - cpu0;
            long[] pipelineCpu = new long[2];
            double rate = once(records, payloads, pipelineCpu);
            if (r >= 0) {
                rates[r] = rate;
                bareRates[r] = bare;
                ratios[r] = rate / bare;
                cpuRatios[r] = (double) bareCpu / pipelineCpu[0];
                double elapsedMillis = records * 1e3 / rate;
                tails[r] = pipelineCpu[1] / 1e6 / elapsedMillis;
                System.out.printf("run %d: end to end %,.0f records/s (%.1f MB/s of JSON), %.3f us CPU/record; bare"
                        + " writer %,.0f records/s (%.1f MB/s), %.3f us CPU/record; ratio %.3f, CPU ratio %.3f;"
                        + " after the last record was read %,.0f of %,.0f ms (%.2f)%n", r + 1,
                        rate, rate * averageBytes / 1e6, pipelineCpu[0] / 1e3 / records, bare,
                        bare * averageBytes / 1e6, bareCpu / 1e3 / records, rate / bare, cpuRatios[r],
                        pipelineCpu[1] / 1e6, elapsedMillis, tails[r]);
            }
        }
        System.out.printf("stream source -> Snappy Parquet, %,d records x %d (%.0f B JSON): median %,.0f records/s"
                + " %s; bare writer median %,.0f records/s %s; ratio median %.3f %s; CPU ratio median %.3f %s;"
                + " share of the run after the last record was read, median %.2f %s%n",
                records, repeats, averageBytes, median(rates), range(rates, "%,.0f"), median(bareRates),
                range(bareRates, "%,.0f"), median(ratios), range(ratios, "%.3f"), median(cpuRatios),
                range(cpuRatios, "%.3f"), median(tails), range(tails, "%.2f"));
    }

    /** CPU time of the delivery stream's own threads (source reader, coordinator, delivery threads), by thread id. */
    private static Map<Long, Long> pipelineCpu() {
        Map<Long, Long> cpu = new HashMap<>();
        for (Thread thread : Thread.getAllStackTraces().keySet()) {
            String name = thread.getName();
            if (name.startsWith("sluice-source-") || name.startsWith("sluice-delivery-")) {
                cpu.put(thread.getId(), Math.max(0, THREADS.getThreadCpuTime(thread.getId())));
            }
        }
        return cpu;
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

    private static String range(double[] values, String format) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return "[" + String.format(format, sorted[0]) + " - " + String.format(format, sorted[sorted.length - 1]) + "]";
    }

    /** The reference: the same rows, already Avro records, written as one object per shard by a bare writer. */
    private static double bare(int records, ParquetRows conversion, List<GenericData.Record> rows) throws IOException {
        long start = System.nanoTime();
        long written = 0;
        for (int shard = 0; shard < SHARDS; shard++) {
            int from = records * shard / SHARDS;
            int to = records * (shard + 1) / SHARDS;
            List<GenericData.Record> object = new AbstractList<>() {
                @Override
                public GenericData.Record get(int index) {
                    return rows.get((from + index) % rows.size());
                }

                @Override
                public int size() {
                    return to - from;
                }
            };
            ByteBuffer file = conversion.write(object, conversion.messageType(), ParquetConversion.Codec.SNAPPY,
                    ParquetConversion.DEFAULT_BLOCK_SIZE_BYTES, ParquetConversion.DEFAULT_PAGE_SIZE_BYTES, false);
            written += file.remaining();
        }
        long elapsed = System.nanoTime() - start;
        if (written == 0) {
            throw new IllegalStateException("bare writer wrote nothing");
        }
        return records * 1e9 / elapsed;
    }

    /** Runs the delivery stream once; {@code pipelineCpu} receives its threads' CPU and the flush's wall time (ns). */
    private static double once(int records, List<byte[]> payloads, long[] pipelineCpu) throws IOException {
        Path state = Files.createTempDirectory("sluice-stream-delivery");
        AtomicLong bytes = new AtomicLong();
        try (StreamEngine engine = StreamEngine.builder().throttleMode(ThrottleMode.OFF).build()) {
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
            Map<Long, Long> before = pipelineCpu();
            long start = System.nanoTime();
            try (DeliveryStream delivery = DeliveryStream.builder().name("harness").deliveryThreads(1)
                    .bufferingHints(new BufferingHints(BufferingHints.MAX_SIZE_BYTES, Duration.ofSeconds(60)))
                    .outputFormat(OutputFormat.parquet(ParquetConversion.of(DeliveryBenchmark.SCHEMA)))
                    .sink(object -> {
                        bytes.addAndGet(object.content().remaining());
                        return SinkResult.CREATED;
                    })
                    .errorOutputSink(Sink.localBucket(state.resolve("errors")))
                    .kinesisStreamSource(engine, "clicks", state.resolve("checkpoints")).build()) {
                while (delivery.stats().incomingRecords() < records) {
                    LockSupport.parkNanos(1_000_000);
                }
                long read = System.nanoTime();
                delivery.flush(Duration.ofMinutes(5));
                long elapsed = System.nanoTime() - start;
                pipelineCpu[1] = System.nanoTime() - read;
                long cpu = 0;
                for (Map.Entry<Long, Long> thread : pipelineCpu().entrySet()) {
                    cpu += thread.getValue() - before.getOrDefault(thread.getKey(), 0L);
                }
                pipelineCpu[0] = cpu;
                if (delivery.stats().deliveredRecords() != records) {
                    throw new IllegalStateException("delivered " + delivery.stats());
                }
                return records * 1e9 / elapsed;
            }
        } finally {
            IcebergDeliveryHarness.delete(state);
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
        return out;
    }
}
