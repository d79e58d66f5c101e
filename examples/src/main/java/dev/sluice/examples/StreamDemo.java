package dev.sluice.examples;

import dev.sluice.stream.GetRecordsResult;
import dev.sluice.stream.PutRecordsRequestEntry;
import dev.sluice.stream.PutRecordsResult;
import dev.sluice.stream.PutRecordsResultEntry;
import dev.sluice.stream.Shard;
import dev.sluice.stream.ShardIteratorType;
import dev.sluice.stream.ShardLevelMetric;
import dev.sluice.stream.StreamEngine;
import dev.sluice.stream.StreamException;
import dev.sluice.stream.StreamRecord;
import dev.sluice.stream.ErrorCode;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The main job on embedded defaults: a 4-shard stream fed by two producer threads at the Kinesis per-shard
 * limit with throttling on (one hot key pushes one shard over it), read back in full, with a per-shard summary.
 *
 * <p>Producers behave as a well-behaved Kinesis client does: PutRecords batches, and throttled entries
 * retried after a short back-off. Run it with
 * {@code java -cp examples/target/sluice-demo.jar dev.sluice.examples.StreamDemo [--seconds S] [--records N]}: it
 * produces for {@code S} seconds (default 10) or until {@code N} records were generated, whichever comes first.
 */
public final class StreamDemo {

    private static final String STREAM = "clickstream";
    private static final int SHARDS = 4;
    private static final int PRODUCERS = 2;
    private static final int BATCH = 100;

    private StreamDemo() {
    }

    /**
     * Runs the demo; exits with status 1 if a record is missing or read twice.
     *
     * @param args {@code --seconds S} (default 10; a bare number is also read as seconds), {@code --records N}
     *             (default unbounded)
     * @throws InterruptedException if interrupted while waiting for the producers
     */
    public static void main(String[] args) throws InterruptedException {
        if (!run(args)) {
            System.exit(1);
        }
    }

    /**
     * Runs the demo.
     *
     * @param args as {@link #main}
     * @return whether every acknowledged record was read back exactly once
     * @throws InterruptedException if interrupted while waiting for the producers
     */
    static boolean run(String[] args) throws InterruptedException {
        int seconds = 10;
        long maxRecords = Long.MAX_VALUE;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--seconds" -> seconds = Integer.parseInt(args[++i]);
                case "--records" -> maxRecords = Long.parseLong(args[++i]);
                default -> seconds = Integer.parseInt(args[i]);
            }
        }
        MeterRegistry registry = new SimpleMeterRegistry();
        try (StreamEngine engine = StreamEngine.builder().meterRegistry(registry).build()) {
            engine.createStream(STREAM, SHARDS);
            // Per-shard meters exist for the shard-level metrics enhanced monitoring enables, as in CloudWatch.
            engine.enableEnhancedMonitoring(STREAM, Set.of(ShardLevelMetric.WRITE_PROVISIONED_THROUGHPUT_EXCEEDED));
            System.out.printf("Created stream %s with %d shards (Kinesis limits: 1,000 records/s and 1 MiB/s per shard, throttle mode REJECT).%n",
                    STREAM, SHARDS);
            System.out.printf("Producing for %d s%s from %d threads at %,d records/s in total (the stream's limit);"
                    + " 10%% of clicks come from one hot customer, so one shard runs over its limit...%n",
                    seconds, maxRecords == Long.MAX_VALUE ? "" : " or " + String.format("%,d", maxRecords) + " records",
                    PRODUCERS, SHARDS * 1_000);

            AtomicLong acknowledged = new AtomicLong();
            AtomicLong throttledAttempts = new AtomicLong();
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            long perProducer = maxRecords == Long.MAX_VALUE ? Long.MAX_VALUE : (maxRecords + PRODUCERS - 1) / PRODUCERS;
            CountDownLatch finished = new CountDownLatch(PRODUCERS);
            for (int p = 0; p < PRODUCERS; p++) {
                int id = p;
                Thread t = new Thread(() -> {
                    try {
                        produce(engine, id, end, perProducer, acknowledged, throttledAttempts);
                    } finally {
                        finished.countDown();
                    }
                }, "demo-producer-" + p);
                t.start();
            }
            long started = System.nanoTime();
            boolean done = false;
            while (!done) {
                done = finished.await(1, TimeUnit.SECONDS);
                double elapsed = (System.nanoTime() - started) / 1e9;
                System.out.printf("  %4.1f s  acknowledged %,8d records (%,6.0f/s)  throttled attempts %,6d%n",
                        elapsed, acknowledged.get(), acknowledged.get() / elapsed, throttledAttempts.get());
            }

            System.out.println("Reading every shard back from TRIM_HORIZON...");
            System.out.printf("%-22s %9s %11s %10s  %-27s  %-27s%n", "shard", "records", "bytes", "throttled",
                    "first sequence number", "last sequence number");
            long totalRead = 0;
            Set<String> unique = new HashSet<>();
            for (Shard shard : engine.listShards(STREAM)) {
                List<StreamRecord> records = readAll(engine, shard.shardId());
                long bytes = 0;
                for (StreamRecord r : records) {
                    bytes += r.data().remaining() + r.partitionKey().getBytes(StandardCharsets.UTF_8).length;
                    unique.add(r.sequenceNumber());
                }
                double throttled = registry.get("WriteProvisionedThroughputExceeded").tag("shard", shard.shardId()).counter().count();
                System.out.printf("%-22s %,9d %,11d %,10.0f  %-27s  %-27s%n", shard.shardId(), records.size(), bytes, throttled,
                        records.isEmpty() ? "-" : records.get(0).sequenceNumber(),
                        records.isEmpty() ? "-" : records.get(records.size() - 1).sequenceNumber());
                totalRead += records.size();
            }
            boolean complete = totalRead == acknowledged.get() && unique.size() == totalRead;
            System.out.printf("Acknowledged %,d records, read back %,d (%s).%n", acknowledged.get(), totalRead,
                    complete ? "every acknowledged record exactly once" : "MISMATCH");
            return complete;
        }
    }

    /**
     * Sends batches paced to this producer's share of the stream limit, until the end or its record limit; retries
     * throttled entries.
     */
    private static void produce(StreamEngine engine, int producer, long endNanos, long limit, AtomicLong acknowledged,
                                AtomicLong throttledAttempts) {
        double perSecond = SHARDS * 1_000.0 / PRODUCERS;
        long intervalNanos = (long) (BATCH / perSecond * 1e9);
        long next = System.nanoTime();
        int sequence = 0;
        List<PutRecordsRequestEntry> pending = new ArrayList<>();
        while ((System.nanoTime() < endNanos && sequence < limit) || !pending.isEmpty()) {
            while (pending.size() < BATCH && System.nanoTime() < endNanos && sequence < limit) {
                ThreadLocalRandom random = ThreadLocalRandom.current();
                String customer = random.nextInt(10) == 0 ? "customer-hot" : "customer-" + random.nextInt(1_000);
                String json = "{\"producer\":" + producer + ",\"seq\":" + sequence++ + ",\"customer\":\"" + customer
                        + "\",\"page\":\"/product/" + random.nextInt(500) + "\",\"action\":\"view\"}";
                pending.add(PutRecordsRequestEntry.of(customer, json.getBytes(StandardCharsets.UTF_8)));
            }
            PutRecordsResult result;
            try {
                result = engine.putRecords(STREAM, pending);
            } catch (StreamException e) {
                throw new IllegalStateException("PutRecords refused the whole batch: " + e, e);
            }
            List<PutRecordsRequestEntry> retry = new ArrayList<>();
            for (int i = 0; i < pending.size(); i++) {
                PutRecordsResultEntry entry = result.records().get(i);
                if (entry.isSuccessful()) {
                    acknowledged.incrementAndGet();
                } else if (((PutRecordsResultEntry.Failure) entry).errorCode() == ErrorCode.PROVISIONED_THROUGHPUT_EXCEEDED) {
                    throttledAttempts.incrementAndGet();
                    retry.add(pending.get(i));
                } else {
                    throw new IllegalStateException("entry failed: " + entry);
                }
            }
            pending = retry;
            next += intervalNanos;
            LockSupport.parkNanos(Math.max(0, next - System.nanoTime()));
        }
    }

    /** Reads a shard to its newest record, backing off when the shard's read limit says so. */
    private static List<StreamRecord> readAll(StreamEngine engine, String shardId) {
        List<StreamRecord> all = new ArrayList<>();
        String iterator = engine.getShardIterator(STREAM, shardId, ShardIteratorType.trimHorizon());
        while (true) {
            GetRecordsResult result;
            try {
                result = engine.getRecords(iterator);
            } catch (StreamException e) {
                if (e.errorCode() != ErrorCode.PROVISIONED_THROUGHPUT_EXCEEDED) {
                    throw e;
                }
                LockSupport.parkNanos(Duration.ofMillis(200).toNanos());
                continue;
            }
            all.addAll(result.records());
            if (result.records().isEmpty() && result.behindLatest().isZero()) {
                return all;
            }
            iterator = result.nextShardIterator().orElseThrow();
        }
    }
}
