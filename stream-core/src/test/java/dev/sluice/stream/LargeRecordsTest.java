package dev.sluice.stream;

import dev.sluice.stream.testing.ManualClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Kinesis large records (UpdateMaxRecordSize, CreateStream MaxRecordSizeInKiB): records up to 10 MiB through put,
 * GetRecords, SubscribeToShard and a consumer application, on memory and durable storage; the per-stream limit; the
 * write burst a large record takes.
 */
class LargeRecordsTest {

    private static final int MIB = 1 << 20;
    private static final String SHARD0 = "shardId-000000000000";
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path directory;

    private final ManualClock time = new ManualClock();
    private final List<StreamEngine> engines = new ArrayList<>();

    @AfterEach
    void close() {
        engines.forEach(StreamEngine::close);
    }

    private StreamEngine engine(Storage storage, ThrottleMode mode) {
        StreamEngine engine = StreamEngine.builder().time(time).storage(storage).throttleMode(mode).build();
        engines.add(engine);
        return engine;
    }

    /** A blob of {@code size} bytes that starts with a letter (never KPL's magic) and differs from others. */
    static byte[] blob(int size, int seed) {
        byte[] data = new byte[size];
        data[0] = 'L';
        for (int i = 1; i < size; i++) {
            data[i] = (byte) (i * 31 + seed);
        }
        return data;
    }

    private static void createLarge(StreamEngine engine, String name) {
        engine.createStream(CreateStreamRequest.of(name, 1).withMaxRecordSizeInKiB(10_240));
    }

    @Test
    void putRecord_tenMiBOnALargeRecordStreamInMemory_readsBackByteIdentical() {
        StreamEngine engine = engine(Storage.inMemory(), ThrottleMode.REJECT);
        createLarge(engine, "big");
        byte[] data = blob(10 * MIB - 1, 1); // plus the 1-byte key: exactly 10 MiB, the largest record
        PutRecordResult put = engine.putRecord("big", "k", data);
        GetRecordsResult read = engine.getRecords(engine.getShardIterator("big", SHARD0, ShardIteratorType.trimHorizon()));
        assertEquals(1, read.records().size());
        assertEquals(put.sequenceNumber(), read.records().get(0).sequenceNumber());
        assertArrayEquals(data, read.records().get(0).dataBytes());
        assertEquals(10_240, engine.describeStreamSummary("big").maxRecordSizeInKiB());
    }

    @Test
    void putRecord_tenMiBPlusOneByte_isRefusedNamingTheLimit() {
        StreamEngine engine = engine(Storage.inMemory(), ThrottleMode.REJECT);
        createLarge(engine, "big");
        StreamException e = assertThrows(StreamException.class, () -> engine.putRecord("big", "k", new byte[10 * MIB]));
        assertEquals(ErrorCode.VALIDATION, e.errorCode());
        assertTrue(e.getMessage().contains("10485761 bytes") && e.getMessage().contains("10485760"), e.getMessage());
    }

    @Test
    void putRecord_overTheStreamsMaximum_isRefusedNamingTheStreamAndItsLimit() {
        StreamEngine engine = engine(Storage.inMemory(), ThrottleMode.REJECT);
        engine.createStream("small", 1);
        StreamException e = assertThrows(StreamException.class, () -> engine.putRecord("small", "k", new byte[MIB]));
        assertEquals(ErrorCode.VALIDATION, e.errorCode());
        assertTrue(e.getMessage().contains("stream small") && e.getMessage().contains("MaxRecordSizeInKiB 1024"),
                e.getMessage());
        StreamException batch = assertThrows(StreamException.class, () -> engine.putRecords("small",
                List.of(PutRecordsRequestEntry.of("a", new byte[10]), PutRecordsRequestEntry.of("b", new byte[2 * MIB]))));
        assertEquals(ErrorCode.VALIDATION, batch.errorCode());
        assertEquals(1024, engine.describeStreamSummary("small").maxRecordSizeInKiB());
    }

    @Test
    void updateMaxRecordSize_takesEffectForTheNextPut_andCanBeLoweredAgain() {
        StreamEngine engine = engine(Storage.inMemory(), ThrottleMode.OFF);
        engine.createStream("s", 1);
        engine.updateMaxRecordSize("s", 3 * 1024);
        engine.putRecord("s", "k", new byte[3 * MIB - 1]);
        assertEquals(ErrorCode.VALIDATION, assertThrows(StreamException.class,
                () -> engine.putRecord("s", "k", new byte[3 * MIB])).errorCode());
        engine.updateMaxRecordSize("s", 1024);
        StreamException e = assertThrows(StreamException.class, () -> engine.putRecord("s", "k", new byte[2 * MIB]));
        assertTrue(e.getMessage().contains("MaxRecordSizeInKiB 1024"), e.getMessage());
        assertEquals(1024, engine.describeStreamSummary("s").maxRecordSizeInKiB());
    }

    @Test
    void updateMaxRecordSize_outOfRangeOrUnknownStream_isRefused() {
        StreamEngine engine = engine(Storage.inMemory(), ThrottleMode.OFF);
        engine.createStream("s", 1);
        assertEquals(ErrorCode.VALIDATION, assertThrows(StreamException.class,
                () -> engine.updateMaxRecordSize("s", 1023)).errorCode());
        StreamException high = assertThrows(StreamException.class, () -> engine.updateMaxRecordSize("s", 10_241));
        assertEquals(ErrorCode.VALIDATION, high.errorCode());
        assertTrue(high.getMessage().contains("[1024, 10240]"), high.getMessage());
        assertEquals(ErrorCode.RESOURCE_NOT_FOUND, assertThrows(StreamException.class,
                () -> engine.updateMaxRecordSize("nope", 2048)).errorCode());
        assertEquals(ErrorCode.VALIDATION, assertThrows(StreamException.class,
                () -> CreateStreamRequest.of("x", 1).withMaxRecordSizeInKiB(20_000)).errorCode());
    }

    @Test
    void getRecords_returnsOneRecordAlone_whenTheNextWouldPassTenMiB() {
        StreamEngine engine = engine(Storage.inMemory(), ThrottleMode.OFF);
        createLarge(engine, "big");
        byte[] first = blob(6 * MIB, 2);
        byte[] second = blob(6 * MIB, 3);
        engine.putRecords("big", List.of(PutRecordsRequestEntry.of("a", first)));
        engine.putRecord("big", "b", second);
        GetRecordsResult one = engine.getRecords(engine.getShardIterator("big", SHARD0, ShardIteratorType.trimHorizon()));
        assertEquals(1, one.records().size());
        assertArrayEquals(first, one.records().get(0).dataBytes());
        GetRecordsResult two = engine.getRecords(one.nextShardIterator().orElseThrow());
        assertEquals(1, two.records().size());
        assertArrayEquals(second, two.records().get(0).dataBytes());
    }

    @Test
    void durableStorage_tenMiBRecordAndTheSetting_surviveARestart() {
        StreamEngine first = engine(Storage.durable(directory), ThrottleMode.OFF);
        createLarge(first, "big");
        byte[] data = blob(10 * MIB - 3, 4);
        PutRecordResult put = first.putRecord("big", "key", data);
        first.putRecord("big", "key", "after".getBytes(StandardCharsets.UTF_8));
        first.close();
        engines.remove(first);

        StreamEngine second = engine(Storage.durable(directory), ThrottleMode.OFF);
        assertEquals(10_240, second.describeStreamSummary("big").maxRecordSizeInKiB());
        GetRecordsResult read = second.getRecords(second.getShardIterator("big", SHARD0, ShardIteratorType.trimHorizon()));
        assertEquals(put.sequenceNumber(), read.records().get(0).sequenceNumber());
        assertEquals(1, read.records().size()); // the 10 MiB call budget is full with it
        assertArrayEquals(data, read.records().get(0).dataBytes());
        GetRecordsResult next = second.getRecords(read.nextShardIterator().orElseThrow());
        assertEquals("after", new String(next.records().get(0).dataBytes(), StandardCharsets.UTF_8));
        assertThrows(StreamException.class, () -> second.putRecord("big", "k", new byte[10 * MIB]));
        second.putRecord("big", "k", blob(10 * MIB - 1, 5)); // the limit came back with the manifest
    }

    @Test
    void subscribeToShard_pushesATenMiBRecordWhole() {
        StreamEngine engine = engine(Storage.inMemory(), ThrottleMode.REJECT);
        createLarge(engine, "big");
        StreamConsumer consumer = engine.registerStreamConsumer("big", "c");
        byte[] data = blob(10 * MIB - 1, 6);
        engine.putRecord("big", "k", data);
        FanOutTest.Collector collector = new FanOutTest.Collector(10);
        engine.subscribeToShard(consumer.consumerArn(), SHARD0, ShardIteratorType.trimHorizon()).subscribe(collector);
        await().atMost(WAIT).until(() -> collector.events.stream().mapToInt(e -> e.records().size()).sum() == 1);
        assertArrayEquals(data, collector.events.stream().flatMap(e -> e.records().stream()).findFirst().orElseThrow()
                .dataBytes());
    }

    @Test
    void consumerApplication_processesATenMiBRecord() {
        StreamEngine engine = engine(Storage.inMemory(), ThrottleMode.OFF);
        createLarge(engine, "big");
        byte[] data = blob(10 * MIB - 1, 7);
        engine.putRecord("big", "k", data);
        Map<String, List<ConsumerRecord>> received = new ConcurrentHashMap<>();
        try (ConsumerApplication app = ConsumerApplication.builder(engine).applicationName("app").streamName("big")
                .initialPosition(ShardIteratorType.trimHorizon()).pollInterval(Duration.ofMillis(50))
                .processor(input -> received.computeIfAbsent(input.shardId(), k -> new CopyOnWriteArrayList<>())
                        .addAll(input.records())).build()) {
            await().atMost(WAIT).until(() -> {
                time.advance(Duration.ofMillis(100));
                return received.getOrDefault(SHARD0, List.of()).size() == 1;
            });
            assertArrayEquals(data, received.get(SHARD0).get(0).dataBytes());
        }
    }

    @Test
    void putRecord_largeRecord_burstsThenHoldsTheShardUntilOneMiBPerSecondRepaysIt() {
        StreamEngine engine = engine(Storage.inMemory(), ThrottleMode.REJECT);
        createLarge(engine, "big");
        engine.putRecord("big", "k", new byte[10 * MIB - 1]); // the shard's full 1 MiB bucket lets it burst
        // 10 MiB taken from 1 MiB: 9 MiB of debt, repaid at 1 MiB/s.
        assertEquals(ErrorCode.PROVISIONED_THROUGHPUT_EXCEEDED, assertThrows(StreamException.class,
                () -> engine.putRecord("big", "k", new byte[1])).errorCode());
        time.advance(Duration.ofMillis(8_990));
        assertEquals(ErrorCode.PROVISIONED_THROUGHPUT_EXCEEDED, assertThrows(StreamException.class,
                () -> engine.putRecord("big", "k", new byte[1])).errorCode());
        time.advance(Duration.ofMillis(20));
        engine.putRecord("big", "k", new byte[1]);
        // Another large record waits for a full bucket again (one more second).
        assertEquals(ErrorCode.PROVISIONED_THROUGHPUT_EXCEEDED, assertThrows(StreamException.class,
                () -> engine.putRecord("big", "k", new byte[5 * MIB])).errorCode());
        time.advance(Duration.ofSeconds(1));
        engine.putRecord("big", "k", new byte[5 * MIB]);
    }

    @Test
    void putRecords_tenMiBInOneRequest_isAccepted_andMoreIsRefused() {
        StreamEngine engine = engine(Storage.inMemory(), ThrottleMode.OFF);
        createLarge(engine, "big");
        PutRecordsResult ok = engine.putRecords("big", List.of(PutRecordsRequestEntry.of("a", new byte[5 * MIB - 1]),
                PutRecordsRequestEntry.of("b", new byte[5 * MIB - 1])));
        assertEquals(0, ok.failedRecordCount());
        StreamException e = assertThrows(StreamException.class, () -> engine.putRecords("big", List.of(
                PutRecordsRequestEntry.of("a", new byte[5 * MIB]), PutRecordsRequestEntry.of("b", new byte[5 * MIB]))));
        assertEquals(ErrorCode.INVALID_ARGUMENT, e.errorCode());
        assertTrue(e.getMessage().contains("10485760"), e.getMessage());
    }
}
