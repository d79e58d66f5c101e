package dev.sluice.kafka;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import static dev.sluice.kafka.TestRecords.assertExactlyOnce;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Several delivery instances in one consumer group, each in its own JVM, while records are produced at a steady rate:
 * instance a is killed with SIGKILL while a segment of one of its partitions is pending, instance c joins (the
 * cooperative rebalance drains the partitions b hands over), then b is killed the same way; c ends up with every
 * partition and is stopped cleanly. The shared bucket must hold every produced record exactly once.
 */
class KafkaFailoverIT {

    private static final String TOPIC = "failover";
    private static final String GROUP = "g-failover";
    private static final int PARTITIONS = 6;
    private static final int RATE = 5_000;
    private static final int MAX_RECORDS = 600_000;

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
        broker.createTopic(TOPIC, PARTITIONS);
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

    @Test
    void instancesKilledMidDelivery_othersTakeOver_everyRecordExactlyOnce() throws Exception {
        Path bucket = work.resolve("bucket");
        AtomicBoolean producing = new AtomicBoolean(true);
        CompletableFuture<Integer> produced = CompletableFuture.supplyAsync(() -> produceAtRate(producing));
        List<Instance> instances = new ArrayList<>();
        int records;
        try {
            Instance a = Instance.start("a", bucket, work);
            Instance b = Instance.start("b", bucket, work);
            instances.add(a);
            instances.add(b);
            await().atMost(Duration.ofSeconds(60)).until(() -> a.delivered() >= 2_000 && b.delivered() >= 2_000);
            boolean aPending = killWhilePending(a);

            Instance c = Instance.start("c", bucket, work);
            instances.add(c);
            await().atMost(Duration.ofSeconds(60)).until(() -> c.delivered() >= 2_000);
            long bBefore = b.delivered();
            await().atMost(Duration.ofSeconds(60)).until(() -> b.delivered() >= bBefore + 1_000);
            boolean bPending = killWhilePending(b);
            long cBefore = c.delivered();
            await().atMost(Duration.ofSeconds(60)).until(() -> c.delivered() >= cBefore + 2_000);
            producing.set(false);
            records = produced.get(60, TimeUnit.SECONDS);
            await().atMost(Duration.ofSeconds(90)).until(() -> TestRecords.delivered(admin, GROUP, List.of(TOPIC)));
            c.stop();
            assertTrue(aPending || bPending, "neither kill landed while a segment was pending");
            System.out.printf("failover: %,d records; killed a (segment pending: %s), b (segment pending: %s)%n",
                    records, aPending, bPending);
        } finally {
            producing.set(false);
            instances.forEach(Instance::kill);
        }
        assertExactlyOnce(TestRecords.jsonLines(bucket.resolve("data")), 0, records);
        assertEquals(List.of(), TestRecords.visibleFiles(bucket.resolve("errors")));
    }

    /**
     * Kills the instance with SIGKILL as soon as one of its partitions has a pending segment in the committed
     * metadata (or after 30 s), and tells whether one had at the moment of death.
     */
    private static boolean killWhilePending(Instance instance) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        Set<TopicPartition> owned = Set.of();
        while (System.nanoTime() < deadline) {
            owned = owned(instance.name);
            if (pending(owned)) {
                break;
            }
        }
        instance.process.destroyForcibly();
        assertTrue(instance.process.waitFor(30, TimeUnit.SECONDS));
        return pending(owned);
    }

    private static Set<TopicPartition> owned(String clientId) throws Exception {
        Set<TopicPartition> owned = new HashSet<>();
        for (MemberDescription member : admin.describeConsumerGroups(List.of(GROUP)).describedGroups().get(GROUP)
                .get(10, TimeUnit.SECONDS).members()) {
            if (member.clientId().equals(clientId)) {
                owned.addAll(member.assignment().topicPartitions());
            }
        }
        return owned;
    }

    private static boolean pending(Set<TopicPartition> partitions) throws Exception {
        Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(GROUP)
                .partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS);
        for (TopicPartition partition : partitions) {
            OffsetAndMetadata offset = committed.get(partition);
            if (offset != null && !offset.metadata().isEmpty()) {
                return true;
            }
        }
        return false;
    }

    /** Produces numbered records at {@link #RATE} until told to stop; returns how many. */
    private static int produceAtRate(AtomicBoolean producing) {
        long start = System.nanoTime();
        try (KafkaProducer<String, byte[]> producer = TestRecords.producer(broker.bootstrap())) {
            List<Future<RecordMetadata>> sent = new ArrayList<>();
            int i = 0;
            for (; i < MAX_RECORDS && (i % 500 != 0 || producing.get()); i++) {
                sent.add(producer.send(new ProducerRecord<>(TOPIC, "c-" + (i % 97),
                        TestRecords.json(i).getBytes(StandardCharsets.UTF_8))));
                if (i % 500 == 499) {
                    long due = start + TimeUnit.SECONDS.toNanos(i + 1) / RATE;
                    LockSupport.parkNanos(due - System.nanoTime());
                }
            }
            producer.flush();
            for (Future<RecordMetadata> ack : sent) {
                ack.get();
            }
            return i;
        } catch (Exception e) {
            throw new IllegalStateException("producing failed", e);
        }
    }

    /** A delivery instance JVM and the last count it printed. */
    private static final class Instance {
        final String name;
        final Process process;
        final AtomicLong delivered = new AtomicLong();

        private Instance(String name, Process process) {
            this.name = name;
            this.process = process;
        }

        static Instance start(String name, Path bucket, Path work) throws IOException {
            List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx384m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp", KafkaBroker.classPath(),
                    DeliveryInstance.class.getName(), broker.bootstrap(), TOPIC, GROUP, bucket.toString(), name, "100");
            Process process = new ProcessBuilder(command)
                    .redirectError(ProcessBuilder.Redirect.appendTo(work.resolve("instance-" + name + ".log").toFile()))
                    .start();
            Instance instance = new Instance(name, process);
            Thread reader = new Thread(() -> {
                try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(),
                        StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = out.readLine()) != null) {
                        if (line.startsWith("delivered ")) {
                            instance.delivered.set(Long.parseLong(line.substring("delivered ".length())));
                        }
                    }
                } catch (IOException e) {
                    // the process is gone
                }
            }, "instance-" + name + "-out");
            reader.setDaemon(true);
            reader.start();
            return instance;
        }

        long delivered() {
            if (!process.isAlive()) {
                throw new AssertionError("instance " + name + " exited with " + process.exitValue());
            }
            return delivered.get();
        }

        /** Asks the instance to close (drain, give its partitions up) and waits for a clean exit. */
        void stop() throws Exception {
            try (Writer in = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8)) {
                in.write("stop\n");
            }
            assertTrue(process.waitFor(60, TimeUnit.SECONDS), "instance " + name + " did not stop");
            assertEquals(0, process.exitValue(), "instance " + name + " exit code");
        }

        void kill() {
            process.destroyForcibly();
        }
    }
}
