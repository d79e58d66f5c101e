package dev.sluice.stream;

import dev.sluice.stream.testing.ManualClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * On-demand capacity mode, on the manual clock: the rule documented on {@link StreamEngine#updateStreamMode}
 * (offered rate averaged over 60 s; at 80 % of capacity, scale to twice the demand, at most doubling per step).
 */
class OnDemandScalingTest {

    /** Every Awaitility wait in this class: the bound Awaitility would otherwise apply silently. */
    private static final Duration WAIT = Duration.ofSeconds(10);

    private final ManualClock time = new ManualClock();
    private final StreamEngine engine = StreamEngine.builder().clock(time).ticker(time).build();
    private final Random random = new Random(42);

    @AfterEach
    void close() {
        engine.close();
    }

    /** Offers {@code perSecond} records of {@code size} bytes each second of virtual time, for {@code seconds}. */
    private void offer(String stream, int perSecond, int size, int seconds) {
        for (int s = 0; s < seconds; s++) {
            int left = perSecond;
            while (left > 0) {
                int n = Math.min(500, left);
                List<PutRecordsRequestEntry> batch = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    batch.add(PutRecordsRequestEntry.of("key-" + random.nextInt(1_000_000), new byte[size]));
                }
                engine.putRecords(stream, batch); // throttled entries count as demand too
                left -= n;
            }
            time.advance(Duration.ofSeconds(1));
        }
    }

    private int openShards(String stream) {
        return engine.describeStreamSummary(stream).openShardCount();
    }

    @Test
    void recordRateAt90PercentOfCapacity_doublesTheShards_onceTheWindowIsCovered() {
        engine.createStream(CreateStreamRequest.onDemand("od"));
        assertEquals(4, openShards("od"));
        offer("od", 3_600, 100, 59);
        await().during(Duration.ofMillis(600)).atMost(WAIT).until(() -> openShards("od") == 4); // 59 s: window not covered yet
        offer("od", 3_600, 100, 2);
        await().atMost(WAIT).until(() -> openShards("od") == 8); // 3.6 shards of demand -> 2 x 3.6 -> 8
        // At 3,600 records/s the 8 shards are at 45 %: no further step.
        offer("od", 3_600, 100, 61);
        await().during(Duration.ofMillis(600)).atMost(WAIT).until(() -> openShards("od") == 8);
    }

    @Test
    void demandBelow80Percent_doesNotScale() {
        engine.createStream(CreateStreamRequest.onDemand("calm"));
        offer("calm", 3_100, 100, 70); // 77.5 % of 4,000 records/s
        await().during(Duration.ofMillis(600)).atMost(WAIT).until(() -> openShards("calm") == 4);
    }

    @Test
    void byteRate_isMeasuredToo_andTheTargetIsTwiceTheDemand() {
        engine.createStream(CreateStreamRequest.onDemand("bytes"));
        int size = 35 * 1024;
        offer("bytes", 105, size, 61); // 105 x 35 KiB = 3.59 MiB/s: 3.6 shards of bytes, 0.1 of records
        await().atMost(WAIT).until(() -> openShards("bytes") == 8);
    }

    @Test
    void scalingStepsAreAtMostDoubleAndAMinuteApart() {
        engine.createStream(CreateStreamRequest.onDemand("burst"));
        offer("burst", 20_000, 10, 61); // 20 shards of demand: 4 -> 8 (at most double)
        await().atMost(WAIT).until(() -> openShards("burst") == 8);
        offer("burst", 20_000, 10, 30);
        await().during(Duration.ofMillis(600)).atMost(WAIT).until(() -> openShards("burst") == 8); // next step needs a new window
        offer("burst", 20_000, 10, 31);
        await().atMost(WAIT).until(() -> openShards("burst") == 16);
    }

    @Test
    void provisionedStreams_neverScale_andSwitchingModesIsReported() {
        engine.createStream("fixed", 4);
        offer("fixed", 3_900, 100, 61);
        await().during(Duration.ofMillis(600)).atMost(WAIT).until(() -> openShards("fixed") == 4);
        engine.updateStreamMode("fixed", StreamMode.ON_DEMAND);
        assertEquals(StreamMode.ON_DEMAND, engine.describeStreamSummary("fixed").streamMode());
        await().atMost(WAIT).until(() -> openShards("fixed") == 8); // the average since the stream opened already qualifies
    }
}
