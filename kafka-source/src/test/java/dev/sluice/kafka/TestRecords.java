package dev.sluice.kafka;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Producing numbered records and reading the bucket back independently: JSON lines line by line, Parquet with
 * DuckDB, error output by decoding each envelope's {@code rawData}. Every record carries {@code "i":<n>}.
 */
final class TestRecords {

    /** The Parquet schema of the test records. */
    static final String SCHEMA = """
            {"type":"record","name":"Click","namespace":"dev.sluice.kafka","fields":[
              {"name":"i","type":"long"},
              {"name":"customer_id","type":"string"},
              {"name":"event_type","type":"string"},
              {"name":"page","type":["null","string"],"default":null}
            ]}""";

    private static final Pattern I = Pattern.compile("\"i\":(\\d+)");
    private static final Pattern RAW_DATA = Pattern.compile("\"rawData\":\"([^\"]*)\"");
    private static final String[] EVENTS = {"page_view", "add_to_cart", "search", "purchase"};

    private TestRecords() {
    }

    /** A clickstream-like JSON record of about 200 bytes. */
    static String json(long i) {
        return "{\"i\":" + i + ",\"customer_id\":\"c-" + (i % 97) + "\",\"event_type\":\"" + EVENTS[(int) (i % 4)]
                + "\",\"page\":\"/products/" + (i % 1000) + "\",\"client\":{\"ip\":\"10.0." + (i % 256) + "."
                + (i % 7) + "\",\"agent\":\"Mozilla/5.0 (X11; Linux x86_64)\"},\"level\":\"info\","
                + "\"ts\":\"2026-05-06T07:08:09Z\"}";
    }

    static KafkaProducer<String, byte[]> producer(String bootstrap) {
        Map<String, Object> props = new HashMap<>();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "120000");
        return new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
    }

    /** Produces records {@code from..to-1}, keyed by customer, and waits until all are acknowledged. */
    static void produce(String bootstrap, String topic, long from, long to) {
        produce(bootstrap, topic, null, from, to);
    }

    /** Produces records {@code from..to-1} to one partition (or by key when {@code null}); all acknowledged. */
    static void produce(String bootstrap, String topic, Integer partition, long from, long to) {
        try (KafkaProducer<String, byte[]> producer = producer(bootstrap)) {
            List<Future<RecordMetadata>> sent = new ArrayList<>();
            for (long i = from; i < to; i++) {
                sent.add(producer.send(new ProducerRecord<>(topic, partition, "c-" + (i % 97),
                        json(i).getBytes(StandardCharsets.UTF_8))));
            }
            producer.flush();
            for (Future<RecordMetadata> ack : sent) {
                ack.get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("producing to " + topic + " failed", e.getCause());
        }
    }

    /** Whether the group has committed every partition of the topics at its end offset with nothing pending. */
    static boolean delivered(Admin admin, String group, Collection<String> topics) {
        try {
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            for (TopicDescription description : admin.describeTopics(topics).allTopicNames().get(10, TimeUnit.SECONDS)
                    .values()) {
                description.partitions().forEach(p -> latest.put(new TopicPartition(description.name(),
                        p.partition()), OffsetSpec.latest()));
            }
            Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends = admin.listOffsets(latest).all()
                    .get(10, TimeUnit.SECONDS);
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
                    .partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS);
            for (Map.Entry<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> end : ends.entrySet()) {
                if (end.getValue().offset() == 0) {
                    continue;
                }
                OffsetAndMetadata offset = committed.get(end.getKey());
                if (offset == null || offset.offset() != end.getValue().offset() || !offset.metadata().isEmpty()) {
                    return false;
                }
            }
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
            return false;
        }
    }

    /**
     * Waits until {@link #delivered} holds; on timeout fails with each partition's committed offset and metadata
     * against its end offset, so a failure says which partition stopped where.
     */
    static void awaitDelivered(Admin admin, String group, Collection<String> topics, java.time.Duration timeout)
            throws Exception {
        try {
            org.awaitility.Awaitility.await().atMost(timeout).until(() -> delivered(admin, group, topics));
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            for (TopicDescription description : admin.describeTopics(topics).allTopicNames().get(10, TimeUnit.SECONDS)
                    .values()) {
                description.partitions().forEach(p -> latest.put(new TopicPartition(description.name(),
                        p.partition()), OffsetSpec.latest()));
            }
            Map<String, String> state = new TreeMap<>();
            Map<String, OffsetAndMetadata> committed = committed(admin, group);
            admin.listOffsets(latest).all().get(10, TimeUnit.SECONDS).forEach((tp, end) -> state.put(
                    tp.topic() + "-" + tp.partition(), "end " + end.offset() + ", committed "
                            + committed.get(tp.topic() + "-" + tp.partition())));
            throw new AssertionError("group " + group + " not committed to the end within " + timeout + ": "
                    + state, e);
        }
    }

    /** The group's committed offsets, by partition name. */
    static Map<String, OffsetAndMetadata> committed(Admin admin, String group) throws Exception {
        Map<String, OffsetAndMetadata> out = new TreeMap<>();
        admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS)
                .forEach((tp, offset) -> out.put(tp.topic() + "-" + tp.partition(), offset));
        return out;
    }

    /** Counts of each record id in the JSON-lines objects under {@code dir}. */
    static Map<Long, Integer> jsonLines(Path dir) {
        Map<Long, Integer> seen = new HashMap<>();
        for (Path file : visibleFiles(dir)) {
            for (String line : read(file).split("\n")) {
                if (line.isEmpty()) {
                    continue;
                }
                Matcher m = I.matcher(line);
                if (!m.find()) {
                    throw new AssertionError("no record id in " + file + ": " + line);
                }
                seen.merge(Long.parseLong(m.group(1)), 1, Integer::sum);
            }
        }
        return seen;
    }

    /** Counts of each record id in the Parquet objects under {@code dir}, read with DuckDB. */
    static Map<Long, Integer> parquet(Path dir) {
        Map<Long, Integer> seen = new HashMap<>();
        if (visibleFiles(dir).isEmpty()) {
            return seen;
        }
        try (Connection duck = DriverManager.getConnection("jdbc:duckdb:");
             Statement statement = duck.createStatement();
             ResultSet rows = statement.executeQuery("SELECT i, count(*) FROM read_parquet('" + dir
                     + "/**/*.parquet') GROUP BY i")) {
            while (rows.next()) {
                seen.put(rows.getLong(1), rows.getInt(2));
            }
        } catch (SQLException e) {
            throw new AssertionError("DuckDB cannot read " + dir, e);
        }
        return seen;
    }

    /** The raw records of the error envelopes under {@code dir}, one per envelope. */
    static List<String> errorOutput(Path dir) {
        List<String> raw = new ArrayList<>();
        for (Path file : visibleFiles(dir)) {
            for (String line : read(file).split("\n")) {
                if (line.isEmpty()) {
                    continue;
                }
                Matcher m = RAW_DATA.matcher(line);
                if (!m.find()) {
                    throw new AssertionError("no rawData in " + file + ": " + line);
                }
                raw.add(new String(Base64.getDecoder().decode(m.group(1)), StandardCharsets.UTF_8));
            }
        }
        return raw;
    }

    /** Record ids found in texts (error output raw data). */
    static Map<Long, Integer> ids(List<String> texts) {
        Map<Long, Integer> seen = new HashMap<>();
        for (String text : texts) {
            Matcher m = I.matcher(text);
            if (m.find()) {
                seen.merge(Long.parseLong(m.group(1)), 1, Integer::sum);
            }
        }
        return seen;
    }

    static Map<Long, Integer> merge(Map<Long, Integer> a, Map<Long, Integer> b) {
        Map<Long, Integer> out = new HashMap<>(a);
        b.forEach((k, v) -> out.merge(k, v, Integer::sum));
        return out;
    }

    /** Asserts that ids {@code from..to-1} each appear exactly once and nothing else appears. */
    static void assertExactlyOnce(Map<Long, Integer> seen, long from, long to) {
        List<Long> duplicated = seen.entrySet().stream().filter(e -> e.getValue() > 1).map(Map.Entry::getKey)
                .sorted().limit(10).toList();
        List<Long> missing = new ArrayList<>();
        for (long i = from; i < to && missing.size() < 10; i++) {
            if (!seen.containsKey(i)) {
                missing.add(i);
            }
        }
        List<Long> unexpected = seen.keySet().stream().filter(i -> i < from || i >= to).sorted().limit(10).toList();
        assertEquals(List.of(), duplicated, "duplicated records (first 10)");
        assertEquals(List.of(), missing, "missing records (first 10)");
        assertEquals(List.of(), unexpected, "records never produced");
        assertEquals(to - from, seen.size(), "distinct records");
    }

    static List<Path> visibleFiles(Path dir) {
        if (!Files.exists(dir)) {
            return List.of();
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            return walk.filter(Files::isRegularFile).filter(p -> !p.getFileName().toString().startsWith("."))
                    .sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Duration seconds(long s) {
        return Duration.ofSeconds(s);
    }
}
