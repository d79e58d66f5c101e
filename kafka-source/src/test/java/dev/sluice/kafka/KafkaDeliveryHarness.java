package dev.sluice.kafka;

import dev.sluice.delivery.BufferingHints;
import dev.sluice.delivery.DeliveryStream;
import dev.sluice.delivery.OutputFormat;
import dev.sluice.delivery.ParquetConversion;
import dev.sluice.delivery.Sink;
import dev.sluice.delivery.SinkResult;
import dev.sluice.stream.PutRecordsRequestEntry;
import dev.sluice.stream.StreamEngine;
import dev.sluice.stream.ThrottleMode;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Delivery throughput and latency from Kafka, measured next to the in-process stream source.
 *
 * <p><b>Throughput</b>: ~200-byte JSON records to Snappy Parquet, one delivery stream, one delivery thread, the same
 * configuration for both sources (buffers that only a flush seals, a sink that keeps only the byte count). The
 * in-process run pre-fills a 4-shard in-memory stream; the Kafka run reads a 4-partition topic pre-filled once, with a
 * new consumer group each run (so it reads from the beginning). Each run is timed from the delivery stream's
 * {@code build()} to the flush after the last record (group join included for Kafka). Runs alternate
 * (in-process, Kafka, in-process, ...) after one unmeasured warm-up of each; the report gives medians, min-max and
 * the ratio of medians.
 *
 * <p><b>Latency</b>: records produced to Kafka at a steady rate, delivered with a 1 s buffering interval (size never
 * reached); for each record, the time from the producer's {@code send} to the return of the sink write of the object
 * that holds it (its commit), as HdrHistogram percentiles. The object key's segment id (topic, partition, first and
 * last offset) says which records an object holds.
 *
 * <p>Without {@code --bootstrap} the harness starts a local single-node KRaft broker as a child JVM on this machine
 * (so broker and delivery share its cores). Run from the repository root:
 * <pre>
 * mvn -B -q -pl kafka-source -am test-compile
 * java -Xmx3g -cp "kafka-source/target/test-classes:kafka-source/target/classes:$(cat kafka-source/target/test.classpath)" \
 *      dev.sluice.kafka.KafkaDeliveryHarness [--records 1000000] [--repeats 5] [--latency-seconds 30] \
 *      [--latency-rate 20000] [--bootstrap host:port]
 * </pre>
 */
public final class KafkaDeliveryHarness {

    private static final String SCHEMA = """
            {"type":"record","name":"Click","fields":[
              {"name":"event_id","type":"string"},
              {"name":"customer_id","type":"string"},
              {"name":"event_type","type":"string"},
              {"name":"level","type":"string"},
              {"name":"page","type":"string"},
              {"name":"referrer","type":["null","string"],"default":null},
              {"name":"amount","type":["null","double"],"default":null},
              {"name":"event_time","type":"long"}
            ]}""";
    private static final int PARTITIONS = 4;
    private static final Pattern SEGMENT = Pattern.compile("-latency-(\\d+)-(\\d+)-(\\d+)\\.parquet$");

    private final String bootstrap;
    private final List<byte[]> payloads = payloads(10_000);
    private final Path scratch;
    private int groups;

    private KafkaDeliveryHarness(String bootstrap, Path scratch) {
        this.bootstrap = bootstrap;
        this.scratch = scratch;
    }

    /**
     * Runs the measurements.
     *
     * @param args see the class comment
     * @throws Exception on failure
     */
    public static void main(String[] args) throws Exception {
        Map<String, String> options = new HashMap<>(Map.of("--records", "1000000", "--repeats", "5",
                "--latency-seconds", "30", "--latency-rate", "20000"));
        for (int i = 0; i + 1 < args.length; i += 2) {
            if (!options.containsKey(args[i]) && !args[i].equals("--bootstrap")) {
                throw new IllegalArgumentException("unknown option " + args[i]);
            }
            options.put(args[i], args[i + 1]);
        }
        int records = Integer.parseInt(options.get("--records"));
        int repeats = Integer.parseInt(options.get("--repeats"));
        Path scratch = Files.createTempDirectory("sluice-kafka-harness");
        KafkaBroker broker = null;
        String bootstrap = options.get("--bootstrap");
        if (bootstrap == null) {
            broker = KafkaBroker.start(Files.createDirectories(scratch.resolve("broker")));
            bootstrap = broker.bootstrap();
            System.out.println("local KRaft broker (child JVM) at " + bootstrap);
        }
        try {
            KafkaDeliveryHarness harness = new KafkaDeliveryHarness(bootstrap, scratch);
            harness.throughput(records, repeats);
            harness.latency(Duration.ofSeconds(Long.parseLong(options.get("--latency-seconds"))),
                    Integer.parseInt(options.get("--latency-rate")));
        } finally {
            if (broker != null) {
                broker.close();
            }
        }
    }

    // ----- throughput

    private void throughput(int records, int repeats) throws Exception {
        String topic = "throughput-" + System.nanoTime();
        createTopic(topic);
        long start = System.nanoTime();
        produce(topic, records);
        double averageBytes = payloads.stream().mapToInt(p -> p.length).average().orElse(0);
        System.out.printf("pre-filled %s with %,d records (%.0f bytes on average) in %.1f s%n", topic, records,
                averageBytes, (System.nanoTime() - start) / 1e9);
        inProcess(records);
        kafka(topic, records);
        double[] local = new double[repeats];
        double[] remote = new double[repeats];
        for (int r = 0; r < repeats; r++) {
            local[r] = inProcess(records);
            remote[r] = kafka(topic, records);
            System.out.printf("run %d: in-process %,.0f records/s, kafka %,.0f records/s%n", r + 1, local[r], remote[r]);
        }
        Arrays.sort(local);
        Arrays.sort(remote);
        double localMedian = local[repeats / 2];
        double remoteMedian = remote[repeats / 2];
        System.out.printf("200 B JSON -> Snappy Parquet, %,d records x %d, one delivery stream, one delivery thread:%n",
                records, repeats);
        System.out.printf("  in-process stream source: median %,.0f records/s [%,.0f - %,.0f]%n", localMedian,
                local[0], local[repeats - 1]);
        System.out.printf("  kafka source:             median %,.0f records/s [%,.0f - %,.0f]%n", remoteMedian,
                remote[0], remote[repeats - 1]);
        System.out.printf("  kafka / in-process: %.2f%n", remoteMedian / localMedian);
    }

    private DeliveryStream.Builder delivery(String name, AtomicLong bytes) throws IOException {
        return DeliveryStream.builder().name(name).deliveryThreads(1)
                .bufferingHints(new BufferingHints(BufferingHints.MAX_SIZE_BYTES, Duration.ofSeconds(60)))
                .outputFormat(OutputFormat.parquet(ParquetConversion.of(SCHEMA)))
                .sink(object -> {
                    bytes.addAndGet(object.content().remaining());
                    return SinkResult.CREATED;
                })
                .errorOutputSink(Sink.localBucket(Files.createDirectories(scratch.resolve("errors"))));
    }

    private double inProcess(int records) throws IOException {
        Path state = Files.createTempDirectory(scratch, "checkpoints");
        AtomicLong bytes = new AtomicLong();
        try (StreamEngine engine = StreamEngine.builder().throttleMode(ThrottleMode.OFF).build()) {
            engine.createStream("clicks", PARTITIONS);
            for (int i = 0; i < records; i += 500) {
                List<PutRecordsRequestEntry> batch = new ArrayList<>(500);
                for (int j = i; j < Math.min(records, i + 500); j++) {
                    batch.add(PutRecordsRequestEntry.of("c" + (j % 1_000), payloads.get(j % payloads.size())));
                }
                if (engine.putRecords("clicks", batch).failedRecordCount() != 0) {
                    throw new IllegalStateException("put failed");
                }
            }
            long start = System.nanoTime();
            try (DeliveryStream delivery = delivery("inprocess", bytes).kinesisStreamSource(engine, "clicks", state)
                    .build()) {
                return finish(delivery, records, start);
            }
        }
    }

    private double kafka(String topic, int records) throws IOException {
        AtomicLong bytes = new AtomicLong();
        long start = System.nanoTime();
        KafkaSource source = KafkaSource.builder().bootstrapServers(bootstrap).groupId("harness-" + (++groups))
                .topics(topic).build();
        try (DeliveryStream delivery = delivery("kafka", bytes).source(source).build()) {
            return finish(delivery, records, start);
        }
    }

    private static double finish(DeliveryStream delivery, int records, long start) {
        while (delivery.stats().incomingRecords() < records) {
            LockSupport.parkNanos(1_000_000);
        }
        delivery.flush(Duration.ofMinutes(5));
        long elapsed = System.nanoTime() - start;
        if (delivery.stats().deliveredRecords() != records) {
            throw new IllegalStateException("delivered " + delivery.stats());
        }
        return records * 1e9 / elapsed;
    }

    // ----- latency

    private void latency(Duration duration, int rate) throws Exception {
        String topic = "latency";
        createTopic(topic);
        int total = (int) (duration.toSeconds() * rate);
        AtomicLongArray[] sent = new AtomicLongArray[PARTITIONS];
        for (int p = 0; p < PARTITIONS; p++) {
            sent[p] = new AtomicLongArray(total + 1);
        }
        List<long[]> commits = new ArrayList<>();
        Sink recording = object -> {
            long now = System.nanoTime();
            Matcher m = SEGMENT.matcher(object.key());
            if (!m.find()) {
                throw new IllegalStateException("not a segment object: " + object.key());
            }
            synchronized (commits) {
                commits.add(new long[] {Long.parseLong(m.group(1)), Long.parseLong(m.group(2)),
                        Long.parseLong(m.group(3)), now});
            }
            return SinkResult.CREATED;
        };
        KafkaSource source = KafkaSource.builder().bootstrapServers(bootstrap).groupId("harness-latency")
                .topics(topic).build();
        try (DeliveryStream delivery = DeliveryStream.builder().name("latency").source(source).sink(recording)
                .errorOutputSink(Sink.localBucket(Files.createDirectories(scratch.resolve("errors"))))
                .outputFormat(OutputFormat.parquet(ParquetConversion.of(SCHEMA)))
                .bufferingHints(new BufferingHints(BufferingHints.MAX_SIZE_BYTES, Duration.ofSeconds(1)))
                .build();
             KafkaProducer<String, byte[]> producer = producer()) {
            long start = System.nanoTime();
            for (int i = 0; i < total; i++) {
                long now = System.nanoTime();
                producer.send(new ProducerRecord<>(topic, "c" + (i % 1_000), payloads.get(i % payloads.size())),
                        (metadata, e) -> {
                            if (e == null) {
                                sent[metadata.partition()].set((int) metadata.offset(), now);
                            }
                        });
                if (i % 100 == 99) {
                    LockSupport.parkNanos(start + TimeUnit.SECONDS.toNanos(i + 1) / rate - System.nanoTime());
                }
            }
            producer.flush();
            while (delivery.stats().incomingRecords() < total) {
                LockSupport.parkNanos(10_000_000);
            }
            delivery.flush(Duration.ofMinutes(1));
        }
        // Records of the first 5 seconds warm the JVMs up and are left out.
        long measureFrom = Long.MAX_VALUE;
        for (AtomicLongArray partition : sent) {
            measureFrom = Math.min(measureFrom, partition.get(0));
        }
        measureFrom += TimeUnit.SECONDS.toNanos(5);
        Histogram micros = new Histogram(TimeUnit.MINUTES.toMicros(5), 3);
        long counted = 0;
        for (long[] commit : commits) {
            for (long offset = commit[1]; offset <= commit[2]; offset++) {
                long sentAt = sent[(int) commit[0]].get((int) offset);
                if (sentAt != 0 && sentAt - measureFrom >= 0) {
                    micros.recordValue(Math.max(0, (commit[3] - sentAt) / 1000));
                    counted++;
                }
            }
        }
        System.out.printf("end-to-end latency, produce -> committed object, 1 s buffering interval, %,d records/s for"
                + " %s (%,d records measured after a 5 s warm-up):%n", rate, duration, counted);
        System.out.printf("  p50 %.0f ms, p90 %.0f ms, p99 %.0f ms, p99.9 %.0f ms, max %.0f ms%n",
                micros.getValueAtPercentile(50) / 1e3, micros.getValueAtPercentile(90) / 1e3,
                micros.getValueAtPercentile(99) / 1e3, micros.getValueAtPercentile(99.9) / 1e3,
                micros.getMaxValue() / 1e3);
    }

    // ----- Kafka

    private void createTopic(String topic) throws Exception {
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        try (Admin admin = Admin.create(props)) {
            admin.createTopics(List.of(new NewTopic(topic, PARTITIONS, (short) 1))).all().get(30, TimeUnit.SECONDS);
            KafkaBroker.awaitLeaders(admin, topic, PARTITIONS);
        }
    }

    private KafkaProducer<String, byte[]> producer() {
        Map<String, Object> props = new HashMap<>();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        props.put(ProducerConfig.BATCH_SIZE_CONFIG, Integer.toString(256 << 10));
        return new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
    }

    private void produce(String topic, int records) throws Exception {
        try (KafkaProducer<String, byte[]> producer = producer()) {
            AtomicLong failed = new AtomicLong();
            for (int j = 0; j < records; j++) {
                producer.send(new ProducerRecord<>(topic, "c" + (j % 1_000), payloads.get(j % payloads.size())),
                        (metadata, e) -> {
                            if (e != null) {
                                failed.incrementAndGet();
                            }
                        });
            }
            producer.flush();
            if (failed.get() != 0) {
                throw new IllegalStateException(failed.get() + " records were not produced");
            }
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
                    + random.nextInt(10_000) + "\",\"referrer\":\"https://search.example.com/?q=item-"
                    + random.nextInt(10_000) + "\",\"amount\":" + random.nextInt(100_000) / 100.0
                    + ",\"event_time\":" + (1_767_225_600_000L + random.nextInt(86_400_000)) + "}")
                    .getBytes(StandardCharsets.UTF_8));
        }
        return out;
    }
}
