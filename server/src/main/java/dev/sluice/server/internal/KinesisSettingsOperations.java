package dev.sluice.server.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.stream.StreamEngine;
import dev.sluice.stream.StreamMode;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.concurrent.CompletableFuture;

/**
 * Kinesis stream settings: UpdateStreamMode, AddTagsToStream, ListTagsForStream, RemoveTagsFromStream,
 * StartStreamEncryption, StopStreamEncryption. Encryption is accepted and reported (the engine stores records as
 * given), as the issue asks.
 */
final class KinesisSettingsOperations {

    /** Kinesis: ListTagsForStream Limit in [1, 50], default 50 (a stream has at most 50 tags). */
    static final int MAX_TAGS = 50;

    private final StreamEngine engine;
    private final StreamArns arns;

    KinesisSettingsOperations(StreamEngine engine, StreamArns arns) {
        this.engine = engine;
        this.arns = arns;
    }

    void register(Map<String, Operation> operations) {
        operations.put("UpdateStreamMode", r -> {
            String arn = r.requiredString("StreamARN");
            String mode = KinesisStreamOperations.streamMode(ApiRequest.required("StreamModeDetails",
                    r.node("StreamModeDetails")));
            return KinesisStreamOperations.done(() -> engine.updateStreamMode(arns.nameFromArn(arn),
                    StreamMode.valueOf(mode)));
        });
        operations.put("AddTagsToStream", r -> KinesisStreamOperations.done(() -> engine.addTagsToStream(
                arns.streamName(r), tags(ApiRequest.required("Tags", r.node("Tags"))))));
        operations.put("RemoveTagsFromStream", r -> KinesisStreamOperations.done(() -> engine.removeTagsFromStream(
                arns.streamName(r), strings(ApiRequest.required("TagKeys", r.node("TagKeys")), "TagKeys"))));
        operations.put("ListTagsForStream", this::listTags);
        operations.put("StartStreamEncryption", r -> {
            checkKms(r);
            return KinesisStreamOperations.done(() -> engine.startStreamEncryption(arns.streamName(r),
                    r.requiredString("KeyId")));
        });
        operations.put("StopStreamEncryption", r -> {
            checkKms(r);
            return KinesisStreamOperations.done(() -> engine.stopStreamEncryption(arns.streamName(r),
                    r.requiredString("KeyId")));
        });
    }

    private static void checkKms(ApiRequest r) {
        String type = r.requiredString("EncryptionType");
        if (!type.equals("KMS")) {
            throw ApiException.invalidArgument("EncryptionType must be KMS but was '" + WireFormat.abbreviate(type)
                    + "'");
        }
    }

    static Map<String, String> tags(JsonNode tags) {
        if (!tags.isObject()) {
            throw ApiException.serialization("Tags must be a map of strings but was " + tags.getNodeType());
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> field : tags.properties()) {
            if (!field.getValue().isTextual()) {
                throw ApiException.serialization("Tags values must be strings");
            }
            out.put(field.getKey(), field.getValue().textValue());
        }
        return out;
    }

    static List<String> strings(JsonNode list, String field) {
        if (!list.isArray()) {
            throw ApiException.serialization(field + " must be a list of strings but was " + list.getNodeType());
        }
        List<String> out = new ArrayList<>();
        for (JsonNode item : list) {
            if (!item.isTextual()) {
                throw ApiException.serialization(field + " must hold strings");
            }
            out.add(item.textValue());
        }
        return out;
    }

    private CompletableFuture<Object> listTags(ApiRequest r) {
        int limit = r.integer("Limit").orElse(MAX_TAGS);
        if (limit < 1 || limit > MAX_TAGS) {
            throw ApiRequest.outOfRange("Limit", limit, 1, MAX_TAGS);
        }
        SortedMap<String, String> all = engine.listTagsForStream(arns.streamName(r));
        String after = r.string("ExclusiveStartTagKey").orElse(null);
        SortedMap<String, String> rest = after == null ? all : all.tailMap(after + "\0");
        List<Object> tags = new ArrayList<>();
        for (Map.Entry<String, String> tag : rest.entrySet()) {
            if (tags.size() == limit) {
                break;
            }
            tags.add(Map.of("Key", tag.getKey(), "Value", tag.getValue()));
        }
        Map<String, Object> response = new LinkedHashMap<>();
        response.put("Tags", tags);
        response.put("HasMoreTags", rest.size() > tags.size());
        return CompletableFuture.completedFuture(response);
    }
}
