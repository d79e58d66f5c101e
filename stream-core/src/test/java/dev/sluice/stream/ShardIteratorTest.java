package dev.sluice.stream;

import dev.sluice.stream.testing.ManualClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static dev.sluice.stream.LimitsTest.assertError;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Iterator positions, exact on their boundaries, and iterator expiry, on a manual clock. */
class ShardIteratorTest {

    private static final String SHARD = "shardId-000000000000";

    private final ManualClock time = new ManualClock(Instant.parse("2026-03-01T12:00:00Z"));
    private final StreamEngine engine = StreamEngine.builder().clock(time).ticker(time).throttleMode(ThrottleMode.OFF).build();
    private final List<PutRecordResult> puts = new ArrayList<>();

    @AfterEach
    void close() {
        engine.close();
    }

    /** Ten records, one per 10 ms: record i arrives at 12:00:00.000 + 10 * i ms. */
    private void putTen() {
        engine.createStream("s", 1);
        for (int i = 0; i < 10; i++) {
            puts.add(engine.putRecord("s", "key-" + i, ("record-" + i).getBytes(StandardCharsets.UTF_8)));
            time.advance(Duration.ofMillis(10));
        }
    }

    private List<String> read(ShardIteratorType type) {
        String iterator = engine.getShardIterator("s", SHARD, type);
        return engine.getRecords(iterator).records().stream()
                .map(r -> new String(r.dataBytes(), StandardCharsets.UTF_8)).toList();
    }

    @Test
    void sequenceNumbers_increaseWithinShardAndCompareNumerically() {
        putTen();
        for (int i = 1; i < puts.size(); i++) {
            BigInteger previous = new BigInteger(puts.get(i - 1).sequenceNumber());
            BigInteger current = new BigInteger(puts.get(i).sequenceNumber());
            assertTrue(current.compareTo(previous) > 0);
            assertTrue(puts.get(i).sequenceNumber().compareTo(puts.get(i - 1).sequenceNumber()) > 0, "string order too");
        }
        assertEquals(puts.get(0).sequenceNumber(), engine.listShards("s").get(0).sequenceNumberRange().startingSequenceNumber());
    }

    @Test
    void trimHorizonAndLatest_startAtOldestAndAfterNewest() {
        putTen();
        assertEquals(10, read(ShardIteratorType.trimHorizon()).size());
        String latest = engine.getShardIterator("s", SHARD, ShardIteratorType.latest());
        assertTrue(engine.getRecords(latest).records().isEmpty());
        engine.putRecord("s", "k", "after".getBytes(StandardCharsets.UTF_8));
        GetRecordsResult result = engine.getRecords(latest);
        assertEquals(1, result.records().size());
        assertEquals("after", new String(result.records().get(0).dataBytes(), StandardCharsets.UTF_8));
    }

    @Test
    void atAndAfterSequenceNumber_startExactlyThere() {
        putTen();
        String fourth = puts.get(4).sequenceNumber();
        assertEquals("record-4", read(ShardIteratorType.atSequenceNumber(fourth)).get(0));
        assertEquals(6, read(ShardIteratorType.atSequenceNumber(fourth)).size());
        assertEquals("record-5", read(ShardIteratorType.afterSequenceNumber(fourth)).get(0));
        assertEquals(0, read(ShardIteratorType.afterSequenceNumber(puts.get(9).sequenceNumber())).size());
        assertEquals(10, read(ShardIteratorType.atSequenceNumber(puts.get(0).sequenceNumber())).size());
    }

    @Test
    void atTimestamp_includesRecordArrivingExactlyThenAndExcludesEarlier() {
        putTen();
        Instant third = Instant.parse("2026-03-01T12:00:00.030Z");
        assertEquals("record-3", read(ShardIteratorType.atTimestamp(third)).get(0));
        assertEquals("record-4", read(ShardIteratorType.atTimestamp(third.plusNanos(1))).get(0));
        assertEquals("record-3", read(ShardIteratorType.atTimestamp(third.minusMillis(9))).get(0));
        assertEquals(10, read(ShardIteratorType.atTimestamp(Instant.EPOCH)).size());
        assertEquals(0, read(ShardIteratorType.atTimestamp(Instant.parse("2026-03-01T12:00:00.091Z"))).size());
    }

    @Test
    void atTimestampInTheFuture_returnsOnlyRecordsArrivingFromThen() {
        putTen();
        Instant future = time.instant().plusSeconds(1);
        String iterator = engine.getShardIterator("s", SHARD, ShardIteratorType.atTimestamp(future));
        engine.putRecord("s", "k", "too-early".getBytes(StandardCharsets.UTF_8));
        time.advance(Duration.ofSeconds(1));
        engine.putRecord("s", "k", "on-time".getBytes(StandardCharsets.UTF_8));
        List<StreamRecord> records = engine.getRecords(iterator).records();
        assertEquals(1, records.size());
        assertEquals("on-time", new String(records.get(0).dataBytes(), StandardCharsets.UTF_8));
    }

    @Test
    void getRecords_followsNextIteratorThroughTheShardWithLimit() {
        putTen();
        String iterator = engine.getShardIterator("s", SHARD, ShardIteratorType.trimHorizon());
        List<String> all = new ArrayList<>();
        for (int call = 0; call < 4; call++) {
            GetRecordsResult result = engine.getRecords(iterator, 3);
            result.records().forEach(r -> all.add(r.partitionKey()));
            iterator = result.nextShardIterator().orElseThrow();
        }
        assertEquals(List.of("key-0", "key-1", "key-2", "key-3", "key-4", "key-5", "key-6", "key-7", "key-8", "key-9"), all);
    }

    @Test
    void getRecords_reportsArrivalTimesAndMillisBehindLatest() {
        putTen();
        time.advance(Duration.ofSeconds(5));
        String iterator = engine.getShardIterator("s", SHARD, ShardIteratorType.trimHorizon());
        GetRecordsResult first = engine.getRecords(iterator, 4);
        assertEquals(Instant.parse("2026-03-01T12:00:00.000Z"), first.records().get(0).approximateArrivalTimestamp());
        // Oldest unread record (record 4) arrived at .040; now is .100 + 5 s.
        assertEquals(Duration.ofMillis(5_060), first.behindLatest());
        GetRecordsResult rest = engine.getRecords(first.nextShardIterator().orElseThrow());
        assertEquals(6, rest.records().size());
        assertEquals(Duration.ZERO, rest.behindLatest());
    }

    @Test
    void getRecords_withIteratorOlderThanFiveMinutes_throwsExpiredIterator() {
        putTen();
        String iterator = engine.getShardIterator("s", SHARD, ShardIteratorType.trimHorizon());
        time.advance(Duration.ofMinutes(5));
        GetRecordsResult atLimit = engine.getRecords(iterator, 1); // exactly 5 minutes old: still valid
        time.advance(Duration.ofMillis(1));
        assertError(ErrorCode.EXPIRED_ITERATOR, "tolerated delay of 300000 milliseconds", () -> engine.getRecords(iterator));
        // The iterator a call returns is fresh.
        assertEquals(9, engine.getRecords(atLimit.nextShardIterator().orElseThrow()).records().size());
    }

    @Test
    void getRecords_afterStreamRecreated_refusesOldIterator() {
        putTen();
        String iterator = engine.getShardIterator("s", SHARD, ShardIteratorType.trimHorizon());
        engine.deleteStream("s");
        assertError(ErrorCode.RESOURCE_NOT_FOUND, "Stream s under account 000000000000 not found", () -> engine.getRecords(iterator));
        engine.createStream("s", 1);
        assertError(ErrorCode.RESOURCE_NOT_FOUND, "not found", () -> engine.getRecords(iterator));
    }

    @Test
    void putRecord_withSequenceNumberForOrdering_getsAGreaterSequenceNumber() {
        engine.createStream("s", 2);
        PutRecordResult high = null;
        for (int i = 0; i < 50; i++) {
            high = engine.putRecord(PutRecordRequest.of("s", "k", new byte[1]).withExplicitHashKey("0"));
        }
        String otherShard = "340282366920938463463374607431768211455";
        PutRecordResult ordered = engine.putRecord(PutRecordRequest.of("s", "k", new byte[1])
                .withExplicitHashKey(otherShard).withSequenceNumberForOrdering(high.sequenceNumber()));
        assertEquals("shardId-000000000001", ordered.shardId());
        assertTrue(new BigInteger(ordered.sequenceNumber()).compareTo(new BigInteger(high.sequenceNumber())) > 0);
        PutRecordResult next = engine.putRecord(PutRecordRequest.of("s", "k", new byte[1]).withExplicitHashKey(otherShard));
        assertTrue(new BigInteger(next.sequenceNumber()).compareTo(new BigInteger(ordered.sequenceNumber())) > 0);
        assertError(ErrorCode.INVALID_ARGUMENT, "sequenceNumberForOrdering",
                () -> engine.putRecord(PutRecordRequest.of("s", "k", new byte[1]).withSequenceNumberForOrdering("42")));
    }

    @Test
    void arrivalTimestamps_neverGoBackwardsWhenTheClockIsEarlier() {
        ManualClock early = new ManualClock(Instant.parse("2026-03-01T12:00:00Z"));
        try (StreamEngine other = StreamEngine.builder().clock(new SteppingBackClock(early)).ticker(early).build()) {
            other.createStream("s", 1);
            other.putRecord("s", "a", new byte[1]);
            other.putRecord("s", "b", new byte[1]);
            List<StreamRecord> records = other.getRecords(other.getShardIterator("s", SHARD, ShardIteratorType.trimHorizon())).records();
            assertEquals(records.get(0).approximateArrivalTimestamp(), records.get(1).approximateArrivalTimestamp());
        }
    }

    /** A wall clock that goes back one second on each reading. */
    private static final class SteppingBackClock extends java.time.Clock {
        private final ManualClock base;
        private long readings;

        SteppingBackClock(ManualClock base) {
            this.base = base;
        }

        @Override
        public java.time.ZoneId getZone() {
            return base.getZone();
        }

        @Override
        public java.time.Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public synchronized Instant instant() {
            return base.instant().minusSeconds(readings++);
        }
    }
}
