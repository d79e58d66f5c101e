package dev.sluice.perf.bench.measure;

import dev.sluice.delivery.DeliveryStats;
import dev.sluice.delivery.DeliveryStream;
import dev.sluice.delivery.Sink;
import dev.sluice.delivery.SinkObject;
import dev.sluice.delivery.SinkResult;
import dev.sluice.kafka.KafkaSource;
import dev.sluice.perf.bench.scenario.DeliveryDesign;
import dev.sluice.perf.bench.scenario.Scenario;
import dev.sluice.perf.bench.scenario.ScenarioException;
import dev.sluice.perf.bench.scenario.ScenarioLoader;
import dev.sluice.perf.bench.workload.Workload;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * Measure mode with the delivery reading from Apache Kafka ({@code sluice-bench run --kafka HOST:PORT}): the
 * scenario's producers send to a new topic on that cluster (one partition per {@code stream.shards}) instead of the
 * in-process stream, and the scenario's delivery (processing, partitioning, format, buffering) reads it through a
 * {@link KafkaSource} into {@code <out>/bucket-kafka-<n>}. Consumer applications and the stream's Kinesis limits do
 * not apply. Per repeat it reports the acknowledged produce rate and send-to-ack latency, the delivered rate, and the
 * end-to-end latency from each record's send to the commit of the object that holds it; then the median repeat by
 * delivered rate and the reconciliation. Written to {@code <out>/kafka-report.txt}.
 *
 * <p>Design note: one {@code KafkaProducer} shared by the scenario's paced producer threads; latencies are timed from
 * each batch's intended send time, as in {@link Measurement}. The send time is the {@code t} field the workload
 * writes into each record, read back from the records of each committed object (so a processing chain that keeps
 * {@code t} is required for the end-to-end figure). Not thread-safe: one run at a time.
 */
public final class KafkaMeasurement {

    private static final long MAX_LATENCY_MICROS = TimeUnit.MINUTES.toMicros(10);
    private static final byte[] SENT_FIELD = "\"t\":".getBytes(StandardCharsets.US_ASCII);

    private final Scenario scenario;
    private final Path outDir;
    private final String bootstrap;
    private final Consumer<String> progress;

    /**
     * @param loaded    the scenario
     * @param outDir    where objects and the report go
     * @param bootstrap the Kafka cluster's bootstrap servers
     * @param progress  receives a progress line every second
     */
    public KafkaMeasurement(ScenarioLoader.Loaded loaded, Path outDir, String bootstrap, Consumer<String> progress) {
        this.scenario = loaded.scenario();
        if (scenario.delivery().enabled() && scenario.delivery().format() == Scenario.Format.ICEBERG) {
            throw new ScenarioException("--kafka delivers to a bucket: delivery.format ICEBERG is not supported with"
                    + " --kafka; measure the table without --kafka, or use PARQUET (a table's data files are Parquet)");
        }
        this.outDir = outDir;
        this.bootstrap = bootstrap;
        this.progress = progress;
    }

    /** One repeat's figures. */
    private record One(int index, double producedPerSecond, double deliveredPerSecond, Histogram ackMicros,
                       Histogram endToEndMicros, DeliveryStats stats, long produced, long objects) {
    }

    /**
     * Runs every repeat and writes the report.
     *
     * @return the report text
     * @throws IOException if the output directory cannot be used
     */
    public String run() throws IOException {
        if (!scenario.delivery().enabled()) {
            throw new IllegalArgumentException("--kafka measures the delivery from Kafka, but the scenario's delivery"
                    + " is disabled; set delivery.enabled=true");
        }
        String runId = Long.toString(System.currentTimeMillis(), 36);
        List<One> runs = new ArrayList<>();
        for (int i = 1; i <= scenario.run().repeats(); i++) {
            runs.add(once(i, runId));
        }
        String report = render(runs, runId);
        Files.writeString(outDir.resolve("kafka-report.txt"), report, StandardCharsets.UTF_8);
        return report;
    }

    private One once(int index, String runId) throws IOException {
        Scenario.ProducerSpec p = scenario.producers();
        String topic = "sluice-bench-" + scenario.name() + "-" + runId + "-" + index;
        createTopic(topic, scenario.stream().shards());
        Recorder ack = new Recorder(MAX_LATENCY_MICROS, 3);
        Recorder endToEnd = new Recorder(MAX_LATENCY_MICROS, 3);
        AtomicLong acked = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        AtomicLong objects = new AtomicLong();
        long[] measureFrom = {Long.MAX_VALUE};
        Sink bucket = Sink.localBucket(outDir.resolve("bucket-kafka-" + index));
        Sink timed = new Sink() {
            @Override
            public SinkResult write(SinkObject object) throws Exception {
                SinkResult result = bucket.write(object);
                long now = System.nanoTime();
                objects.incrementAndGet();
                for (ByteBuffer record : object.records()) {
                    long sent = sentNanos(record);
                    if (sent > 0 && sent - measureFrom[0] >= 0) {
                        endToEnd.recordValue(Math.min(MAX_LATENCY_MICROS, Math.max(0, (now - sent) / 1000)));
                    }
                }
                return result;
            }

            @Override
            public void close() {
                bucket.close();
            }
        };
        KafkaSource source = KafkaSource.builder().bootstrapServers(bootstrap).groupId(topic).topics(topic).build();
        try (DeliveryStream delivery = DeliveryDesign.builder(scenario.delivery(), true,
                DeliveryDesign.hints(scenario.delivery())).name("bench").source(source).sink(timed).build();
             KafkaProducer<String, byte[]> producer = producer()) {
            long start = System.nanoTime();
            long warmupEnd = start + scenario.run().warmup().toNanos();
            long end = warmupEnd + scenario.run().duration().toNanos();
            measureFrom[0] = warmupEnd;
            List<Thread> threads = new ArrayList<>();
            for (int i = 0; i < p.count(); i++) {
                Workload workload = new Workload(p, scenario.run().seed(), i, p.count());
                Thread t = new Thread(() -> produce(producer, topic, p, workload, start, end, ack, acked, failed),
                        "sluice-bench-kafka-producer-" + i);
                t.setDaemon(true);
                threads.add(t);
                t.start();
            }
            LockSupport.parkNanos(Math.max(0, warmupEnd - System.nanoTime()));
            ack.getIntervalHistogram();
            long ackedAtStart = acked.get();
            long deliveredAtStart = delivery.stats().deliveredRecords();
            while (System.nanoTime() < end) {
                LockSupport.parkNanos(Math.min(TimeUnit.SECONDS.toNanos(1), Math.max(0, end - System.nanoTime())));
                progress.accept(String.format(Locale.ROOT, "[kafka %d/%d] acked %,d  read %,d  delivered %,d  objects %,d",
                        index, scenario.run().repeats(), acked.get(), delivery.stats().incomingRecords(),
                        delivery.stats().deliveredRecords(), objects.get()));
            }
            double seconds = (System.nanoTime() - warmupEnd) / 1e9;
            long producedInWindow = acked.get() - ackedAtStart;
            long deliveredInWindow = delivery.stats().deliveredRecords() - deliveredAtStart;
            Histogram ackTotal = ack.getIntervalHistogram();
            for (Thread t : threads) {
                join(t);
            }
            producer.flush();
            long drainDeadline = System.nanoTime() + Measurement.DRAIN_TIMEOUT.toNanos();
            while (System.nanoTime() < drainDeadline && delivery.stats().incomingRecords() < acked.get()) {
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
            }
            delivery.flush(Measurement.DRAIN_TIMEOUT);
            Histogram e2e = endToEnd.getIntervalHistogram();
            if (failed.get() > 0) {
                progress.accept(failed.get() + " records were not acknowledged by Kafka");
            }
            return new One(index, producedInWindow / seconds, deliveredInWindow / seconds, ackTotal, e2e,
                    delivery.stats(), acked.get(), objects.get());
        }
    }

    private static void produce(KafkaProducer<String, byte[]> producer, String topic, Scenario.ProducerSpec p,
                                Workload workload, long start, long end, Recorder ack, AtomicLong acked,
                                AtomicLong failed) {
        double perProducer = p.ratePerSecond() / p.count();
        long callNanos = perProducer <= 0 ? 0 : (long) (p.batchSize() * 1e9 / perProducer);
        long next = start;
        while (System.nanoTime() < end) {
            if (callNanos > 0) {
                long wait = next - System.nanoTime();
                if (wait > 0) {
                    LockSupport.parkNanos(wait);
                    continue;
                }
            }
            long intended = callNanos > 0 ? next : System.nanoTime();
            next += callNanos;
            for (int i = 0; i < p.batchSize(); i++) {
                String key = workload.nextKey();
                byte[] data = workload.nextData(System.nanoTime(), key);
                producer.send(new ProducerRecord<>(topic, key, data), (metadata, e) -> {
                    if (e != null) {
                        failed.incrementAndGet();
                        return;
                    }
                    acked.incrementAndGet();
                    ack.recordValue(Math.min(MAX_LATENCY_MICROS, Math.max(0, (System.nanoTime() - intended) / 1000)));
                });
            }
        }
    }

    /** The workload's send time from a record's {@code "t":} field (spaces allowed before the digits). */
    static long sentNanos(ByteBuffer record) {
        ByteBuffer data = record.duplicate();
        int limit = data.limit();
        outer:
        for (int i = data.position(); i + SENT_FIELD.length < limit; i++) {
            for (int j = 0; j < SENT_FIELD.length; j++) {
                if (data.get(i + j) != SENT_FIELD[j]) {
                    continue outer;
                }
            }
            long v = 0;
            int k = i + SENT_FIELD.length;
            while (k < limit && data.get(k) == ' ') {
                k++;
            }
            while (k < limit && data.get(k) >= '0' && data.get(k) <= '9') {
                v = v * 10 + (data.get(k++) - '0');
            }
            return v;
        }
        return 0;
    }

    private String render(List<One> runs, String runId) {
        List<One> sorted = new ArrayList<>(runs);
        sorted.sort(Comparator.comparingDouble(One::deliveredPerSecond));
        One median = sorted.get(sorted.size() / 2);
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "sluice-bench MEASURED, delivery from Kafka at %s (topics sluice-bench-%s-%s-*,"
                        + " %d partitions), scenario %s: warm-up %s, measured %s, %d repeat(s)%n", bootstrap,
                scenario.name(), runId, scenario.stream().shards(), scenario.name(), scenario.run().warmup(),
                scenario.run().duration(), runs.size()));
        for (One o : runs) {
            b.append(String.format(Locale.ROOT, "  repeat %d: produced (acked) %,.0f records/s, delivered %,.0f records/s,"
                    + " %,d objects%n", o.index, o.producedPerSecond, o.deliveredPerSecond, o.objects));
        }
        b.append(String.format(Locale.ROOT, "median repeat %d (by delivered records/s), spread %,.0f - %,.0f:%n",
                median.index, sorted.get(0).deliveredPerSecond, sorted.get(sorted.size() - 1).deliveredPerSecond));
        b.append("  send -> ack:                    ").append(percentiles(median.ackMicros)).append('\n');
        b.append("  send -> committed object:       ").append(percentiles(median.endToEndMicros)).append('\n');
        DeliveryStats s = median.stats;
        boolean reconciled = s.reconciles() && s.pendingRecords() == 0 && s.incomingRecords() == median.produced;
        b.append(String.format(Locale.ROOT, "  reconciliation: acked %,d, read %,d = delivered %,d + dropped %,d + error"
                        + " output %,d -> %s%n", median.produced, s.incomingRecords(), s.deliveredRecords(),
                s.droppedRecords(), s.errorOutputRecords(), reconciled ? "reconciled" : "NOT RECONCILED"));
        b.append("  MEASURED on this machine's wall clock; the broker's load counts only if it runs here.\n");
        return b.toString();
    }

    private static String percentiles(Histogram micros) {
        if (micros.getTotalCount() == 0) {
            return "no samples";
        }
        return String.format(Locale.ROOT, "p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, max %.1f ms (%,d samples)",
                micros.getValueAtPercentile(50) / 1e3, micros.getValueAtPercentile(90) / 1e3,
                micros.getValueAtPercentile(99) / 1e3, micros.getMaxValue() / 1e3, micros.getTotalCount());
    }

    private KafkaProducer<String, byte[]> producer() {
        Map<String, Object> props = new HashMap<>();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        props.put(ProducerConfig.BATCH_SIZE_CONFIG, Integer.toString(256 << 10));
        return new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
    }

    private void createTopic(String topic, int partitions) throws IOException {
        Map<String, Object> props = new HashMap<>();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        try (Admin admin = Admin.create(props)) {
            admin.createTopics(List.of(new NewTopic(topic, Optional.of(partitions), Optional.empty()))).all()
                    .get(60, TimeUnit.SECONDS);
            // Produce only once every partition's leader answers: an earlier producer can be refused.
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            for (int p = 0; p < partitions; p++) {
                latest.put(new TopicPartition(topic, p), OffsetSpec.latest());
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (true) {
                try {
                    admin.listOffsets(latest).all().get(10, TimeUnit.SECONDS);
                    break;
                } catch (java.util.concurrent.ExecutionException e) {
                    if (System.nanoTime() > deadline) {
                        throw e;
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while creating topic " + topic, e);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IOException("cannot create topic " + topic + " at " + bootstrap + ": " + e.getMessage(), e);
        }
    }

    private static void join(Thread t) {
        try {
            t.join(TimeUnit.SECONDS.toMillis(60));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while stopping the producers", e);
        }
    }
}
