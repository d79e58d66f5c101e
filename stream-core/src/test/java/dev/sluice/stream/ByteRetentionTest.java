package dev.sluice.stream;

import dev.sluice.stream.testing.ManualClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Byte retention (a Sluice extension): a stream's retentionBytes under each overflow policy, registered readers, and
 * the memory limit of in-memory storage. Throttling is off so that only the byte limits refuse puts; time is manual.
 */
@Timeout(60)
class ByteRetentionTest {

    static final String SHARD0 = "shardId-000000000000";
    static final long MIB = 1 << 20;
    /** A record of 1 KiB with its one-byte partition key. */
    static final byte[] KIB = new byte[1023];
    /** What a stream may hold over its limit: the block each shard writes into (1 MiB) and one PutRecords call. */
    static final long SLACK = 1024 * 1024 + 100 * 1024;

    private final ManualClock time = new ManualClock();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private StreamEngine engine = engine(Storage.inMemory());

    private StreamEngine engine(Storage storage) {
        return StreamEngine.builder().clock(time).ticker(time).throttleMode(ThrottleMode.OFF).meterRegistry(registry)
                .storage(storage).blockTimeout(Duration.ofSeconds(10)).build();
    }

    @AfterEach
    void close() {
        engine.close();
    }

    private double gauge(String name, String stream) {
        return registry.get(name).tag("stream", stream).gauge().value();
    }

    private double counter(String name, String stream) {
        return registry.get(name).tag("stream", stream).counter().count();
    }

    /** Puts 100 records of 1 KiB in one call, each key on shard 0 of a one-shard stream; returns the outcomes. */
    private PutRecordsResult putBatch(String stream) {
        List<PutRecordsRequestEntry> batch = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            batch.add(PutRecordsRequestEntry.of("k", KIB));
        }
        return engine.putRecords(stream, batch);
    }

    /** Puts single records until one is refused; returns the sequence numbers accepted. */
    private List<String> fillUntilRefused(String stream) {
        List<String> accepted = new ArrayList<>();
        for (int i = 0; i < 100_000; i++) {
            try {
                accepted.add(engine.putRecord(stream, "k", KIB).sequenceNumber());
            } catch (StreamException e) {
                assertEquals(ErrorCode.PROVISIONED_THROUGHPUT_EXCEEDED, e.code(), e.toString());
                return accepted;
            }
        }
        throw new AssertionError("the stream never filled");
    }

    private List<String> readFrom(String stream, String shardId, ShardIteratorType type) {
        List<String> sequenceNumbers = new ArrayList<>();
        String iterator = engine.getShardIterator(stream, shardId, type);
        while (true) {
            GetRecordsResult read = engine.getRecords(iterator);
            read.records().forEach(r -> sequenceNumbers.add(r.sequenceNumber()));
            if (read.records().isEmpty() || read.nextShardIterator().isEmpty()) {
                return sequenceNumbers;
            }
            iterator = read.nextShardIterator().get();
        }
    }

    @Test
    void createStream_whenRetentionBytesOutOfRange_namesTheRange() {
        StreamException e = assertThrows(StreamException.class,
                () -> CreateStreamRequest.of("s", 1).withRetentionBytes(1000));
        assertEquals(ErrorCode.INVALID_ARGUMENT, e.code());
        assertEquals("retentionBytes must be in [1048576, 1125899906842624] but was 1000", e.getMessage());
    }

    @Test
    void trimOldest_keepsTheStreamWithinItsLimit_andReadersContinueAtTheTrimHorizon() {
        engine.createStream(CreateStreamRequest.of("s", 1).withRetentionBytes(MIB).withOverflowPolicy(OverflowPolicy.TRIM_OLDEST));
        String first = engine.putRecord("s", "k", KIB).sequenceNumber();
        for (int i = 0; i < 100; i++) { // 10 MiB through a 1 MiB stream
            assertEquals(0, putBatch("s").failedRecordCount(), "TRIM_OLDEST never refuses");
            assertTrue(gauge("Retention.RetainedBytes", "s") <= MIB + SLACK, "retained " + gauge("Retention.RetainedBytes", "s"));
        }
        assertTrue(counter("Retention.TrimmedBytes", "s") >= 9 * MIB);
        assertEquals(counter("Retention.TrimmedBytes", "s") / 1024, counter("Retention.TrimmedRecords", "s"));
        List<String> retained = readFrom("s", SHARD0, ShardIteratorType.trimHorizon());
        assertEquals(gauge("Retention.RetainedBytes", "s"), retained.size() * 1024.0);
        List<String> fromFirst = readFrom("s", SHARD0, ShardIteratorType.atSequenceNumber(first));
        assertEquals(retained, fromFirst, "a reader whose position was dropped continues at the trim horizon");
        assertTrue(gauge("Retention.UsedRatio", "s") <= 2.1);
        assertEquals(MIB, gauge("Retention.LimitBytes", "s"));
    }

    @Test
    void reject_withoutReaders_refusesAtTheLimitNamingIt_andKeepsEveryAcceptedRecord() {
        engine.createStream(CreateStreamRequest.of("s", 1).withRetentionBytes(MIB));
        List<String> accepted = fillUntilRefused("s");
        assertEquals(1024, accepted.size(), "exactly 1 MiB of 1 KiB records");
        StreamException refused = assertThrows(StreamException.class, () -> engine.putRecord("s", "k", KIB));
        assertTrue(refused.isRetryable());
        assertTrue(refused.getMessage().contains("its retentionBytes is 1048576 (overflow policy REJECT)"), refused.getMessage());
        assertTrue(refused.getMessage().contains("no reader is registered"), refused.getMessage());
        PutRecordsResult batch = putBatch("s");
        assertEquals(100, batch.failedRecordCount());
        assertEquals(ErrorCode.PROVISIONED_THROUGHPUT_EXCEEDED,
                assertInstanceOf(PutRecordsResultEntry.Failure.class, batch.records().get(0)).errorCode());
        assertEquals(101 + 1, counter("Retention.RefusedRecords", "s"));
        assertEquals(accepted, readFrom("s", SHARD0, ShardIteratorType.trimHorizon()), "nothing was dropped");
        assertEquals(0, counter("Retention.TrimmedRecords", "s"));
    }

    @Test
    void reject_withARegisteredReader_dropsOnlyWhatItCheckpointed_andItReadsEveryRecordOnce() {
        engine.createStream(CreateStreamRequest.of("s", 1).withRetentionBytes(MIB));
        ReaderRegistration reader = engine.registerReader("s", "billing");
        List<String> read = new ArrayList<>();
        String iterator = engine.getShardIterator("s", SHARD0, ShardIteratorType.trimHorizon());
        long acceptedTotal = 0;
        for (int round = 0; round < 10; round++) { // 10 MiB through a 1 MiB stream, the reader keeping up in rounds
            acceptedTotal += fillUntilRefused("s").size();
            GetRecordsResult batch;
            do {
                batch = engine.getRecords(iterator);
                batch.records().forEach(r -> read.add(r.sequenceNumber()));
                iterator = batch.nextShardIterator().orElseThrow();
            } while (!batch.records().isEmpty());
            reader.checkpoint(SHARD0, read.get(read.size() - 1));
            assertTrue(gauge("Retention.RetainedBytes", "s") <= MIB + SLACK);
        }
        assertEquals(acceptedTotal, read.size());
        for (int i = 1; i < read.size(); i++) {
            assertEquals(counter(read.get(i - 1)) + 1, counter(read.get(i)), "no gap at " + i);
        }
        assertTrue(counter("Retention.TrimmedBytes", "s") > 8 * MIB, "checkpointed records made the room");
    }

    static long counter(String sequenceNumber) {
        return Long.parseLong(sequenceNumber.substring(0, sequenceNumber.length() - 8));
    }

    @Test
    void reject_recordsCheckpointedButInTheBlockBeingWritten_doNotCountAgainstTheLimit() {
        engine.createStream(CreateStreamRequest.of("s", 1).withRetentionBytes(MIB));
        ReaderRegistration reader = engine.registerReader("s", "r");
        for (int i = 0; i < 50; i++) { // a reader that checkpoints every record: never refused, whatever the block size
            String sequenceNumber = engine.putRecord("s", "k", new byte[200 * 1024]).sequenceNumber();
            reader.checkpoint(SHARD0, sequenceNumber);
        }
        assertTrue(gauge("Retention.RetainedBytes", "s") <= MIB + SLACK);
    }

    @Test
    void block_waitsForRoomUntilTheReaderCheckpoints_thenUntilTheBlockTimeout() throws Exception {
        engine.createStream(CreateStreamRequest.of("s", 1).withRetentionBytes(MIB).withOverflowPolicy(OverflowPolicy.BLOCK));
        ReaderRegistration reader = engine.registerReader("s", "r");
        List<String> accepted = new ArrayList<>();
        for (int i = 0; i < 1024; i++) {
            accepted.add(engine.putRecord("s", "k", KIB).sequenceNumber());
        }
        CompletableFuture<PutRecordResult> waiting = engine.putRecordAsync(PutRecordRequest.of("s", "k", KIB));
        await().during(Duration.ofMillis(200)).atMost(Duration.ofSeconds(2)).until(() -> !waiting.isDone());
        reader.checkpoint(SHARD0, accepted.get(511));
        PutRecordResult put = waiting.get(10, TimeUnit.SECONDS);
        assertEquals(counter(accepted.get(1023)) + 1, counter(put.sequenceNumber()), "stored after the others, in order");

        CompletableFuture<PutRecordResult> timedOut = engine.putRecordAsync(PutRecordRequest.of("s", "k", new byte[600 * 1024]));
        await().during(Duration.ofMillis(100)).atMost(Duration.ofSeconds(2)).until(() -> !timedOut.isDone());
        time.advance(Duration.ofSeconds(11)); // past the block timeout on the engine's ticker
        ExecutionException e = assertThrows(ExecutionException.class, () -> timedOut.get(10, TimeUnit.SECONDS));
        StreamException cause = assertInstanceOf(StreamException.class, e.getCause());
        assertEquals(ErrorCode.PROVISIONED_THROUGHPUT_EXCEEDED, cause.code());
        assertTrue(cause.getMessage().contains("Waited PT10S (the block timeout) for room"), cause.getMessage());
    }

    @Test
    void updateRetentionBytes_belowWhatIsRetained_dropsAtOnceUnderTrimOldest_andDescribeReportsIt() {
        engine.createStream("s", 1);
        for (int i = 0; i < 40; i++) {
            putBatch("s"); // 4 MiB
        }
        StreamDescriptionSummary before = engine.describeStreamSummary("s");
        assertEquals(OptionalLong.empty(), before.retentionBytes());
        assertEquals(OverflowPolicy.REJECT, before.overflowPolicy());
        engine.updateRetentionBytes("s", OptionalLong.of(MIB), OverflowPolicy.TRIM_OLDEST);
        assertTrue(gauge("Retention.RetainedBytes", "s") <= MIB + SLACK, "dropped at once");
        StreamDescriptionSummary after = engine.describeStreamSummary("s");
        assertEquals(OptionalLong.of(MIB), after.retentionBytes());
        assertEquals(OverflowPolicy.TRIM_OLDEST, after.overflowPolicy());
        engine.updateRetentionBytes("s", OptionalLong.empty(), OverflowPolicy.REJECT);
        for (int i = 0; i < 40; i++) {
            assertEquals(0, putBatch("s").failedRecordCount());
        }
        assertThrows(StreamException.class, () -> engine.updateRetentionBytes("s", OptionalLong.of(5), OverflowPolicy.REJECT));
    }

    @Test
    void memoryLimit_ofInMemoryStorage_refusesNamingIt_andTakesRoomFromWhatReadersCheckpointedInAnyStream() {
        engine.close();
        engine = engine(Storage.inMemory().withMaxRetainedBytes(16 * MIB));
        engine.createStream("a", 1);
        engine.createStream(CreateStreamRequest.of("b", 1).withRetentionBytes(4 * MIB).withOverflowPolicy(OverflowPolicy.TRIM_OLDEST));
        ReaderRegistration reader = engine.registerReader("a", "r");
        List<String> accepted = fillUntilRefused("a");
        assertEquals(16 * 1024, accepted.size());
        StreamException full = assertThrows(StreamException.class, () -> engine.putRecord("b", "k", KIB));
        assertTrue(full.getMessage().contains("maxRetainedBytes is 16777216"), full.getMessage());
        assertEquals(16.0 * MIB, registry.get("Engine.RetainedBytes").gauge().value());
        assertEquals(1.0, registry.get("Engine.RetainedRatio").gauge().value());
        reader.checkpoint(SHARD0, accepted.get(accepted.size() / 2));
        for (int i = 0; i < 60; i++) { // stream b trims itself within its own limit; a gave up what its reader read
            assertEquals(0, putBatch("b").failedRecordCount());
        }
        assertTrue(registry.get("Engine.RetainedBytes").gauge().value() <= 16 * MIB + 2 * SLACK);
        assertEquals(accepted.subList(accepted.size() / 2 + 1, accepted.size()),
                readFrom("a", SHARD0, ShardIteratorType.afterSequenceNumber(accepted.get(accepted.size() / 2))),
                "records the reader has not checkpointed are all there");
    }

    @Test
    void registerReader_lifecycle_openHandlesAreExclusive_closeKeepsTheRegistration_deregisterEndsIt() {
        engine.createStream("s", 2);
        ReaderRegistration first = engine.registerReader("s", "app");
        StreamException inUse = assertThrows(StreamException.class, () -> engine.registerReader("s", "app"));
        assertEquals(ErrorCode.RESOURCE_IN_USE, inUse.code());
        String sequenceNumber = engine.putRecord(PutRecordRequest.of("s", "k", KIB)).sequenceNumber();
        String shard = engine.listShards("s").stream().map(Shard::shardId)
                .filter(id -> id.endsWith(sequenceNumber.substring(sequenceNumber.length() - 2))).findFirst().orElseThrow();
        String other = shard.equals(SHARD0) ? "shardId-000000000001" : SHARD0;
        assertEquals(ErrorCode.INVALID_ARGUMENT,
                assertThrows(StreamException.class, () -> first.checkpoint(other, sequenceNumber)).code());
        assertEquals(ErrorCode.RESOURCE_NOT_FOUND,
                assertThrows(StreamException.class, () -> first.shardEnded("shardId-000000000009")).code());
        first.checkpoint(shard, sequenceNumber);
        first.close();
        assertThrows(IllegalStateException.class, () -> first.shardEnded(shard));
        assertEquals(List.of("app"), engine.listReaders("s"));
        ReaderRegistration again = engine.registerReader("s", "app");
        assertEquals("app", again.readerName());
        assertEquals("s", again.streamName());
        again.deregister();
        assertEquals(List.of(), engine.listReaders("s"));
        assertEquals(ErrorCode.RESOURCE_NOT_FOUND,
                assertThrows(StreamException.class, () -> engine.deregisterReader("s", "app")).code());
        ReaderRegistration third = engine.registerReader("s", "app");
        engine.deregisterReader("s", "app");
        assertEquals(ErrorCode.RESOURCE_NOT_FOUND,
                assertThrows(StreamException.class, () -> third.checkpoint(shard, sequenceNumber)).code());
        assertEquals(ErrorCode.VALIDATION, assertThrows(StreamException.class, () -> engine.registerReader("s", "no/slash")).code());
    }

    @Test
    void resharding_childrenAreKeptWholeUntilTheReaderCheckpointsThem_aParentUntilItEnds() {
        engine.createStream(CreateStreamRequest.of("s", 1).withRetentionBytes(2 * MIB));
        ReaderRegistration reader = engine.registerReader("s", "r");
        byte[] data = new byte[1019]; // 1 KiB with a five-byte key
        for (int i = 0; i < 512; i++) {
            engine.putRecord("s", String.format("k%04d", i), data);
        }
        engine.splitShard("s", SHARD0, "170141183460469231731687303715884105728");
        List<PutRecordResult> children = new ArrayList<>();
        for (int i = 0; ; i++) {
            try {
                children.add(engine.putRecord("s", String.format("k%04d", i), data));
            } catch (StreamException e) {
                assertTrue(e.getMessage().contains("retentionBytes is 2097152"), e.getMessage());
                break;
            }
        }
        assertEquals(1536, children.size(), "the parent's 512 KiB and the children's records fill 2 MiB");
        reader.shardEnded(SHARD0); // the parent was read to its end
        int more = fillUntilRefused("s").size();
        assertTrue(more >= 256, "the parent's closed blocks made room: " + more);
        for (PutRecordResult put : children) {
            reader.checkpoint(put.shardId(), put.sequenceNumber());
        }
        assertTrue(fillUntilRefused("s").size() > 1000, "the children's checkpointed records made room");
    }
}
