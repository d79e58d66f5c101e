package dev.sluice.examples.kafka;

import dev.sluice.examples.delivery.ClickstreamDeliveryPipeline;
import dev.sluice.examples.delivery.ClickstreamDeliveryPipeline.Click;
import dev.sluice.delivery.DeliveryStats;
import dev.sluice.delivery.DeliveryStream;
import dev.sluice.kafka.KafkaSource;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;

/**
 * The main job's pipeline on an Apache Kafka topic: the same clickstream records, transform chain (mask PII, drop
 * debug events), event-time partitioning and Snappy Parquet delivery as
 * {@code dev.sluice.examples.delivery.ClickstreamDeliveryPipeline}, but the records are produced to a Kafka topic and
 * the delivery stream reads them with a {@link KafkaSource}. Only the source differs. Without {@code --bootstrap} it
 * starts a local single-node KRaft broker first, so one command runs it all. At the end it prints what was written
 * where, the reconciliation {@code in = delivered + dropped + failed}, and the consumer group's committed offsets
 * against the topic's end offsets (the delivery checkpoints live in Kafka).
 *
 * <p>Run: {@code mvn -B -q package -DskipTests -pl examples -am && java -cp examples/target/sluice-demo.jar
 * dev.sluice.examples.kafka.KafkaClickstreamPipeline [--records N] [--dir PATH] [--bootstrap HOST:PORT]
 * [--topic NAME]}
 */
public final class KafkaClickstreamPipeline {

    private static final String GROUP = "sluice-clicks";
    private static final int PARTITIONS = 4;

    private KafkaClickstreamPipeline() {
    }

    /**
     * Runs the pipeline; exits with status 1 if the counts do not reconcile.
     *
     * @param args {@code --records N} (default 20,000), {@code --dir PATH} (default a new temporary directory),
     *        {@code --bootstrap HOST:PORT} (default: start a local broker), {@code --topic NAME} (default
     *        {@code clickstream}; created with 4 partitions if missing)
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
     * @return whether the counts reconcile and the group's committed offsets reached the topic's end
     * @throws Exception if the pipeline fails
     */
    static boolean run(String[] args) throws Exception {
        int records = 20_000;
        Path dir = null;
        String bootstrap = null;
        String topic = "clickstream";
        for (int i = 0; i < args.length - 1; i += 2) {
            switch (args[i]) {
                case "--records" -> records = Integer.parseInt(args[i + 1]);
                case "--dir" -> dir = Path.of(args[i + 1]);
                case "--bootstrap" -> bootstrap = args[i + 1];
                case "--topic" -> topic = args[i + 1];
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        if (dir == null) {
            dir = Files.createTempDirectory("sluice-kafka-pipeline-");
        }
        LocalKafka local = null;
        if (bootstrap == null) {
            long starting = System.nanoTime();
            local = LocalKafka.start(dir.resolve("kafka"));
            bootstrap = local.bootstrap();
            System.out.printf("Started a local Kafka broker (KRaft) at %s in %.1f s; its log: %s%n", bootstrap,
                    (System.nanoTime() - starting) / 1e9, local.directory().resolve("broker.log"));
        }
        try {
            return run(bootstrap, topic, records, dir.resolve("bucket"));
        } finally {
            if (local != null) {
                local.close();
            }
        }
    }

    private static boolean run(String bootstrap, String topic, int records, Path bucket) throws Exception {
        try (Admin admin = admin(bootstrap)) {
            createIfMissing(admin, topic);
            AtomicLong produced = new AtomicLong();
            AtomicReference<Exception> produceFailure = new AtomicReference<>();
            long started = System.nanoTime();
            // Only the source differs from the embedded pipeline: a Kafka topic read by a consumer group.
            KafkaSource source = KafkaSource.builder()
                    .bootstrapServers(bootstrap)
                    .groupId(GROUP)
                    .topics(topic)
                    .build();
            try (DeliveryStream delivery = ClickstreamDeliveryPipeline.delivery(bucket)
                    .source(source)
                    .build()) {
                Thread producer = new Thread(() -> {
                    try {
                        produce(bootstrap, topic, records, produced);
                    } catch (Exception e) {
                        produceFailure.set(e);
                    }
                }, "clickstream-producer");
                producer.start();
                while (producer.isAlive() || delivery.stats().incomingRecords() < produced.get()) {
                    ClickstreamDeliveryPipeline.progress(started, produced.get(), delivery.stats());
                    if (producer.isAlive()) {
                        producer.join(1000);
                    } else {
                        LockSupport.parkNanos(Duration.ofMillis(250).toNanos());
                    }
                    if (produceFailure.get() != null) {
                        throw produceFailure.get();
                    }
                }
                delivery.flush();
                ClickstreamDeliveryPipeline.progress(started, produced.get(), delivery.stats());
                System.out.println();
                return summary(bucket, produced.get(), delivery.stats(), admin, topic);
            }
        }
    }

    private static void produce(String bootstrap, String topic, int count, AtomicLong produced)
            throws InterruptedException, ExecutionException {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.LINGER_MS_CONFIG, "10");
        SplittableRandom random = new SplittableRandom(2026);
        Instant base = Click.base();
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(props, new StringSerializer(),
                new StringSerializer())) {
            for (int i = 0; i < count; i++) {
                Click click = Click.next(random, i, base);
                producer.send(new ProducerRecord<>(topic, click.key(), click.json()), (metadata, e) -> {
                    if (e == null) {
                        produced.incrementAndGet();
                    }
                });
            }
            producer.flush();
        }
        if (produced.get() != count) {
            throw new IllegalStateException("only " + produced.get() + " of " + count + " records were produced");
        }
    }

    private static boolean summary(Path bucket, long produced, DeliveryStats stats, Admin admin, String topic)
            throws IOException, ExecutionException, InterruptedException, java.util.concurrent.TimeoutException {
        Map<String, long[]> byDirectory = new TreeMap<>();
        if (Files.exists(bucket)) {
            try (Stream<Path> files = Files.walk(bucket)) {
                for (Path file : files.filter(Files::isRegularFile).toList()) {
                    if (!file.getFileName().toString().startsWith(".")) {
                        long[] entry = byDirectory.computeIfAbsent(bucket.relativize(file.getParent()).toString(),
                                k -> new long[2]);
                        entry[0]++;
                        entry[1] += Files.size(file);
                    }
                }
            }
        }
        System.out.println("Written under " + bucket + ":");
        byDirectory.forEach((directory, entry) -> System.out.printf("  %-40s %3d objects %,10d bytes%n",
                directory + "/", entry[0], entry[1]));
        System.out.println();

        int partitions = admin.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS).get(topic)
                .partitions().size();
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        for (int p = 0; p < partitions; p++) {
            latest.put(new TopicPartition(topic, p), OffsetSpec.latest());
        }
        Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends = admin.listOffsets(latest).all()
                .get(30, TimeUnit.SECONDS);
        Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(GROUP)
                .partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
        boolean caughtUp = true;
        StringBuilder offsets = new StringBuilder();
        for (int p = 0; p < partitions; p++) {
            TopicPartition partition = new TopicPartition(topic, p);
            long end = ends.get(partition).offset();
            OffsetAndMetadata offset = committed.get(partition);
            long at = offset == null ? 0 : offset.offset();
            caughtUp &= at == end && (offset == null || offset.metadata().isEmpty());
            offsets.append(offsets.isEmpty() ? "" : ", ").append(p).append(": ").append(at).append('/').append(end);
        }
        boolean reconciled = stats.reconciles() && stats.incomingRecords() >= produced && caughtUp;
        System.out.printf("Records: produced %,d, read from Kafka %,d = delivered %,d + dropped %,d + failed (error"
                        + " output) %,d; group %s committed/end offsets {%s}  -> %s%n", produced,
                stats.incomingRecords(), stats.deliveredRecords(), stats.droppedRecords(), stats.errorOutputRecords(),
                GROUP, offsets, reconciled ? "reconciled" : "NOT RECONCILED");
        System.out.println();
        System.out.println("Query the Parquet files (DuckDB CLI or any Parquet reader):");
        System.out.println("  duckdb -c \"SELECT dt, hour, event_type, count(*) FROM read_parquet('" + bucket
                + "/clicks/**/*.parquet', hive_partitioning = true) GROUP BY ALL ORDER BY ALL\"");
        System.out.println("Failed records, one Firehose error envelope per line (with the Kafka partition and offset"
                + " as shardId and sequenceNumber):");
        System.out.println("  duckdb -c \"SELECT errorCode, shardId, sequenceNumber FROM read_json('" + bucket
                + "/errors/*/*/*/*/*', format = 'newline_delimited')\"");
        return reconciled;
    }

    private static Admin admin(String bootstrap) {
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        return Admin.create(props);
    }

    private static void createIfMissing(Admin admin, String topic) throws Exception {
        if (admin.listTopics().names().get(30, TimeUnit.SECONDS).contains(topic)) {
            return;
        }
        admin.createTopics(List.of(new NewTopic(topic, Optional.of(PARTITIONS), Optional.empty()))).all()
                .get(30, TimeUnit.SECONDS);
        // Produce only once every partition's leader answers: a producer that starts earlier can be refused.
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        for (int p = 0; p < PARTITIONS; p++) {
            latest.put(new TopicPartition(topic, p), OffsetSpec.latest());
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            try {
                admin.listOffsets(latest).all().get(10, TimeUnit.SECONDS);
                break;
            } catch (ExecutionException e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
            }
        }
        System.out.printf("Created topic %s with %d partitions%n", topic, PARTITIONS);
    }
}
