package dev.sluice.kinesis.internal;

import software.amazon.awssdk.services.kinesis.KinesisAsyncClient;
import software.amazon.awssdk.services.kinesis.model.ConsumerDescription;
import software.amazon.awssdk.services.kinesis.model.ConsumerStatus;
import software.amazon.awssdk.services.kinesis.model.ShardIteratorType;
import software.amazon.awssdk.services.kinesis.model.StartingPosition;
import software.amazon.awssdk.services.kinesis.model.SubscribeToShardEvent;
import software.amazon.awssdk.services.kinesis.model.SubscribeToShardRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;

/**
 * Enhanced fan-out: finds or registers the consumer, then reads each shard through SubscribeToShard.
 *
 * <p>Design note: a subscription starts right after the last record handed over (TRIM_HORIZON before the first) and
 * asks for one event at a time: the next is requested only after the reader handed the previous one's records over,
 * so a slow delivery stream slows the subscription instead of filling memory. An event the delivery stream refuses
 * cancels the subscription, and the shard is subscribed again later from after the last accepted record. Kinesis
 * ends every subscription after {@link #SUBSCRIPTION_LIFETIME}; the reader subscribes again at once, and cancels and
 * renews one still open {@link #LIFETIME_GRACE} later. An open subscription that the transport drops (an HTTP
 * client's read timeout on an idle shard, a closed connection) is renewed after {@link Backoff#FIRST}, without a
 * growing back-off. The event naming child shards (Kinesis also sends a null continuation sequence number with it)
 * marks the shard's end once its records are handed over.
 */
final class FanOutFetcher implements ShardFetcher {

    /** Kinesis ends a SubscribeToShard subscription after 5 minutes. */
    static final Duration SUBSCRIPTION_LIFETIME = Duration.ofMinutes(5);
    /** A subscription still open this long after its lifetime is cancelled and renewed. */
    static final Duration LIFETIME_GRACE = Duration.ofSeconds(15);
    /** Wait between DescribeStreamConsumer calls while the consumer is CREATING (Kinesis allows 20 per second). */
    static final Duration CONSUMER_STATUS_POLL = Duration.ofSeconds(1);

    private static final Logger LOG = LoggerFactory.getLogger(FanOutFetcher.class);

    private final KinesisReader reader;
    private final KinesisAsyncClient client;
    private final String consumerName;
    private final Backoff backoff = new Backoff();
    private String consumerArn;

    FanOutFetcher(KinesisReader reader, KinesisAsyncClient client, String consumerName) {
        this.reader = reader;
        this.client = client;
        this.consumerName = consumerName;
    }

    @Override
    public void prepare() {
        while (consumerArn == null) {
            reader.checkRunning();
            try {
                ConsumerDescription consumer = reader.await(client.describeStreamConsumer(b -> b
                        .streamARN(reader.streamArn()).consumerName(consumerName))).consumerDescription();
                if (consumer.consumerStatus() == ConsumerStatus.ACTIVE) {
                    consumerArn = consumer.consumerARN();
                    LOG.debug("Kinesis source: consumer {} of stream {} is {}", consumerName, reader.streamName(),
                            consumerArn);
                } else {
                    reader.pause(CONSUMER_STATUS_POLL.toNanos());
                }
            } catch (KinesisReader.Stop stop) {
                throw stop;
            } catch (RuntimeException e) {
                if (Failures.classify(e) == Failures.Kind.NOT_FOUND && reader.streamStillThere(e)) {
                    register();
                } else {
                    waitOrFail(e, "DescribeStreamConsumer");
                }
            }
        }
    }

    private void register() {
        try {
            reader.await(client.registerStreamConsumer(b -> b.streamARN(reader.streamArn())
                    .consumerName(consumerName)));
            LOG.info("Kinesis source: registered enhanced fan-out consumer {} on stream {}", consumerName,
                    reader.streamName());
        } catch (KinesisReader.Stop stop) {
            throw stop;
        } catch (RuntimeException e) {
            // ResourceInUse: registered meanwhile by someone else; the next DescribeStreamConsumer finds it.
            if (Failures.classify(e) != Failures.Kind.IN_USE) {
                waitOrFail(e, "RegisterStreamConsumer");
            }
        }
    }

    private void waitOrFail(RuntimeException e, String operation) {
        switch (Failures.classify(e)) {
            case PERMANENT -> reader.fail(operation + " for consumer " + consumerName + " failed: "
                    + Failures.describe(e), e);
            case CANCELLED -> reader.checkRunning();
            default -> {
                if (KinesisReader.tenth(backoff.failures() + 1)) {
                    LOG.warn("Kinesis source: {} for consumer {} of stream {} failed ({} in a row), retrying with"
                            + " back-off: {}", operation, consumerName, reader.streamName(), backoff.failures() + 1,
                            Failures.describe(e));
                }
                reader.pause(backoff.next());
            }
        }
    }

    @Override
    public void fetch(ShardState shard) {
        StartingPosition start = shard.lastHandedOver == null
                ? StartingPosition.builder().type(ShardIteratorType.TRIM_HORIZON).build()
                : StartingPosition.builder().type(ShardIteratorType.AFTER_SEQUENCE_NUMBER)
                        .sequenceNumber(shard.lastHandedOver).build();
        SubscribeToShardRequest request = SubscribeToShardRequest.builder().consumerARN(consumerArn)
                .shardId(shard.shardId).startingPosition(start).build();
        FanOutSubscription subscription = new FanOutSubscription(reader, this, shard);
        shard.subscription = subscription;
        shard.subscribedNanos = reader.now();
        shard.endReached = false;
        subscription.future = reader.send(() -> client.subscribeToShard(request, subscription),
                (ignored, failure) -> ended(shard, subscription, failure));
    }

    /** One event of {@code subscription}, on the reader thread. */
    void event(ShardState shard, FanOutSubscription subscription, SubscribeToShardEvent event) {
        if (shard.subscription != subscription) {
            return; // from a subscription already ended or cancelled; its records are read again
        }
        if (!reader.handOver(shard, event.records())) {
            subscription.cancel();
            shard.subscription = null;
            reader.retryLater(shard, KinesisReader.PUT_RETRY.toNanos());
            return;
        }
        shard.backoff.reset();
        if (!event.childShards().isEmpty() || event.continuationSequenceNumber() == null) {
            shard.endReached = true;
        }
        subscription.request();
    }

    /** The end of {@code subscription}, normal ({@code failure} null) or not; only the first end counts. */
    void ended(ShardState shard, FanOutSubscription subscription, Throwable failure) {
        if (shard.subscription != subscription) {
            return;
        }
        shard.subscription = null;
        if (shard.endReached) {
            reader.shardEnded(shard);
        } else if (failure == null) {
            shard.dueNanos = reader.now(); // the 5-minute lifetime is over: subscribe again at once
        } else if (subscription.established() && Failures.classify(failure) == Failures.Kind.TRANSIENT) {
            // An open subscription dropped by the transport (an idle read timeout, a closed connection): not a
            // failure streak, so subscribe again after one short wait instead of a growing back-off.
            LOG.debug("Kinesis source: subscription to {} dropped ({}); subscribing again", shard,
                    Failures.describe(failure));
            shard.backoff.reset();
            reader.retryLater(shard, Backoff.FIRST.toNanos());
        } else {
            reader.shardFailed(shard, failure, "SubscribeToShard");
        }
    }

    /** Renews a subscription that outlived {@link #SUBSCRIPTION_LIFETIME} plus {@link #LIFETIME_GRACE}. */
    @Override
    public void watch(ShardState shard, long nowNanos) {
        FanOutSubscription subscription = shard.subscription;
        if (subscription != null && nowNanos - shard.subscribedNanos
                > SUBSCRIPTION_LIFETIME.plus(LIFETIME_GRACE).toNanos()) {
            LOG.debug("Kinesis source: subscription to {} outlived its lifetime; renewing", shard);
            subscription.cancel();
            shard.subscription = null;
            shard.dueNanos = nowNanos;
        }
    }

    @Override
    public boolean stillThere(Throwable notFound) {
        try {
            reader.await(client.describeStreamConsumer(b -> b.consumerARN(consumerArn)));
            return true;
        } catch (KinesisReader.Stop stop) {
            throw stop;
        } catch (RuntimeException e) {
            if (Failures.classify(e) == Failures.Kind.NOT_FOUND) {
                reader.fail("enhanced fan-out consumer " + consumerName + " was deregistered while it was reading ("
                        + Failures.describe(notFound) + ")", notFound);
            }
            return false;
        }
    }

    @Override
    public void cancel(ShardState shard) {
        if (shard.subscription != null) {
            shard.subscription.cancel();
            shard.subscription = null;
        }
    }
}
