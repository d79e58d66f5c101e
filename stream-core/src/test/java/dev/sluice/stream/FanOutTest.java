package dev.sluice.stream;

import dev.sluice.stream.testing.ManualClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.math.BigInteger;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Enhanced fan-out: SubscribeToShard delivery, each consumer's own 2 MiB/s, Kinesis's subscription rules. */
class FanOutTest {

    /** Every Awaitility wait in this class: the bound Awaitility would otherwise apply silently. */
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final int MIB = 1 << 20;
    /** Writes unthrottled for the test's bulk puts; reads at Kinesis's 2 MiB/s and 5 calls/s. */
    private static final ShardLimits FAST_WRITES = new ShardLimits(ShardLimits.MAX_BYTES_PER_SECOND, 1_000_000, 2 * MIB, 5);

    private final ManualClock time = new ManualClock();
    private final StreamEngine engine = StreamEngine.builder().clock(time).ticker(time).build();

    @AfterEach
    void close() {
        engine.close();
    }

    /** Collects what a subscription signals. */
    static final class Collector implements Flow.Subscriber<SubscribeToShardEvent> {
        final List<SubscribeToShardEvent> events = new CopyOnWriteArrayList<>();
        final AtomicReference<Throwable> error = new AtomicReference<>();
        final AtomicBoolean completed = new AtomicBoolean();
        volatile Flow.Subscription subscription;
        private final long initialDemand;

        Collector(long initialDemand) {
            this.initialDemand = initialDemand;
        }

        @Override
        public void onSubscribe(Flow.Subscription s) {
            subscription = s;
            s.request(initialDemand);
        }

        @Override
        public void onNext(SubscribeToShardEvent event) {
            events.add(event);
        }

        @Override
        public void onError(Throwable t) {
            error.set(t);
        }

        @Override
        public void onComplete() {
            completed.set(true);
        }

        List<String> data() {
            List<String> data = new ArrayList<>();
            events.forEach(e -> e.records().forEach(r -> data.add(new String(r.dataBytes()))));
            return data;
        }

        long bytes() {
            return events.stream().flatMap(e -> e.records().stream()).mapToLong(r -> r.dataBytes().length).sum();
        }
    }

    private Collector subscribe(String consumerArn, String shardId, ShardIteratorType start, long demand) {
        Collector collector = new Collector(demand);
        engine.subscribeToShard(consumerArn, shardId, start).subscribe(collector);
        return collector;
    }

    @Test
    void subscription_pushesRecordsInOrderAsRequested_withContinuationSequenceNumbers() {
        engine.createStream("s", 1);
        StreamConsumer consumer = engine.registerStreamConsumer("s", "c");
        engine.putRecord("s", "k", "one".getBytes());
        Collector collector = subscribe(consumer.consumerArn(), "shardId-000000000000", ShardIteratorType.trimHorizon(), 1);
        await().atMost(WAIT).until(() -> collector.events.size() == 1);
        PutRecordResult two = engine.putRecord("s", "k", "two".getBytes());
        PutRecordResult three = engine.putRecord("s", "k", "three".getBytes());
        await().during(Duration.ofMillis(100)).atMost(WAIT).until(() -> collector.events.size() == 1); // no demand, no event
        collector.subscription.request(10);
        await().atMost(WAIT).until(() -> collector.data().size() == 3);
        assertEquals(List.of("one", "two", "three"), collector.data());
        assertEquals(three.sequenceNumber(), collector.events.get(collector.events.size() - 1).continuationSequenceNumber());

        // Re-subscribing after the continuation number resumes exactly there (after the 5-second guard).
        collector.subscription.cancel();
        time.advance(Duration.ofSeconds(5));
        engine.putRecord("s", "k", "four".getBytes());
        Collector resumed = subscribe(consumer.consumerArn(), "shardId-000000000000",
                ShardIteratorType.afterSequenceNumber(two.sequenceNumber()), 10);
        await().atMost(WAIT).until(() -> resumed.data().size() == 2);
        assertEquals(List.of("three", "four"), resumed.data());
    }

    @Test
    void eachConsumer_hasItsOwn2MiBPerSecond_andPollingReadersAreNotCharged() {
        engine.createStream(CreateStreamRequest.of("big", 1).withShardLimits(FAST_WRITES));
        byte[] data = new byte[MIB - 16];
        for (int i = 0; i < 3; i++) {
            engine.putRecord("big", "k", data);
        }
        StreamConsumer a = engine.registerStreamConsumer("big", "a");
        StreamConsumer b = engine.registerStreamConsumer("big", "b");
        Collector ca = subscribe(a.consumerArn(), "shardId-000000000000", ShardIteratorType.trimHorizon(), Long.MAX_VALUE);
        Collector cb = subscribe(b.consumerArn(), "shardId-000000000000", ShardIteratorType.trimHorizon(), Long.MAX_VALUE);
        // Each reads all 3 MiB at once (bytes are charged after the read, as Kinesis does): neither waits for the other.
        await().atMost(WAIT).until(() -> ca.bytes() == 3L * data.length && cb.bytes() == 3L * data.length);
        // The shared budget is untouched: a polling reader still gets its 3 MiB.
        String iterator = engine.getShardIterator("big", "shardId-000000000000", ShardIteratorType.trimHorizon());
        assertEquals(3, engine.getRecords(iterator).records().size());

        // Consumer a owes about 1 MiB now: its next MiB waits until 2 MiB/s has paid it off (~0.5 s of ticker time).
        engine.putRecord("big", "k", data);
        await().during(Duration.ofMillis(200)).atMost(WAIT).until(() -> ca.bytes() == 3L * data.length);
        time.advance(Duration.ofMillis(600));
        await().atMost(WAIT).until(() -> ca.bytes() == 4L * data.length && cb.bytes() == 4L * data.length);
    }

    @Test
    void secondSubscriptionWithin5Seconds_isRefused_laterOneTakesOver() {
        engine.createStream("s", 1);
        StreamConsumer consumer = engine.registerStreamConsumer("s", "c");
        Collector first = subscribe(consumer.consumerArn(), "shardId-000000000000", ShardIteratorType.latest(), 10);
        time.advance(Duration.ofMillis(4_999));
        StreamException refused = assertThrows(StreamException.class,
                () -> engine.subscribeToShard(consumer.consumerArn(), "shardId-000000000000", ShardIteratorType.latest()));
        assertEquals(ErrorCode.RESOURCE_IN_USE, refused.code());
        time.advance(Duration.ofMillis(1));
        Collector second = subscribe(consumer.consumerArn(), "shardId-000000000000", ShardIteratorType.latest(), 10);
        await().atMost(WAIT).until(() -> first.error.get() != null);
        assertEquals(ErrorCode.RESOURCE_IN_USE, ((StreamException) first.error.get()).code());
        engine.putRecord("s", "k", "x".getBytes());
        await().atMost(WAIT).until(() -> second.data().equals(List.of("x")));
        assertTrue(first.events.isEmpty());
    }

    @Test
    void subscription_completesAfter5MinutesOfTheEnginesClock() {
        engine.createStream("s", 1);
        StreamConsumer consumer = engine.registerStreamConsumer("s", "c");
        Collector collector = subscribe(consumer.consumerArn(), "shardId-000000000000", ShardIteratorType.trimHorizon(), 100);
        time.advance(Duration.ofMinutes(5).minusMillis(1));
        await().during(Duration.ofMillis(100)).atMost(WAIT).until(() -> !collector.completed.get());
        time.advance(Duration.ofMillis(1));
        await().atMost(WAIT).until(collector.completed::get);
        assertEquals(null, collector.error.get());
    }

    @Test
    void closedShard_readToItsEnd_sendsItsChildrenAndCompletes() {
        engine.createStream("s", 1);
        StreamConsumer consumer = engine.registerStreamConsumer("s", "c");
        PutRecordResult last = engine.putRecord("s", "k", "before".getBytes());
        engine.splitShard("s", "shardId-000000000000", BigInteger.ONE.shiftLeft(127).toString());
        Collector collector = subscribe(consumer.consumerArn(), "shardId-000000000000", ShardIteratorType.trimHorizon(), 10);
        await().atMost(WAIT).until(collector.completed::get);
        SubscribeToShardEvent end = collector.events.get(collector.events.size() - 1);
        assertEquals(List.of("shardId-000000000001", "shardId-000000000002"),
                end.childShards().stream().map(ChildShard::shardId).toList());
        assertEquals(List.of("before"), collector.data());
        assertEquals(last.sequenceNumber(), end.continuationSequenceNumber());
    }

    @Test
    void deregisteringTheConsumer_failsItsSubscription_andUnknownConsumersAreRefused() {
        engine.createStream("s", 1);
        StreamConsumer consumer = engine.registerStreamConsumer("s", "c");
        Collector collector = subscribe(consumer.consumerArn(), "shardId-000000000000", ShardIteratorType.latest(), 10);
        engine.deregisterStreamConsumer("s", "c");
        await().atMost(WAIT).until(() -> collector.error.get() != null);
        StreamException e = assertInstanceOf(StreamException.class, collector.error.get());
        assertEquals(ErrorCode.RESOURCE_NOT_FOUND, e.code());
        assertFalse(collector.completed.get());
        assertEquals(ErrorCode.RESOURCE_NOT_FOUND, assertThrows(StreamException.class,
                () -> engine.subscribeToShard(consumer.consumerArn(), "shardId-000000000000", ShardIteratorType.latest())).code());
        StreamConsumer other = engine.registerStreamConsumer("s", "d");
        assertEquals(ErrorCode.RESOURCE_NOT_FOUND, assertThrows(StreamException.class,
                () -> engine.subscribeToShard(other.consumerArn(), "shardId-000000000009", ShardIteratorType.latest())).code());
    }

    @Test
    void closingTheEngine_failsLiveSubscriptions() {
        engine.createStream("s", 1);
        StreamConsumer consumer = engine.registerStreamConsumer("s", "c");
        Collector collector = subscribe(consumer.consumerArn(), "shardId-000000000000", ShardIteratorType.latest(), 10);
        engine.close();
        await().atMost(WAIT).until(() -> collector.error.get() != null);
        assertEquals(ErrorCode.ENGINE_CLOSED, ((StreamException) collector.error.get()).code());
    }
}
