package dev.sluice.server;

import dev.sluice.stream.StreamEngine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.firehose.FirehoseClient;
import software.amazon.awssdk.services.firehose.model.DeliveryStreamType;
import software.amazon.awssdk.services.kinesis.KinesisClient;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Where the server keeps things: buckets and Firehose state side by side under the data directory (also with an
 * engine of the caller's), never state inside a bucket root.
 */
@Timeout(60)
class DataDirectoryIT {

    private static List<String> hiddenEntries(Path root) throws IOException {
        if (!Files.isDirectory(root)) {
            return List.of();
        }
        try (Stream<Path> files = Files.walk(root)) {
            return files.map(root::relativize).map(Path::toString).filter(p -> p.startsWith(".")).toList();
        }
    }

    @Test
    void engineAndDataDirectory_keepBucketsAndFirehoseStateUnderIt_stateOutsideTheBuckets(@TempDir Path data)
            throws IOException {
        try (StreamEngine engine = StreamEngine.builder().build();
             SluiceServer server = SluiceServer.builder().engine(engine).dataDirectory(data).port(0).build().start();
             KinesisClient kinesis = Clients.kinesis(server.endpoint(), true, false);
             FirehoseClient firehose = Clients.firehose(server.endpoint())) {
            assertEquals(data.resolve("buckets").toAbsolutePath(), server.bucketsDirectory());
            kinesis.createStream(b -> b.streamName("source").shardCount(1));
            firehose.createDeliveryStream(b -> b.deliveryStreamName("from-stream")
                    .deliveryStreamType(DeliveryStreamType.KINESIS_STREAM_AS_SOURCE)
                    .kinesisStreamSourceConfiguration(s -> s
                            .kinesisStreamARN("arn:aws:kinesis:us-east-1:000000000000:stream/source")
                            .roleARN("arn:aws:iam::000000000000:role/firehose"))
                    .extendedS3DestinationConfiguration(d -> d.bucketARN("arn:aws:s3:::state-bucket")
                            .bufferingHints(h -> h.sizeInMBs(1).intervalInSeconds(0))));
            kinesis.putRecord(b -> b.streamName("source").partitionKey("k").data(SdkBytes.fromUtf8String("r\n")));

            Path bucket = server.bucketDirectory("state-bucket");
            await().atMost(Duration.ofSeconds(30)).until(() -> Files.isDirectory(bucket) && !objects(bucket).isEmpty());
            assertTrue(Files.isDirectory(data.resolve("firehose-state").resolve("from-stream")),
                    "the stream source's checkpoints are in <data>/firehose-state");
            assertEquals(List.of(), hiddenEntries(server.bucketsDirectory()), "nothing but objects in bucket roots");
            assertFalse(Files.exists(data.resolve("streams")), "the caller's engine keeps its own streams");
        }
    }

    private static List<Path> objects(Path bucket) throws IOException {
        try (Stream<Path> files = Files.walk(bucket)) {
            return files.filter(Files::isRegularFile).filter(p -> !p.getFileName().toString().startsWith("."))
                    .toList();
        }
    }
}
