package dev.sluice.server.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.stream.ShardIteratorType;
import dev.sluice.stream.StreamConsumer;
import dev.sluice.stream.StreamEngine;
import dev.sluice.stream.StreamRecord;
import dev.sluice.stream.SubscribeToShardEvent;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;

/**
 * Enhanced fan-out: RegisterStreamConsumer, DescribeStreamConsumer, ListStreamConsumers,
 * DeregisterStreamConsumer, and SubscribeToShard as an AWS event stream of {@code SubscribeToShardEvent}s.
 *
 * <p>SubscribeToShard: errors known before the first event (unknown consumer or shard, a subscription less than
 * 5 seconds old) are ordinary error responses; later ones (consumer deregistered, stream deleted, taken over) end
 * the event stream with an exception event, as Kinesis does. The engine ends a subscription after 5 minutes.
 */
final class KinesisConsumerOperations {

    /** Kinesis: ListStreamConsumers MaxResults in [1, 10,000], default 100. */
    static final int LIST_DEFAULT_MAX = 100;

    private final StreamEngine engine;
    private final StreamArns arns;
    private final PageTokens tokens;

    KinesisConsumerOperations(StreamEngine engine, StreamArns arns, PageTokens tokens) {
        this.engine = engine;
        this.arns = arns;
        this.tokens = tokens;
    }

    void register(Map<String, Operation> operations) {
        operations.put("RegisterStreamConsumer", r -> {
            JsonNode tagsNode = r.node("Tags");
            Map<String, String> tags = tagsNode == null ? Map.of() : KinesisSettingsOperations.tags(tagsNode);
            KinesisResourceOperations.checkCreateTags(tags); // before registering: a bad tag registers nothing
            StreamConsumer c = engine.registerStreamConsumer(arns.nameFromArn(r.requiredString("StreamARN")),
                    r.requiredString("ConsumerName"));
            if (!tags.isEmpty()) {
                engine.tagResource(c.consumerArn(), tags);
            }
            return CompletableFuture.completedFuture(Map.of("Consumer", consumer(c, false)));
        });
        operations.put("DescribeStreamConsumer", r -> CompletableFuture.completedFuture(
                Map.of("ConsumerDescription", consumer(find(r), true))));
        operations.put("DeregisterStreamConsumer", r -> {
            StreamConsumer c = find(r);
            return KinesisStreamOperations.done(() -> engine.deregisterStreamConsumer(
                    engine.streamNameFromArn(c.streamArn()), c.consumerName()));
        });
        operations.put("ListStreamConsumers", this::list);
        operations.put("SubscribeToShard", this::subscribe);
    }

    /** By ConsumerARN, or by StreamARN and ConsumerName. */
    private StreamConsumer find(ApiRequest r) {
        String consumerArn = r.string("ConsumerARN").orElse(null);
        if (consumerArn != null) {
            return engine.describeStreamConsumer(consumerArn);
        }
        String streamArn = r.string("StreamARN").orElse(null);
        String name = r.string("ConsumerName").orElse(null);
        if (streamArn == null || name == null) {
            throw ApiException.invalidArgument("name the consumer by ConsumerARN, or by StreamARN and ConsumerName");
        }
        return engine.describeStreamConsumer(arns.nameFromArn(streamArn), name);
    }

    private static Map<String, Object> consumer(StreamConsumer c, boolean withStream) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("ConsumerName", c.consumerName());
        m.put("ConsumerARN", c.consumerArn());
        m.put("ConsumerStatus", c.consumerStatus().name());
        m.put("ConsumerCreationTimestamp", c.consumerCreationTimestamp());
        if (withStream) {
            m.put("StreamARN", c.streamArn());
        }
        return m;
    }

    private CompletableFuture<Object> list(ApiRequest r) {
        int max = r.integer("MaxResults").orElse(LIST_DEFAULT_MAX);
        if (max < 1 || max > KinesisStreamOperations.MAX_PAGE) {
            throw ApiRequest.outOfRange("MaxResults", max, 1, KinesisStreamOperations.MAX_PAGE);
        }
        String streamArn = r.requiredString("StreamARN");
        String stream = arns.nameFromArn(streamArn);
        int skip = 0;
        String token = r.string("NextToken").orElse(null);
        if (token != null) {
            PageTokens.Page page = tokens.decode("ListStreamConsumers", token);
            if (!page.stream().equals(stream)) {
                throw ApiException.invalidArgument("NextToken was issued for another stream");
            }
            skip = Integer.parseInt(page.lastKey());
        }
        List<StreamConsumer> all = engine.listStreamConsumers(stream);
        List<Object> consumers = new ArrayList<>();
        for (int i = skip; i < all.size() && consumers.size() < max; i++) {
            consumers.add(consumer(all.get(i), false));
        }
        Map<String, Object> response = new LinkedHashMap<>();
        response.put("Consumers", consumers);
        if (skip + consumers.size() < all.size()) {
            response.put("NextToken", tokens.encode("ListStreamConsumers", stream,
                    Integer.toString(skip + consumers.size())));
        }
        return CompletableFuture.completedFuture(response);
    }

    private CompletableFuture<Object> subscribe(ApiRequest r) {
        String consumerArn = r.requiredString("ConsumerARN");
        String shardId = r.requiredString("ShardId");
        JsonNode position = ApiRequest.required("StartingPosition", r.node("StartingPosition"));
        String type = ApiRequest.required("StartingPosition.Type", ApiRequest.string(position, "Type"));
        JsonNode timestamp = position.get("Timestamp");
        ShardIteratorType start = KinesisRecordOperations.iteratorType(type, ApiRequest.string(position,
                "SequenceNumber"), timestamp == null || timestamp.isNull() ? null
                : r.format().timestamp(timestamp, "StartingPosition.Timestamp"));
        Flow.Publisher<SubscribeToShardEvent> events = engine.subscribeToShard(consumerArn, shardId, start);
        Flow.Publisher<Map<String, Object>> encoded = subscriber -> events.subscribe(new Flow.Subscriber<>() {
            @Override
            public void onSubscribe(Flow.Subscription subscription) {
                subscriber.onSubscribe(subscription);
            }

            @Override
            public void onNext(SubscribeToShardEvent event) {
                subscriber.onNext(event(event));
            }

            @Override
            public void onError(Throwable error) {
                subscriber.onError(error);
            }

            @Override
            public void onComplete() {
                subscriber.onComplete();
            }
        });
        return CompletableFuture.completedFuture(new EventStreamResponse(r.format(), "SubscribeToShardEvent", encoded));
    }

    private static Map<String, Object> event(SubscribeToShardEvent event) {
        List<Object> records = new ArrayList<>(event.records().size());
        for (StreamRecord record : event.records()) {
            records.add(KinesisRecordOperations.record(record));
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("Records", records);
        m.put("ContinuationSequenceNumber", event.continuationSequenceNumber());
        m.put("MillisBehindLatest", event.behindLatest().toMillis());
        if (!event.childShards().isEmpty()) {
            m.put("ChildShards", KinesisRecordOperations.childShards(event.childShards()));
        }
        return m;
    }
}
