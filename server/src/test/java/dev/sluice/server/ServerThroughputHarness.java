package dev.sluice.server;

import dev.sluice.stream.CreateStreamRequest;
import dev.sluice.stream.ShardLimits;
import dev.sluice.stream.StreamEngine;
import org.HdrHistogram.Histogram;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.kinesis.model.GetRecordsResponse;
import software.amazon.awssdk.services.kinesis.model.PutRecordsRequestEntry;
import software.amazon.awssdk.services.kinesis.model.PutRecordsResponse;
import software.amazon.awssdk.services.kinesis.model.Shard;
import software.amazon.awssdk.services.kinesis.model.ShardIteratorType;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;

/**
 * Throughput and latency of the server through the real AWS SDK v2 (sync client, Apache HTTP, CBOR), in one JVM:
 * start-to-ready, PutRecords of 500 x 100 B and 500 x 1 KiB from several client threads, a GetRecords drain of
 * everything written, and PutRecord latency percentiles. Streams are created on the engine with shard limits high
 * enough not to throttle: this measures the wire path, not Kinesis quotas.
 *
 * <p>Run:
 * <pre>
 * mvn -B -q -o -pl server -am test-compile dependency:build-classpath \
 *     -Dmdep.outputFile=target/cp.txt -Dmdep.includeScope=test
 * java -cp "server/target/test-classes:server/target/classes:$(cat server/target/cp.txt)" \
 *     dev.sluice.server.ServerThroughputHarness [seconds-per-case] [client-threads]
 * </pre>
 */
public final class ServerThroughputHarness {

    private ServerThroughputHarness() {
    }

    public static void main(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        int threads = args.length > 1 ? Integer.parseInt(args[1]) : 4;

        long t0 = System.nanoTime();
        SluiceServer probe = SluiceServer.builder().port(0).build().start();
        long readyNanos = System.nanoTime() - t0;
        probe.close();
        long t1 = System.nanoTime();
        SluiceServer warm = SluiceServer.builder().port(0).build().start();
        long warmReadyNanos = System.nanoTime() - t1;
        warm.close();
        System.out.printf("start-to-ready (in process): first %.1f ms, second %.1f ms%n", readyNanos / 1e6,
                warmReadyNanos / 1e6);

        ShardLimits unthrottled = new ShardLimits(ShardLimits.MAX_BYTES_PER_SECOND, Integer.MAX_VALUE,
                ShardLimits.MAX_BYTES_PER_SECOND, Integer.MAX_VALUE);
        try (StreamEngine engine = StreamEngine.builder().build();
             SluiceServer server = SluiceServer.builder().engine(engine).port(0).build().start()) {
            List<KinesisClient> clients = IntStream.range(0, threads)
                    .mapToObj(i -> Clients.kinesis(server.endpoint(), true, false)).toList();
            for (int size : new int[]{100, 1024}) {
                String stream = "bench-" + size;
                engine.createStream(CreateStreamRequest.of(stream, 8).withShardLimits(unthrottled));
                putRecords(clients, stream, size, 1, "warm-up");
                long written = putRecords(clients, stream, size, seconds, "PutRecords 500 x " + size + " B");
                drain(clients.get(0), stream, written);
            }
            engine.createStream(CreateStreamRequest.of("latency", 1).withShardLimits(unthrottled));
            putRecordLatency(clients.get(0), seconds);
            clients.forEach(KinesisClient::close);
        }
    }

    private static long putRecords(List<KinesisClient> clients, String stream, int size, int seconds, String label)
            throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(clients.size());
        AtomicLong records = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        long start = System.nanoTime();
        long cpuStart = processCpuNanos();
        java.util.Map<String, Long> threadsBefore = threadCpu();
        List<Future<?>> futures = new ArrayList<>();
        for (int c = 0; c < clients.size(); c++) {
            KinesisClient client = clients.get(c);
            int id = c;
            futures.add(pool.submit(() -> {
                byte[] payload = new byte[size];
                List<PutRecordsRequestEntry> batch = IntStream.range(0, 500).mapToObj(i ->
                        PutRecordsRequestEntry.builder().partitionKey("p-" + id + "-" + i)
                                .data(SdkBytes.fromByteArray(payload)).build()).toList();
                while (System.nanoTime() < deadline) {
                    PutRecordsResponse response = client.putRecords(b -> b.streamName(stream).records(batch));
                    records.addAndGet(500 - response.failedRecordCount());
                    failed.addAndGet(response.failedRecordCount());
                }
                return null;
            }));
        }
        for (Future<?> f : futures) {
            f.get();
        }
        double elapsed = (System.nanoTime() - start) / 1e9;
        double cpuMicrosPerRecord = (processCpuNanos() - cpuStart) / 1e3 / Math.max(1, records.get());
        pool.shutdown();
        java.util.Map<String, Long> threadsAfter = threadCpu();
        if (!label.equals("warm-up")) {
            StringBuilder split = new StringBuilder();
            threadsAfter.forEach((group, nanos) -> split.append(String.format(" %s %.2f", group,
                    (nanos - threadsBefore.getOrDefault(group, 0L)) / 1e3 / Math.max(1, records.get()))));
            System.out.println("  CPU us/record by thread group:" + split);
            System.out.printf("%s, %d client threads: %,.0f records/s, %.1f MB/s payload (%,d records, %d failed);"
                            + " CPU of client + server: %.2f us/record, i.e. %,.0f records/s if this JVM had 2 idle cores%n",
                    label, clients.size(), records.get() / elapsed, records.get() * (double) size / elapsed / 1e6,
                    records.get(), failed.get(), cpuMicrosPerRecord, 2e6 / cpuMicrosPerRecord);
        }
        return records.get();
    }

    /** CPU time by thread-name prefix (digits stripped): client pool, server io, workers, engine threads. */
    private static java.util.Map<String, Long> threadCpu() {
        java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
        java.util.Map<String, Long> groups = new java.util.TreeMap<>();
        for (java.lang.management.ThreadInfo info : mx.getThreadInfo(mx.getAllThreadIds())) {
            if (info == null) {
                continue;
            }
            long cpu = mx.getThreadCpuTime(info.getThreadId());
            if (cpu > 0) {
                groups.merge(info.getThreadName().replaceAll("[-0-9]+$", ""), cpu, Long::sum);
            }
        }
        return groups;
    }

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                .getOperatingSystemMXBean()).getProcessCpuTime();
    }

    private static void drain(KinesisClient client, String stream, long atLeast) {
        long start = System.nanoTime();
        long read = 0;
        for (Shard shard : client.listShards(b -> b.streamName(stream)).shards()) {
            String iterator = client.getShardIterator(b -> b.streamName(stream).shardId(shard.shardId())
                    .shardIteratorType(ShardIteratorType.TRIM_HORIZON)).shardIterator();
            while (iterator != null) {
                String it = iterator;
                GetRecordsResponse page = client.getRecords(b -> b.shardIterator(it).limit(10_000));
                read += page.records().size();
                if (page.records().isEmpty()) {
                    break;
                }
                iterator = page.nextShardIterator();
            }
        }
        double elapsed = (System.nanoTime() - start) / 1e9;
        System.out.printf("GetRecords drain of %s (1 client thread, Limit 10000): %,d records in %.2f s = %,.0f records/s%s%n",
                stream, read, elapsed, read / elapsed, read >= atLeast ? "" : " (FEWER THAN WRITTEN: " + atLeast + ")");
    }

    private static void putRecordLatency(KinesisClient client, int seconds) {
        SdkBytes data = SdkBytes.fromByteArray(new byte[100]);
        for (int i = 0; i < 2_000; i++) {
            client.putRecord(b -> b.streamName("latency").partitionKey("k").data(data));
        }
        Histogram histogram = new Histogram(3_600_000_000L, 3);
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        while (System.nanoTime() < deadline) {
            long t = System.nanoTime();
            client.putRecord(b -> b.streamName("latency").partitionKey("k").data(data));
            histogram.recordValue((System.nanoTime() - t) / 1_000);
        }
        System.out.printf("PutRecord latency (100 B, 1 client thread, sequential, %,d calls): p50 %d us, p99 %d us,"
                        + " p99.9 %d us, max %d us%n", histogram.getTotalCount(), histogram.getValueAtPercentile(50),
                histogram.getValueAtPercentile(99), histogram.getValueAtPercentile(99.9), histogram.getMaxValue());
    }
}
