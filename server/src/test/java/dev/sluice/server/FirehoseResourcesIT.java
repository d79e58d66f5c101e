package dev.sluice.server;

import dev.sluice.stream.testing.ManualClock;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.firehose.FirehoseClient;
import software.amazon.awssdk.services.firehose.model.CompressionFormat;
import software.amazon.awssdk.services.firehose.model.DeliveryStreamDescription;
import software.amazon.awssdk.services.firehose.model.DeliveryStreamEncryptionStatus;
import software.amazon.awssdk.services.firehose.model.DeliveryStreamType;
import software.amazon.awssdk.services.firehose.model.DestinationDescription;
import software.amazon.awssdk.services.firehose.model.ExtendedS3DestinationDescription;
import software.amazon.awssdk.services.firehose.model.InvalidArgumentException;
import software.amazon.awssdk.services.firehose.model.InvalidKmsResourceException;
import software.amazon.awssdk.services.firehose.model.KeyType;
import software.amazon.awssdk.services.firehose.model.LimitExceededException;
import software.amazon.awssdk.services.firehose.model.ListTagsForDeliveryStreamResponse;
import software.amazon.awssdk.services.firehose.model.ProcessorType;
import software.amazon.awssdk.services.firehose.model.ResourceInUseException;
import software.amazon.awssdk.services.firehose.model.ResourceNotFoundException;
import software.amazon.awssdk.services.firehose.model.S3BackupMode;
import software.amazon.awssdk.services.firehose.model.S3DestinationDescription;
import software.amazon.awssdk.services.firehose.model.Tag;
import software.amazon.awssdk.services.kinesis.KinesisClient;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Firehose's tag and encryption operations and the full DescribeDeliveryStream, through the real SDK v2
 * {@link FirehoseClient}, on a server whose clock the test drives (encryption transitions, the 24-hour call limit).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FirehoseResourcesIT {

    private final ManualClock time = new ManualClock(Instant.parse("2026-05-01T10:00:00Z"));
    private SluiceServer server;
    private FirehoseClient firehose;

    @BeforeAll
    void start() {
        server = SluiceServer.builder().port(0).clock(time).build().start();
        firehose = Clients.firehose(server.endpoint());
    }

    @AfterAll
    void stop() {
        firehose.close();
        server.close();
    }

    private void create(String name) {
        firehose.createDeliveryStream(b -> b.deliveryStreamName(name)
                .extendedS3DestinationConfiguration(d -> d.bucketARN("arn:aws:s3:::res-bucket")
                        .roleARN("arn:aws:iam::000000000000:role/firehose")));
    }

    private static Tag tag(String key, String value) {
        return Tag.builder().key(key).value(value).build();
    }

    private DeliveryStreamDescription describe(String name) {
        return firehose.describeDeliveryStream(b -> b.deliveryStreamName(name)).deliveryStreamDescription();
    }

    @Test
    void tags_createTagUntagAndListWithPaging() {
        firehose.createDeliveryStream(b -> b.deliveryStreamName("tagged")
                .extendedS3DestinationConfiguration(d -> d.bucketARN("arn:aws:s3:::res-bucket"))
                .tags(tag("team", "data"), tag("env", "")));
        firehose.tagDeliveryStream(b -> b.deliveryStreamName("tagged").tags(tag("cost", "42"), tag("team", "ops")));
        ListTagsForDeliveryStreamResponse all = firehose.listTagsForDeliveryStream(b -> b.deliveryStreamName("tagged"));
        assertEquals(List.of(tag("cost", "42"), tag("env", ""), tag("team", "ops")), all.tags());
        assertFalse(all.hasMoreTags());
        ListTagsForDeliveryStreamResponse first = firehose.listTagsForDeliveryStream(b -> b
                .deliveryStreamName("tagged").limit(2));
        assertEquals(List.of(tag("cost", "42"), tag("env", "")), first.tags());
        assertTrue(first.hasMoreTags());
        ListTagsForDeliveryStreamResponse second = firehose.listTagsForDeliveryStream(b -> b
                .deliveryStreamName("tagged").limit(2).exclusiveStartTagKey("env"));
        assertEquals(List.of(tag("team", "ops")), second.tags());
        assertFalse(second.hasMoreTags());
        firehose.untagDeliveryStream(b -> b.deliveryStreamName("tagged").tagKeys("env", "absent"));
        assertEquals(List.of(tag("cost", "42"), tag("team", "ops")), firehose.listTagsForDeliveryStream(b -> b
                .deliveryStreamName("tagged")).tags());
        firehose.deleteDeliveryStream(b -> b.deliveryStreamName("tagged"));
    }

    @Test
    void tags_errors_notFoundInvalidArgumentAndLimitExceeded() {
        assertThrows(ResourceNotFoundException.class, () -> firehose.tagDeliveryStream(b -> b
                .deliveryStreamName("no-such").tags(tag("a", "b"))));
        assertThrows(ResourceNotFoundException.class, () -> firehose.untagDeliveryStream(b -> b
                .deliveryStreamName("no-such").tagKeys("a")));
        assertThrows(ResourceNotFoundException.class, () -> firehose.listTagsForDeliveryStream(b -> b
                .deliveryStreamName("no-such")));
        create("tag-limits");
        InvalidArgumentException reserved = assertThrows(InvalidArgumentException.class, () -> firehose
                .tagDeliveryStream(b -> b.deliveryStreamName("tag-limits").tags(tag("aws:owner", "x"))));
        assertTrue(reserved.awsErrorDetails().errorMessage().contains("aws:"), reserved.getMessage());
        assertThrows(InvalidArgumentException.class, () -> firehose.tagDeliveryStream(b -> b
                .deliveryStreamName("tag-limits").tags(tag("k".repeat(129), "x"))));
        assertThrows(InvalidArgumentException.class, () -> firehose.tagDeliveryStream(b -> b
                .deliveryStreamName("tag-limits").tags(tag("k", "v".repeat(257)))));
        assertThrows(InvalidArgumentException.class, () -> firehose.tagDeliveryStream(b -> b
                .deliveryStreamName("tag-limits").tags(tag("bad{key}", "x"))));
        assertThrows(InvalidArgumentException.class, () -> firehose.listTagsForDeliveryStream(b -> b
                .deliveryStreamName("tag-limits").limit(51)));
        List<Tag> fifty = new ArrayList<>();
        IntStream.range(0, 50).forEach(i -> fifty.add(tag("k" + i, "v")));
        firehose.tagDeliveryStream(b -> b.deliveryStreamName("tag-limits").tags(fifty));
        firehose.tagDeliveryStream(b -> b.deliveryStreamName("tag-limits").tags(tag("k0", "replaced")));
        LimitExceededException limit = assertThrows(LimitExceededException.class, () -> firehose
                .tagDeliveryStream(b -> b.deliveryStreamName("tag-limits").tags(tag("k50", "v"))));
        assertTrue(limit.awsErrorDetails().errorMessage().contains("50"), limit.getMessage());
        assertEquals(50, firehose.listTagsForDeliveryStream(b -> b.deliveryStreamName("tag-limits")).tags().size());
        List<Tag> fiftyOne = new ArrayList<>(fifty);
        fiftyOne.add(tag("k50", "v"));
        assertThrows(InvalidArgumentException.class, () -> firehose.createDeliveryStream(b -> b
                .deliveryStreamName("too-many-tags").tags(fiftyOne)
                .extendedS3DestinationConfiguration(d -> d.bucketARN("arn:aws:s3:::res-bucket"))));
        firehose.deleteDeliveryStream(b -> b.deliveryStreamName("tag-limits"));
    }

    @Test
    void encryption_startGoesEnablingThenEnabled_stopGoesDisablingThenDisabled() {
        create("sse");
        assertEquals(DeliveryStreamEncryptionStatus.DISABLED, describe("sse").deliveryStreamEncryptionConfiguration()
                .status());
        String key = "arn:aws:kms:us-east-1:000000000000:key/1234abcd-12ab-34cd-56ef-1234567890ab";
        firehose.startDeliveryStreamEncryption(b -> b.deliveryStreamName("sse").deliveryStreamEncryptionConfigurationInput(
                e -> e.keyType(KeyType.CUSTOMER_MANAGED_CMK).keyARN(key)));
        var enabling = describe("sse").deliveryStreamEncryptionConfiguration();
        assertEquals(DeliveryStreamEncryptionStatus.ENABLING, enabling.status());
        assertEquals(KeyType.CUSTOMER_MANAGED_CMK, enabling.keyType());
        assertEquals(key, enabling.keyARN());
        assertFalse(firehose.putRecord(b -> b.deliveryStreamName("sse").record(r -> r.data(SdkBytes
                .fromUtf8String("x")))).encrypted());
        time.advance(Duration.ofSeconds(1));
        assertEquals(DeliveryStreamEncryptionStatus.ENABLED, describe("sse").deliveryStreamEncryptionConfiguration()
                .status());
        assertTrue(firehose.putRecord(b -> b.deliveryStreamName("sse").record(r -> r.data(SdkBytes
                .fromUtf8String("x")))).encrypted());
        firehose.stopDeliveryStreamEncryption(b -> b.deliveryStreamName("sse"));
        var disabling = describe("sse").deliveryStreamEncryptionConfiguration();
        assertEquals(DeliveryStreamEncryptionStatus.DISABLING, disabling.status());
        assertNull(disabling.keyARN());
        time.advance(Duration.ofSeconds(1));
        assertEquals(DeliveryStreamEncryptionStatus.DISABLED, describe("sse").deliveryStreamEncryptionConfiguration()
                .status());
        firehose.startDeliveryStreamEncryption(b -> b.deliveryStreamName("sse")
                .deliveryStreamEncryptionConfigurationInput(e -> e.keyType(KeyType.AWS_OWNED_CMK)));
        time.advance(Duration.ofSeconds(1));
        var owned = describe("sse").deliveryStreamEncryptionConfiguration();
        assertEquals(KeyType.AWS_OWNED_CMK, owned.keyType());
        assertEquals(DeliveryStreamEncryptionStatus.ENABLED, owned.status());
        firehose.deleteDeliveryStream(b -> b.deliveryStreamName("sse"));

        firehose.createDeliveryStream(b -> b.deliveryStreamName("sse-at-create")
                .deliveryStreamEncryptionConfigurationInput(e -> e.keyType(KeyType.AWS_OWNED_CMK))
                .extendedS3DestinationConfiguration(d -> d.bucketARN("arn:aws:s3:::res-bucket")));
        assertEquals(DeliveryStreamEncryptionStatus.ENABLED, describe("sse-at-create")
                .deliveryStreamEncryptionConfiguration().status());
        firehose.deleteDeliveryStream(b -> b.deliveryStreamName("sse-at-create"));
    }

    @Test
    void encryption_errors_oneForEachDocumentedException() {
        assertThrows(ResourceNotFoundException.class, () -> firehose.startDeliveryStreamEncryption(b -> b
                .deliveryStreamName("no-such")));
        assertThrows(ResourceNotFoundException.class, () -> firehose.stopDeliveryStreamEncryption(b -> b
                .deliveryStreamName("no-such")));
        create("sse-errors");
        // InvalidArgument: a customer key without its ARN, an AWS-owned key with one, a malformed ARN.
        InvalidArgumentException noArn = assertThrows(InvalidArgumentException.class, () -> firehose
                .startDeliveryStreamEncryption(b -> b.deliveryStreamName("sse-errors")
                        .deliveryStreamEncryptionConfigurationInput(e -> e.keyType(KeyType.CUSTOMER_MANAGED_CMK))));
        assertTrue(noArn.awsErrorDetails().errorMessage().contains("KeyARN"), noArn.getMessage());
        assertThrows(InvalidArgumentException.class, () -> firehose.startDeliveryStreamEncryption(b -> b
                .deliveryStreamName("sse-errors").deliveryStreamEncryptionConfigurationInput(e -> e
                        .keyType(KeyType.AWS_OWNED_CMK).keyARN("arn:aws:kms:us-east-1:000000000000:key/k"))));
        assertThrows(InvalidArgumentException.class, () -> firehose.startDeliveryStreamEncryption(b -> b
                .deliveryStreamName("sse-errors").deliveryStreamEncryptionConfigurationInput(e -> e
                        .keyType(KeyType.CUSTOMER_MANAGED_CMK).keyARN("arn:aws:s3:::not-a-key"))));
        // InvalidKMSResource: KMS keys are regional.
        InvalidKmsResourceException kms = assertThrows(InvalidKmsResourceException.class, () -> firehose
                .startDeliveryStreamEncryption(b -> b.deliveryStreamName("sse-errors")
                        .deliveryStreamEncryptionConfigurationInput(e -> e.keyType(KeyType.CUSTOMER_MANAGED_CMK)
                                .keyARN("arn:aws:kms:eu-west-1:000000000000:key/k"))));
        assertTrue(kms.awsErrorDetails().errorMessage().contains("eu-west-1"), kms.getMessage());
        // ResourceInUse: another change while ENABLING.
        firehose.startDeliveryStreamEncryption(b -> b.deliveryStreamName("sse-errors"));
        ResourceInUseException inUse = assertThrows(ResourceInUseException.class, () -> firehose
                .stopDeliveryStreamEncryption(b -> b.deliveryStreamName("sse-errors")));
        assertTrue(inUse.awsErrorDetails().errorMessage().contains("ENABLING"), inUse.getMessage());
        // LimitExceeded: 25 Start/Stop calls per 24 hours; the refused ones above do not count.
        for (int i = 1; i < 25; i++) {
            time.advance(Duration.ofSeconds(1));
            if (i % 2 == 1) {
                firehose.stopDeliveryStreamEncryption(b -> b.deliveryStreamName("sse-errors"));
            } else {
                firehose.startDeliveryStreamEncryption(b -> b.deliveryStreamName("sse-errors"));
            }
        }
        time.advance(Duration.ofSeconds(1));
        LimitExceededException limit = assertThrows(LimitExceededException.class, () -> firehose
                .startDeliveryStreamEncryption(b -> b.deliveryStreamName("sse-errors")));
        assertTrue(limit.awsErrorDetails().errorMessage().contains("25"), limit.getMessage());
        time.advance(Duration.ofHours(24));
        firehose.startDeliveryStreamEncryption(b -> b.deliveryStreamName("sse-errors"));
        firehose.deleteDeliveryStream(b -> b.deliveryStreamName("sse-errors"));
    }

    @Test
    void encryption_ofAKinesisSourcedStream_isInvalidArgument() {
        KinesisClient kinesis = Clients.kinesis(server.endpoint(), true, false);
        kinesis.createStream(b -> b.streamName("sse-source").shardCount(1));
        firehose.createDeliveryStream(b -> b.deliveryStreamName("sse-from-stream")
                .deliveryStreamType(DeliveryStreamType.KINESIS_STREAM_AS_SOURCE)
                .kinesisStreamSourceConfiguration(s -> s
                        .kinesisStreamARN("arn:aws:kinesis:us-east-1:000000000000:stream/sse-source")
                        .roleARN("arn:aws:iam::000000000000:role/source"))
                .extendedS3DestinationConfiguration(d -> d.bucketARN("arn:aws:s3:::res-bucket")));
        InvalidArgumentException e = assertThrows(InvalidArgumentException.class, () -> firehose
                .startDeliveryStreamEncryption(b -> b.deliveryStreamName("sse-from-stream")));
        assertTrue(e.awsErrorDetails().errorMessage().contains("DirectPut"), e.getMessage());
        DeliveryStreamDescription d = describe("sse-from-stream");
        assertEquals("arn:aws:kinesis:us-east-1:000000000000:stream/sse-source",
                d.source().kinesisStreamSourceDescription().kinesisStreamARN());
        assertEquals("arn:aws:iam::000000000000:role/source", d.source().kinesisStreamSourceDescription().roleARN());
        assertEquals(d.createTimestamp(), d.source().kinesisStreamSourceDescription().deliveryStartTimestamp());
        firehose.deleteDeliveryStream(b -> b.deliveryStreamName("sse-from-stream"));
        kinesis.close();
    }

    @Test
    void describe_extendedS3_returnsTheLegacyAndExtendedShapesWithDefaultsAndVersioning() {
        firehose.createDeliveryStream(b -> b.deliveryStreamName("shapes")
                .extendedS3DestinationConfiguration(d -> d.bucketARN("arn:aws:s3:::res-bucket")
                        .roleARN("arn:aws:iam::000000000000:role/firehose")
                        .prefix("data/!{partitionKeyFromQuery:k}/")
                        .errorOutputPrefix("errors/!{firehose:error-output-type}/")
                        .bufferingHints(h -> h.sizeInMBs(1).intervalInSeconds(60))
                        .compressionFormat(CompressionFormat.GZIP)
                        .cloudWatchLoggingOptions(c -> c.enabled(true).logGroupName("g").logStreamName("s"))
                        .processingConfiguration(p -> p.enabled(true).processors(pr -> pr
                                .type(ProcessorType.METADATA_EXTRACTION).parameters(
                                        q -> q.parameterName("MetadataExtractionQuery").parameterValue("{k: .k}"),
                                        q -> q.parameterName("JsonParsingEngine").parameterValue("JQ-1.6"))))
                        .dynamicPartitioningConfiguration(p -> p.enabled(true))
                        .s3BackupMode(S3BackupMode.ENABLED)
                        .s3BackupConfiguration(s -> s.bucketARN("arn:aws:s3:::res-backup")
                                .roleARN("arn:aws:iam::000000000000:role/firehose").prefix("backup/"))
                        .fileExtension(".json.gz")
                        .customTimeZone("UTC")));
        DeliveryStreamDescription d = describe("shapes");
        assertEquals("1", d.versionId());
        assertEquals(d.createTimestamp(), d.lastUpdateTimestamp());
        assertFalse(d.hasMoreDestinations());
        assertEquals(DeliveryStreamType.DIRECT_PUT, d.deliveryStreamType());
        assertEquals(1, d.destinations().size());
        DestinationDescription destination = d.destinations().get(0);
        assertEquals("destinationId-000000000001", destination.destinationId());

        ExtendedS3DestinationDescription x = destination.extendedS3DestinationDescription();
        assertEquals("arn:aws:iam::000000000000:role/firehose", x.roleARN());
        assertEquals("arn:aws:s3:::res-bucket", x.bucketARN());
        assertEquals("data/!{partitionKeyFromQuery:k}/", x.prefix());
        assertEquals("errors/!{firehose:error-output-type}/", x.errorOutputPrefix());
        assertEquals(1, x.bufferingHints().sizeInMBs());
        assertEquals(60, x.bufferingHints().intervalInSeconds());
        assertEquals(CompressionFormat.GZIP, x.compressionFormat());
        assertEquals("NoEncryption", x.encryptionConfiguration().noEncryptionConfigAsString());
        assertEquals("g", x.cloudWatchLoggingOptions().logGroupName());
        assertTrue(x.processingConfiguration().enabled());
        assertEquals(ProcessorType.METADATA_EXTRACTION, x.processingConfiguration().processors().get(0).type());
        assertEquals(S3BackupMode.ENABLED, x.s3BackupMode());
        assertEquals("backup/", x.s3BackupDescription().prefix());
        assertTrue(x.dynamicPartitioningConfiguration().enabled());
        assertEquals(300, x.dynamicPartitioningConfiguration().retryOptions().durationInSeconds());
        assertEquals(".json.gz", x.fileExtension());
        assertEquals("UTC", x.customTimeZone());

        S3DestinationDescription legacy = destination.s3DestinationDescription();
        assertEquals(x.roleARN(), legacy.roleARN());
        assertEquals(x.bucketARN(), legacy.bucketARN());
        assertEquals(x.prefix(), legacy.prefix());
        assertEquals(x.errorOutputPrefix(), legacy.errorOutputPrefix());
        assertEquals(x.bufferingHints(), legacy.bufferingHints());
        assertEquals(CompressionFormat.GZIP, legacy.compressionFormat());
        assertEquals(x.encryptionConfiguration(), legacy.encryptionConfiguration());
        assertEquals(x.cloudWatchLoggingOptions(), legacy.cloudWatchLoggingOptions());

        // Past the only destination: none, and no more.
        DeliveryStreamDescription after = firehose.describeDeliveryStream(b -> b.deliveryStreamName("shapes")
                .exclusiveStartDestinationId("destinationId-000000000001")).deliveryStreamDescription();
        assertEquals(List.of(), after.destinations());
        assertFalse(after.hasMoreDestinations());

        time.advance(Duration.ofMinutes(5));
        firehose.updateDestination(b -> b.deliveryStreamName("shapes").currentDeliveryStreamVersionId("1")
                .destinationId("destinationId-000000000001")
                .extendedS3DestinationUpdate(u -> u.prefix("v2/!{partitionKeyFromQuery:k}/")));
        DeliveryStreamDescription updated = describe("shapes");
        assertEquals("2", updated.versionId());
        assertEquals(d.createTimestamp().plus(Duration.ofMinutes(5)), updated.lastUpdateTimestamp());
        assertEquals("v2/!{partitionKeyFromQuery:k}/", updated.destinations().get(0).extendedS3DestinationDescription()
                .prefix());
        assertEquals("v2/!{partitionKeyFromQuery:k}/", updated.destinations().get(0).s3DestinationDescription()
                .prefix());
        firehose.updateDestination(b -> b.deliveryStreamName("shapes").currentDeliveryStreamVersionId("2")
                .destinationId("destinationId-000000000001")
                .s3DestinationUpdate(u -> u.errorOutputPrefix("e2/!{firehose:error-output-type}/")));
        assertEquals("3", describe("shapes").versionId());
        firehose.deleteDeliveryStream(b -> b.deliveryStreamName("shapes"));
    }

    @Test
    void describe_defaultsOfAMinimalDestination_andErrors() {
        create("minimal");
        ExtendedS3DestinationDescription x = describe("minimal").destinations().get(0).extendedS3DestinationDescription();
        assertEquals(5, x.bufferingHints().sizeInMBs());
        assertEquals(300, x.bufferingHints().intervalInSeconds());
        assertEquals(CompressionFormat.UNCOMPRESSED, x.compressionFormat());
        assertFalse(x.cloudWatchLoggingOptions().enabled());
        assertFalse(x.processingConfiguration().enabled());
        assertEquals(S3BackupMode.DISABLED, x.s3BackupMode());
        assertThrows(InvalidArgumentException.class, () -> firehose.describeDeliveryStream(b -> b
                .deliveryStreamName("minimal").limit(0)));
        assertThrows(ResourceNotFoundException.class, () -> describe("no-such"));
        InvalidArgumentException zone = assertThrows(InvalidArgumentException.class, () -> firehose
                .createDeliveryStream(b -> b.deliveryStreamName("zoned").extendedS3DestinationConfiguration(d -> d
                        .bucketARN("arn:aws:s3:::res-bucket").customTimeZone("America/New_York"))));
        assertTrue(zone.awsErrorDetails().errorMessage().contains("CustomTimeZone"), zone.getMessage());
        assertThrows(ResourceInUseException.class, () -> create("minimal"));
        firehose.deleteDeliveryStream(b -> b.deliveryStreamName("minimal"));
    }
}
