package dev.sluice.server;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.http.Protocol;
import software.amazon.awssdk.services.kinesis.KinesisAsyncClient;
import software.amazon.awssdk.services.kinesis.model.PutRecordsRequestEntry;
import software.amazon.awssdk.services.kinesis.model.ResourceNotFoundException;
import software.amazon.awssdk.services.kinesis.model.ShardIteratorType;
import software.amazon.awssdk.services.kinesis.model.SubscribeToShardEvent;
import software.amazon.awssdk.services.kinesis.model.SubscribeToShardEventStream;
import software.amazon.awssdk.services.kinesis.model.SubscribeToShardResponseHandler;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.IntStream;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Enhanced fan-out through the real {@link KinesisAsyncClient} with the netty client over HTTP/2: records put before
 * and during a subscription arrive in order, once, as event-stream frames the SDK decodes (prelude and message CRCs
 * checked by the SDK's decoder).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SubscribeToShardIT {

    private SluiceServer server;
    private KinesisAsyncClient kinesis;

    @BeforeAll
    void start() {
        server = SluiceServer.builder().port(0).build().start();
        kinesis = Clients.kinesisAsync(server.endpoint(), Protocol.HTTP2);
    }

    @AfterAll
    void stop() {
        kinesis.close();
        server.close();
    }

    private static List<PutRecordsRequestEntry> records(int from, int to) {
        return IntStream.range(from, to).mapToObj(i -> PutRecordsRequestEntry.builder().partitionKey("k")
                .data(SdkBytes.fromUtf8String("r" + i)).build()).toList();
    }

    @Test
    void subscribeToShard_pushesRecordsInOrder_overHttp2EventStream() {
        kinesis.createStream(b -> b.streamName("fan").shardCount(1)).join();
        String streamArn = kinesis.describeStreamSummary(b -> b.streamName("fan")).join().streamDescriptionSummary()
                .streamARN();
        String consumerArn = kinesis.registerStreamConsumer(b -> b.streamARN(streamArn).consumerName("c1")).join()
                .consumer().consumerARN();
        kinesis.putRecords(b -> b.streamName("fan").records(records(0, 100))).join();

        List<String> received = new CopyOnWriteArrayList<>();
        List<String> continuations = new CopyOnWriteArrayList<>();
        SubscribeToShardResponseHandler handler = SubscribeToShardResponseHandler.builder()
                .subscriber(SubscribeToShardResponseHandler.Visitor.builder().onSubscribeToShardEvent(
                        (SubscribeToShardEvent event) -> {
                            event.records().forEach(r -> received.add(r.data().asUtf8String()));
                            continuations.add(event.continuationSequenceNumber());
                        }).build())
                .build();
        CompletableFuture<Void> subscription = kinesis.subscribeToShard(b -> b.consumerARN(consumerArn)
                .shardId("shardId-000000000000").startingPosition(p -> p.type(ShardIteratorType.TRIM_HORIZON)), handler);
        await().atMost(Duration.ofSeconds(20)).until(() -> received.size() == 100);
        kinesis.putRecords(b -> b.streamName("fan").records(records(100, 150))).join();
        await().atMost(Duration.ofSeconds(20)).until(() -> received.size() == 150);
        assertEquals(IntStream.range(0, 150).mapToObj(i -> "r" + i).toList(), received);
        assertFalse(continuations.isEmpty());

        kinesis.deregisterStreamConsumer(b -> b.consumerARN(consumerArn)).join();
        CompletionException ended = assertThrows(CompletionException.class, subscription::join);
        assertInstanceOf(ResourceNotFoundException.class, ended.getCause(), String.valueOf(ended.getCause()));
    }

    @Test
    void subscribeToShard_inJson_deliversEventsAtTimestamp() {
        Clients.SEEN_CONTENT_TYPES.clear();
        try (KinesisAsyncClient json = Clients.kinesisAsync(server.endpoint(), Protocol.HTTP2, false)) {
            json.createStream(b -> b.streamName("fan-json").shardCount(1)).join();
            String streamArn = json.describeStreamSummary(b -> b.streamName("fan-json")).join()
                    .streamDescriptionSummary().streamARN();
            String consumerArn = json.registerStreamConsumer(b -> b.streamARN(streamArn).consumerName("j")).join()
                    .consumer().consumerARN();
            java.time.Instant start = java.time.Instant.now().minusSeconds(60);
            json.putRecords(b -> b.streamName("fan-json").records(records(0, 10))).join();
            List<String> received = new CopyOnWriteArrayList<>();
            SubscribeToShardResponseHandler handler = SubscribeToShardResponseHandler.builder()
                    .subscriber(SubscribeToShardResponseHandler.Visitor.builder().onSubscribeToShardEvent(
                            event -> event.records().forEach(r -> received.add(r.data().asUtf8String()))).build())
                    .build();
            json.subscribeToShard(b -> b.consumerARN(consumerArn).shardId("shardId-000000000000")
                    .startingPosition(p -> p.type(ShardIteratorType.AT_TIMESTAMP).timestamp(start)), handler);
            await().atMost(Duration.ofSeconds(20)).until(() -> received.size() == 10);
            assertEquals(IntStream.range(0, 10).mapToObj(i -> "r" + i).toList(), received);
            json.deregisterStreamConsumer(b -> b.consumerARN(consumerArn)).join();
        }
        org.junit.jupiter.api.Assertions.assertTrue(Clients.SEEN_CONTENT_TYPES.contains("application/x-amz-json-1.1"),
                Clients.SEEN_CONTENT_TYPES.toString());
    }

    @Test
    void subscribeToShard_unknownConsumer_failsBeforeTheStream() {
        kinesis.createStream(b -> b.streamName("fan2").shardCount(1)).join();
        SubscribeToShardResponseHandler handler = SubscribeToShardResponseHandler.builder()
                .subscriber((SubscribeToShardEventStream e) -> { }).build();
        CompletionException e = assertThrows(CompletionException.class, () -> kinesis.subscribeToShard(b -> b
                .consumerARN("arn:aws:kinesis:us-east-1:000000000000:stream/fan2/consumer/nobody:1")
                .shardId("shardId-000000000000").startingPosition(p -> p.type(ShardIteratorType.LATEST)), handler)
                .join());
        assertInstanceOf(ResourceNotFoundException.class, e.getCause(), String.valueOf(e.getCause()));
    }
}
