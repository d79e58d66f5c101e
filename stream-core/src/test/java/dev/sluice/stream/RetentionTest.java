package dev.sluice.stream;

import dev.sluice.stream.testing.ManualClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Retention on a manual clock: records expire exactly, TRIM_HORIZON moves, memory is released. */
class RetentionTest {

    private static final String SHARD = "shardId-000000000000";

    private final ManualClock time = new ManualClock();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final StreamEngine engine = StreamEngine.builder().clock(time).ticker(time).throttleMode(ThrottleMode.OFF)
            .meterRegistry(registry).build();

    @AfterEach
    void close() {
        engine.close();
    }

    private List<String> readAll() {
        String iterator = engine.getShardIterator("s", SHARD, ShardIteratorType.trimHorizon());
        List<String> keys = new ArrayList<>();
        engine.getRecords(iterator).records().forEach(r -> keys.add(r.partitionKey()));
        return keys;
    }

    @Test
    void records_olderThanRetention_becomeUnreadableExactlyAtTheBoundary() {
        engine.createStream("s", 1);
        engine.putRecord("s", "old", new byte[1]);
        time.advance(Duration.ofHours(1));
        engine.putRecord("s", "new", new byte[1]);
        time.advance(Duration.ofHours(23));
        assertEquals(List.of("old", "new"), readAll()); // "old" is exactly 24 h old: still retained
        time.advance(Duration.ofMillis(1));
        assertEquals(List.of("new"), readAll());
        time.advance(Duration.ofHours(1));
        assertEquals(List.of(), readAll());
    }

    @Test
    void iteratorPositionedOnExpiredRecords_continuesAtTheTrimHorizon() {
        engine.createStream("s", 1);
        PutRecordResult first = engine.putRecord("s", "a", new byte[1]);
        time.advance(Duration.ofHours(25));
        engine.putRecord("s", "b", new byte[1]);
        String iterator = engine.getShardIterator("s", SHARD, ShardIteratorType.atSequenceNumber(first.sequenceNumber()));
        assertEquals(List.of("b"), engine.getRecords(iterator).records().stream().map(StreamRecord::partitionKey).toList());
    }

    @Test
    void decreaseRetention_expiresOlderRecordsAtOnce() {
        engine.createStream(CreateStreamRequest.of("s", 1).withRetention(Duration.ofHours(72)));
        engine.putRecord("s", "a", new byte[1]);
        time.advance(Duration.ofHours(30));
        engine.putRecord("s", "b", new byte[1]);
        assertEquals(List.of("a", "b"), readAll());
        engine.decreaseStreamRetentionPeriod("s", Duration.ofHours(24));
        assertEquals(List.of("b"), readAll());
    }

    @Test
    void expiredRecords_haveTheirMemoryReleased() {
        engine.createStream("s", 1);
        byte[] data = "x".repeat(100).getBytes(StandardCharsets.UTF_8);
        List<PutRecordsRequestEntry> batch = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            batch.add(PutRecordsRequestEntry.of("k", data));
        }
        for (int i = 0; i < 10; i++) { // 5,000 records: several full storage blocks
            engine.putRecords("s", batch);
        }
        double retained = registry.get("RetainedBytes").gauge().value();
        assertEquals(5_000 * 101, retained);
        time.advance(Duration.ofHours(24).plusMillis(1));
        engine.putRecord("s", "fresh", data);
        // The sweeper runs every second of real time; whole expired blocks are released.
        await().atMost(Duration.ofSeconds(10)).until(() -> registry.get("RetainedBytes").gauge().value() < 101 * 1_000);
        assertEquals(List.of("fresh"), readAll());
    }
}
