package dev.sluice.kinesis;

import dev.sluice.delivery.DeliveryStream;
import dev.sluice.stream.CreateStreamRequest;
import dev.sluice.stream.ShardLimits;
import dev.sluice.stream.testing.ManualClock;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.kinesis.KinesisAsyncClient;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Time-driven behaviour on a server whose engine runs on a {@link ManualClock}, with a delivery stream on the same
 * clock as its ticker (the source's waits) and an SDK client that does not retry (so every refusal reaches the
 * source): throttled GetRecords back off on the ticker, expired iterators are renewed after the last record handed
 * over, and enhanced fan-out subscriptions are renewed when Kinesis ends them after 5 minutes, or by the source when
 * one outlives that.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ThrottlingAndExpiryIT {

    private static final Duration WAIT = Duration.ofSeconds(30);

    private final ManualClock time = new ManualClock();
    private SluiceKinesis kinesis;
    private KinesisAsyncClient noRetries;

    @BeforeAll
    void start() {
        kinesis = SluiceKinesis.start(time);
        noRetries = kinesis.client(false);
    }

    @AfterAll
    void stop() {
        kinesis.close();
    }

    private static void assertExactlyOnce(List<String> expected, Path bucket) {
        List<String> delivered = SluiceKinesis.lines(bucket);
        assertEquals(expected.size(), delivered.size(), "delivered lines");
        assertEquals(new HashSet<>(expected), new HashSet<>(delivered));
    }

    /** Advances {@code clock} by {@code step} on every poll until {@code done}. */
    private static void stepUntil(ManualClock clock, Duration step, java.util.concurrent.Callable<Boolean> done) {
        await().atMost(WAIT).pollInterval(Duration.ofMillis(20)).until(() -> {
            clock.advance(step);
            return done.call();
        });
    }

    @Test
    @Timeout(60)
    void throttledGetRecords_backsOffOnTheTicker_andStillDeliversEverything(@TempDir Path work) {
        String stream = "hot";
        // One GetRecords call per second on the shard, so a source that keeps up is throttled.
        ShardLimits oneReadPerSecond = new ShardLimits(ShardLimits.MAX_BYTES_PER_SECOND, Integer.MAX_VALUE,
                ShardLimits.KINESIS.readBytesPerSecond(), 1);
        kinesis.engine.createStream(CreateStreamRequest.of(stream, 1).withShardLimits(oneReadPerSecond));
        List<String> sent = kinesis.putNumbered(stream, 10, 0, 600, 200);
        KinesisSource source = KinesisSource.builder().client(noRetries).streamName(stream)
                .readMode(ReadMode.polling(100, ReadMode.MIN_IDLE_INTERVAL)).checkpointDirectory(work.resolve("state"))
                .build();
        Path bucket = work.resolve("bucket");
        try (DeliveryStream delivery = SluiceKinesis.deliver(bucket, source, time)) {
            stepUntil(time, Duration.ofMillis(100),
                    () -> kinesis.failures("ProvisionedThroughputExceededException") >= 1);
            // The ticker stands still: a source that backs off on it makes no call, however long the real wait.
            int calls = kinesis.calls("GetRecords");
            await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2))
                    .until(() -> kinesis.calls("GetRecords") == calls);
            assertTrue(delivery.stats().incomingRecords() < 600, "throttled before the end");

            stepUntil(time, Duration.ofMillis(250), () -> delivery.stats().incomingRecords() == 600);
            delivery.flush();
        }
        assertTrue(kinesis.failures("ProvisionedThroughputExceededException") >= 1);
        assertExactlyOnce(sent, bucket);
    }

    @Test
    @Timeout(60)
    void iteratorOlderThanFiveMinutes_isRenewedAfterTheLastRecordHandedOver(@TempDir Path work) {
        String stream = "sleepy";
        kinesis.engine.createStream(CreateStreamRequest.of(stream, 1));
        List<String> sent = new ArrayList<>(kinesis.putNumbered(stream, 10, 0, 100, 200));
        KinesisSource source = KinesisSource.builder().client(noRetries).streamName(stream)
                .readMode(ReadMode.polling(1_000, Duration.ofSeconds(1))).checkpointDirectory(work.resolve("state"))
                .build();
        Path bucket = work.resolve("bucket");
        try (DeliveryStream delivery = SluiceKinesis.deliver(bucket, source, time)) {
            await().atMost(WAIT).until(() -> delivery.stats().incomingRecords() == 100);
            sent.addAll(kinesis.putNumbered(stream, 10, 100, 150, 200));
            int expiredBefore = kinesis.failures("ExpiredIteratorException");
            time.advance(Duration.ofMinutes(6)); // the shard's iterator, issued before, is now too old
            await().atMost(WAIT).until(() -> delivery.stats().incomingRecords() == 150);
            assertEquals(expiredBefore + 1, kinesis.failures("ExpiredIteratorException"));
            delivery.flush();
        }
        assertExactlyOnce(sent, bucket);
    }

    @Test
    @Timeout(60)
    void subscriptionEndedAfterFiveMinutes_isRenewedFromTheLastRecordHandedOver(@TempDir Path work) {
        String stream = "fan";
        kinesis.engine.createStream(CreateStreamRequest.of(stream, 1));
        List<String> sent = new ArrayList<>(kinesis.putNumbered(stream, 10, 0, 100, 200));
        KinesisSource source = KinesisSource.builder().client(noRetries).streamName(stream)
                .readMode(ReadMode.enhancedFanOut("five-minutes")).checkpointDirectory(work.resolve("state")).build();
        Path bucket = work.resolve("bucket");
        try (DeliveryStream delivery = SluiceKinesis.deliver(bucket, source, time)) {
            await().atMost(WAIT).until(() -> delivery.stats().incomingRecords() == 100);
            int subscriptions = kinesis.calls("SubscribeToShard");
            time.advance(Duration.ofMinutes(5).plusSeconds(1)); // Kinesis (here the engine) ends the subscription
            await().atMost(WAIT).until(() -> kinesis.calls("SubscribeToShard") > subscriptions);
            sent.addAll(kinesis.putNumbered(stream, 10, 100, 200, 200));
            await().atMost(WAIT).until(() -> delivery.stats().incomingRecords() == 200);
            delivery.flush();
        }
        assertExactlyOnce(sent, bucket);
    }

    @Test
    @Timeout(60)
    void subscriptionOutlivingItsLifetime_isCancelledAndRenewedByTheSource(@TempDir Path work) {
        String stream = "forever";
        kinesis.engine.createStream(CreateStreamRequest.of(stream, 1));
        List<String> sent = new ArrayList<>(kinesis.putNumbered(stream, 10, 0, 100, 200));
        KinesisSource source = KinesisSource.builder().client(noRetries).streamName(stream)
                .readMode(ReadMode.enhancedFanOut("watchful")).checkpointDirectory(work.resolve("state")).build();
        // The delivery stream's ticker moves, the server's clock does not: the server never ends the subscription.
        ManualClock sourceTime = new ManualClock();
        Path bucket = work.resolve("bucket");
        try (DeliveryStream delivery = SluiceKinesis.deliver(bucket, source, sourceTime)) {
            await().atMost(WAIT).until(() -> delivery.stats().incomingRecords() == 100);
            int subscriptions = kinesis.calls("SubscribeToShard");
            sourceTime.advance(Duration.ofMinutes(5).plusSeconds(16));
            // A renewal may meet the old subscription still open on the server (ResourceInUseException): the
            // source backs off on its ticker, so keep it moving.
            stepUntil(sourceTime, Duration.ofMillis(100), () -> kinesis.calls("SubscribeToShard") > subscriptions);
            sent.addAll(kinesis.putNumbered(stream, 10, 100, 200, 200));
            stepUntil(sourceTime, Duration.ofMillis(100), () -> delivery.stats().incomingRecords() == 200);
            delivery.flush();
        }
        assertExactlyOnce(sent, bucket);
    }
}
