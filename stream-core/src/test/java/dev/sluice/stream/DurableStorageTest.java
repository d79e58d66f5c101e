package dev.sluice.stream;

import dev.sluice.stream.testing.ManualClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Durable storage through the public API: restart recovery, deletion, retention on disk, the directory lock. */
class DurableStorageTest {

    private static final String SHARD0 = "shardId-000000000000";

    @TempDir
    Path directory;

    private final ManualClock time = new ManualClock();
    private final List<StreamEngine> engines = new ArrayList<>();

    @AfterEach
    void closeEngines() {
        engines.forEach(StreamEngine::close);
    }

    private StreamEngine engine(Storage storage, SimpleMeterRegistry registry) {
        StreamEngine engine = StreamEngine.builder().clock(time).ticker(time).throttleMode(ThrottleMode.OFF)
                .meterRegistry(registry).storage(storage).build();
        engines.add(engine);
        return engine;
    }

    private StreamEngine engine() {
        return engine(Storage.durable(directory), new SimpleMeterRegistry());
    }

    private static List<StreamRecord> readAll(StreamEngine engine, String stream, String shardId) {
        List<StreamRecord> all = new ArrayList<>();
        String iterator = engine.getShardIterator(stream, shardId, ShardIteratorType.trimHorizon());
        while (true) {
            GetRecordsResult result = engine.getRecords(iterator);
            if (result.records().isEmpty()) {
                return all;
            }
            all.addAll(result.records());
            iterator = result.nextShardIterator().orElseThrow();
        }
    }

    /** Counts files; the engine's sweeper may delete one while the walk visits it, so a vanished file means "again". */
    private long files(String suffix) throws IOException {
        while (true) {
            try (Stream<Path> files = Files.walk(directory)) {
                return files.filter(p -> p.toString().endsWith(suffix)).count();
            } catch (java.io.UncheckedIOException e) {
                if (!(e.getCause() instanceof java.nio.file.NoSuchFileException)) {
                    throw e;
                }
            }
        }
    }

    @Test
    void build_onADirectoryAnEngineUsed_recoversStreamsShardsRecordsAndSequenceNumbers() {
        ShardLimits limits = new ShardLimits(2 * 1_048_576, 2_000, 4 * 1_048_576, 10);
        StreamEngine first = engine();
        first.createStream(CreateStreamRequest.of("orders", 3).withRetention(Duration.ofHours(48)).withShardLimits(limits));
        first.createStream("clicks", 1);
        first.increaseStreamRetentionPeriod("clicks", Duration.ofHours(30));
        List<PutRecordResult> puts = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            puts.add(first.putRecord("orders", "customer-" + i, ("order " + i).getBytes(StandardCharsets.UTF_8)));
        }
        PutRecordResult jump = first.putRecord(PutRecordRequest.of("clicks", "k", new byte[] {1})
                .withSequenceNumberForOrdering(BigInteger.TEN.pow(26).multiply(BigInteger.valueOf(5)).toString()));
        StreamDescriptionSummary ordersBefore = first.describeStreamSummary("orders");
        List<Shard> shardsBefore = first.listShards("orders");
        String iterator = first.getShardIterator("orders", puts.get(0).shardId(),
                ShardIteratorType.atSequenceNumber(puts.get(0).sequenceNumber()));
        List<List<StreamRecord>> recordsBefore = new ArrayList<>();
        for (Shard shard : shardsBefore) {
            recordsBefore.add(readAll(first, "orders", shard.shardId()));
        }
        first.close();
        time.advance(Duration.ofMinutes(1));

        StreamEngine second = engine();
        assertEquals(List.of("clicks", "orders"), second.listStreams());
        assertEquals(ordersBefore, second.describeStreamSummary("orders"));
        assertEquals(Duration.ofHours(30), second.describeStreamSummary("clicks").retentionPeriod());
        assertEquals(shardsBefore, second.listShards("orders"));
        for (int s = 0; s < shardsBefore.size(); s++) {
            List<StreamRecord> after = readAll(second, "orders", shardsBefore.get(s).shardId());
            assertEquals(recordsBefore.get(s).size(), after.size());
            for (int i = 0; i < after.size(); i++) {
                StreamRecord a = recordsBefore.get(s).get(i);
                StreamRecord b = after.get(i);
                assertEquals(a.sequenceNumber(), b.sequenceNumber());
                assertEquals(a.partitionKey(), b.partitionKey());
                assertEquals(a.approximateArrivalTimestamp(), b.approximateArrivalTimestamp());
                assertEquals(a.data(), b.data());
            }
        }
        assertEquals(300, recordsBefore.stream().mapToInt(List::size).sum());
        // An iterator of the earlier engine still works: same stream incarnation.
        assertEquals(puts.get(0).sequenceNumber(), second.getRecords(iterator).records().get(0).sequenceNumber());
        // Sequence numbers keep increasing, also past a SequenceNumberForOrdering jump.
        for (PutRecordResult before : puts) {
            PutRecordResult after = second.putRecord("orders", "customer-0", new byte[1]);
            if (after.shardId().equals(before.shardId())) {
                assertTrue(new BigInteger(after.sequenceNumber()).compareTo(new BigInteger(before.sequenceNumber())) > 0);
            }
        }
        PutRecordResult afterJump = second.putRecord("clicks", "k", new byte[] {2});
        assertTrue(new BigInteger(afterJump.sequenceNumber()).compareTo(new BigInteger(jump.sequenceNumber())) > 0);
    }

    @Test
    void deleteStream_removesItsFilesAndARecreatedStreamStartsAfresh() throws IOException {
        StreamEngine engine = engine();
        engine.createStream("s", 2);
        PutRecordResult old = engine.putRecord("s", "k", new byte[10]);
        String oldIterator = engine.getShardIterator("s", old.shardId(), ShardIteratorType.trimHorizon());
        assertTrue(files(".cq4") > 0);
        engine.deleteStream("s");
        assertEquals(0, files(".cq4"));
        assertEquals(0, files("stream.properties"));
        engine.createStream("s", 2);
        assertEquals(List.of(), readAll(engine, "s", old.shardId()));
        assertEquals(ErrorCode.RESOURCE_NOT_FOUND, assertThrows(StreamException.class, () -> engine.getRecords(oldIterator)).code());
        engine.close();
        assertEquals(List.of("s"), engine().listStreams());
    }

    @Test
    void retention_onDisk_deletesExpiredFilesWhileOpenAndBoundsDiskBytes() throws IOException {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        StreamEngine engine = engine(Storage.durable(directory), registry);
        engine.createStream("s", 1);
        byte[] data = new byte[1_000];
        List<PutRecordsRequestEntry> batch = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            batch.add(PutRecordsRequestEntry.of("k", data));
        }
        for (int hour = 0; hour < 30; hour++) {
            engine.putRecords("s", batch);
            time.advance(Duration.ofHours(1));
        }
        // Now 30 h after the first batch; hours 0-5 are older than 24 h: six whole hourly files to delete.
        await().atMost(Duration.ofSeconds(10)).until(() -> files(".cq4") == 24);
        double disk = registry.get("DiskBytes").tag("shard", SHARD0).gauge().value();
        assertTrue(disk > 24 * 100 * 1_001 && disk < 24 * 100 * 1_001 + 24 * 64 * 1024 + 1024 * 1024, "disk bytes " + disk);
        assertEquals(24 * 100 * 1_001, registry.get("RetainedBytes").gauge().value());
        assertEquals(24 * 100, registry.get("RetainedRecords").gauge().value());
        assertEquals(24 * 100, readAll(engine, "s", SHARD0).size());
        time.advance(Duration.ofDays(3));
        await().atMost(Duration.ofSeconds(10)).until(() -> files(".cq4") == 1);
        assertEquals(List.of(), readAll(engine, "s", SHARD0));
        assertTrue(registry.get("DiskBytes").gauge().value() < disk / 10);
    }

    @Test
    void build_whenAnotherEngineUsesTheDirectory_throwsResourceInUse() {
        engine();
        StreamException e = assertThrows(StreamException.class, this::engine);
        assertEquals(ErrorCode.RESOURCE_IN_USE, e.code());
        assertTrue(e.getMessage().contains(directory.toString()), e.getMessage());
    }

    @Test
    void fsyncPolicies_storeAndRecoverTheSameRecords() {
        for (FsyncPolicy policy : List.of(FsyncPolicy.perBatch(), FsyncPolicy.interval(Duration.ofMillis(5)))) {
            Storage.Durable storage = Storage.durable(directory).withFsyncPolicy(policy);
            StreamEngine engine = engine(storage, new SimpleMeterRegistry());
            assertEquals(storage, engine.storage());
            if (engine.listStreams().isEmpty()) {
                engine.createStream("s", 1);
            }
            List<PutRecordsRequestEntry> batch = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                batch.add(PutRecordsRequestEntry.of("k" + i, new byte[i]));
            }
            assertEquals(0, engine.putRecords("s", batch).failedRecordCount());
            engine.close();
        }
        assertEquals(100, readAll(engine(), "s", SHARD0).size());
    }

    @Test
    void storage_describesItselfAndValidatesItsPolicy() {
        assertEquals("in-memory(maxRetainedBytes " + Storage.inMemory().maxRetainedBytes() + ")", Storage.inMemory().toString());
        assertThrows(IllegalArgumentException.class, () -> Storage.inMemory().withMaxRetainedBytes(1));
        assertFalse(Storage.durable(Path.of("relative")).dataDirectory().toString().equals("relative"));
        assertEquals(ErrorCode.INVALID_ARGUMENT,
                assertThrows(StreamException.class, () -> FsyncPolicy.interval(Duration.ZERO)).errorCode());
        assertEquals(ErrorCode.INVALID_ARGUMENT,
                assertThrows(StreamException.class, () -> FsyncPolicy.interval(Duration.ofHours(2))).errorCode());
        assertEquals("durable(" + directory + ", fsync every PT0.1S)",
                Storage.durable(directory).withFsyncPolicy(FsyncPolicy.interval(Duration.ofMillis(100))).toString());
    }
}
