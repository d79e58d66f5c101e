package dev.sluice.stream;

import dev.sluice.stream.testing.ManualClock;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;

import static dev.sluice.stream.LimitsTest.assertError;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** One time source for an engine: {@code time(manualClock)}, and a manual clock given as clock or ticker alone. */
class EngineTimeTest {

    private final ManualClock time = new ManualClock(Instant.parse("2026-01-01T00:00:00Z"));

    private static void fillOneSecondOfWrites(StreamEngine engine) {
        engine.createStream("s", 1);
        for (int i = 0; i < 1_000; i++) {
            engine.putRecord("s", "k", new byte[1]);
        }
    }

    @Test
    void clockAlone_withAManualClock_throttlesOnTheManualClockToo() {
        try (StreamEngine engine = StreamEngine.builder().clock(time).build()) {
            fillOneSecondOfWrites(engine);
            // On the system ticker capacity would trickle back while the puts ran; on the manual clock none does.
            assertError(ErrorCode.PROVISIONED_THROUGHPUT_EXCEEDED, "1000 records/s",
                    () -> engine.putRecord("s", "k", new byte[1]));
            time.advance(Duration.ofMillis(1));
            engine.putRecord("s", "k", new byte[1]);
        }
    }

    @Test
    void tickerAlone_withAManualClock_stampsArrivalsOnTheManualClockToo() {
        try (StreamEngine engine = StreamEngine.builder().ticker(time).build()) {
            engine.createStream("s", 1);
            engine.putRecord("s", "k", new byte[1]);
            String iterator = engine.getShardIterator("s", "shardId-000000000000", ShardIteratorType.trimHorizon());
            assertEquals(time.instant(), engine.getRecords(iterator).records().get(0).approximateArrivalTimestamp());
        }
    }

    @Test
    void time_setsClockAndTicker() {
        try (StreamEngine engine = StreamEngine.builder().time(time).build()) {
            fillOneSecondOfWrites(engine);
            assertError(ErrorCode.PROVISIONED_THROUGHPUT_EXCEEDED, "1000 records/s",
                    () -> engine.putRecord("s", "k", new byte[1]));
            String iterator = engine.getShardIterator("s", "shardId-000000000000", ShardIteratorType.trimHorizon());
            assertEquals(time.instant(), engine.getRecords(iterator).records().get(0).approximateArrivalTimestamp());
        }
    }

    @Test
    void autoAdvance_movesTheTimeOnEveryReading() {
        time.autoAdvance(Duration.ofMillis(5));
        long first = time.read();
        long second = time.read();
        Instant third = time.instant();
        assertEquals(TimeUnit.MILLISECONDS.toNanos(5), second - first);
        assertEquals(Instant.parse("2026-01-01T00:00:00.010Z"), third);
        assertEquals(Instant.parse("2026-01-01T00:00:00.015Z"), time.withZone(java.time.ZoneId.of("Europe/Paris"))
                .instant());
        time.autoAdvance(Duration.ZERO);
        assertEquals(time.read(), time.read());
    }

    @Test
    void autoAdvance_letsABlockedPutFinishWithoutATestThreadMovingTime() {
        try (StreamEngine engine = StreamEngine.builder().time(time).throttleMode(ThrottleMode.BLOCK)
                .blockTimeout(Duration.ofMinutes(1)).build()) {
            fillOneSecondOfWrites(engine);
            time.autoAdvance(Duration.ofMillis(1));
            PutRecordResult put = engine.putRecordAsync(PutRecordRequest.of("s", "k", new byte[1]))
                    .orTimeout(30, TimeUnit.SECONDS).join();
            assertEquals("shardId-000000000000", put.shardId());
        }
    }
}
