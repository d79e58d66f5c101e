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
import java.nio.file.Files;
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
 * partition and is stopped cleanly. Then the zombie: an instance frozen with SIGSTOP while a segment is pending
 * (heartbeats stop too, so the group evicts it and hands its partitions over), resumed with SIGCONT after the other
 * instance has moved on. In both, the shared bucket must hold every produced record exactly once.
 */
class KafkaFailoverIT {

    private static final int PARTITIONS = 6;
    private static final int RATE = 2_000;
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
        broker.createTopic("failover", PARTITIONS);
        broker.createTopic("zombie", PARTITIONS);
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
        Group group = new Group("failover", "g-failover");
        Path bucket = work.resolve("bucket");
        AtomicBoolean producing = new AtomicBoolean(true);
        CompletableFuture<Integer> produced = CompletableFuture.supplyAsync(() -> produceAtRate(group, producing));
        List<Instance> instances = new ArrayList<>();
        int records;
        try {
            Instance a = Instance.start("a", group, bucket);
            Instance b = Instance.start("b", group, bucket);
            instances.add(a);
            instances.add(b);
            await().atMost(Duration.ofSeconds(60)).until(() -> a.delivered() >= 2_000 && b.delivered() >= 2_000);
            Set<TopicPartition> aPending = killWhilePending(a, group);

            Instance c = Instance.start("c", group, bucket);
            instances.add(c);
            await().atMost(Duration.ofSeconds(60)).until(() -> c.delivered() >= 2_000);
            long bBefore = b.delivered();
            await().atMost(Duration.ofSeconds(60)).until(() -> b.delivered() >= bBefore + 1_000);
            Set<TopicPartition> bPending = killWhilePending(b, group);
            long cBefore = c.delivered();
            await().atMost(Duration.ofSeconds(60)).until(() -> c.delivered() >= cBefore + 2_000);
            producing.set(false);
            records = produced.get(60, TimeUnit.SECONDS);
            TestRecords.awaitDelivered(admin, group.id, List.of(group.topic), Duration.ofSeconds(90));
            c.stop();
            System.out.printf("failover: %,d records; a killed with a pending segment in %s, b in %s%n", records,
                    aPending, bPending);
        } finally {
            producing.set(false);
            instances.forEach(Instance::kill);
        }
        assertExactlyOnce(TestRecords.jsonLines(bucket.resolve("data")), 0, records);
        assertEquals(List.of(), TestRecords.visibleFiles(bucket.resolve("errors")));
    }

    @Test
    void zombieFrozenWhileSegmentPending_isFencedAfterResuming_everyRecordExactlyOnce() throws Exception {
        Group group = new Group("zombie", "g-zombie");
        Path bucket = work.resolve("bucket");
        AtomicBoolean producing = new AtomicBoolean(true);
        CompletableFuture<Integer> produced = CompletableFuture.supplyAsync(() -> produceAtRate(group, producing));
        List<Instance> instances = new ArrayList<>();
        int records;
        try {
            Instance zombie = Instance.start("zombie", group, bucket);
            Instance live = Instance.start("live", group, bucket);
            instances.add(zombie);
            instances.add(live);
            await().atMost(Duration.ofSeconds(60)).until(() -> zombie.delivered() >= 2_000
                    && live.delivered() >= 2_000);
            Set<TopicPartition> frozenWith = freezeWhilePending(zombie, group);
            // The group evicts the frozen member and gives its partitions to the live one, which rebuilds them.
            await().atMost(Duration.ofSeconds(60)).until(() -> owned(group, "live").size() == PARTITIONS);
            long liveBefore = live.delivered();
            await().atMost(Duration.ofSeconds(60)).until(() -> live.delivered() >= liveBefore + 2_000);
            signal(zombie, "CONT");
            long zombieBefore = zombie.delivered();
            await().atMost(Duration.ofSeconds(60)).until(() -> zombie.delivered() >= zombieBefore + 1_000);
            producing.set(false);
            records = produced.get(60, TimeUnit.SECONDS);
            TestRecords.awaitDelivered(admin, group.id, List.of(group.topic), Duration.ofSeconds(90));
            zombie.stop();
            live.stop();
            System.out.printf("zombie: %,d records; frozen with a pending segment in %s%n", records, frozenWith);
        } finally {
            producing.set(false);
            instances.forEach(Instance::kill);
        }
        assertExactlyOnce(TestRecords.jsonLines(bucket.resolve("data")), 0, records);
    }

    /** A topic and the consumer group that delivers it. */
    private record Group(String topic, String id) {
    }

    /**
     * Kills the instance with SIGKILL while one of its partitions has a pending segment in the committed metadata:
     * freezes it first, so the state it dies in is the state checked.
     *
     * @return the instance's partitions, one or more of them with a segment pending
     */
    private static Set<TopicPartition> killWhilePending(Instance instance, Group group) throws Exception {
        Set<TopicPartition> owned = freezeWhilePending(instance, group);
        instance.process.destroyForcibly();
        assertTrue(instance.process.waitFor(30, TimeUnit.SECONDS));
        return owned;
    }

    /**
     * Freezes the instance with SIGSTOP at a moment when one of its partitions has a pending segment in the committed
     * metadata (stable for 300 ms, so no commit of it was still on its way); resumes and tries again otherwise.
     */
    private static Set<TopicPartition> freezeWhilePending(Instance instance, Group group) throws Exception {
        for (int attempt = 0; attempt < 20; attempt++) {
            Set<TopicPartition> owned = Set.of();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (System.nanoTime() < deadline && !pending(group, owned)) {
                owned = owned(group, instance.name);
            }
            signal(instance, "STOP");
            Set<TopicPartition> frozen = owned;
            try {
                await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2)).until(() -> pending(group,
                        frozen));
                return frozen;
            } catch (org.awaitility.core.ConditionTimeoutException e) {
                signal(instance, "CONT");
            }
        }
        throw new AssertionError("instance " + instance.name + " never froze with a pending segment");
    }

    private static void signal(Instance instance, String signal) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(instance.process.pid())).start();
        assertTrue(kill.waitFor(10, TimeUnit.SECONDS));
        assertEquals(0, kill.exitValue(), "kill -" + signal);
    }

    private static Set<TopicPartition> owned(Group group, String clientId) throws Exception {
        Set<TopicPartition> owned = new HashSet<>();
        for (MemberDescription member : admin.describeConsumerGroups(List.of(group.id)).describedGroups()
                .get(group.id).get(10, TimeUnit.SECONDS).members()) {
            if (member.clientId().equals(clientId)) {
                owned.addAll(member.assignment().topicPartitions());
            }
        }
        return owned;
    }

    private static boolean pending(Group group, Set<TopicPartition> partitions) throws Exception {
        Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group.id)
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
    private static int produceAtRate(Group group, AtomicBoolean producing) {
        long start = System.nanoTime();
        try (KafkaProducer<String, byte[]> producer = TestRecords.producer(broker.bootstrap())) {
            List<Future<RecordMetadata>> sent = new ArrayList<>();
            int i = 0;
            for (; i < MAX_RECORDS && (i % 500 != 0 || producing.get()); i++) {
                sent.add(producer.send(new ProducerRecord<>(group.topic, "c-" + (i % 97),
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

        static Instance start(String name, Group group, Path bucket) throws IOException {
            List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx384m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp", KafkaBroker.classPath(),
                    DeliveryInstance.class.getName(), broker.bootstrap(), group.topic, group.id, bucket.toString(), name,
                    "50");
            // Kept after the run (target/kafka-it-logs), for the post-mortem of a failure.
            Path logs = Files.createDirectories(Path.of("target", "kafka-it-logs"));
            Process process = new ProcessBuilder(command)
                    .redirectError(ProcessBuilder.Redirect.to(logs.resolve(group.topic + "-" + name + ".log").toFile()))
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
