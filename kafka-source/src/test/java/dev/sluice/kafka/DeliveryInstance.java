package dev.sluice.kafka;

import dev.sluice.delivery.BufferingHints;
import dev.sluice.delivery.DeliveryStats;
import dev.sluice.delivery.DeliveryStream;
import dev.sluice.delivery.OutputFormat;
import dev.sluice.delivery.Sink;
import dev.sluice.delivery.SinkObject;
import dev.sluice.delivery.SinkResult;
import dev.sluice.transform.Processor;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.locks.LockSupport;

/**
 * One delivery instance in its own JVM, for {@link KafkaFailoverIT}: reads a topic as a member of a group and writes
 * JSON lines into a local bucket shared by all instances, partitioned by event type (several objects per segment).
 * Its sink waits {@code sinkDelayMillis} before each write, so that a kill often lands while a segment is pending or
 * half written. It prints {@code delivered <n>} lines, stops cleanly on a {@code stop} line (or end of input) and
 * exits by itself if the test JVM is gone or after five minutes.
 *
 * <p>Arguments: bootstrap servers, topic, group, bucket directory, instance name (the consumer's {@code client.id}),
 * sink delay in milliseconds.
 */
public final class DeliveryInstance {

    private DeliveryInstance() {
    }

    /**
     * Runs the instance.
     *
     * @param args see the class comment
     * @throws Exception on any failure (the parent sees a non-zero exit)
     */
    public static void main(String[] args) throws Exception {
        String bootstrap = args[0];
        String topic = args[1];
        String group = args[2];
        Path bucket = Path.of(args[3]);
        String instance = args[4];
        long sinkDelayMillis = Long.parseLong(args[5]);
        Sink local = Sink.localBucket(bucket);
        Sink slow = new Sink() {
            @Override
            public SinkResult write(SinkObject object) throws Exception {
                LockSupport.parkNanos(Duration.ofMillis(sinkDelayMillis).toNanos());
                return local.write(object);
            }

            @Override
            public void close() {
                local.close();
            }
        };
        KafkaSource source = KafkaSource.builder().bootstrapServers(bootstrap).groupId(group).topics(topic)
                .name(instance)
                .consumerProperty("client.id", instance)
                .consumerProperty("session.timeout.ms", "3000")
                .consumerProperty("heartbeat.interval.ms", "500")
                .consumerProperty("metadata.max.age.ms", "1000")
                .build();
        Thread stdin = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null && !line.equals("stop")) {
                    // wait for stop
                }
            } catch (java.io.IOException e) {
                // end of input: stop
            }
        }, "stdin");
        stdin.setDaemon(true);
        stdin.start();
        Optional<ProcessHandle> parent = ProcessHandle.current().parent();
        long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
        try (DeliveryStream stream = DeliveryStream.builder().name("failover").source(source).sink(slow)
                .processor(Processor.metadataExtraction(Map.of("event", ".event_type")))
                .prefix("data/event=!{partitionKeyFromQuery:event}/")
                .errorOutputPrefix("errors/!{firehose:error-output-type}/")
                .outputFormat(OutputFormat.jsonLines())
                .bufferingHints(new BufferingHints(64 << 10, Duration.ofMillis(300)))
                .deliveryThreads(8)
                .build()) {
            while (stdin.isAlive()) {
                if (parent.isPresent() && !parent.get().isAlive() || System.nanoTime() > deadline) {
                    System.exit(2);
                }
                DeliveryStats stats = stream.stats();
                System.out.println("delivered " + stats.deliveredRecords());
                System.out.flush();
                stdin.join(100);
            }
        }
        System.out.println("closed");
    }
}
