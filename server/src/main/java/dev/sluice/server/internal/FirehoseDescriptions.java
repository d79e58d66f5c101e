package dev.sluice.server.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code DeliveryStreamDescription} of DescribeDeliveryStream, with the shapes AWS returns: for an S3
 * destination (extended or legacy) both the legacy {@code S3DestinationDescription} and the
 * {@code ExtendedS3DestinationDescription}, with Firehose's defaults filled in where the configuration left a
 * member out (buffering hints, compression, encryption, CloudWatch logging, processing, backup mode, the schema
 * configuration's catalog, region and version); {@code Source} with the Kinesis stream, role and start time;
 * {@code VersionId}, timestamps and {@code HasMoreDestinations}. Secrets (HTTP endpoint access keys) are left out.
 *
 * <p>Stateless; callers hold the stream's read lock.
 */
final class FirehoseDescriptions {

    static final String DESTINATION_ID = FirehoseOperations.DESTINATION_ID;
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    /** The members of the legacy S3DestinationDescription. */
    private static final List<String> S3_MEMBERS = List.of("RoleARN", "BucketARN", "Prefix", "ErrorOutputPrefix",
            "BufferingHints", "CompressionFormat", "EncryptionConfiguration", "CloudWatchLoggingOptions");

    private FirehoseDescriptions() {
    }

    static Map<String, Object> describe(HostedDeliveryStream h, String arn, Instant now, String region,
                                        String accountId, int limit, String exclusiveStartDestinationId) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("DeliveryStreamName", h.name);
        d.put("DeliveryStreamARN", arn);
        d.put("DeliveryStreamStatus", "ACTIVE");
        d.put("DeliveryStreamEncryptionConfiguration", h.encryptionDescription(now));
        d.put("DeliveryStreamType", h.type);
        d.put("VersionId", Integer.toString(h.version));
        d.put("CreateTimestamp", h.created);
        d.put("LastUpdateTimestamp", h.lastUpdate);
        if (h.sourceStreamArn != null) {
            Map<String, Object> source = new LinkedHashMap<>();
            source.put("KinesisStreamARN", h.sourceStreamArn);
            if (h.sourceRoleArn != null) {
                source.put("RoleARN", h.sourceRoleArn);
            }
            source.put("DeliveryStartTimestamp", h.created);
            d.put("Source", Map.of("KinesisStreamSourceDescription", source));
        }
        boolean listed = limit >= 1 && (exclusiveStartDestinationId == null
                || exclusiveStartDestinationId.compareTo(DESTINATION_ID) < 0);
        if (listed) {
            Map<String, Object> destination = new LinkedHashMap<>();
            destination.put("DestinationId", DESTINATION_ID);
            if (h.destinationKind.equals("HttpEndpointDestinationConfiguration")) {
                destination.put("HttpEndpointDestinationDescription", http(h.destination));
            } else if (h.destinationKind.equals(FirehoseIceberg.KIND)) {
                destination.put("IcebergDestinationDescription", FirehoseIceberg.describe(h.destination));
            } else {
                ObjectNode extended = extendedS3(h, region, accountId);
                ObjectNode legacy = NODES.objectNode();
                for (String member : S3_MEMBERS) {
                    if (extended.has(member)) {
                        legacy.set(member, extended.get(member));
                    }
                }
                destination.put("S3DestinationDescription", legacy);
                destination.put("ExtendedS3DestinationDescription", extended);
            }
            d.put("Destinations", List.of(destination));
        } else {
            d.put("Destinations", List.of());
        }
        d.put("HasMoreDestinations", false);
        return d;
    }

    private static ObjectNode http(ObjectNode config) {
        ObjectNode d = config.deepCopy();
        JsonNode endpoint = d.get("EndpointConfiguration");
        if (endpoint instanceof ObjectNode e) {
            e.remove("AccessKey");
        }
        if (d.get("S3Configuration") != null) {
            d.set("S3DestinationDescription", d.remove("S3Configuration"));
        }
        return d;
    }

    private static ObjectNode extendedS3(HostedDeliveryStream h, String region, String accountId) {
        ObjectNode d = h.destination.deepCopy();
        boolean converting = h.conversion != null;
        ObjectNode hints = d.has("BufferingHints") && d.get("BufferingHints").isObject()
                ? (ObjectNode) d.get("BufferingHints") : d.putObject("BufferingHints");
        if (!hints.has("SizeInMBs")) {
            hints.put("SizeInMBs", converting ? FirehoseFormatConversion.DEFAULT_BUFFER_MB : 5);
        }
        if (!hints.has("IntervalInSeconds")) {
            hints.put("IntervalInSeconds", 300);
        }
        if (!d.has("CompressionFormat")) {
            d.put("CompressionFormat", "UNCOMPRESSED");
        }
        if (!d.has("EncryptionConfiguration")) {
            d.putObject("EncryptionConfiguration").put("NoEncryptionConfig", "NoEncryption");
        }
        if (!d.has("CloudWatchLoggingOptions")) {
            d.putObject("CloudWatchLoggingOptions").put("Enabled", false);
        }
        if (!d.has("ProcessingConfiguration")) {
            d.putObject("ProcessingConfiguration").put("Enabled", false).putArray("Processors");
        }
        if (!d.has("S3BackupMode")) {
            d.put("S3BackupMode", "Disabled");
        }
        if (d.get("S3BackupConfiguration") != null) {
            d.set("S3BackupDescription", d.remove("S3BackupConfiguration"));
        }
        JsonNode conversion = d.get("DataFormatConversionConfiguration");
        if (conversion instanceof ObjectNode c) {
            if (!c.has("Enabled")) {
                c.put("Enabled", true);
            }
            if (c.get("SchemaConfiguration") instanceof ObjectNode schema) {
                if (!schema.has("CatalogId")) {
                    schema.put("CatalogId", accountId);
                }
                if (!schema.has("Region")) {
                    schema.put("Region", region);
                }
                if (!schema.has("VersionId")) {
                    schema.put("VersionId", FirehoseFormatConversion.LATEST);
                }
            }
        }
        if (d.get("DynamicPartitioningConfiguration") instanceof ObjectNode partitioning
                && partitioning.path("Enabled").asBoolean(false) && !partitioning.has("RetryOptions")) {
            partitioning.putObject("RetryOptions").put("DurationInSeconds", 300);
        }
        return d;
    }
}
