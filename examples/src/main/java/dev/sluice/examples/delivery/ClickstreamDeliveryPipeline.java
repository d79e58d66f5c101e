package dev.sluice.examples.delivery;

import dev.sluice.delivery.BufferingHints;
import dev.sluice.delivery.DeliveryStats;
import dev.sluice.delivery.DeliveryStream;
import dev.sluice.delivery.OutputFormat;
import dev.sluice.delivery.ParquetConversion;
import dev.sluice.delivery.Sink;
import dev.sluice.stream.PutRecordsRequestEntry;
import dev.sluice.stream.PutRecordsResult;
import dev.sluice.stream.StreamEngine;
import dev.sluice.stream.ThrottleMode;
import dev.sluice.transform.Processor;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;

/**
 * The whole pipeline on embedded defaults: a clickstream generator puts into a 4-shard stream (Kinesis limits,
 * back-pressure); a delivery stream reads it with exactly-once checkpoints, masks PII and drops debug events,
 * converts to Parquet (SNAPPY) and writes a local bucket directory partitioned by <em>event time</em>
 * ({@code clicks/dt=yyyy-MM-dd/hour=HH/}); bad records land in {@code errors/<type>/}. A progress line shows where the
 * records are; the summary lists what was written where, shows that {@code in = delivered + dropped + failed}, and
 * how to query the files.
 *
 * <p>Run: {@code mvn -B -q install -DskipTests && java -cp examples/target/sluice-demo.jar
 * dev.sluice.examples.delivery.ClickstreamDeliveryPipeline [--records N] [--dir PATH]}
 */
public final class ClickstreamDeliveryPipeline {

    static final String SCHEMA = """
            {"type":"record","name":"Click","namespace":"dev.sluice.examples","fields":[
              {"name":"customer_id","type":"string"},
              {"name":"event_type","type":"string"},
              {"name":"level","type":"string"},
              {"name":"page","type":["null","string"],"default":null},
              {"name":"email","type":["null","string"],"default":null},
              {"name":"client","type":["null",{"type":"record","name":"Client","fields":[
                 {"name":"ip","type":"string"},{"name":"agent","type":"string"}]}],"default":null},
              {"name":"event_time","type":{"type":"long","logicalType":"timestamp-millis"}}
            ]}""";

    private ClickstreamDeliveryPipeline() {
    }

    /**
     * Runs the pipeline; exits with status 1 if the counts do not reconcile.
     *
     * @param args {@code --records N} (default 20,000), {@code --dir PATH} (default a new temporary directory)
     * @throws Exception if the pipeline fails
     */
    public static void main(String[] args) throws Exception {
        if (!run(args)) {
            System.exit(1);
        }
    }

    /**
     * Runs the pipeline.
     *
     * @param args as {@link #main}
     * @return whether {@code in = delivered + dropped + failed} and every produced record came in
     * @throws Exception if the pipeline fails
     */
    static boolean run(String[] args) throws Exception {
        int records = 20_000;
        Path dir = null;
        for (int i = 0; i < args.length - 1; i += 2) {
            switch (args[i]) {
                case "--records" -> records = Integer.parseInt(args[i + 1]);
                case "--dir" -> dir = Path.of(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        if (dir == null) {
            dir = Files.createTempDirectory("sluice-pipeline-");
        }
        Path bucket = dir.resolve("bucket");
        Path state = dir.resolve("state");
        SimpleMeterRegistry metrics = new SimpleMeterRegistry();
        long started = System.nanoTime();
        AtomicLong produced = new AtomicLong();

        try (StreamEngine engine = StreamEngine.builder().throttleMode(ThrottleMode.BLOCK).build()) {
            engine.createStream("clickstream", 4);
            try (DeliveryStream delivery = delivery(bucket)
                    .kinesisStreamSource(engine, "clickstream", state)
                    .meterRegistry(metrics)
                    .build()) {
                produceAndDeliver(engine, records, produced, delivery, started);
                return summary(bucket, produced.get(), delivery.stats(), metrics);
            }
        }
    }

    /**
     * The delivery of this pipeline without its source: the transform chain (mask the phone and e-mail addresses,
     * drop debug events), event-time partitions, error output, Snappy Parquet and the local bucket. The Kafka
     * version of the pipeline uses the same one; only the source differs.
     *
     * @param bucket the bucket directory
     * @return a builder to add the source to
     */
    public static DeliveryStream.Builder delivery(Path bucket) {
        return DeliveryStream.builder()
                .name("clicks")
                .processor(transforms())
                .eventTime("event_time", "iso8601")
                .prefix("clicks/dt=!{timestamp:yyyy-MM-dd}/hour=!{timestamp:HH}/")
                .errorOutputPrefix("errors/!{firehose:error-output-type}/!{timestamp:yyyy/MM/dd}/")
                .outputFormat(OutputFormat.parquet(ParquetConversion.of(SCHEMA)))
                .bufferingHints(new BufferingHints(1 << 20, Duration.ofSeconds(2)))
                .sink(Sink.localBucket(bucket));
    }

    /**
     * The pipeline's transform chain: mask the phone and e-mail addresses, drop debug events.
     *
     * @return the chain
     */
    public static Processor transforms() {
        return Processor.chain(
                Processor.maskFields("phone"),
                Processor.maskPatterns("[\\w.+-]+@[\\w-]+\\.[\\w.]+"),
                Processor.filter(".level != \"debug\""));
    }

    /**
     * One generated click: mostly well-formed events spread over the last three hours, with a record whose
     * {@code event_time} cannot be parsed and one that is not JSON every 997 records.
     *
     * @param key the partition key (the customer)
     * @param json the record
     */
    public record Click(String key, String json) {

        /**
         * Draws click number {@code i}.
         *
         * @param random the generator, seeded for a reproducible stream
         * @param i the click's number
         * @param base the start of the three hours event times fall in
         * @return the click
         */
        public static Click next(SplittableRandom random, int i, Instant base) {
            String[] events = {"page_view", "page_view", "add_to_cart", "search", "purchase"};
            String[] levels = {"info", "info", "info", "warn", "debug"};
            int customer = random.nextInt(200);
            String json;
            if (i % 997 == 13) {
                json = "{\"customer_id\":\"c-" + customer + "\",\"event_type\":\"page_view\",\"level\":\"info\","
                        + "\"event_time\":\"yesterday\"}";
            } else if (i % 997 == 500) {
                json = "{\"customer_id\":\"c-" + customer + "\",\"event_type\":";
            } else {
                Instant eventTime = base.plusSeconds(random.nextInt(3 * 3600));
                json = "{\"customer_id\":\"c-" + customer + "\",\"email\":\"user" + customer + "@example.com\","
                        + "\"phone\":\"+1-555-0100\",\"event_type\":\"" + events[random.nextInt(events.length)]
                        + "\",\"level\":\"" + levels[random.nextInt(levels.length)] + "\",\"page\":\"/p/"
                        + random.nextInt(500) + "\",\"client\":{\"ip\":\"10.0.0." + random.nextInt(256)
                        + "\",\"agent\":\"Firefox\"},\"event_time\":\"" + eventTime + "\"}";
            }
            return new Click("c-" + customer, json);
        }

        /**
         * The start of the event times of a run: two hours before the current hour.
         *
         * @return the instant
         */
        public static Instant base() {
            return Instant.now().truncatedTo(ChronoUnit.HOURS).minus(Duration.ofHours(2));
        }
    }

    /**
     * Generates {@code records} clicks into the stream {@code clickstream} on a thread of its own, showing progress,
     * until the delivery stream has read every accepted one; then flushes it.
     *
     * @param engine the engine
     * @param records clicks to generate
     * @param produced counts the clicks the stream accepted
     * @param delivery the delivery stream reading the stream
     * @param started when the run started ({@link System#nanoTime()})
     * @throws InterruptedException if interrupted while waiting
     */
    static void produceAndDeliver(StreamEngine engine, int records, AtomicLong produced, DeliveryStream delivery,
                                  long started) throws InterruptedException {
        Thread generator = new Thread(() -> generate(engine, records, produced), "clickstream-generator");
        generator.start();
        while (generator.isAlive() || delivery.stats().incomingRecords() < produced.get()) {
            progress(started, produced.get(), delivery.stats());
            if (generator.isAlive()) {
                generator.join(1000);
            } else {
                LockSupport.parkNanos(Duration.ofMillis(250).toNanos());
            }
        }
        delivery.flush();
        progress(started, produced.get(), delivery.stats());
        System.out.println();
    }

    /**
     * Puts {@code count} generated clicks into the stream {@code clickstream}, 500 per call.
     *
     * @param engine the engine
     * @param count clicks to put
     * @param produced counts the clicks the stream accepted
     */
    static void generate(StreamEngine engine, int count, AtomicLong produced) {
        SplittableRandom random = new SplittableRandom(2026);
        Instant base = Click.base();
        for (int from = 0; from < count; from += 500) {
            List<PutRecordsRequestEntry> batch = new ArrayList<>(500);
            for (int i = from; i < Math.min(count, from + 500); i++) {
                Click click = Click.next(random, i, base);
                batch.add(PutRecordsRequestEntry.of(click.key(), click.json().getBytes(StandardCharsets.UTF_8)));
            }
            PutRecordsResult result = engine.putRecords("clickstream", batch);
            produced.addAndGet(batch.size() - result.failedRecordCount());
        }
    }

    /**
     * Prints one progress line over the previous one.
     *
     * @param started when the run started ({@link System#nanoTime()})
     * @param produced records produced so far
     * @param stats the delivery stream's counters
     */
    public static void progress(long started, long produced, DeliveryStats stats) {
        System.out.printf("\r%5.1fs  produced %,d  read %,d  delivered %,d  dropped %,d  failed %,d  objects %,d   ",
                (System.nanoTime() - started) / 1e9, produced, stats.incomingRecords(), stats.deliveredRecords(),
                stats.droppedRecords(), stats.errorOutputRecords(), stats.deliveredObjects() + stats.errorOutputObjects());
        System.out.flush();
    }

    private static boolean summary(Path bucket, long produced, DeliveryStats stats, SimpleMeterRegistry metrics)
            throws IOException {
        Map<String, long[]> byDirectory = new TreeMap<>();
        try (Stream<Path> files = Files.walk(bucket)) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                if (file.getFileName().toString().startsWith(".")) {
                    continue;
                }
                long[] entry = byDirectory.computeIfAbsent(bucket.relativize(file.getParent()).toString(),
                        k -> new long[2]);
                entry[0]++;
                entry[1] += Files.size(file);
            }
        }
        System.out.println("Written under " + bucket + ":");
        byDirectory.forEach((directory, entry) -> System.out.printf("  %-40s %3d objects %,10d bytes%n", directory + "/",
                entry[0], entry[1]));
        System.out.println();
        boolean reconciled = stats.reconciles() && stats.incomingRecords() == produced;
        System.out.printf("Records: in %,d = delivered %,d + dropped %,d + failed (error output) %,d  -> %s%n",
                stats.incomingRecords(), stats.deliveredRecords(), stats.droppedRecords(), stats.errorOutputRecords(),
                reconciled ? "reconciled" : "NOT RECONCILED");
        System.out.printf("Meters: DeliveryToS3.Records %,.0f, DeliveryToS3.ObjectCount %,.0f, SucceedConversion.Records"
                        + " %,.0f, FailedConversion.Records %,.0f%n",
                metrics.get("DeliveryToS3.Records").counter().count(),
                metrics.get("DeliveryToS3.ObjectCount").counter().count(),
                metrics.get("SucceedConversion.Records").counter().count(),
                metrics.get("FailedConversion.Records").counter().count());
        System.out.println();
        System.out.println("Query the Parquet files (DuckDB CLI or any Parquet reader):");
        System.out.println("  duckdb -c \"SELECT dt, hour, event_type, count(*) FROM read_parquet('" + bucket
                + "/clicks/**/*.parquet', hive_partitioning = true) GROUP BY ALL ORDER BY ALL\"");
        System.out.println("Failed records, one Firehose error envelope per line:");
        System.out.println("  duckdb -c \"SELECT errorCode, count(*) FROM read_json('" + bucket
                + "/errors/*/*/*/*/*', format = 'newline_delimited') GROUP BY ALL\"");
        return reconciled;
    }
}
