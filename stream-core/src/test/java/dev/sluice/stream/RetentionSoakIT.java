package dev.sluice.stream;

import dev.sluice.stream.testing.ManualClock;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * CI-sized soak: hundreds of MiB through streams capped at a few MiB, on the manual clock, with a consumer application
 * standing in for delivery. Memory (in-memory storage) and disk (durable storage) stay within the limit plus the
 * documented slack while records flow and the application keeps up; with the application stopped, the lossless
 * policy pushes back on the producer and, once it restarts, the application gets every accepted record exactly once.
 */
@Timeout(120)
class RetentionSoakIT {

    private static final long MIB = 1 << 20;
    private static final int SHARDS = 4;
    private static final int BATCH = 100;
    /** Records of 1 KiB with a four-byte partition key. */
    private static final byte[] DATA = new byte[1020];

    @TempDir
    Path directory;

    private final ManualClock time = new ManualClock();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private StreamEngine engine;
    private ConsumerApplication delivery;
    /** What the application processed, per shard, in order. */
    private final Map<String, List<String>> delivered = new ConcurrentHashMap<>();
    /** What producers had accepted, per shard, in order. */
    private final Map<String, List<String>> accepted = new ConcurrentHashMap<>();
    private final AtomicInteger deliveredCount = new AtomicInteger();
    private int acceptedCount;
    private int refusals;
    private int nextKey;

    @AfterEach
    void close() {
        if (delivery != null) {
            delivery.close();
        }
        engine.close();
    }

    private void startDelivery() {
        delivery = ConsumerApplication.builder(engine).applicationName("delivery").streamName("clicks")
                .initialPosition(ShardIteratorType.trimHorizon()).pollInterval(Duration.ofMillis(100)).threads(2)
                .processor(input -> {
                    List<String> shard = delivered.computeIfAbsent(input.shardId(), k -> new CopyOnWriteArrayList<>());
                    input.records().forEach(r -> shard.add(r.sequenceNumber()));
                    deliveredCount.addAndGet(input.records().size());
                    input.checkpointer().checkpoint();
                }).build();
    }

    /**
     * Puts one batch of {@value #BATCH}; refused entries are counted and not retried (the lossless policy pushes back).
     *
     * @return records accepted
     */
    private int putBatch() {
        List<PutRecordsRequestEntry> entries = new ArrayList<>(BATCH);
        for (int i = 0; i < BATCH; i++) {
            entries.add(PutRecordsRequestEntry.of(String.format("%04d", nextKey++ % 10_000), DATA));
        }
        PutRecordsResult result = engine.putRecords("clicks", entries);
        int ok = 0;
        for (PutRecordsResultEntry entry : result.records()) {
            if (entry instanceof PutRecordsResultEntry.Success s) {
                accepted.computeIfAbsent(s.shardId(), k -> new ArrayList<>()).add(s.sequenceNumber());
                ok++;
            } else {
                assertEquals(ErrorCode.PROVISIONED_THROUGHPUT_EXCEEDED, ((PutRecordsResultEntry.Failure) entry).errorCode());
                refusals++;
            }
        }
        acceptedCount += ok;
        return ok;
    }

    /** Moves the manual clock until the application has processed everything accepted. */
    private void awaitDelivered() {
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(1)).until(() -> {
            time.advance(Duration.ofMillis(100));
            return deliveredCount.get() == acceptedCount;
        });
    }

    private double retainedBytes() {
        return registry.get("Retention.RetainedBytes").tag("stream", "clicks").gauge().value();
    }

    private double diskBytes() {
        return registry.find("DiskBytes").tag("stream", "clicks").gauges().stream().mapToDouble(Gauge::value).sum();
    }

    private static long directMemoryUsed() {
        return ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
                .filter(p -> p.getName().equals("direct")).mapToLong(BufferPoolMXBean::getMemoryUsed).sum();
    }

    /**
     * Runs {@code mib} MiB through the stream with the application delivering, asserting the retained bytes after every
     * batch; then stops the application, fills the stream, lets manual time pass with the producer pushed back, restarts
     * the application and checks every accepted record was delivered once, in order.
     */
    private void soak(int mib, long limit, long slack, Duration perBatch, Runnable eachBatch) {
        startDelivery();
        int batches = (int) (mib * MIB / (BATCH * 1024L));
        for (int b = 0; b < batches; b++) {
            if (putBatch() < BATCH) {
                awaitDelivered(); // pushed back: the application catches up and checkpoints
            }
            time.advance(perBatch);
            assertTrue(retainedBytes() <= limit + slack, "batch " + b + ": retained " + retainedBytes());
            eachBatch.run();
        }
        awaitDelivered();
        assertTrue(acceptedCount >= batches * BATCH * 3 / 4, "records flowed: " + acceptedCount);

        // Delivery stops: the lossless policy keeps what it has not checkpointed and pushes back.
        delivery.close();
        delivery = null;
        int refusedBefore = refusals;
        for (int minute = 0; minute < 10; minute++) {
            for (int b = 0; b < 50; b++) {
                putBatch();
            }
            time.advance(Duration.ofMinutes(1));
            assertTrue(retainedBytes() <= limit + slack, "retained " + retainedBytes());
            eachBatch.run();
        }
        assertTrue(refusals - refusedBefore > 1000, "the producer was pushed back: " + (refusals - refusedBefore));

        startDelivery(); // resumes after its checkpoints
        awaitDelivered();
        assertEquals(accepted, delivered, "every accepted record delivered exactly once, in order per shard");
    }

    /** Direct memory in use after the collector freed what is unreachable (cleaners run on their own thread). */
    private static long directMemoryAfterCollection() {
        long[] last = {Long.MAX_VALUE};
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50)).until(() -> {
            System.gc();
            long now = directMemoryUsed();
            boolean settled = now >= last[0];
            last[0] = Math.min(last[0], now);
            return settled;
        });
        return last[0];
    }

    @Test
    void inMemory_defaultLosslessPolicy_memoryStaysWithinTheEngineLimit() {
        long baseline = directMemoryAfterCollection(); // other tests' buffers in this JVM
        long limit = 32 * MIB;
        engine = StreamEngine.builder().clock(time).ticker(time).throttleMode(ThrottleMode.OFF).meterRegistry(registry)
                .storage(Storage.inMemory().withMaxRetainedBytes(limit)).build();
        engine.createStream("clicks", SHARDS);
        // Slack: the block each shard writes into (1 MiB) and one PutRecords call per writer thread.
        long slack = SHARDS * MIB + 4 * BATCH * 1024L;
        soak(160, limit, slack, Duration.ofMillis(100), () -> { });
        // Pages of dropped records go back to the JVM with their buffers; after a collection, direct memory in use is
        // the retained records plus about a page (1 MiB) per shard, plus the engine's pages allocated ahead of need
        // (at most 4 MiB, PageSupply.READY).
        long used = directMemoryAfterCollection() - baseline;
        assertTrue(used <= limit + slack + SHARDS * MIB + 4 * MIB, "direct memory " + used + " bytes over the baseline "
                + baseline + ", retained " + retainedBytes());
    }

    @Test
    void durable_streamLimit_diskStaysWithinTheLimitPlusAMinutePerShard() {
        long limit = 16 * MIB;
        engine = StreamEngine.builder().clock(time).ticker(time).throttleMode(ThrottleMode.OFF).meterRegistry(registry)
                .storage(Storage.durable(directory)).build();
        engine.createStream(CreateStreamRequest.of("clicks", SHARDS).withRetentionBytes(limit));
        // A batch every 5 s of the manual clock: 1.2 MiB a minute, so the minute file each shard writes into (which is
        // never deleted) holds about 300 KiB; slack: that, the catch-up's extra minutes, and one call per writer.
        long slack = SHARDS * MIB + 4 * BATCH * 1024L;
        soak(128, limit, slack, Duration.ofSeconds(5), () -> assertTrue(diskBytes() <= (limit + slack) * 1.1,
                "on disk " + diskBytes() + " bytes"));
    }
}
