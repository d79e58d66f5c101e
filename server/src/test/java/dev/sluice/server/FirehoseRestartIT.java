package dev.sluice.server;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.firehose.FirehoseClient;
import software.amazon.awssdk.services.firehose.model.DeliveryStreamDescription;
import software.amazon.awssdk.services.firehose.model.DeliveryStreamEncryptionStatus;
import software.amazon.awssdk.services.firehose.model.DeliveryStreamType;
import software.amazon.awssdk.services.firehose.model.KeyType;
import software.amazon.awssdk.services.firehose.model.ResourceNotFoundException;
import software.amazon.awssdk.services.firehose.model.Tag;
import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.kinesis.model.PutRecordsRequestEntry;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Firehose delivery streams survive a restart of the server on the same data directory: definitions (version,
 * destination, tags, encryption) come back, a Kinesis-stream source resumes from its checkpoint without loss or
 * duplicates, a deleted stream stays deleted, and a server without a data directory keeps nothing.
 */
@Timeout(120)
class FirehoseRestartIT {

    private static final String SOURCE_ARN = "arn:aws:kinesis:us-east-1:000000000000:stream/source";

    private static SluiceServer start(Path data) {
        return SluiceServer.builder().dataDirectory(data).port(0).build().start();
    }

    /** Runs {@code body} against a server on {@code data}, then closes it cleanly. */
    private static void withServer(Path data, Consumer<Clients3> body) {
        try (SluiceServer server = start(data);
             KinesisClient kinesis = Clients.kinesis(server.endpoint(), true, false);
             FirehoseClient firehose = Clients.firehose(server.endpoint())) {
            body.accept(new Clients3(server, kinesis, firehose));
        }
    }

    private record Clients3(SluiceServer server, KinesisClient kinesis, FirehoseClient firehose) {
    }

    private static void putToKinesis(KinesisClient kinesis, int from, int to) {
        List<PutRecordsRequestEntry> entries = IntStream.range(from, to)
                .mapToObj(i -> PutRecordsRequestEntry.builder().partitionKey("k" + i)
                        .data(SdkBytes.fromUtf8String("r-" + i + "\n")).build())
                .toList();
        assertEquals(0, kinesis.putRecords(b -> b.streamName("source").records(entries)).failedRecordCount());
    }

    @Test
    void restart_kinesisSource_keepsDefinitionAndDeliversEveryRecordOnce(@TempDir Path data) {
        DeliveryStreamDescription[] before = new DeliveryStreamDescription[1];
        withServer(data, c -> {
            c.kinesis().createStream(b -> b.streamName("source").shardCount(2));
            c.firehose().createDeliveryStream(b -> b.deliveryStreamName("from-stream")
                    .deliveryStreamType(DeliveryStreamType.KINESIS_STREAM_AS_SOURCE)
                    .kinesisStreamSourceConfiguration(s -> s.kinesisStreamARN(SOURCE_ARN)
                            .roleARN("arn:aws:iam::000000000000:role/firehose"))
                    .extendedS3DestinationConfiguration(d -> d.bucketARN("arn:aws:s3:::restart-bucket")
                            .prefix("v1/").bufferingHints(h -> h.sizeInMBs(1).intervalInSeconds(0)))
                    .tags(Tag.builder().key("team").value("data").build()));
            putToKinesis(c.kinesis(), 0, 100);
            Path bucket = c.server().bucketDirectory("restart-bucket");
            await().atMost(Duration.ofSeconds(30)).until(() -> lines(bucket).size() == 100);
            c.firehose().updateDestination(b -> b.deliveryStreamName("from-stream").currentDeliveryStreamVersionId("1")
                    .destinationId("destinationId-000000000001")
                    .extendedS3DestinationUpdate(u -> u.prefix("v2/")));
            putToKinesis(c.kinesis(), 100, 150);
            await().atMost(Duration.ofSeconds(30)).until(() -> lines(bucket).size() == 150);
            before[0] = c.firehose().describeDeliveryStream(b -> b.deliveryStreamName("from-stream"))
                    .deliveryStreamDescription();
        });

        withServer(data, c -> {
            DeliveryStreamDescription after = c.firehose()
                    .describeDeliveryStream(b -> b.deliveryStreamName("from-stream")).deliveryStreamDescription();
            assertEquals("2", after.versionId());
            assertEquals(before[0], after, "the same definition, version, times and destination after the restart");
            assertEquals(List.of(Tag.builder().key("team").value("data").build()),
                    c.firehose().listTagsForDeliveryStream(b -> b.deliveryStreamName("from-stream")).tags());
            Path bucket = c.server().bucketDirectory("restart-bucket");
            assertEquals(150, lines(bucket).size(), "nothing re-delivered at start");
            putToKinesis(c.kinesis(), 150, 200);
            await().atMost(Duration.ofSeconds(30)).until(() -> lines(bucket).size() >= 200);
            List<String> expected = IntStream.range(0, 200).mapToObj(i -> "r-" + i).sorted().toList();
            assertEquals(expected, lines(bucket).stream().sorted().toList(), "every record exactly once");
            assertTrue(objects(bucket).stream().filter(p -> data.resolve("buckets").relativize(p).toString()
                    .startsWith("restart-bucket/v2/")).anyMatch(p -> p.getFileName().toString()
                    .startsWith("from-stream-2-")), "objects after the restart keep version 2 and the v2/ prefix");
        });
    }

    @Test
    void restart_directPut_keepsTagsEncryptionAndDeliversWhatACleanStopBuffered(@TempDir Path data) {
        withServer(data, c -> {
            c.firehose().createDeliveryStream(b -> b.deliveryStreamName("direct")
                    .extendedS3DestinationConfiguration(d -> d.bucketARN("arn:aws:s3:::direct-bucket")
                            .bufferingHints(h -> h.sizeInMBs(128).intervalInSeconds(900))));
            c.firehose().tagDeliveryStream(b -> b.deliveryStreamName("direct")
                    .tags(Tag.builder().key("a").value("1").build(), Tag.builder().key("b").value("2").build()));
            c.firehose().untagDeliveryStream(b -> b.deliveryStreamName("direct").tagKeys("b"));
            c.firehose().startDeliveryStreamEncryption(b -> b.deliveryStreamName("direct")
                    .deliveryStreamEncryptionConfigurationInput(e -> e.keyType(KeyType.AWS_OWNED_CMK)));
            for (int i = 0; i < 10; i++) {
                int n = i;
                c.firehose().putRecord(b -> b.deliveryStreamName("direct")
                        .record(r -> r.data(SdkBytes.fromUtf8String("d-" + n + "\n"))));
            }
            c.firehose().createDeliveryStream(b -> b.deliveryStreamName("deleted")
                    .extendedS3DestinationConfiguration(d -> d.bucketARN("arn:aws:s3:::direct-bucket")));
            c.firehose().deleteDeliveryStream(b -> b.deliveryStreamName("deleted"));
        }); // a clean stop delivers what the stream buffered

        withServer(data, c -> {
            Path bucket = c.server().bucketDirectory("direct-bucket");
            assertEquals(IntStream.range(0, 10).mapToObj(i -> "d-" + i).sorted().toList(),
                    lines(bucket).stream().sorted().toList());
            assertEquals(List.of("direct"), c.firehose().listDeliveryStreams(b -> { }).deliveryStreamNames());
            assertThrows(ResourceNotFoundException.class,
                    () -> c.firehose().describeDeliveryStream(b -> b.deliveryStreamName("deleted")));
            assertEquals(List.of(Tag.builder().key("a").value("1").build()),
                    c.firehose().listTagsForDeliveryStream(b -> b.deliveryStreamName("direct")).tags());
            await().atMost(Duration.ofSeconds(10)).until(() -> c.firehose()
                    .describeDeliveryStream(b -> b.deliveryStreamName("direct")).deliveryStreamDescription()
                    .deliveryStreamEncryptionConfiguration().status() == DeliveryStreamEncryptionStatus.ENABLED);
            DeliveryStreamDescription d = c.firehose().describeDeliveryStream(b -> b.deliveryStreamName("direct"))
                    .deliveryStreamDescription();
            assertEquals(KeyType.AWS_OWNED_CMK, d.deliveryStreamEncryptionConfiguration().keyType());
            assertEquals(128, d.destinations().get(0).extendedS3DestinationDescription().bufferingHints().sizeInMBs());
        });
    }

    @Test
    void start_withUnreadableDefinition_failsNamingTheFile(@TempDir Path data) throws IOException {
        Path definitions = Files.createDirectories(data.resolve("firehose-definitions"));
        Files.writeString(definitions.resolve("broken.json"), "{\"DeliveryStreamName\": ");
        UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> start(data).close());
        assertTrue(e.getMessage().contains("broken.json"), e.getMessage());
    }

    @Test
    void restart_withoutDataDirectory_keepsNothing(@TempDir Path buckets) {
        for (int round = 0; round < 2; round++) {
            try (SluiceServer server = SluiceServer.builder().bucketsDirectory(buckets).port(0).build().start();
                 FirehoseClient firehose = Clients.firehose(server.endpoint())) {
                assertEquals(List.of(), firehose.listDeliveryStreams(b -> { }).deliveryStreamNames());
                firehose.createDeliveryStream(b -> b.deliveryStreamName("temporary")
                        .extendedS3DestinationConfiguration(d -> d.bucketARN("arn:aws:s3:::temporary-bucket")));
            }
        }
        assertFalse(Files.exists(buckets.resolve("firehose-definitions")));
    }

    private static List<Path> objects(Path bucket) {
        if (!Files.isDirectory(bucket)) {
            return List.of();
        }
        try (Stream<Path> files = Files.walk(bucket)) {
            return files.filter(Files::isRegularFile).filter(p -> !p.getFileName().toString().startsWith("."))
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<String> lines(Path bucket) {
        List<String> lines = new ArrayList<>();
        for (Path object : objects(bucket)) {
            try {
                Files.readString(object, StandardCharsets.UTF_8).lines().forEach(lines::add);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return lines;
    }
}
