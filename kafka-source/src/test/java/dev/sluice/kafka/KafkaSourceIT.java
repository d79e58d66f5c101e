package dev.sluice.kafka;

import dev.sluice.delivery.BufferingHints;
import dev.sluice.delivery.DeliveryException;
import dev.sluice.delivery.DeliveryStats;
import dev.sluice.delivery.DeliveryStream;
import dev.sluice.delivery.ErrorCode;
import dev.sluice.delivery.OutputFormat;
import dev.sluice.delivery.ParquetConversion;
import dev.sluice.delivery.Sink;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import static dev.sluice.kafka.TestRecords.assertExactlyOnce;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Delivery from a real KRaft broker in one JVM: exactly-once objects across a restart of the delivery stream,
 * partitions added while running, a topic pattern, poison and oversized records, and bad configuration.
 */
class KafkaSourceIT {

    private static final Duration DELIVERED = Duration.ofSeconds(60);

    @TempDir
    static Path brokerDir;
    private static KafkaBroker broker;
    private static Admin admin;

    @TempDir
    Path work;

    @BeforeAll
    static void startBroker() {
        broker = KafkaBroker.start(brokerDir);
        admin = broker.admin();
    }

    @AfterAll
    static void stopBroker() {
        if (admin != null) {
            admin.close();
        }
        if (broker != null) {
            broker.close();
        }
    }

    private static KafkaSource.Builder source(String group) {
        return KafkaSource.builder().bootstrapServers(broker.bootstrap()).groupId(group)
                .consumerProperty("metadata.max.age.ms", "500")
                .consumerProperty("session.timeout.ms", "6000")
                .consumerProperty("heartbeat.interval.ms", "500");
    }

    private static DeliveryStream.Builder delivery(String name, Path bucket, KafkaSource source) {
        return DeliveryStream.builder().name(name).source(source).sink(Sink.localBucket(bucket)).prefix("data/")
                .errorOutputPrefix("errors/!{firehose:error-output-type}/")
                .bufferingHints(new BufferingHints(64 << 10, Duration.ofMillis(300)));
    }

    @Test
    void deliveryStream_restartedMidTopic_deliversEveryRecordExactlyOnce() throws Exception {
        broker.createTopic("restart", 4);
        Path bucket = work.resolve("bucket");
        TestRecords.produce(broker.bootstrap(), "restart", 0, 10_000);
        try (DeliveryStream stream = delivery("restart", bucket, source("g-restart").topics("restart").build())
                .outputFormat(OutputFormat.jsonLines()).build()) {
            await().atMost(DELIVERED).until(() -> stream.stats().deliveredRecords() >= 3_000);
        }
        TestRecords.produce(broker.bootstrap(), "restart", 10_000, 20_000);
        DeliveryStats stats;
        try (DeliveryStream stream = delivery("restart", bucket, source("g-restart").topics("restart").build())
                .outputFormat(OutputFormat.jsonLines()).build()) {
            await().atMost(DELIVERED).until(() -> TestRecords.delivered(admin, "g-restart", List.of("restart")));
            stream.flush();
            stats = stream.stats();
        }
        assertExactlyOnce(TestRecords.jsonLines(bucket.resolve("data")), 0, 20_000);
        assertEquals(stats.incomingRecords(), stats.deliveredRecords(), stats.toString());
        // Object names come from topic, partition and offsets; the checkpoint is the committed offset.
        for (Path object : TestRecords.visibleFiles(bucket.resolve("data"))) {
            assertTrue(object.getFileName().toString().matches("restart-1-\\d{4}(-\\d\\d){5}-restart-[0-3]-\\d+-\\d+"),
                    object.toString());
        }
        Map<String, OffsetAndMetadata> committed = TestRecords.committed(admin, "g-restart");
        assertEquals(List.of("restart-0", "restart-1", "restart-2", "restart-3"), List.copyOf(committed.keySet()));
    }

    @Test
    void partitionsAdded_whileRunning_areReadFromTheirBeginning() throws Exception {
        broker.createTopic("growing", 2);
        Path bucket = work.resolve("bucket");
        try (DeliveryStream stream = delivery("growing", bucket, source("g-growing").topics("growing").build())
                .outputFormat(OutputFormat.jsonLines()).build()) {
            TestRecords.produce(broker.bootstrap(), "growing", 0, 4_000);
            await().atMost(DELIVERED).until(() -> stream.stats().deliveredRecords() >= 1_000);
            admin.createPartitions(Map.of("growing", NewPartitions.increaseTo(4))).all().get(30, TimeUnit.SECONDS);
            KafkaBroker.awaitLeaders(admin, "growing", 4);
            // Records in the new partitions before the source has seen them must not be skipped.
            TestRecords.produce(broker.bootstrap(), "growing", 2, 4_000, 5_000);
            TestRecords.produce(broker.bootstrap(), "growing", 3, 5_000, 6_000);
            TestRecords.produce(broker.bootstrap(), "growing", 6_000, 8_000);
            await().atMost(DELIVERED).until(() -> TestRecords.delivered(admin, "g-growing", List.of("growing")));
        }
        assertExactlyOnce(TestRecords.jsonLines(bucket.resolve("data")), 0, 8_000);
        assertEquals(4, TestRecords.committed(admin, "g-growing").size());
    }

    @Test
    void topicPattern_readsMatchingTopicsIncludingOnesCreatedLater() {
        broker.createTopic("pattern-a", 2);
        Path bucket = work.resolve("bucket");
        try (DeliveryStream stream = delivery("pattern", bucket, source("g-pattern")
                .topicPattern(Pattern.compile("pattern-.*")).build()).outputFormat(OutputFormat.jsonLines()).build()) {
            TestRecords.produce(broker.bootstrap(), "pattern-a", 0, 2_000);
            broker.createTopic("pattern-b", 2);
            TestRecords.produce(broker.bootstrap(), "pattern-b", 2_000, 4_000);
            await().atMost(DELIVERED).until(() -> TestRecords.delivered(admin, "g-pattern",
                    List.of("pattern-a", "pattern-b")));
            assertEquals(4_000, stream.stats().incomingRecords());
        }
        assertExactlyOnce(TestRecords.jsonLines(bucket.resolve("data")), 0, 4_000);
    }

    @Test
    void poisonAndOversizedRecords_goToTheErrorOutput_noneLostOrStalled() throws Exception {
        broker.createTopic("poison", 3);
        Path bucket = work.resolve("bucket");
        List<Long> poison = new ArrayList<>();
        try (KafkaProducer<String, byte[]> producer = TestRecords.producer(broker.bootstrap())) {
            for (long i = 0; i < 3_000; i++) {
                String value;
                if (i % 250 == 7) {
                    value = "not json \"i\":" + i + " <<<";
                    poison.add(i);
                } else if (i % 250 == 8) {
                    value = "{\"i\":" + i + ",\"customer_id\":17}"; // missing and mistyped fields
                    poison.add(i);
                } else {
                    value = TestRecords.json(i);
                }
                producer.send(new ProducerRecord<>("poison", (int) (i % 3), null,
                        value.getBytes(StandardCharsets.UTF_8)));
            }
            // Within Kafka's default 1 MiB message limit, over the delivery stream's 1,000 KiB record limit.
            byte[] big = ("{\"i\":999999,\"pad\":\"" + "x".repeat(DeliveryStream.MAX_RECORD_BYTES) + "\"}")
                    .getBytes(StandardCharsets.UTF_8);
            producer.send(new ProducerRecord<>("poison", 1, null, big)).get();
            producer.send(new ProducerRecord<>("poison", 1, null,
                    TestRecords.json(3_000).getBytes(StandardCharsets.UTF_8))).get();
        }
        KafkaSource source = source("g-poison").topics("poison").build();
        DeliveryStats stats;
        try (DeliveryStream stream = delivery("poison", bucket, source)
                .outputFormat(OutputFormat.parquet(ParquetConversion.of(TestRecords.SCHEMA))).build()) {
            await().atMost(DELIVERED).until(() -> TestRecords.delivered(admin, "g-poison", List.of("poison")));
            stream.flush();
            stats = stream.stats();
        }
        Map<Long, Integer> delivered = TestRecords.parquet(bucket.resolve("data"));
        List<String> errors = TestRecords.errorOutput(bucket.resolve("errors"));
        Map<Long, Integer> failed = TestRecords.ids(errors);
        // The oversized record (i = 999999) is in the error output too, whole.
        assertEquals(Integer.valueOf(1), failed.remove(999_999L), "the oversized record in the error output");
        assertTrue(errors.stream().anyMatch(e -> e.length() > DeliveryStream.MAX_RECORD_BYTES));
        assertEquals(poison.size(), failed.size(), "poison records in the error output: " + failed.keySet());
        assertTrue(failed.keySet().containsAll(poison));
        assertExactlyOnce(TestRecords.merge(delivered, failed), 0, 3_001);
        assertEquals(3_002, stats.incomingRecords());
        assertEquals(poison.size() + 1, stats.errorOutputRecords(), stats.toString());
        assertTrue(stats.reconciles(), stats.toString());
    }

    @Test
    void committedStateOfALaterFormat_stopsTheSourceAndFlushReportsIt() throws Exception {
        broker.createTopic("later", 1);
        TestRecords.produce(broker.bootstrap(), "later", 0, 10);
        admin.alterConsumerGroupOffsets("g-later", Map.of(new org.apache.kafka.common.TopicPartition("later", 0),
                new OffsetAndMetadata(5, "{\"sluice\":2,\"pending\":[]}"))).all().get(30, TimeUnit.SECONDS);
        try (DeliveryStream stream = delivery("later", work, source("g-later").topics("later").build())
                .outputFormat(OutputFormat.jsonLines()).build()) {
            DeliveryException e = await().atMost(DELIVERED).until(() -> {
                try {
                    stream.flush(Duration.ofSeconds(10));
                    return null;
                } catch (DeliveryException failure) {
                    return failure;
                }
            }, java.util.Objects::nonNull);
            assertEquals(ErrorCode.SOURCE_FAILED, e.errorCode());
            assertTrue(e.getMessage().contains("state format 2"), e.getMessage());
            assertEquals(0, stream.stats().incomingRecords());
        }
    }

    @Test
    void missingTopic_failsBuildNamingIt() {
        DeliveryException e = assertThrows(DeliveryException.class, () -> delivery("missing", work,
                source("g-missing").topics("no-such-topic").build()).build());
        assertEquals(ErrorCode.INVALID_ARGUMENT, e.errorCode());
        assertTrue(e.getMessage().contains("topic [no-such-topic] does not exist"), e.getMessage());
    }

    @Test
    void wrongBootstrapAddress_failsBuildWithinTheStartTimeout() throws Exception {
        int closedPort;
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        // Not a speed check: build() must give up at its start timeout instead of hanging.
        DeliveryException unreachable = org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(
                Duration.ofSeconds(20), () -> assertThrows(DeliveryException.class, () -> delivery("nowhere", work,
                        KafkaSource.builder().bootstrapServers("127.0.0.1:" + closedPort).groupId("g").topics("t")
                                .startTimeout(Duration.ofSeconds(2)).build()).build()));
        assertEquals(ErrorCode.SOURCE_FAILED, unreachable.errorCode());
        assertTrue(unreachable.getMessage().contains("no Kafka broker answered within PT2S"), unreachable.getMessage());

        DeliveryException unresolvable = assertThrows(DeliveryException.class, () -> delivery("nowhere", work,
                KafkaSource.builder().bootstrapServers("no-such-host.invalid:9092").groupId("g").topics("t")
                        .startTimeout(Duration.ofSeconds(2)).build()).build());
        assertEquals(ErrorCode.INVALID_ARGUMENT, unresolvable.errorCode());
        assertTrue(unresolvable.getMessage().contains("bootstrap"), unresolvable.getMessage());
    }
}
