package dev.sluice.kinesis;

import dev.sluice.delivery.BufferingHints;
import dev.sluice.delivery.DeliveryStream;
import dev.sluice.delivery.OutputFormat;
import dev.sluice.delivery.Sink;
import dev.sluice.server.SluiceServer;
import dev.sluice.stream.CreateStreamRequest;
import dev.sluice.stream.PutRecordsRequestEntry;
import dev.sluice.stream.ShardLimits;
import dev.sluice.stream.StreamEngine;
import software.amazon.awssdk.http.Protocol;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.kinesis.KinesisAsyncClient;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;

/**
 * Records per second a delivery stream takes in from Sluice's server through {@link KinesisSource} in POLLING mode
 * (the AWS SDK v2 async client, Netty, CBOR, on the wire to a server in the same JVM), for JSON records of about
 * 200 bytes written out as JSON lines into a local bucket. The stream is preloaded through the engine; each repeat
 * reads it from TRIM_HORIZON with fresh checkpoints into a fresh bucket. Two figures per repeat: records handed over
 * per second (build to the last record accepted) and records delivered per second (build to flush returned, every
 * object committed). By default the shards have no read limits, so the figure is the source's and the delivery
 * stream's, not Kinesis's quota; {@code --kinesis-limits} keeps Kinesis's 2 MiB/s and 5 calls/s per shard.
 *
 * <p>Run:
 * <pre>
 * mvn -B -q -o -pl kinesis-source -am test-compile dependency:build-classpath \
 *     -Dmdep.outputFile=target/cp.txt -Dmdep.includeScope=test
 * java -cp "kinesis-source/target/test-classes:kinesis-source/target/classes:$(cat kinesis-source/target/cp.txt)" \
 *     dev.sluice.kinesis.KinesisSourceThroughputHarness [--records N] [--shards S] [--repeats R] [--http1]
 *     [--kinesis-limits]
 * </pre>
 */
public final class KinesisSourceThroughputHarness {

    private KinesisSourceThroughputHarness() {
    }

    public static void main(String[] args) throws Exception {
        List<String> options = Arrays.asList(args);
        int records = intOption(options, "--records", 300_000);
        int shards = intOption(options, "--shards", 4);
        int repeats = intOption(options, "--repeats", 3);
        boolean http1 = options.contains("--http1");
        boolean kinesisLimits = options.contains("--kinesis-limits");
        // Writes are never limited (the preload is not what is measured); reads are, with --kinesis-limits.
        ShardLimits limits = new ShardLimits(ShardLimits.MAX_BYTES_PER_SECOND, Integer.MAX_VALUE,
                kinesisLimits ? ShardLimits.KINESIS.readBytesPerSecond() : ShardLimits.MAX_BYTES_PER_SECOND,
                kinesisLimits ? ShardLimits.KINESIS.readCallsPerSecond() : Integer.MAX_VALUE);

        System.out.printf("KinesisSource POLLING (limit 10000): %d records of %d B JSON -> JSON lines, %d shards,"
                        + " %s, %s read limits; JVM %s, %d cores%n", records, SluiceKinesis.record("k0", 0, 200)
                        .length(), shards, http1 ? "HTTP/1.1" : "HTTP/2", kinesisLimits ? "Kinesis" : "no",
                Runtime.version(), Runtime.getRuntime().availableProcessors());
        Path work = Files.createTempDirectory("sluice-kinesis-harness");
        try (StreamEngine engine = StreamEngine.builder().build();
             SluiceServer server = SluiceServer.builder().engine(engine).port(0).build().start();
             KinesisAsyncClient client = KinesisAsyncClient.builder().endpointOverride(server.endpoint())
                     .region(Region.US_EAST_1).credentialsProvider(SluiceKinesis.CREDENTIALS)
                     .httpClientBuilder(NettyNioAsyncHttpClient.builder()
                             .protocol(http1 ? Protocol.HTTP1_1 : Protocol.HTTP2)).build()) {
            engine.createStream(CreateStreamRequest.of("bench", shards).withShardLimits(limits));
            preload(engine, records);
            List<double[]> results = new ArrayList<>();
            for (int run = 0; run <= repeats; run++) {
                double[] result = run(client, work.resolve("run-" + run), records);
                String label = run == 0 ? "warm-up" : "repeat " + run;
                System.out.printf("%-9s handed over %,10.0f records/s (%.1f MB/s); delivered %,10.0f records/s%n",
                        label, result[0], result[0] * 200 / 1e6, result[1]);
                if (run > 0) {
                    results.add(result);
                }
            }
            results.sort(Comparator.comparingDouble(r -> r[0]));
            double[] median = results.get(results.size() / 2);
            System.out.printf("median    handed over %,10.0f records/s (range %,.0f..%,.0f); delivered %,10.0f"
                            + " records/s%n", median[0], results.get(0)[0], results.get(results.size() - 1)[0],
                    median[1]);
        } finally {
            delete(work);
        }
    }

    private static void preload(StreamEngine engine, int records) {
        List<PutRecordsRequestEntry> batch = new ArrayList<>(500);
        for (int i = 0; i < records; i++) {
            batch.add(PutRecordsRequestEntry.of("k" + i, SluiceKinesis.record("k" + (i % 1000), i, 200)
                    .getBytes(StandardCharsets.UTF_8)));
            if (batch.size() == 500 || i == records - 1) {
                if (engine.putRecords("bench", batch).failedRecordCount() != 0) {
                    throw new IllegalStateException("preload was throttled");
                }
                batch.clear();
            }
        }
    }

    /** One read of the whole stream; returns {handed over per second, delivered per second}. */
    private static double[] run(KinesisAsyncClient client, Path dir, int records) {
        KinesisSource source = KinesisSource.builder().client(client).streamName("bench")
                .readMode(ReadMode.polling(ReadMode.MAX_LIMIT, ReadMode.MIN_IDLE_INTERVAL))
                .checkpointDirectory(dir.resolve("state")).build();
        long start = System.nanoTime();
        try (DeliveryStream delivery = DeliveryStream.builder().name("bench").sink(Sink.localBucket(dir.resolve("b")))
                .outputFormat(OutputFormat.jsonLines())
                .bufferingHints(new BufferingHints(BufferingHints.DEFAULT_SIZE_BYTES, Duration.ofSeconds(60)))
                .source(source).build()) {
            while (delivery.stats().incomingRecords() < records) {
                LockSupport.parkNanos(Duration.ofMillis(2).toNanos());
            }
            long handedOver = System.nanoTime();
            delivery.flush();
            long delivered = System.nanoTime();
            if (delivery.stats().deliveredRecords() != records) {
                throw new IllegalStateException("delivered " + delivery.stats().deliveredRecords() + " of " + records);
            }
            return new double[]{records / ((handedOver - start) / 1e9), records / ((delivered - start) / 1e9)};
        }
    }

    private static int intOption(List<String> options, String name, int fallback) {
        int at = options.indexOf(name);
        return at >= 0 && at + 1 < options.size() ? Integer.parseInt(options.get(at + 1)) : fallback;
    }

    private static void delete(Path dir) throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
