package dev.sluice.server.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.stream.StreamDescriptionSummary;
import dev.sluice.stream.StreamEngine;
import dev.sluice.stream.StreamMode;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Pattern;

/**
 * The Kinesis channel actions: CreateChannel, DescribeChannel, UpdateChannel, DeleteChannel, ListChannels, with the
 * general purpose S3 destination or the S3 Tables destination ({@link ChannelTables}: a table bucket is a local
 * Iceberg warehouse, the table must exist), over the {@link Channels} registry.
 *
 * <p>Errors, as AWS names them: a field that breaks the API model (a pattern, a length, an enum, a missing required
 * member) is a {@code ValidationException}; a well-formed request Kinesis cannot serve is an
 * {@code InvalidArgumentException} (a provisioned stream, no or two destinations, an S3 Tables table that does not
 * exist or a source that is not JSON for S3 Tables, {@code GSR_JSON} (needs an AWS Glue Schema Registry, which the server does not have), DataFreshnessInSeconds
 * outside [300, 900], an OutputKeyTemplate with an unknown variable); an unknown stream or channel is
 * {@code ResourceNotFoundException}; a taken name or a channel that is not ACTIVE is {@code ResourceInUseException};
 * more than 5 CreateChannel calls per second, or more than {@link Channels#CHANNEL_COUNT_LIMIT} channels, is
 * {@code LimitExceededException}. EncryptionConfiguration and LoggingConfiguration are stored and reported but not
 * enforced (objects are not KMS-encrypted, nothing goes to CloudWatch Logs); StorageClass and ExpectedBucketOwner
 * are stored and reported (local buckets have neither).
 */
final class KinesisChannelOperations {

    static final Pattern CHANNEL_NAME = Pattern.compile("[a-zA-Z0-9_.-]{1,128}");
    static final Pattern CHANNEL_ARN = Pattern.compile("arn:aws.*:kinesis:.*:\\d{12}:channel/\\S+");
    static final Pattern STREAM_ARN = Pattern.compile("arn:aws.*:kinesis:.*:\\d{12}:stream/\\S+");
    static final Pattern ROLE_ARN = Pattern.compile("arn:aws[-a-z0-9]*:iam::\\d{12}:role/[a-zA-Z_0-9+=,.@\\-_/]+");
    static final Pattern BUCKET_ARN = Pattern.compile("arn:aws[-a-z0-9]*:s3:::[a-z0-9._-]{3,63}");
    static final Pattern ACCOUNT = Pattern.compile("\\d{12}");
    static final Pattern ERROR_PREFIX = Pattern.compile("[0-9A-Za-z!\\-_'.*()/]{1,512}");
    static final Pattern KEY_TEMPLATE = Pattern.compile("[0-9A-Za-z!\\-_'.*()/=:{}]{1,1024}");
    static final Pattern GSR_ARN = Pattern.compile(
            "arn:aws[-a-z0-9]*:glue:[-a-z0-9]+:\\d{12}:schema/[-a-zA-Z0-9_$#.]+/[-a-zA-Z0-9_$#.]+");
    static final Pattern LOG_GROUP = Pattern.compile("[.\\-_/#A-Za-z0-9]{1,512}");
    static final Pattern LOG_STREAM = Pattern.compile("[^:*]{1,512}");
    /** API model: StreamConfigurationList and StreamFilter hold 1 to 10,000 entries. */
    static final int MAX_STREAMS = 10_000;
    /** Kinesis data-delivery guide: data freshness is 300 to 900 seconds, default 300. */
    static final int MIN_FRESHNESS = 300;
    static final int MAX_FRESHNESS = 900;
    static final int DEFAULT_FRESHNESS = 300;
    /** ListChannels MaxResults: the model allows 1 to 10,000; the default is ListStreams' 100. */
    static final int LIST_DEFAULT = 100;
    static final int LIST_MAX = 10_000;

    private static final Set<String> FORMATS = Set.of("GSR_JSON", "JSON", "STRING", "BYTE_ARRAY");
    private static final Set<String> COMPRESSIONS = Set.of("NONE", "GZIP", "ZSTD");
    private static final Set<String> TABLE_COMPRESSIONS = Set.of("NONE", "ZSTD", "SNAPPY");
    static final Pattern TABLE_NAME = Pattern.compile("[0-9a-z_]{1,255}");
    static final Pattern SOURCE_NAME = Pattern.compile("[a-zA-Z0-9._]{1,255}");
    /** API model: PartitionFields holds 1 to 10 entries. */
    static final int MAX_PARTITION_FIELDS = 10;
    private static final Set<String> STORAGE_CLASSES = Set.of("STANDARD", "INTELLIGENT_TIERING", "GLACIER_IR");

    private final Channels channels;
    private final ChannelTables tables;
    private final StreamEngine engine;
    private final StreamArns streamArns;
    private final PageTokens tokens;
    private final java.time.Clock clock;
    private final String region;
    private final String accountId;

    KinesisChannelOperations(Channels channels, ChannelTables tables, StreamEngine engine, StreamArns streamArns,
                             PageTokens tokens, java.time.Clock clock, String region, String accountId) {
        this.channels = channels;
        this.tables = tables;
        this.engine = engine;
        this.streamArns = streamArns;
        this.tokens = tokens;
        this.clock = clock;
        this.region = region;
        this.accountId = accountId;
    }

    void register(Map<String, Operation> operations) {
        operations.put("CreateChannel", this::create);
        operations.put("DescribeChannel", this::describe);
        operations.put("UpdateChannel", this::update);
        operations.put("DeleteChannel", this::delete);
        operations.put("ListChannels", this::list);
    }

    // ----- CreateChannel

    private CompletableFuture<Object> create(ApiRequest r) {
        channels.acquireCreateToken();
        String name = r.requiredString("ChannelName");
        match("channelName", name, CHANNEL_NAME, "[a-zA-Z0-9_.-]+", 1, 128);
        String role = r.requiredString("ServiceExecutionRoleARN");
        match("serviceExecutionRoleARN", role, ROLE_ARN, ROLE_ARN.pattern(), 1, 512);
        JsonNode streamList = r.node("StreamConfigurationList");
        if (streamList == null) {
            throw ApiRequest.missing("StreamConfigurationList");
        }
        if (!streamList.isArray() || streamList.isEmpty() || streamList.size() > MAX_STREAMS) {
            throw ApiException.validation("1 validation error detected: Value at 'streamConfigurationList' failed to"
                    + " satisfy constraint: Member must have length between 1 and " + MAX_STREAMS);
        }
        JsonNode s3 = r.node("S3DestinationConfiguration");
        JsonNode tables = r.node("S3TablesDestinationConfiguration");
        if (s3 != null && tables != null) {
            throw ApiException.invalidArgument("Specify exactly one of S3DestinationConfiguration and"
                    + " S3TablesDestinationConfiguration, not both");
        }
        if (s3 == null && tables == null) {
            throw ApiException.invalidArgument("A destination is required: S3DestinationConfiguration or"
                    + " S3TablesDestinationConfiguration");
        }
        Optional<ObjectNode> encryption = encryption(r.node("EncryptionConfiguration"));
        ObjectNode logging = logging(r.node("LoggingConfiguration"))
                .orElseGet(() -> {
                    ObjectNode disabled = PlainJson.MAPPER.createObjectNode();
                    disabled.putObject("CloudWatchLogs").put("Enabled", false);
                    return disabled;
                });
        SortedMap<String, String> tags = tags(r.node("Tags"));
        String id = UUID.randomUUID().toString();
        ObjectNode destination = s3 != null ? s3Destination(s3, name, id) : tablesDestination(tables);
        List<ChannelDefinition.Source> sources = new ArrayList<>();
        Set<String> seen = new java.util.HashSet<>();
        for (JsonNode entry : streamList) {
            sources.add(source(entry));
            if (!seen.add(sources.get(sources.size() - 1).arn())) {
                throw ApiException.invalidArgument("StreamConfigurationList names stream "
                        + sources.get(sources.size() - 1).arn() + " twice");
            }
        }
        if (tables != null) {
            checkTables(destination, sources);
        }
        String arn = "arn:aws:kinesis:" + region + ":" + accountId + ":channel/" + name;
        ChannelDefinition definition = new ChannelDefinition(name, arn, id, clock.instant(), Optional.empty(), 1,
                role, sources, destination, encryption, logging, tags, Optional.empty());
        return CompletableFuture.completedFuture(Map.of("ChannelDescription", description(channels.create(definition))));
    }

    private ChannelDefinition.Source source(JsonNode entry) {
        String arn = ApiRequest.required("StreamConfigurationList.member.StreamARN",
                ApiRequest.string(entry, "StreamARN"));
        match("streamConfigurationList.member.streamARN", arn, STREAM_ARN, STREAM_ARN.pattern(), 1, 2048);
        JsonNode record = entry.get("RecordConfiguration");
        if (record == null || record.isNull()) {
            throw ApiRequest.missing("StreamConfigurationList.member.RecordConfiguration");
        }
        String format = ApiRequest.required("RecordConfiguration.RecordFormatType",
                ApiRequest.string(record, "RecordFormatType"));
        oneOf("streamConfigurationList.member.recordConfiguration.recordFormatType", format, FORMATS);
        String schema = ApiRequest.string(record, "GSRSchemaARN");
        if (schema != null) {
            match("streamConfigurationList.member.recordConfiguration.gSRSchemaARN", schema, GSR_ARN,
                    GSR_ARN.pattern(), 1, 512);
        }
        if (format.equals("GSR_JSON")) {
            throw ApiException.invalidArgument("RecordFormatType GSR_JSON needs an AWS Glue Schema Registry, which"
                    + " the Sluice server does not have (and general purpose S3 destinations do not take GSR_JSON);"
                    + " use JSON, STRING or BYTE_ARRAY");
        }
        if (schema != null) {
            throw ApiException.invalidArgument("GSRSchemaARN applies only to S3 Tables destinations");
        }
        String streamName = streamArns.nameFromArn(arn);
        StreamDescriptionSummary summary = engine.describeStreamSummary(streamName);
        if (summary.streamMode() != StreamMode.ON_DEMAND) {
            throw ApiException.invalidArgument("Stream " + streamName + " is in " + summary.streamMode()
                    + " mode; channels read only ON_DEMAND streams");
        }
        return new ChannelDefinition.Source(arn, streamName, summary.streamCreationTimestamp(), format);
    }

    private ObjectNode s3Destination(JsonNode s3, String channelName, String channelId) {
        if (!s3.isObject()) {
            throw ApiException.serialization("S3DestinationConfiguration must be a structure");
        }
        Integer freshness = ApiRequest.integer(s3, "DataFreshnessInSeconds");
        int seconds = freshness == null ? DEFAULT_FRESHNESS : checkFreshness(freshness);
        JsonNode storage = s3.get("StorageConfiguration");
        if (storage == null || storage.isNull()) {
            throw ApiRequest.missing("S3DestinationConfiguration.StorageConfiguration");
        }
        ObjectNode out = PlainJson.MAPPER.createObjectNode();
        out.put("DataFreshnessInSeconds", seconds);
        ObjectNode storageOut = PlainJson.MAPPER.createObjectNode();
        String bucket = bucketArn(storage, "s3DestinationConfiguration.storageConfiguration");
        storageOut.put("BucketARN", bucket);
        storageOut.put("ExpectedBucketOwner", owner(storage, "s3DestinationConfiguration.storageConfiguration"));
        String template = Optional.ofNullable(ApiRequest.string(storage, "OutputKeyTemplate"))
                .orElse(ChannelKeyTemplate.DEFAULT);
        match("s3DestinationConfiguration.storageConfiguration.outputKeyTemplate", template, KEY_TEMPLATE,
                "[0-9A-Za-z!\\-_'.*()\\/=:{}]+", 1, 1024);
        ChannelKeyTemplate.parse(template, channelName, channelId);
        storageOut.put("OutputKeyTemplate", template);
        String storageClass = ApiRequest.string(storage, "StorageClass");
        if (storageClass != null) {
            oneOf("s3DestinationConfiguration.storageConfiguration.storageClass", storageClass, STORAGE_CLASSES);
            storageOut.put("StorageClass", storageClass);
        }
        String compression = ApiRequest.required("StorageConfiguration.CompressionType",
                ApiRequest.string(storage, "CompressionType"));
        oneOf("s3DestinationConfiguration.storageConfiguration.compressionType", compression, COMPRESSIONS);
        storageOut.put("CompressionType", compression);
        JsonNode deadLetter = s3.get("DeadLetterQueueS3Configuration");
        ObjectNode deadLetterOut = PlainJson.MAPPER.createObjectNode();
        if (deadLetter == null || deadLetter.isNull()) {
            // AWS: without a dead-letter configuration, failed records go to the destination bucket under an error
            // prefix.
            deadLetterOut.put("BucketARN", bucket);
            deadLetterOut.put("ExpectedBucketOwner", storageOut.get("ExpectedBucketOwner").asText());
            deadLetterOut.put("ErrorOutputPrefix", "kinesis-channel-errors/" + channelName + "/");
        } else {
            deadLetterOut = deadLetter(deadLetter, "s3DestinationConfiguration.deadLetterQueueS3Configuration");
        }
        out.set("DeadLetterQueueS3Configuration", deadLetterOut);
        out.set("StorageConfiguration", storageOut);
        return out;
    }

    private static ObjectNode deadLetter(JsonNode deadLetter, String field) {
        ObjectNode deadLetterOut = PlainJson.MAPPER.createObjectNode();
        deadLetterOut.put("BucketARN", bucketArn(deadLetter, field));
        deadLetterOut.put("ExpectedBucketOwner", owner(deadLetter, field));
        String prefix = ApiRequest.string(deadLetter, "ErrorOutputPrefix");
        if (prefix != null) {
            match(field + ".errorOutputPrefix", prefix, ERROR_PREFIX, "[0-9A-Za-z!\\-_'.*()\\/]+", 1, 512);
            if (prefix.startsWith("/") || prefix.contains("//") || prefix.contains("..")) {
                throw ApiException.invalidArgument("ErrorOutputPrefix '" + prefix + "' must not start with '/'"
                        + " nor contain '//' or '..'");
            }
        }
        deadLetterOut.put("ErrorOutputPrefix", prefix == null ? "" : prefix);
        return deadLetterOut;
    }

    /** The S3TablesDestinationConfiguration, validated against the API model and normalised. */
    private ObjectNode tablesDestination(JsonNode config) {
        if (!config.isObject()) {
            throw ApiException.serialization("S3TablesDestinationConfiguration must be a structure");
        }
        String field = "s3TablesDestinationConfiguration";
        Integer freshness = ApiRequest.integer(config, "DataFreshnessInSeconds");
        ObjectNode out = PlainJson.MAPPER.createObjectNode();
        out.put("DataFreshnessInSeconds", freshness == null ? DEFAULT_FRESHNESS : checkFreshness(freshness));
        JsonNode deadLetter = config.get("DeadLetterQueueS3Configuration");
        if (deadLetter == null || deadLetter.isNull()) {
            throw ApiRequest.missing("S3TablesDestinationConfiguration.DeadLetterQueueS3Configuration");
        }
        out.set("DeadLetterQueueS3Configuration", deadLetter(deadLetter, field + ".deadLetterQueueS3Configuration"));
        JsonNode list = config.get("S3TablesConfigurationList");
        if (list == null || list.isNull()) {
            throw ApiRequest.missing("S3TablesDestinationConfiguration.S3TablesConfigurationList");
        }
        if (!list.isArray() || list.isEmpty() || list.size() > MAX_STREAMS) {
            throw ApiException.validation("1 validation error detected: Value at '" + field
                    + ".s3TablesConfigurationList' failed to satisfy constraint: Member must have length between 1"
                    + " and " + MAX_STREAMS);
        }
        com.fasterxml.jackson.databind.node.ArrayNode listOut = out.putArray("S3TablesConfigurationList");
        String member = field + ".s3TablesConfigurationList.member";
        for (JsonNode table : list) {
            ObjectNode tableOut = listOut.addObject();
            String arn = ApiRequest.required("S3TablesConfiguration.TableBucketARN",
                    ApiRequest.string(table, "TableBucketARN"));
            match(member + ".tableBucketARN", arn, ChannelTables.TABLE_BUCKET_ARN,
                    "arn:aws[-a-z0-9]*:s3tables:[-a-z0-9]+:\\d{12}:bucket/[a-z0-9_-]{3,63}", 1, 2048);
            tables.warehouse(arn);
            tableOut.put("TableBucketARN", arn);
            String namespace = ApiRequest.required("S3TablesConfiguration.Namespace",
                    ApiRequest.string(table, "Namespace"));
            match(member + ".namespace", namespace, TABLE_NAME, "[0-9a-z_]+", 1, 255);
            tableOut.put("Namespace", namespace);
            String name = ApiRequest.required("S3TablesConfiguration.TableName", ApiRequest.string(table, "TableName"));
            match(member + ".tableName", name, TABLE_NAME, "[0-9a-z_]+", 1, 255);
            tableOut.put("TableName", name);
            String compression = ApiRequest.required("S3TablesConfiguration.CompressionType",
                    ApiRequest.string(table, "CompressionType"));
            oneOf(member + ".compressionType", compression, TABLE_COMPRESSIONS);
            tableOut.put("CompressionType", compression);
            JsonNode spec = table.get("PartitionSpec");
            if (spec != null && !spec.isNull()) {
                JsonNode fields = spec.get("PartitionFields");
                if (fields == null || fields.isNull()) {
                    throw ApiRequest.missing("S3TablesConfiguration.PartitionSpec.PartitionFields");
                }
                if (!fields.isArray() || fields.isEmpty() || fields.size() > MAX_PARTITION_FIELDS) {
                    throw ApiException.validation("1 validation error detected: Value at '" + member
                            + ".partitionSpec.partitionFields' failed to satisfy constraint: Member must have length"
                            + " between 1 and " + MAX_PARTITION_FIELDS);
                }
                com.fasterxml.jackson.databind.node.ArrayNode fieldsOut = tableOut.putObject("PartitionSpec")
                        .putArray("PartitionFields");
                for (JsonNode partition : fields) {
                    String transform = ApiRequest.required("PartitionField.Transform",
                            ApiRequest.string(partition, "Transform"));
                    oneOf(member + ".partitionSpec.partitionFields.member.transform", transform, Set.of("TIME_HOUR"));
                    String source = ApiRequest.required("PartitionField.SourceName",
                            ApiRequest.string(partition, "SourceName"));
                    match(member + ".partitionSpec.partitionFields.member.sourceName", source, SOURCE_NAME,
                            "[a-zA-Z0-9\\.\\_]+", 1, 255);
                    fieldsOut.addObject().put("Transform", transform).put("SourceName", source);
                }
            }
        }
        return out;
    }

    /** What the API model cannot say: one table per source (or one for all), JSON records, existing tables. */
    private void checkTables(ObjectNode destination, List<ChannelDefinition.Source> sources) {
        JsonNode list = destination.get("S3TablesConfigurationList");
        if (list.size() != 1 && list.size() != sources.size()) {
            throw ApiException.invalidArgument("S3TablesConfigurationList has " + list.size() + " tables for "
                    + sources.size() + " streams: give one table for every stream (in StreamConfigurationList's"
                    + " order) or one table for all");
        }
        for (ChannelDefinition.Source source : sources) {
            if (!source.format().equals("JSON")) {
                throw ApiException.invalidArgument("Stream " + source.name() + " has RecordFormatType "
                        + source.format() + " but S3 Tables destinations take JSON records (GSR_JSON needs a Glue"
                        + " Schema Registry, which the Sluice server does not have)");
            }
        }
        for (JsonNode table : list) {
            tables.schema(table);
        }
    }

    private static int checkFreshness(int seconds) {
        if (seconds < MIN_FRESHNESS || seconds > MAX_FRESHNESS) {
            throw ApiException.invalidArgument("DataFreshnessInSeconds must be between " + MIN_FRESHNESS + " and "
                    + MAX_FRESHNESS + " but was " + seconds);
        }
        return seconds;
    }

    private static String bucketArn(JsonNode config, String field) {
        String arn = ApiRequest.required(field + ".BucketARN", ApiRequest.string(config, "BucketARN"));
        match(field + ".bucketARN", arn, BUCKET_ARN, "arn:aws[-a-z0-9]*:s3:::[a-z0-9._-]{3,63}", 1, 2048);
        String bucket = arn.substring(arn.indexOf(":::") + 3);
        // Same rule as Firehose buckets: the name becomes a directory.
        FirehoseDestinations.bucketDirectory(java.nio.file.Path.of("."), bucket);
        return arn;
    }

    private static String owner(JsonNode config, String field) {
        String owner = ApiRequest.required(field + ".ExpectedBucketOwner",
                ApiRequest.string(config, "ExpectedBucketOwner"));
        match(field + ".expectedBucketOwner", owner, ACCOUNT, "\\d{12}", 12, 12);
        return owner;
    }

    private static Optional<ObjectNode> encryption(JsonNode node) {
        if (node == null) {
            return Optional.empty();
        }
        String type = ApiRequest.required("EncryptionConfiguration.EncryptionType",
                ApiRequest.string(node, "EncryptionType"));
        oneOf("encryptionConfiguration.encryptionType", type, Set.of("KMS"));
        String key = ApiRequest.required("EncryptionConfiguration.KeyId", ApiRequest.string(node, "KeyId"));
        if (key.isEmpty() || key.length() > 2048) {
            throw length("encryptionConfiguration.keyId", key, 1, 2048);
        }
        ObjectNode out = PlainJson.MAPPER.createObjectNode();
        out.put("EncryptionType", type).put("KeyId", key);
        return Optional.of(out);
    }

    private static Optional<ObjectNode> logging(JsonNode node) {
        if (node == null) {
            return Optional.empty();
        }
        JsonNode logs = node.get("CloudWatchLogs");
        if (logs == null || logs.isNull()) {
            throw ApiRequest.missing("LoggingConfiguration.CloudWatchLogs");
        }
        JsonNode enabled = logs.get("Enabled");
        if (enabled == null || enabled.isNull()) {
            throw ApiRequest.missing("LoggingConfiguration.CloudWatchLogs.Enabled");
        }
        if (!enabled.isBoolean()) {
            throw ApiException.serialization("Enabled must be a boolean but was " + enabled.getNodeType());
        }
        ObjectNode out = PlainJson.MAPPER.createObjectNode();
        ObjectNode logsOut = out.putObject("CloudWatchLogs");
        logsOut.put("Enabled", enabled.booleanValue());
        String group = ApiRequest.string(logs, "LogGroupName");
        if (group != null) {
            match("loggingConfiguration.cloudWatchLogs.logGroupName", group, LOG_GROUP, "[\\.\\-_/#A-Za-z0-9]+",
                    1, 512);
            logsOut.put("LogGroupName", group);
        }
        String stream = ApiRequest.string(logs, "LogStreamName");
        if (stream != null) {
            match("loggingConfiguration.cloudWatchLogs.logStreamName", stream, LOG_STREAM, "[^:*]*", 1, 512);
            logsOut.put("LogStreamName", stream);
        }
        return Optional.of(out);
    }

    private static SortedMap<String, String> tags(JsonNode node) {
        SortedMap<String, String> tags = new TreeMap<>();
        if (node == null) {
            return tags;
        }
        if (!node.isObject()) {
            throw ApiException.serialization("Tags must be a map but was " + node.getNodeType());
        }
        if (node.isEmpty() || node.size() > Channels.MAX_TAGS) {
            throw ApiException.validation("1 validation error detected: Value at 'tags' failed to satisfy"
                    + " constraint: Member must have length between 1 and " + Channels.MAX_TAGS);
        }
        for (Map.Entry<String, JsonNode> tag : node.properties()) {
            if (!tag.getValue().isTextual()) {
                throw ApiException.serialization("tag values must be strings");
            }
            if (tag.getKey().isEmpty() || tag.getKey().length() > 128) {
                throw length("tags.key", tag.getKey(), 1, 128);
            }
            if (tag.getValue().textValue().length() > 256) {
                throw length("tags.value", tag.getValue().textValue(), 0, 256);
            }
            tags.put(tag.getKey(), tag.getValue().textValue());
        }
        return tags;
    }

    // ----- DescribeChannel, UpdateChannel, DeleteChannel

    private static String channelArn(ApiRequest r) {
        String arn = r.requiredString("ChannelARN");
        match("channelARN", arn, CHANNEL_ARN, "arn:aws.*:kinesis:.*:\\d{12}:channel/\\S+", 1, 2048);
        return arn;
    }

    private CompletableFuture<Object> describe(ApiRequest r) {
        return CompletableFuture.completedFuture(Map.of("ChannelDescription",
                description(channels.describe(channelArn(r)))));
    }

    private CompletableFuture<Object> update(ApiRequest r) {
        String arn = channelArn(r);
        boolean toTables = channels.describe(arn).definition().s3Tables();
        String member = toTables ? "S3TablesDestinationConfiguration" : "S3DestinationConfiguration";
        String other = toTables ? "S3DestinationConfiguration" : "S3TablesDestinationConfiguration";
        if (r.node(other) != null) {
            throw ApiException.invalidArgument(other + " does not apply: this channel delivers to "
                    + (toTables ? "S3 Tables" : "S3") + "; update " + member);
        }
        JsonNode s3 = r.node(member);
        Optional<Integer> freshness = Optional.empty();
        if (s3 != null) {
            freshness = Optional.of(checkFreshness(ApiRequest.required(member + ".DataFreshnessInSeconds",
                    ApiRequest.integer(s3, "DataFreshnessInSeconds"))));
        }
        Optional<ObjectNode> logging = logging(r.node("LoggingConfiguration"));
        if (freshness.isEmpty() && logging.isEmpty()) {
            throw ApiException.invalidArgument("UpdateChannel needs " + member + " or LoggingConfiguration");
        }
        return CompletableFuture.completedFuture(Map.of("ChannelDescription",
                description(channels.update(arn, freshness, logging))));
    }

    private CompletableFuture<Object> delete(ApiRequest r) {
        channels.delete(channelArn(r));
        return CompletableFuture.completedFuture(Map.of());
    }

    // ----- ListChannels

    private CompletableFuture<Object> list(ApiRequest r) {
        int limit = r.integer("MaxResults").orElse(LIST_DEFAULT);
        if (limit < 1 || limit > LIST_MAX) {
            throw ApiRequest.outOfRange("MaxResults", limit, 1, LIST_MAX);
        }
        List<Map.Entry<String, Optional<Instant>>> filters = new ArrayList<>();
        JsonNode filterNode = r.node("StreamFilter");
        if (filterNode != null) {
            if (!filterNode.isArray() || filterNode.isEmpty() || filterNode.size() > MAX_STREAMS) {
                throw ApiException.validation("1 validation error detected: Value at 'streamFilter' failed to"
                        + " satisfy constraint: Member must have length between 1 and " + MAX_STREAMS);
            }
            for (JsonNode filter : filterNode) {
                String arn = ApiRequest.required("StreamFilter.member.StreamARN",
                        ApiRequest.string(filter, "StreamARN"));
                match("streamFilter.member.streamARN", arn, STREAM_ARN, STREAM_ARN.pattern(), 1, 2048);
                JsonNode created = filter.get("StreamCreationTimestamp");
                Optional<Instant> timestamp = created == null || created.isNull() ? Optional.empty()
                        : Optional.of(r.format().timestamp(created, "StreamCreationTimestamp"));
                filters.add(Map.entry(arn, timestamp));
            }
        }
        String after = r.string("NextToken").map(token -> tokens.decode("ListChannels", token).lastKey())
                .orElse(null);
        List<Object> summaries = new ArrayList<>();
        String last = null;
        boolean more = false;
        for (Channels.Snapshot channel : channels.list()) {
            ChannelDefinition d = channel.definition();
            if (after != null && d.name().compareTo(after) <= 0) {
                continue;
            }
            if (!filters.isEmpty() && d.streams().stream().noneMatch(s -> filters.stream().anyMatch(f ->
                    f.getKey().equals(s.arn()) && f.getValue().map(t -> t.equals(s.created())).orElse(true)))) {
                continue;
            }
            if (summaries.size() == limit) {
                more = true;
                break;
            }
            summaries.add(summary(channel));
            last = d.name();
        }
        Map<String, Object> response = new LinkedHashMap<>();
        response.put("ChannelSummaries", summaries);
        if (more) {
            response.put("NextToken", tokens.encode("ListChannels", "", last));
        }
        return CompletableFuture.completedFuture(response);
    }

    // ----- responses

    private static Map<String, Object> summary(Channels.Snapshot channel) {
        ChannelDefinition d = channel.definition();
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("ChannelName", d.name());
        s.put("ChannelARN", d.arn());
        s.put("ChannelId", d.id());
        s.put("ChannelStatus", channel.status().name());
        channel.reason().ifPresent(reason -> s.put("ChannelStatusReason", reason));
        s.put("ChannelCreationTimestamp", d.created());
        s.put("ChannelDestinationType", d.s3Tables() ? "S3_TABLES" : "S3");
        List<Object> streams = new ArrayList<>();
        for (ChannelDefinition.Source source : d.streams()) {
            streams.add(Map.of("StreamARN", source.arn(), "StreamCreationTimestamp", source.created()));
        }
        s.put("Streams", streams);
        return s;
    }

    private static Map<String, Object> description(Channels.Snapshot channel) {
        ChannelDefinition d = channel.definition();
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("ChannelName", d.name());
        out.put("ChannelARN", d.arn());
        out.put("ChannelId", d.id());
        out.put("ChannelStatus", channel.status().name());
        channel.reason().ifPresent(reason -> out.put("ChannelStatusReason", reason));
        out.put("ChannelCreationTimestamp", d.created());
        out.put("ServiceExecutionRoleARN", d.roleArn());
        List<Object> streams = new ArrayList<>();
        for (ChannelDefinition.Source source : d.streams()) {
            Map<String, Object> stream = new LinkedHashMap<>();
            stream.put("StreamARN", source.arn());
            stream.put("StreamCreationTimestamp", source.created());
            stream.put("RecordConfiguration", Map.of("RecordFormatType", source.format()));
            streams.add(stream);
        }
        out.put("StreamConfigurationList", streams);
        out.put(d.s3Tables() ? "S3TablesDestinationConfiguration" : "S3DestinationConfiguration", d.s3());
        d.encryption().ifPresent(e -> out.put("EncryptionConfiguration", e));
        out.put("LoggingConfiguration", d.logging());
        return out;
    }

    // ----- validation helpers, with AWS's wording

    private static void match(String field, String value, Pattern pattern, String shown, int min, int max) {
        if (value.length() < min || value.length() > max || !pattern.matcher(value).matches()) {
            throw ApiException.validation("1 validation error detected: Value '" + WireFormat.abbreviate(value)
                    + "' at '" + field + "' failed to satisfy constraint: Member must satisfy regular expression"
                    + " pattern: " + shown + " and have length between " + min + " and " + max);
        }
    }

    private static void oneOf(String field, String value, Set<String> allowed) {
        if (!allowed.contains(value)) {
            throw ApiException.validation("1 validation error detected: Value '" + WireFormat.abbreviate(value)
                    + "' at '" + field + "' failed to satisfy constraint: Member must satisfy enum value set: "
                    + new java.util.TreeSet<>(allowed));
        }
    }

    private static ApiException length(String field, String value, int min, int max) {
        return ApiException.validation("1 validation error detected: Value '" + WireFormat.abbreviate(value)
                + "' at '" + field + "' failed to satisfy constraint: Member must have length between " + min
                + " and " + max);
    }
}
