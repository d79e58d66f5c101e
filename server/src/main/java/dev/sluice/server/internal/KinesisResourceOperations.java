package dev.sluice.server.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.stream.EnhancedMonitoringUpdate;
import dev.sluice.stream.ShardLevelMetric;
import dev.sluice.stream.StreamEngine;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SortedMap;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Pattern;

/**
 * Kinesis resource-level operations of the 2026 API: TagResource, UntagResource, ListTagsForResource,
 * PutResourcePolicy, GetResourcePolicy, DeleteResourcePolicy (on stream, consumer and channel ARNs), and
 * EnableEnhancedMonitoring, DisableEnhancedMonitoring. Streams and consumers keep their tags and policies in the
 * engine; channels in the {@link ChannelResources} registry.
 *
 * <p>Resource policies are validated as JSON policy documents (an object; {@code Version}, when given, one of
 * IAM's two; a {@code Statement} object or non-empty array whose statements name an {@code Effect} of Allow or
 * Deny, an {@code Action} or {@code NotAction}, and a {@code Principal} or {@code NotPrincipal}, as resource-based
 * policies must), stored and returned verbatim, and <strong>not enforced</strong>: every caller may do everything.
 * GetResourcePolicy on a resource without one returns the empty policy {@code {}}, as Kinesis does.
 */
final class KinesisResourceOperations {

    /** Kinesis ResourceARN: 1-2048 characters of {@code arn:aws.*:kinesis:.*:\d{12}:.*(stream|channel)/\S+}. */
    static final Pattern RESOURCE_ARN = Pattern.compile("arn:aws.*:kinesis:.*:\\d{12}:.*(stream|channel)/\\S+");
    static final int MAX_ARN = 2048;
    /** Kinesis EnableEnhancedMonitoring: ShardLevelMetrics holds 1-7 names. */
    static final int MAX_METRICS = 7;
    /** Kinesis TagResource: 1-200 tags per call; keys 1-128 characters, values 0-256. */
    static final int MAX_TAGS_PER_CALL = 200;
    /** Kinesis UntagResource: 1-50 keys per call. */
    static final int MAX_KEYS_PER_CALL = 50;
    /** Kinesis: a stream or consumer has at most 50 tags. */
    static final int MAX_TAGS_PER_RESOURCE = 50;
    private static final int MAX_TAG_KEY = 128;
    private static final int MAX_TAG_VALUE = 256;
    private static final Pattern CHANNEL_ARN = Pattern.compile("arn:aws[^:]*:kinesis:[^:]*:\\d{12}:channel/\\S+");
    private static final Set<String> POLICY_VERSIONS = Set.of("2012-10-17", "2008-10-17");

    private final StreamEngine engine;
    private final StreamArns arns;
    private final ChannelResources channels;

    KinesisResourceOperations(StreamEngine engine, StreamArns arns, ChannelResources channels) {
        this.engine = Objects.requireNonNull(engine, "engine");
        this.arns = Objects.requireNonNull(arns, "arns");
        this.channels = Objects.requireNonNull(channels, "channels");
    }

    void register(Map<String, Operation> operations) {
        operations.put("TagResource", r -> {
            String arn = resourceArn(r);
            Map<String, String> tags = KinesisSettingsOperations.tags(ApiRequest.required("Tags", r.node("Tags")));
            return KinesisStreamOperations.done(() -> {
                if (isChannel(arn)) {
                    checkTags(tags);
                    channels.tag(arn, tags);
                } else {
                    engine.tagResource(checkedEngineArn(arn), tags);
                }
            });
        });
        operations.put("UntagResource", r -> {
            String arn = resourceArn(r);
            List<String> keys = KinesisSettingsOperations.strings(ApiRequest.required("TagKeys", r.node("TagKeys")),
                    "TagKeys");
            return KinesisStreamOperations.done(() -> {
                if (isChannel(arn)) {
                    checkKeys(keys);
                    channels.untag(arn, keys);
                } else {
                    engine.untagResource(checkedEngineArn(arn), keys);
                }
            });
        });
        operations.put("ListTagsForResource", r -> {
            String arn = resourceArn(r);
            SortedMap<String, String> tags = isChannel(arn) ? channels.tags(arn)
                    : engine.listTagsForResource(checkedEngineArn(arn));
            List<Object> list = new ArrayList<>(tags.size());
            tags.forEach((key, value) -> list.add(Map.of("Key", key, "Value", value)));
            return CompletableFuture.completedFuture(Map.of("Tags", list));
        });
        operations.put("PutResourcePolicy", r -> {
            String arn = resourceArn(r);
            String policy = r.requiredString("Policy");
            checkPolicy(policy);
            return KinesisStreamOperations.done(() -> {
                if (isChannel(arn)) {
                    channels.putPolicy(arn, policy);
                } else {
                    engine.putResourcePolicy(checkedEngineArn(arn), policy);
                }
            });
        });
        operations.put("GetResourcePolicy", r -> {
            String arn = resourceArn(r);
            String policy = (isChannel(arn) ? channels.policy(arn) : engine.getResourcePolicy(checkedEngineArn(arn)))
                    .orElse("{}");
            return CompletableFuture.completedFuture(Map.of("Policy", policy));
        });
        operations.put("DeleteResourcePolicy", r -> {
            String arn = resourceArn(r);
            return KinesisStreamOperations.done(() -> {
                if (isChannel(arn)) {
                    channels.deletePolicy(arn);
                } else {
                    engine.deleteResourcePolicy(checkedEngineArn(arn));
                }
            });
        });
        operations.put("EnableEnhancedMonitoring", r -> monitoring(r, true));
        operations.put("DisableEnhancedMonitoring", r -> monitoring(r, false));
    }

    private CompletableFuture<Object> monitoring(ApiRequest r, boolean enable) {
        String name = arns.streamName(r);
        List<String> names = KinesisSettingsOperations.strings(ApiRequest.required("ShardLevelMetrics",
                r.node("ShardLevelMetrics")), "ShardLevelMetrics");
        if (names.isEmpty() || names.size() > MAX_METRICS) {
            throw ApiException.validation("1 validation error detected: Value '" + names + "' at 'shardLevelMetrics'"
                    + " failed to satisfy constraint: Member must have length between 1 and " + MAX_METRICS);
        }
        Set<ShardLevelMetric> metrics = ShardLevelMetric.fromMetricNames(names);
        EnhancedMonitoringUpdate update = enable ? engine.enableEnhancedMonitoring(name, metrics)
                : engine.disableEnhancedMonitoring(name, metrics);
        Map<String, Object> response = new LinkedHashMap<>();
        response.put("StreamName", update.streamName());
        response.put("CurrentShardLevelMetrics", metricNames(update.current()));
        response.put("DesiredShardLevelMetrics", metricNames(update.desired()));
        response.put("StreamARN", update.streamArn());
        return CompletableFuture.completedFuture(response);
    }

    /** Kinesis names of shard-level metrics, in declaration order; DescribeStream's {@code EnhancedMonitoring}. */
    static List<String> metricNames(Collection<ShardLevelMetric> metrics) {
        List<String> names = new ArrayList<>(metrics.size());
        for (ShardLevelMetric metric : ShardLevelMetric.values()) {
            if (metrics.contains(metric)) {
                names.add(metric.metricName());
            }
        }
        return names;
    }

    private static String resourceArn(ApiRequest r) {
        String arn = r.requiredString("ResourceARN");
        if (arn.isEmpty() || arn.length() > MAX_ARN || !RESOURCE_ARN.matcher(arn).matches()) {
            throw ApiException.invalidArgument("ResourceARN '" + WireFormat.abbreviate(arn) + "' is not a Kinesis"
                    + " stream, consumer or channel ARN (arn:aws:kinesis:<region>:<account>:stream/<name>,"
                    + " .../stream/<name>/consumer/<name>:<timestamp> or .../channel/<name>; at most " + MAX_ARN
                    + " characters)");
        }
        return arn;
    }

    private static boolean isChannel(String arn) {
        return CHANNEL_ARN.matcher(arn).matches();
    }

    /** A stream or consumer ARN, its stream part checked against this server's region and account. */
    private String checkedEngineArn(String arn) {
        int consumer = arn.indexOf("/consumer/");
        arns.nameFromArn(consumer < 0 ? arn : arn.substring(0, consumer));
        return arn;
    }

    /**
     * The tags given to CreateStream or RegisterStreamConsumer, checked before the resource is made: the TagResource
     * rules, and at most 50, the per-resource limit (LimitExceededException).
     */
    static void checkCreateTags(Map<String, String> tags) {
        if (tags.isEmpty()) {
            return;
        }
        checkTags(tags);
        if (tags.size() > MAX_TAGS_PER_RESOURCE) {
            throw new ApiException(400, "LimitExceededException", "a stream or consumer can have at most "
                    + MAX_TAGS_PER_RESOURCE + " tags but " + tags.size() + " were given");
        }
    }

    /** The engine's tag rules, for channels, whose registry checks only the per-resource total. */
    private static void checkTags(Map<String, String> tags) {
        if (tags.isEmpty() || tags.size() > MAX_TAGS_PER_CALL) {
            throw ApiException.validation("1 validation error detected: Value at 'tags' failed to satisfy constraint:"
                    + " Member must have between 1 and " + MAX_TAGS_PER_CALL + " entries but had " + tags.size());
        }
        tags.forEach((key, value) -> {
            checkKey(key);
            if (value.length() > MAX_TAG_VALUE) {
                throw ApiException.validation("the value of tag " + WireFormat.abbreviate(key) + " must be 0-"
                        + MAX_TAG_VALUE + " characters but was " + value.length());
            }
        });
    }

    private static void checkKeys(List<String> keys) {
        if (keys.isEmpty() || keys.size() > MAX_KEYS_PER_CALL) {
            throw ApiException.validation("1 validation error detected: Value at 'tagKeys' failed to satisfy"
                    + " constraint: Member must have length between 1 and " + MAX_KEYS_PER_CALL + " but had " + keys.size());
        }
        keys.forEach(KinesisResourceOperations::checkKey);
    }

    private static void checkKey(String key) {
        if (key.isEmpty() || key.length() > MAX_TAG_KEY) {
            throw ApiException.validation("a tag key must be 1-" + MAX_TAG_KEY + " characters but was " + key.length());
        }
        if (key.startsWith("aws:")) {
            throw ApiException.invalidArgument("tag key " + WireFormat.abbreviate(key) + " uses the reserved prefix aws:");
        }
    }

    /**
     * Checks that a resource policy is a JSON policy document; see the class comment for what is checked.
     *
     * @throws ApiException {@code InvalidArgumentException} naming the problem
     */
    static void checkPolicy(String policy) {
        JsonNode document;
        try {
            document = PlainJson.MAPPER.readTree(policy);
        } catch (JsonProcessingException e) {
            throw ApiException.invalidArgument("Policy is not valid JSON: " + e.getOriginalMessage());
        }
        if (document == null || !document.isObject()) {
            throw ApiException.invalidArgument("Policy must be a JSON object (a policy document) but was "
                    + (document == null ? "empty" : document.getNodeType()));
        }
        JsonNode version = document.get("Version");
        if (version != null && !(version.isTextual() && POLICY_VERSIONS.contains(version.textValue()))) {
            throw ApiException.invalidArgument("Policy Version must be 2012-10-17 or 2008-10-17 but was " + version);
        }
        JsonNode statement = document.get("Statement");
        if (statement == null || !(statement.isObject() || statement.isArray() && !statement.isEmpty())) {
            throw ApiException.invalidArgument("Policy must have a Statement: an object or a non-empty array of objects");
        }
        List<JsonNode> statements = new ArrayList<>();
        if (statement.isObject()) {
            statements.add(statement);
        } else {
            statement.forEach(statements::add);
        }
        for (int i = 0; i < statements.size(); i++) {
            JsonNode s = statements.get(i);
            String where = "Policy Statement[" + i + "]";
            if (!s.isObject()) {
                throw ApiException.invalidArgument(where + " must be an object but was " + s.getNodeType());
            }
            JsonNode effect = s.get("Effect");
            if (effect == null || !effect.isTextual() || !(effect.textValue().equals("Allow")
                    || effect.textValue().equals("Deny"))) {
                throw ApiException.invalidArgument(where + " must have an Effect of Allow or Deny but had " + effect);
            }
            if (!s.has("Action") && !s.has("NotAction")) {
                throw ApiException.invalidArgument(where + " must have an Action or NotAction");
            }
            if (!s.has("Principal") && !s.has("NotPrincipal")) {
                throw ApiException.invalidArgument(where + " must have a Principal or NotPrincipal (a resource-based"
                        + " policy names who it applies to)");
            }
        }
    }
}
