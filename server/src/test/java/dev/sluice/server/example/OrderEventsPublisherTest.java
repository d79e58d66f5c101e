package dev.sluice.server.example;

import dev.sluice.server.SluiceServer;
import dev.sluice.server.testing.SluiceServerExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.firehose.FirehoseClient;
import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.kinesis.model.Record;
import software.amazon.awssdk.services.kinesis.model.Shard;
import software.amazon.awssdk.services.kinesis.model.ShardIteratorType;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * How a team tests its AWS code against Sluice: the extension starts a server on a free port, the test builds the
 * same SDK clients production uses with {@code endpointOverride}, runs the service, and asserts on what reached the
 * stream and the delivery bucket.
 */
@ExtendWith(SluiceServerExtension.class)
class OrderEventsPublisherTest {

    private KinesisClient kinesis;
    private FirehoseClient firehose;

    @BeforeEach
    void clients(URI endpoint) {
        StaticCredentialsProvider credentials = StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test"));
        kinesis = KinesisClient.builder().endpointOverride(endpoint).region(Region.US_EAST_1)
                .credentialsProvider(credentials).build();
        firehose = FirehoseClient.builder().endpointOverride(endpoint).region(Region.US_EAST_1)
                .credentialsProvider(credentials).build();
        kinesis.createStream(b -> b.streamName("orders").shardCount(2));
        firehose.createDeliveryStream(b -> b.deliveryStreamName("orders-archive")
                .extendedS3DestinationConfiguration(d -> d.bucketARN("arn:aws:s3:::orders-archive")
                        .roleARN("arn:aws:iam::000000000000:role/firehose").prefix("orders/")
                        .bufferingHints(h -> h.intervalInSeconds(0).sizeInMBs(1))
                        .processingConfiguration(p -> p.enabled(true)
                                .processors(pr -> pr.type("AppendDelimiterToRecord")))));
    }

    @AfterEach
    void cleanUp() {
        firehose.deleteDeliveryStream(b -> b.deliveryStreamName("orders-archive"));
        kinesis.deleteStream(b -> b.streamName("orders"));
        kinesis.close();
        firehose.close();
    }

    @Test
    void orderPlaced_publishesToTheStreamInCustomerOrder_andArchivesToTheBucket(SluiceServer sluice) throws IOException {
        OrderEventsPublisher publisher = new OrderEventsPublisher(kinesis, firehose, "orders", "orders-archive");
        publisher.orderPlaced("alice", "o-1", 1200);
        publisher.orderPlaced("bob", "o-2", 300);
        publisher.orderPlaced("alice", "o-3", 4500);

        List<String> aliceOrders = new ArrayList<>();
        int total = 0;
        for (Shard shard : kinesis.listShards(b -> b.streamName("orders")).shards()) {
            String iterator = kinesis.getShardIterator(b -> b.streamName("orders").shardId(shard.shardId())
                    .shardIteratorType(ShardIteratorType.TRIM_HORIZON)).shardIterator();
            for (Record record : kinesis.getRecords(b -> b.shardIterator(iterator)).records()) {
                total++;
                if (record.partitionKey().equals("alice")) {
                    aliceOrders.add(record.data().asUtf8String().replaceAll(".*\"order\":\"([^\"]+)\".*", "$1"));
                }
            }
        }
        assertEquals(3, total);
        assertEquals(List.of("o-1", "o-3"), aliceOrders);

        Path bucket = sluice.bucketDirectory("orders-archive");
        await().atMost(Duration.ofSeconds(20)).until(() -> archivedLines(bucket).size() == 3);
        List<String> archived = archivedLines(bucket);
        assertTrue(archived.stream().allMatch(line -> line.startsWith("{\"event\":\"OrderPlaced\"")), archived.toString());
        assertTrue(archived.stream().anyMatch(line -> line.contains("\"order\":\"o-2\"")), archived.toString());
    }

    private static List<String> archivedLines(Path bucket) throws IOException {
        if (!Files.isDirectory(bucket.resolve("orders"))) {
            return List.of();
        }
        List<String> lines = new ArrayList<>();
        try (Stream<Path> objects = Files.walk(bucket.resolve("orders"))) {
            for (Path object : objects.filter(Files::isRegularFile).toList()) {
                lines.addAll(Files.readAllLines(object));
            }
        }
        return lines;
    }
}
