package dev.sluice.kinesis.internal;

import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;
import software.amazon.awssdk.core.async.SdkPublisher;
import software.amazon.awssdk.services.kinesis.model.SubscribeToShardEvent;
import software.amazon.awssdk.services.kinesis.model.SubscribeToShardEventStream;
import software.amazon.awssdk.services.kinesis.model.SubscribeToShardResponse;
import software.amazon.awssdk.services.kinesis.model.SubscribeToShardResponseHandler;

import java.util.concurrent.CompletableFuture;

/**
 * One SubscribeToShard call: the SDK's response handler and the subscriber of its event stream.
 *
 * <p>Design note: the SDK calls these methods on its own threads (for HTTP/2, Netty event loop threads), so each
 * only posts to the reader's inbox, in the order received. Demand ({@link #request}) and {@link #cancel} come from
 * the reader thread, after the {@link Subscription} reached it through the inbox, so they are serial as Reactive
 * Streams requires. The terminal signal is taken from the call's future (it also carries failures that happen before
 * the event stream opens); the subscriber's own terminal signals go the same way and the reader keeps only the first.
 */
final class FanOutSubscription implements SubscribeToShardResponseHandler, Subscriber<SubscribeToShardEventStream> {

    private final KinesisReader reader;
    private final FanOutFetcher fetcher;
    private final ShardState shard;
    /** The initial response arrived: the subscription was open before whatever ended it. */
    private volatile boolean established;
    /** Reader thread only. */
    private Subscription upstream;
    private boolean cancelled;
    /** The SubscribeToShard call; set by the reader right after sending it. */
    CompletableFuture<Void> future;

    FanOutSubscription(KinesisReader reader, FanOutFetcher fetcher, ShardState shard) {
        this.reader = reader;
        this.fetcher = fetcher;
        this.shard = shard;
    }

    @Override
    public void responseReceived(SubscribeToShardResponse response) {
        established = true;
    }

    @Override
    public void onEventStream(SdkPublisher<SubscribeToShardEventStream> publisher) {
        publisher.subscribe(this);
    }

    @Override
    public void exceptionOccurred(Throwable throwable) {
        // The call's future fails with the same exception.
    }

    @Override
    public void complete() {
        // The call's future completes.
    }

    @Override
    public void onSubscribe(Subscription subscription) {
        reader.post(() -> {
            upstream = subscription;
            if (cancelled) {
                subscription.cancel();
            } else {
                subscription.request(1);
            }
        });
    }

    @Override
    public void onNext(SubscribeToShardEventStream event) {
        if (event instanceof SubscribeToShardEvent records) {
            reader.post(() -> fetcher.event(shard, this, records));
        } else {
            reader.post(this::request); // an event type this SDK version does not know: skip it
        }
    }

    @Override
    public void onError(Throwable failure) {
        reader.post(() -> fetcher.ended(shard, this, failure));
    }

    @Override
    public void onComplete() {
        reader.post(() -> fetcher.ended(shard, this, null));
    }

    /** Whether the subscription was open (its initial response arrived) before it ended. */
    boolean established() {
        return established;
    }

    /** Asks for the next event; reader thread. */
    void request() {
        if (upstream != null && !cancelled) {
            upstream.request(1);
        }
    }

    /** Stops the subscription; reader thread. Later signals are ignored by the fetcher. */
    void cancel() {
        cancelled = true;
        if (upstream != null) {
            upstream.cancel();
        }
        if (future != null) {
            future.cancel(true);
        }
    }
}
