package dev.sluice.server.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.stream.CreateStreamRequest;
import dev.sluice.stream.Shard;
import dev.sluice.stream.ShardLimits;
import dev.sluice.stream.StreamDescriptionSummary;
import dev.sluice.stream.StreamEngine;
import dev.sluice.stream.StreamMode;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;

/**
 * Kinesis control-plane actions: streams, shards, retention, resharding. Each reads its members, calls the
 * engine, and returns the Kinesis response shape. Engine calls here are short and synchronous; they run on the
 * server's worker threads, never on an event loop.
 */
final class KinesisStreamOperations {

    /** Kinesis: DescribeStream returns at most 100 shards unless Limit says otherwise (1-10,000). */
    static final int DESCRIBE_STREAM_DEFAULT_LIMIT = 100;
    /** Kinesis: ListShards MaxResults in [1, 10,000], default 1,000. */
    static final int LIST_SHARDS_DEFAULT_MAX = 1_000;
    /** Kinesis: ListStreams Limit in [1, 10,000], default 100. */
    static final int LIST_STREAMS_DEFAULT_LIMIT = 100;
    static final int MAX_PAGE = 10_000;

    private final StreamEngine engine;
    private final StreamArns arns;
    private final PageTokens tokens;
    /** Per-shard limits of the streams CreateStream makes (the server's --write-bytes-per-shard and friends). */
    private ShardLimits shardLimits = ShardLimits.KINESIS;

    KinesisStreamOperations(StreamEngine engine, StreamArns arns, PageTokens tokens) {
        this.engine = engine;
        this.arns = arns;
        this.tokens = tokens;
    }

    /** Sets the per-shard limits of new streams; call before {@link #register}. */
    KinesisStreamOperations shardLimits(ShardLimits limits) {
        this.shardLimits = limits;
        return this;
    }

    void register(Map<String, Operation> operations) {
        operations.put("CreateStream", this::createStream);
        operations.put("DeleteStream", this::deleteStream);
        operations.put("DescribeStream", this::describeStream);
        operations.put("DescribeStreamSummary", this::describeStreamSummary);
        operations.put("ListStreams", this::listStreams);
        operations.put("ListShards", this::listShards);
        operations.put("IncreaseStreamRetentionPeriod", r -> done(() -> engine.increaseStreamRetentionPeriod(
                arns.streamName(r), Duration.ofHours(r.requiredInteger("RetentionPeriodHours")))));
        operations.put("DecreaseStreamRetentionPeriod", r -> done(() -> engine.decreaseStreamRetentionPeriod(
                arns.streamName(r), Duration.ofHours(r.requiredInteger("RetentionPeriodHours")))));
        operations.put("SplitShard", r -> done(() -> engine.splitShard(arns.streamName(r),
                r.requiredString("ShardToSplit"), r.requiredString("NewStartingHashKey"))));
        operations.put("MergeShards", r -> done(() -> engine.mergeShards(arns.streamName(r),
                r.requiredString("ShardToMerge"), r.requiredString("AdjacentShardToMerge"))));
        operations.put("UpdateShardCount", this::updateShardCount);
    }

    static CompletableFuture<Object> done(Runnable action) {
        action.run();
        return CompletableFuture.completedFuture(Map.of());
    }

    /** Kinesis refuses to delete a stream with registered consumers unless EnforceConsumerDeletion is true. */
    private CompletableFuture<Object> deleteStream(ApiRequest r) {
        String name = arns.streamName(r);
        JsonNode enforce = r.node("EnforceConsumerDeletion");
        if ((enforce == null || !enforce.asBoolean(false)) && !engine.listStreamConsumers(name).isEmpty()) {
            throw ApiException.resourceInUse("Stream " + name + " has registered consumers; deregister them or set"
                    + " EnforceConsumerDeletion");
        }
        return done(() -> engine.deleteStream(name));
    }

    private CompletableFuture<Object> createStream(ApiRequest r) {
        String name = r.requiredString("StreamName");
        String mode = streamMode(r.node("StreamModeDetails"));
        Integer shards = r.integer("ShardCount").orElse(null);
        if (shards == null) {
            if (!mode.equals("ON_DEMAND")) {
                throw ApiException.invalidArgument("ShardCount is required for a PROVISIONED stream " + name);
            }
            shards = StreamEngine.ON_DEMAND_INITIAL_SHARDS;
        }
        if (shards < 1) {
            throw ApiRequest.outOfRange("ShardCount", shards, 1, Integer.MAX_VALUE);
        }
        JsonNode tagsNode = r.node("Tags");
        Map<String, String> tags = tagsNode == null ? Map.of() : KinesisSettingsOperations.tags(tagsNode);
        KinesisResourceOperations.checkCreateTags(tags); // before creating: a bad tag creates no stream
        engine.createStream(recordSettings(r, CreateStreamRequest.of(name, shards)
                .withStreamMode(StreamMode.valueOf(mode)).withShardLimits(shardLimits)));
        if (!tags.isEmpty()) {
            engine.tagResource(arns.streamArn(name), tags);
        }
        return CompletableFuture.completedFuture(Map.of());
    }

    /** CreateStream's MaxRecordSizeInKiB, RecordDistributionStrategy and WarmThroughputMiBps (2026 members). */
    private static CreateStreamRequest recordSettings(ApiRequest r, CreateStreamRequest request) {
        CreateStreamRequest out = request;
        Integer kib = r.integer("MaxRecordSizeInKiB").orElse(null);
        if (kib != null) {
            if (kib < KinesisRecordSettingsOperations.MIN_MAX_RECORD_SIZE_KIB
                    || kib > KinesisRecordSettingsOperations.MAX_MAX_RECORD_SIZE_KIB) {
                throw ApiRequest.outOfRange("MaxRecordSizeInKiB", kib, KinesisRecordSettingsOperations.MIN_MAX_RECORD_SIZE_KIB,
                        KinesisRecordSettingsOperations.MAX_MAX_RECORD_SIZE_KIB);
            }
            out = out.withMaxRecordSizeInKiB(kib);
        }
        String strategy = r.string("RecordDistributionStrategy").orElse(null);
        if (strategy != null) {
            out = out.withRecordDistributionStrategy(KinesisRecordSettingsOperations.strategy(strategy));
        }
        Integer warm = r.integer("WarmThroughputMiBps").orElse(null);
        if (warm != null) {
            if (warm < 0) {
                throw ApiException.validation("1 validation error detected: Value '" + warm + "' at 'warmThroughputMiBps'"
                        + " failed to satisfy constraint: Member must have value greater than or equal to 0");
            }
            out = out.withWarmThroughputMiBps(warm);
        }
        return out;
    }

    static String streamMode(JsonNode details) {
        if (details == null) {
            return "PROVISIONED";
        }
        String mode = ApiRequest.string(details, "StreamMode");
        if (mode == null) {
            throw ApiRequest.missing("StreamModeDetails.StreamMode");
        }
        if (!mode.equals("PROVISIONED") && !mode.equals("ON_DEMAND")) {
            throw ApiException.validation("1 validation error detected: Value '" + WireFormat.abbreviate(mode)
                    + "' at 'streamModeDetails.streamMode' failed to satisfy constraint: Member must satisfy enum"
                    + " value set: [PROVISIONED, ON_DEMAND]");
        }
        return mode;
    }

    private CompletableFuture<Object> describeStreamSummary(ApiRequest r) {
        StreamDescriptionSummary s = engine.describeStreamSummary(arns.streamName(r));
        Map<String, Object> summary = summaryFields(s);
        summary.put("OpenShardCount", s.openShardCount());
        summary.put("ConsumerCount", s.consumerCount());
        KinesisRecordSettingsOperations.summaryFields(s, summary);
        return CompletableFuture.completedFuture(Map.of("StreamDescriptionSummary", summary));
    }

    private Map<String, Object> summaryFields(StreamDescriptionSummary s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("StreamName", s.streamName());
        m.put("StreamARN", s.streamArn());
        m.put("StreamStatus", s.streamStatus().name());
        m.put("StreamModeDetails", Map.of("StreamMode", s.streamMode().name()));
        m.put("RetentionPeriodHours", (int) s.retentionPeriod().toHours());
        m.put("StreamCreationTimestamp", s.streamCreationTimestamp());
        m.put("EnhancedMonitoring", List.of(Map.of("ShardLevelMetrics",
                KinesisResourceOperations.metricNames(engine.enhancedMonitoring(s.streamName())))));
        m.put("EncryptionType", s.encryptionType().name());
        s.keyId().ifPresent(k -> m.put("KeyId", k));
        return m;
    }

    private CompletableFuture<Object> describeStream(ApiRequest r) {
        String name = arns.streamName(r);
        int limit = r.integer("Limit").orElse(DESCRIBE_STREAM_DEFAULT_LIMIT);
        if (limit < 1 || limit > MAX_PAGE) {
            throw ApiRequest.outOfRange("Limit", limit, 1, MAX_PAGE);
        }
        String exclusiveStart = r.string("ExclusiveStartShardId").orElse(null);
        StreamDescriptionSummary s = engine.describeStreamSummary(name);
        List<Shard> all = engine.listShards(name);
        List<Object> page = new ArrayList<>();
        boolean more = false;
        for (Shard shard : all) {
            if (exclusiveStart != null && shard.shardId().compareTo(exclusiveStart) <= 0) {
                continue;
            }
            if (page.size() == limit) {
                more = true;
                break;
            }
            page.add(shard(shard));
        }
        Map<String, Object> description = summaryFields(s);
        description.put("Shards", page);
        description.put("HasMoreShards", more);
        return CompletableFuture.completedFuture(Map.of("StreamDescription", description));
    }

    static Map<String, Object> shard(Shard shard) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("ShardId", shard.shardId());
        shard.parentShardId().ifPresent(p -> m.put("ParentShardId", p));
        shard.adjacentParentShardId().ifPresent(p -> m.put("AdjacentParentShardId", p));
        m.put("HashKeyRange", Map.of("StartingHashKey", shard.hashKeyRange().startingHashKey().toString(),
                "EndingHashKey", shard.hashKeyRange().endingHashKey().toString()));
        Map<String, Object> sequence = new LinkedHashMap<>();
        sequence.put("StartingSequenceNumber", shard.sequenceNumberRange().startingSequenceNumber());
        shard.sequenceNumberRange().endingSequenceNumber().ifPresent(e -> sequence.put("EndingSequenceNumber", e));
        m.put("SequenceNumberRange", sequence);
        return m;
    }

    private CompletableFuture<Object> listStreams(ApiRequest r) {
        int limit = r.integer("Limit").orElse(LIST_STREAMS_DEFAULT_LIMIT);
        if (limit < 1 || limit > MAX_PAGE) {
            throw ApiRequest.outOfRange("Limit", limit, 1, MAX_PAGE);
        }
        String after = r.string("ExclusiveStartStreamName").orElse(null);
        String token = r.string("NextToken").orElse(null);
        if (token != null) {
            after = tokens.decode("ListStreams", token).lastKey();
        }
        List<String> names = new ArrayList<>();
        List<Object> summaries = new ArrayList<>();
        boolean more = false;
        for (String name : engine.listStreams()) {
            if (after != null && name.compareTo(after) <= 0) {
                continue;
            }
            if (names.size() == limit) {
                more = true;
                break;
            }
            StreamDescriptionSummary s;
            try {
                s = engine.describeStreamSummary(name);
            } catch (dev.sluice.stream.StreamException e) {
                continue; // deleted between the two calls
            }
            names.add(name);
            Map<String, Object> summary = new LinkedHashMap<>();
            summary.put("StreamName", name);
            summary.put("StreamARN", s.streamArn());
            summary.put("StreamStatus", s.streamStatus().name());
            summary.put("StreamModeDetails", Map.of("StreamMode", s.streamMode().name()));
            summary.put("StreamCreationTimestamp", s.streamCreationTimestamp());
            summaries.add(summary);
        }
        Map<String, Object> response = new LinkedHashMap<>();
        response.put("StreamNames", names);
        response.put("HasMoreStreams", more);
        response.put("StreamSummaries", summaries);
        if (more) {
            response.put("NextToken", tokens.encode("ListStreams", "", names.get(names.size() - 1)));
        }
        return CompletableFuture.completedFuture(response);
    }

    private CompletableFuture<Object> listShards(ApiRequest r) {
        String token = r.string("NextToken").orElse(null);
        int max = r.integer("MaxResults").orElse(LIST_SHARDS_DEFAULT_MAX);
        if (max < 1 || max > MAX_PAGE) {
            throw ApiRequest.outOfRange("MaxResults", max, 1, MAX_PAGE);
        }
        String name;
        String after;
        JsonNode filter;
        if (token != null) {
            if (r.node("StreamName") != null || r.node("ExclusiveStartShardId") != null
                    || r.node("ShardFilter") != null) {
                throw ApiException.invalidArgument("NextToken cannot be combined with StreamName,"
                        + " ExclusiveStartShardId or ShardFilter");
            }
            PageTokens.Page page = tokens.decode("ListShards", token);
            name = page.stream();
            after = page.lastKey();
            filter = null;
        } else {
            name = arns.streamName(r);
            after = r.string("ExclusiveStartShardId").orElse(null);
            filter = r.node("ShardFilter");
        }
        List<Shard> shards = filter(engine.listShards(name), filter);
        List<Object> page = new ArrayList<>();
        String last = null;
        boolean more = false;
        for (Shard shard : shards) {
            if (after != null && shard.shardId().compareTo(after) <= 0) {
                continue;
            }
            if (page.size() == max) {
                more = true;
                break;
            }
            page.add(shard(shard));
            last = shard.shardId();
        }
        Map<String, Object> response = new LinkedHashMap<>();
        response.put("Shards", page);
        if (more) {
            response.put("NextToken", tokens.encode("ListShards", name, last));
        }
        return CompletableFuture.completedFuture(response);
    }

    /**
     * Kinesis ShardFilter. The engine keeps closed shards until the stream is deleted and does not expose when a
     * shard opened or closed, so: {@code AT_LATEST} = open shards; {@code AT_TRIM_HORIZON} = shards without a
     * parent (those open at the oldest retained data); {@code FROM_TRIM_HORIZON} = all; {@code AFTER_SHARD_ID} =
     * after the given id; {@code AT_TIMESTAMP} and {@code FROM_TIMESTAMP} return all shards, a superset that a
     * consumer reading parents before children handles correctly.
     */
    private static List<Shard> filter(List<Shard> shards, JsonNode filter) {
        if (filter == null) {
            return shards;
        }
        String type = ApiRequest.required("ShardFilter.Type", ApiRequest.string(filter, "Type"));
        return switch (type) {
            case "AT_LATEST" -> shards.stream().filter(s -> s.sequenceNumberRange().endingSequenceNumber().isEmpty())
                    .toList();
            case "AT_TRIM_HORIZON" -> {
                Set<String> ids = shards.stream().map(Shard::shardId).collect(Collectors.toSet());
                yield shards.stream().filter(s -> s.parentShardId().filter(ids::contains).isEmpty()).toList();
            }
            case "FROM_TRIM_HORIZON", "AT_TIMESTAMP", "FROM_TIMESTAMP" -> shards;
            case "AFTER_SHARD_ID" -> {
                String id = ApiRequest.string(filter, "ShardId");
                if (id == null) {
                    throw ApiException.invalidArgument("ShardFilter type AFTER_SHARD_ID needs a ShardId");
                }
                yield shards.stream().filter(s -> s.shardId().compareTo(id) > 0).toList();
            }
            default -> throw ApiException.validation("1 validation error detected: Value '"
                    + WireFormat.abbreviate(type) + "' at 'shardFilter.type' failed to satisfy constraint: Member must"
                    + " satisfy enum value set: [AFTER_SHARD_ID, AT_TRIM_HORIZON, FROM_TRIM_HORIZON, AT_LATEST,"
                    + " AT_TIMESTAMP, FROM_TIMESTAMP]");
        };
    }

    private CompletableFuture<Object> updateShardCount(ApiRequest r) {
        String name = arns.streamName(r);
        int target = r.requiredInteger("TargetShardCount");
        String scaling = r.requiredString("ScalingType");
        if (!scaling.equals("UNIFORM_SCALING")) {
            throw ApiException.validation("1 validation error detected: Value '" + WireFormat.abbreviate(scaling)
                    + "' at 'scalingType' failed to satisfy constraint: Member must satisfy enum value set:"
                    + " [UNIFORM_SCALING]");
        }
        int current = engine.describeStreamSummary(name).openShardCount();
        engine.updateShardCount(name, target);
        Map<String, Object> response = new LinkedHashMap<>();
        response.put("StreamName", name);
        response.put("CurrentShardCount", current);
        response.put("TargetShardCount", target);
        response.put("StreamARN", arns.streamArn(name));
        return CompletableFuture.completedFuture(response);
    }
}
