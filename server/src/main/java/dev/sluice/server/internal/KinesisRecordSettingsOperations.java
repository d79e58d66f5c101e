package dev.sluice.server.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.stream.RecordDistributionStrategy;
import dev.sluice.stream.StreamDescriptionSummary;
import dev.sluice.stream.StreamEngine;
import dev.sluice.stream.StreamException;
import dev.sluice.stream.WarmThroughput;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Pattern;

/**
 * The Kinesis record-path settings of the 2026 API: UpdateMaxRecordSize, UpdateStreamRecordDistributionStrategy,
 * UpdateStreamWarmThroughput; and the {@code StreamId} every stream operation may carry.
 *
 * <p>StreamId: AWS documents the member as reserved for future use. Here it is checked wherever it is given: it must
 * match {@code [a-z0-9]{20}-[a-z0-9]{3}} ({@code ValidationException}) and, when the request also names the stream
 * (StreamName, StreamARN, ConsumerARN or ResourceARN), be that stream's id, else {@code ResourceNotFoundException}
 * (no stream of that name has that id). Alone it identifies the stream ({@link StreamArns#streamName}). The check
 * wraps every Kinesis operation registered before {@link #register}, so this class is registered last.
 */
final class KinesisRecordSettingsOperations {

    /** Kinesis StreamId pattern (every operation's {@code StreamId} member). */
    static final Pattern STREAM_ID = Pattern.compile("[a-z0-9]{20}-[a-z0-9]{3}");
    /** Kinesis UpdateMaxRecordSize / CreateStream MaxRecordSizeInKiB: in [1024, 10240]. */
    static final int MIN_MAX_RECORD_SIZE_KIB = 1024;
    static final int MAX_MAX_RECORD_SIZE_KIB = 10_240;

    private final StreamEngine engine;
    private final StreamArns arns;

    KinesisRecordSettingsOperations(StreamEngine engine, StreamArns arns) {
        this.engine = engine;
        this.arns = arns;
    }

    /** Registers the three operations, then puts the StreamId check in front of every Kinesis operation. */
    void register(Map<String, Operation> operations) {
        operations.put("UpdateMaxRecordSize", this::updateMaxRecordSize);
        operations.put("UpdateStreamRecordDistributionStrategy", this::updateRecordDistributionStrategy);
        operations.put("UpdateStreamWarmThroughput", this::updateWarmThroughput);
        operations.replaceAll((name, operation) -> request -> {
            checkStreamId(request);
            return operation.invoke(request);
        });
    }

    private CompletableFuture<Object> updateMaxRecordSize(ApiRequest r) {
        String name = streamByArnOrId(r);
        int kib = r.requiredInteger("MaxRecordSizeInKiB");
        if (kib < MIN_MAX_RECORD_SIZE_KIB || kib > MAX_MAX_RECORD_SIZE_KIB) {
            throw ApiRequest.outOfRange("MaxRecordSizeInKiB", kib, MIN_MAX_RECORD_SIZE_KIB, MAX_MAX_RECORD_SIZE_KIB);
        }
        return KinesisStreamOperations.done(() -> engine.updateMaxRecordSize(name, kib));
    }

    private CompletableFuture<Object> updateRecordDistributionStrategy(ApiRequest r) {
        String name = streamByArnOrId(r);
        RecordDistributionStrategy strategy = strategy(r.requiredString("RecordDistributionStrategy"));
        return KinesisStreamOperations.done(() -> engine.updateStreamRecordDistributionStrategy(name, strategy));
    }

    private CompletableFuture<Object> updateWarmThroughput(ApiRequest r) {
        String name = arns.streamName(r);
        int mibps = r.requiredInteger("WarmThroughputMiBps");
        if (mibps < 0) {
            throw ApiException.validation("1 validation error detected: Value '" + mibps + "' at 'warmThroughputMiBps'"
                    + " failed to satisfy constraint: Member must have value greater than or equal to 0");
        }
        WarmThroughput warm = engine.updateStreamWarmThroughput(name, mibps);
        Map<String, Object> response = new LinkedHashMap<>();
        response.put("StreamARN", arns.streamArn(name));
        response.put("StreamName", name);
        response.put("WarmThroughput", warmThroughput(warm));
        return CompletableFuture.completedFuture(response);
    }

    /** UpdateMaxRecordSize and UpdateStreamRecordDistributionStrategy name the stream by StreamARN or StreamId. */
    private String streamByArnOrId(ApiRequest r) {
        if (r.node("StreamARN") == null && r.node("StreamId") == null) {
            throw ApiRequest.missing("StreamARN");
        }
        return arns.streamName(r);
    }

    /** Kinesis RecordDistributionStrategy enum; anything else is the model's enum ValidationException. */
    static RecordDistributionStrategy strategy(String value) {
        return switch (value) {
            case "AUTO" -> RecordDistributionStrategy.AUTO;
            case "USER_PARTITION_KEY" -> RecordDistributionStrategy.USER_PARTITION_KEY;
            default -> throw ApiException.validation("1 validation error detected: Value '"
                    + WireFormat.abbreviate(value) + "' at 'recordDistributionStrategy' failed to satisfy constraint:"
                    + " Member must satisfy enum value set: [AUTO, USER_PARTITION_KEY]");
        };
    }

    /** Kinesis WarmThroughputObject. */
    static Map<String, Object> warmThroughput(WarmThroughput warm) {
        Map<String, Object> m = new LinkedHashMap<>();
        warm.targetMiBps().ifPresent(t -> m.put("TargetMiBps", t));
        m.put("CurrentMiBps", warm.currentMiBps());
        return m;
    }

    /** The members DescribeStreamSummary reports for these settings (the 2.59.1 model has them only there). */
    static void summaryFields(StreamDescriptionSummary s, Map<String, Object> summary) {
        summary.put("StreamId", s.streamId());
        summary.put("MaxRecordSizeInKiB", s.maxRecordSizeInKiB());
        summary.put("RecordDistributionStrategy", s.recordDistributionStrategy().name());
        s.warmThroughput().ifPresent(w -> summary.put("WarmThroughput", warmThroughput(w)));
    }

    /** Checks a StreamId's pattern. */
    static String checkStreamIdPattern(String streamId) {
        if (!STREAM_ID.matcher(streamId).matches()) {
            throw ApiException.validation("1 validation error detected: Value '" + WireFormat.abbreviate(streamId)
                    + "' at 'streamId' failed to satisfy constraint: Member must satisfy regular expression pattern: "
                    + STREAM_ID.pattern());
        }
        return streamId;
    }

    /**
     * The StreamId check in front of every operation (see the class comment). A stream the request names but that
     * does not exist is left to the operation, which reports it as it always does.
     */
    private void checkStreamId(ApiRequest r) {
        JsonNode node = r.node("StreamId");
        if (node == null) {
            return;
        }
        String id = checkStreamIdPattern(ApiRequest.required("StreamId", ApiRequest.string(r.body(), "StreamId")));
        String name = namedStream(r);
        if (name == null) {
            return;
        }
        StreamDescriptionSummary summary;
        try {
            summary = engine.describeStreamSummary(name);
        } catch (StreamException e) {
            return;
        }
        if (!summary.streamId().equals(id)) {
            throw ApiException.resourceNotFound("Stream " + name + " with StreamId " + id + " under account "
                    + arnAccount(summary.streamArn()) + " not found (its StreamId is " + summary.streamId() + ").");
        }
    }

    /** The stream a request names by StreamName, StreamARN, ConsumerARN or a stream or consumer ResourceARN. */
    private static String namedStream(ApiRequest r) {
        String name = r.string("StreamName").orElse(null);
        if (name != null) {
            return name;
        }
        for (String field : new String[] {"StreamARN", "ConsumerARN", "ResourceARN"}) {
            String arn = r.string(field).orElse(null);
            if (arn != null) {
                int start = arn.indexOf(":stream/");
                if (start < 0) {
                    return null;
                }
                start += ":stream/".length();
                int end = arn.indexOf('/', start);
                return end < 0 ? arn.substring(start) : arn.substring(start, end);
            }
        }
        return null;
    }

    private static String arnAccount(String arn) {
        String[] parts = arn.split(":", 6);
        return parts.length > 4 ? parts[4] : "";
    }
}
