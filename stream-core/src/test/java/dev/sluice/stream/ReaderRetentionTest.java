package dev.sluice.stream;

import dev.sluice.stream.testing.ManualClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The readers a lossless overflow policy waits for: consumer applications (their checkpoints) and enhanced fan-out
 * consumers (what their subscriptions were sent). Streams of one shard with a 1 MiB limit; throttling off.
 */
@Timeout(60)
class ReaderRetentionTest {

    private static final String SHARD0 = "shardId-000000000000";
    private static final long MIB = 1 << 20;
    private static final byte[] KIB = new byte[1023];

    private final ManualClock time = new ManualClock();
    private final StreamEngine engine = StreamEngine.builder().clock(time).ticker(time).throttleMode(ThrottleMode.OFF).build();
    private final List<ConsumerApplication> applications = new ArrayList<>();

    @AfterEach
    void close() {
        applications.forEach(ConsumerApplication::close);
        engine.close();
    }

    /** Waits, moving the manual clock 100 ms per check so that the applications' polls come due. */
    private void awaitWithTime(BooleanSupplier condition) {
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(2)).until(() -> {
            time.advance(Duration.ofMillis(100));
            return condition.getAsBoolean();
        });
    }

    private ConsumerApplication start(String name, ShardIteratorType initial, RecordProcessor processor) {
        ConsumerApplication app = ConsumerApplication.builder(engine).applicationName(name).streamName("s")
                .initialPosition(initial).pollInterval(Duration.ofMillis(200)).processor(processor).build();
        applications.add(app);
        return app;
    }

    @Test
    void consumerApplication_checkpointsMakeRoom_soAFullStreamPushesBackButLosesNothing() {
        engine.createStream(CreateStreamRequest.of("s", 1).withRetentionBytes(MIB));
        List<String> received = new CopyOnWriteArrayList<>();
        start("billing", ShardIteratorType.trimHorizon(), input -> {
            input.records().forEach(r -> received.add(r.sequenceNumber()));
            input.checkpointer().checkpoint();
        });
        assertEquals(List.of("billing"), engine.listReaders("s"));
        List<String> accepted = new ArrayList<>();
        int refusals = 0;
        while (accepted.size() < 5 * 1024) { // 5 MiB through a 1 MiB stream
            try {
                accepted.add(engine.putRecord("s", "k", KIB).sequenceNumber());
            } catch (StreamException e) {
                assertEquals(ErrorCode.PROVISIONED_THROUGHPUT_EXCEEDED, e.code());
                refusals++;
                int expected = accepted.size();
                awaitWithTime(() -> received.size() == expected); // the application catches up and checkpoints
            }
        }
        awaitWithTime(() -> received.size() == accepted.size());
        assertEquals(accepted, received, "every accepted record, once, in order");
        // Without reads in between, 5 MiB through 1 MiB is refused 4 or 5 times. The application's worker runs on its
        // own thread, though: a poll that came due during the last wait may still read while the producer writes
        // (the clock stands still then, so at most one such read, which frees at most 1 MiB more). Each stretch
        // between two refusals is therefore at most 2 MiB, and 5 MiB needs at least 2 refusals on any schedule.
        assertTrue(refusals >= 2, "the producer was pushed back " + refusals + " times");
        applications.get(0).close();
        assertEquals(List.of("billing"), engine.listReaders("s"), "closing keeps the registration");
    }

    @Test
    void consumerApplication_startedAtLatest_needsNothingFromBeforeItsStart() {
        engine.createStream(CreateStreamRequest.of("s", 1).withRetentionBytes(MIB));
        for (int i = 0; i < 900; i++) {
            engine.putRecord("s", "k", KIB);
        }
        List<String> received = new CopyOnWriteArrayList<>();
        start("late", ShardIteratorType.latest(), input -> input.records().forEach(r -> received.add(r.sequenceNumber())));
        awaitWithTime(() -> {
            if (received.isEmpty()) {
                engine.putRecord("s", "marker", new byte[1]);
            }
            return !received.isEmpty();
        });
        for (int i = 0; i < 900; i++) { // the application never checkpoints, but the first 900 KiB are before it
            engine.putRecord("s", "k", KIB);
        }
        assertThrows(StreamException.class, () -> {
            for (int i = 0; i < 200; i++) {
                engine.putRecord("s", "k", KIB);
            }
        }, "what it received and did not checkpoint is kept");
    }

    /** A subscription collecting sequence numbers, with the given initial demand. */
    private static final class Subscriber implements java.util.concurrent.Flow.Subscriber<SubscribeToShardEvent> {
        final List<String> received = new CopyOnWriteArrayList<>();
        private final long demand;

        Subscriber(long demand) {
            this.demand = demand;
        }

        @Override
        public void onSubscribe(java.util.concurrent.Flow.Subscription subscription) {
            if (demand > 0) {
                subscription.request(demand);
            }
        }

        @Override
        public void onNext(SubscribeToShardEvent event) {
            event.records().forEach(r -> received.add(r.sequenceNumber()));
        }

        @Override
        public void onError(Throwable throwable) {
        }

        @Override
        public void onComplete() {
        }
    }

    @Test
    void fanOutConsumer_claimsWhatItsSubscriptionWasNotSentYet() {
        engine.createStream(CreateStreamRequest.of("s", 1).withRetentionBytes(MIB));
        StreamConsumer fast = engine.registerStreamConsumer("s", "fast");
        Subscriber reading = new Subscriber(Long.MAX_VALUE);
        engine.subscribeToShard(fast.consumerArn(), SHARD0, ShardIteratorType.trimHorizon()).subscribe(reading);
        List<String> accepted = new ArrayList<>();
        while (accepted.size() < 3 * 1024) { // 3 MiB: room comes from what the subscription was sent
            try {
                accepted.add(engine.putRecord("s", "k", KIB).sequenceNumber());
            } catch (StreamException e) {
                int expected = accepted.size();
                await().atMost(Duration.ofSeconds(20)).until(() -> reading.received.size() == expected);
            }
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> reading.received.size() == accepted.size());
        assertEquals(accepted, reading.received);

        StreamConsumer stalled = engine.registerStreamConsumer("s", "stalled");
        engine.subscribeToShard(stalled.consumerArn(), SHARD0, ShardIteratorType.latest()).subscribe(new Subscriber(0));
        StreamException full = assertThrows(StreamException.class, () -> {
            for (int i = 0; i < 2048; i++) {
                engine.putRecord("s", "k", KIB);
            }
        });
        assertTrue(full.getMessage().contains("consumer stalled"), full.getMessage());
        engine.deregisterStreamConsumer("s", "stalled");
        engine.putRecord("s", "k", KIB); // the stalled consumer no longer holds anything back
    }
}
