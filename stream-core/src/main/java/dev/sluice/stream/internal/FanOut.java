package dev.sluice.stream.internal;

import dev.sluice.stream.ErrorCode;
import dev.sluice.stream.ShardIteratorType;
import dev.sluice.stream.StreamException;
import dev.sluice.stream.StreamRecord;
import dev.sluice.stream.SubscribeToShardEvent;
import dev.sluice.stream.ThrottleMode;
import dev.sluice.stream.Ticker;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Flow;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Enhanced fan-out: SubscribeToShard subscriptions, each pushing a shard's records to one registered consumer
 * at up to the consumer's own 2 MiB/s on that shard.
 *
 * <p>Design note: one thread ({@code sluice-stream-fanout}, started by the first subscription) visits every live
 * subscription every {@value #PUSH_PERIOD_MILLIS} ms and pushes at most one event to each that has demand, so a
 * slow subscriber delays only itself by not requesting. Events are {@link Flow} signals, called on that
 * thread only, so they are serialised per subscription as the Flow contract requires. Kinesis rules: a
 * subscription lasts {@link #SUBSCRIPTION_LIFETIME} of the engine's clock and then completes (the consumer
 * re-subscribes after its last {@code continuationSequenceNumber}); a second subscription of the same consumer
 * to the same shard within {@link #TAKEOVER_GUARD} of the first is refused with
 * {@code ResourceInUseException}, a later one takes over and the earlier one fails with that exception; a
 * closed shard read to its end sends one event naming its children and completes. While a shard has nothing new, a
 * subscription with demand gets an event without records every {@link #IDLE_EVENT_PERIOD} of the engine's clock,
 * carrying its {@code continuationSequenceNumber} and {@code millisBehindLatest} (0 when caught up), as Kinesis sends
 * them, so a consumer can checkpoint an idle shard. The idle event needs a position to report: a subscription that
 * has not passed any record of a shard that never had one (a new shard read from its start) sends none, since the
 * shard's starting sequence number is the first record's and resuming after it would skip that record.
 *
 * <p>Byte retention: a subscription claims its shard for its consumer in the stream's {@link Readers} from its start
 * position, and each event delivered moves the claim past the records it carried (the shard-end event releases the
 * whole shard), so a lossless stream keeps what the consumer was not sent yet.
 */
final class FanOut {

    static final Duration SUBSCRIPTION_LIFETIME = Duration.ofMinutes(5);
    static final Duration TAKEOVER_GUARD = Duration.ofSeconds(5);
    /**
     * How often an idle subscription gets an event without records. The Kinesis API reference does not give the
     * cadence; Kinesis is observed to send one about every 5 seconds.
     */
    static final Duration IDLE_EVENT_PERIOD = Duration.ofSeconds(5);
    private static final long PUSH_PERIOD_MILLIS = 5;
    /** Most records in one event. */
    private static final int EVENT_RECORDS = 10_000;

    private final Streams streams;
    private final ReadPath reads;
    private final Clock clock;
    private final Ticker ticker;
    private final ThrottleMode throttleMode;
    private final ThreadFactory threadFactory;
    private final ConcurrentHashMap<String, Subscription> live = new ConcurrentHashMap<>();
    /** Subscriptions a newer one took over: their error is signalled by the fan-out thread. */
    private final ConcurrentLinkedQueue<Subscription> retiring = new ConcurrentLinkedQueue<>();
    private ScheduledThreadPoolExecutor pusher;
    private boolean closed;

    FanOut(Streams streams, ReadPath reads, Clock clock, Ticker ticker, ThrottleMode throttleMode,
           ThreadFactory threadFactory) {
        this.streams = streams;
        this.reads = reads;
        this.clock = clock;
        this.ticker = ticker;
        this.throttleMode = throttleMode;
        this.threadFactory = threadFactory;
    }

    /**
     * Starts a subscription; validation errors are thrown here, before any subscriber exists.
     *
     * @throws StreamException {@link ErrorCode#RESOURCE_NOT_FOUND} for an unknown consumer, stream or shard,
     *                         {@link ErrorCode#RESOURCE_IN_USE} for a second subscription within 5 seconds
     */
    Flow.Publisher<SubscribeToShardEvent> subscribe(String consumerArn, String shardId, ShardIteratorType start) {
        String streamName = Arns.consumer(consumerArn)[0];
        StreamState stream = streams.require(streamName);
        StreamSettings.RegisteredConsumer consumer = ReadPath.registeredConsumer(stream, consumerArn);
        ShardState shard = stream.shard(shardId);
        IteratorToken position = reads.position(streamName, shardId, Objects.requireNonNull(start, "startingPosition"));
        String key = stream.name + '/' + stream.incarnation + '/' + consumerArn + '/' + shard.index;
        Subscription subscription = new Subscription(key, stream, shard, consumer, position, clock.millis());
        synchronized (this) {
            if (closed) {
                throw new StreamException(ErrorCode.ENGINE_CLOSED, "the stream engine is closed");
            }
            Subscription earlier = live.get(key);
            if (earlier != null && !earlier.done.get()) {
                if (subscription.startedMillis - earlier.startedMillis < TAKEOVER_GUARD.toMillis()) {
                    stream.metrics.subscribeRateExceeded.increment();
                    throw new StreamException(ErrorCode.RESOURCE_IN_USE, "Another active subscription exists for consumer "
                            + consumerArn + " on shard " + shardId + "; a new one may take over "
                            + TAKEOVER_GUARD.toSeconds() + " seconds after it started");
                }
                earlier.fail(new StreamException(ErrorCode.RESOURCE_IN_USE, "a newer subscription of consumer "
                        + consumerArn + " to shard " + shardId + " took over this one"));
                retiring.add(earlier);
            }
            live.put(key, subscription);
            subscription.claim(Math.max(Readers.NOTHING, position.fromSequence() - 1));
            if (pusher == null) {
                pusher = new ScheduledThreadPoolExecutor(1, runnable -> {
                    Thread thread = threadFactory.newThread(runnable);
                    thread.setName("sluice-stream-fanout");
                    return thread;
                });
                pusher.scheduleWithFixedDelay(this::pushAll, PUSH_PERIOD_MILLIS, PUSH_PERIOD_MILLIS, TimeUnit.MILLISECONDS);
            }
        }
        return subscription;
    }

    /** Fails every live subscription with {@code ENGINE_CLOSED} and stops the thread. */
    void close() {
        ScheduledThreadPoolExecutor stopping;
        synchronized (this) {
            closed = true;
            stopping = pusher;
        }
        if (stopping != null) {
            stopping.shutdown();
            try {
                stopping.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        retiring.forEach(Subscription::deliverTerminal);
        for (Subscription s : live.values()) {
            s.fail(new StreamException(ErrorCode.ENGINE_CLOSED, "the stream engine closed"));
            s.deliverTerminal();
        }
        live.clear();
    }

    private void pushAll() {
        for (Subscription s; (s = retiring.poll()) != null; ) {
            s.deliverTerminal();
        }
        for (Subscription s : live.values()) {
            try {
                s.push();
            } catch (RuntimeException e) {
                s.fail(e);
            }
            s.deliverTerminal();
            if (s.done.get() && s.terminalDelivered) {
                live.remove(s.key, s);
            }
        }
    }

    /** One subscription; its signals are sent by the fan-out thread only. */
    private final class Subscription implements Flow.Publisher<SubscribeToShardEvent>, Flow.Subscription {

        final String key;
        final StreamState stream;
        final ShardState shard;
        final StreamSettings.RegisteredConsumer consumer;
        final long startedMillis;
        final AtomicLong demand = new AtomicLong();
        final AtomicBoolean done = new AtomicBoolean();
        final AtomicBoolean subscribed = new AtomicBoolean();
        volatile Flow.Subscriber<? super SubscribeToShardEvent> subscriber;
        volatile Throwable failure;
        boolean terminalDelivered;
        long fromSequence;
        final long fromArrivalMillis;
        /** The last sequence number delivered, or reached by the start position; null until known. */
        String continuation;
        /** Engine clock time of the last event sent (or of the start): idle events follow it by the idle period. */
        long lastEventMillis;

        Subscription(String key, StreamState stream, ShardState shard, StreamSettings.RegisteredConsumer consumer,
                     IteratorToken position, long startedMillis) {
            this.key = key;
            this.stream = stream;
            this.shard = shard;
            this.consumer = consumer;
            this.fromSequence = position.fromSequence();
            this.fromArrivalMillis = position.fromArrivalMillis();
            this.startedMillis = startedMillis;
            this.lastEventMillis = startedMillis;
            if (fromSequence > shard.firstCounter) {
                continuation = shard.sequenceNumber(fromSequence - 1);
            }
        }

        @Override
        public void subscribe(Flow.Subscriber<? super SubscribeToShardEvent> s) {
            Objects.requireNonNull(s, "subscriber");
            if (!subscribed.compareAndSet(false, true)) {
                s.onSubscribe(new Flow.Subscription() {
                    @Override
                    public void request(long n) {
                    }

                    @Override
                    public void cancel() {
                    }
                });
                s.onError(new IllegalStateException("a SubscribeToShard publisher takes one subscriber"));
                return;
            }
            s.onSubscribe(this);
            subscriber = s; // signals start only after onSubscribe returned
        }

        @Override
        public void request(long n) {
            if (n <= 0) {
                fail(new IllegalArgumentException("request(" + n + "): demand must be positive (Flow rule 3.9)"));
                return;
            }
            demand.getAndAccumulate(n, (a, b) -> a + b < 0 ? Long.MAX_VALUE : a + b);
        }

        @Override
        public void cancel() {
            done.set(true);
            terminalDelivered = true; // a cancelled subscriber gets no more signals
        }

        void fail(Throwable t) {
            if (done.compareAndSet(false, true)) {
                failure = t;
            }
        }

        /** Sends the terminal signal once, after the last event. */
        void deliverTerminal() {
            Flow.Subscriber<? super SubscribeToShardEvent> s = subscriber;
            if (!done.get() || terminalDelivered || s == null) {
                return;
            }
            terminalDelivered = true;
            if (failure != null) {
                s.onError(failure);
            } else {
                s.onComplete();
            }
        }

        void push() {
            Flow.Subscriber<? super SubscribeToShardEvent> s = subscriber;
            if (done.get() || s == null) {
                return;
            }
            long nowMillis = clock.millis();
            if (nowMillis - startedMillis >= SUBSCRIPTION_LIFETIME.toMillis()) {
                done.set(true); // Kinesis ends every subscription after 5 minutes
                return;
            }
            if (stream.isDeleted()) {
                fail(new StreamException(ErrorCode.RESOURCE_NOT_FOUND, "Stream " + stream.name + " under account "
                        + KinesisLimits.ACCOUNT_ID + " was deleted"));
                return;
            }
            if (stream.settings().consumer(consumer.name()).filter(consumer::equals).isEmpty()) {
                fail(new StreamException(ErrorCode.RESOURCE_NOT_FOUND, "Consumer " + consumer.name() + " of stream "
                        + stream.name + " was deregistered"));
                return;
            }
            if (demand.get() == 0) {
                return;
            }
            ReadLimiter budget = stream.fanOutBudget(consumer, shard, ticker.read());
            if (throttleMode != ThrottleMode.OFF && budget.tryAdmit(ticker.read()) != 0) {
                return; // the consumer's 2 MiB/s is spent: push again when it refills
            }
            ReadPath.Batch batch = reads.read(stream, shard, fromSequence, fromArrivalMillis, EVENT_RECORDS, budget);
            List<StreamRecord> records = batch.read().records();
            fromSequence = batch.read().nextSequence();
            if (!records.isEmpty()) {
                continuation = records.get(records.size() - 1).sequenceNumber();
            }
            if (batch.shardEnd()) {
                String end = continuation != null ? continuation
                        : shard.sequenceNumber(Math.max(shard.endingCounter(), shard.firstCounter));
                emit(s, new SubscribeToShardEvent(records, end, batch.behind(), batch.children()), true);
                done.set(true);
            } else if (!records.isEmpty()) {
                emit(s, new SubscribeToShardEvent(records, continuation, batch.behind(), List.of()), false);
            } else if (nowMillis - lastEventMillis >= IDLE_EVENT_PERIOD.toMillis()) {
                if (continuation == null && fromSequence > shard.firstCounter) {
                    continuation = shard.sequenceNumber(fromSequence - 1);
                }
                if (continuation != null) {
                    emit(s, new SubscribeToShardEvent(List.of(), continuation, batch.behind(), List.of()), false);
                }
            }
        }

        private void emit(Flow.Subscriber<? super SubscribeToShardEvent> s, SubscribeToShardEvent event, boolean shardEnd) {
            demand.decrementAndGet();
            lastEventMillis = clock.millis();
            stream.metrics.fanOutBehindLatest.record(event.behindLatest().toMillis());
            s.onNext(event);
            claim(shardEnd ? Readers.ALL : fromSequence - 1);
        }

        /**
         * Byte retention: the consumer needs this shard's records after {@code readThrough} (what it was sent), as long
         * as it is registered (see {@link Readers}).
         */
        void claim(long readThrough) {
            if (stream.settings().consumer(consumer.name()).filter(consumer::equals).isPresent()) {
                stream.byteRetention.readers().fanOutRead(consumer.name(), shard.index, readThrough);
            }
        }
    }
}
