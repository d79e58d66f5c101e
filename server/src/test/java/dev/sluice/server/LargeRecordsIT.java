package dev.sluice.server;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.http.Protocol;
import software.amazon.awssdk.services.kinesis.KinesisAsyncClient;
import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.kinesis.model.Record;
import software.amazon.awssdk.services.kinesis.model.ShardIteratorType;
import software.amazon.awssdk.services.kinesis.model.SubscribeToShardEvent;
import software.amazon.awssdk.services.kinesis.model.SubscribeToShardResponseHandler;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * 10 MiB records end to end through the real SDK: put, then read back byte-identical by GetRecords and by
 * SubscribeToShard (event stream over HTTP/2), in CBOR and JSON; and across a restart of a durable server.
 */
class LargeRecordsIT {

    private static final int MIB = 1 << 20;
    private static final String SHARD0 = "shardId-000000000000";

    private static List<Record> read(KinesisClient kinesis, String stream) {
        String iterator = kinesis.getShardIterator(b -> b.streamName(stream).shardId(SHARD0)
                .shardIteratorType(ShardIteratorType.TRIM_HORIZON)).shardIterator();
        return kinesis.getRecords(b -> b.shardIterator(iterator)).records();
    }

    @ParameterizedTest(name = "cbor={0}")
    @ValueSource(booleans = {true, false})
    void tenMiBRecord_putThenGetRecordsAndSubscribeToShard_byteIdentical(boolean cbor) {
        byte[] data = KinesisRecordPathContract.blob(10 * MIB - 1, cbor ? 11 : 12);
        try (SluiceServer server = SluiceServer.builder().port(0).build().start();
             KinesisClient kinesis = Clients.kinesis(server.endpoint(), cbor, false);
             KinesisAsyncClient async = Clients.kinesisAsync(server.endpoint(), Protocol.HTTP2, cbor)) {
            kinesis.createStream(b -> b.streamName("big").shardCount(1).maxRecordSizeInKiB(10_240));
            String consumerArn = kinesis.registerStreamConsumer(b -> b.streamARN(
                    "arn:aws:kinesis:us-east-1:000000000000:stream/big").consumerName("c")).consumer().consumerARN();
            String sequence = kinesis.putRecord(b -> b.streamName("big").partitionKey("k")
                    .data(SdkBytes.fromByteArray(data))).sequenceNumber();

            List<Record> polled = read(kinesis, "big");
            assertEquals(sequence, polled.get(0).sequenceNumber());
            assertArrayEquals(data, polled.get(0).data().asByteArray());

            List<Record> pushed = new CopyOnWriteArrayList<>();
            SubscribeToShardResponseHandler handler = SubscribeToShardResponseHandler.builder()
                    .subscriber(SubscribeToShardResponseHandler.Visitor.builder()
                            .onSubscribeToShardEvent((SubscribeToShardEvent event) -> pushed.addAll(event.records()))
                            .build())
                    .build();
            CompletableFuture<Void> subscription = async.subscribeToShard(b -> b.consumerARN(consumerArn).shardId(SHARD0)
                    .startingPosition(p -> p.type(ShardIteratorType.TRIM_HORIZON)), handler);
            await().atMost(Duration.ofSeconds(60)).until(() -> !pushed.isEmpty());
            assertEquals(sequence, pushed.get(0).sequenceNumber());
            assertArrayEquals(data, pushed.get(0).data().asByteArray());
            subscription.cancel(true);
        }
    }

    @Test
    void tenMiBRecord_onADurableServer_survivesARestart(@TempDir Path dataDirectory) {
        byte[] data = KinesisRecordPathContract.blob(10 * MIB - 1, 13);
        String sequence;
        try (SluiceServer first = SluiceServer.builder().port(0).dataDirectory(dataDirectory).build().start();
             KinesisClient kinesis = Clients.kinesis(first.endpoint(), true, false)) {
            kinesis.createStream(b -> b.streamName("kept").shardCount(1).maxRecordSizeInKiB(10_240));
            sequence = kinesis.putRecord(b -> b.streamName("kept").partitionKey("k")
                    .data(SdkBytes.fromByteArray(data))).sequenceNumber();
        }
        try (SluiceServer second = SluiceServer.builder().port(0).dataDirectory(dataDirectory).build().start();
             KinesisClient kinesis = Clients.kinesis(second.endpoint(), false, false)) {
            assertEquals(10_240, kinesis.describeStreamSummary(b -> b.streamName("kept")).streamDescriptionSummary()
                    .maxRecordSizeInKiB());
            List<Record> read = read(kinesis, "kept");
            assertEquals(sequence, read.get(0).sequenceNumber());
            assertArrayEquals(data, read.get(0).data().asByteArray());
        }
    }
}
