package dev.sluice.stream.internal;

import dev.sluice.stream.EnhancedMonitoringUpdate;
import dev.sluice.stream.ErrorCode;
import dev.sluice.stream.ShardLevelMetric;
import dev.sluice.stream.StreamException;
import dev.sluice.stream.StreamMode;

import java.util.Collection;
import java.util.EnumSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The resource-level operations (enhanced monitoring, TagResource, UntagResource, resource policies): Kinesis's rules
 * for them and the on-demand stream quota, how a resource ARN resolves to a stream or a registered consumer, and the
 * changes, each made through {@link Streams#updateSettings} (under the control plane's lock, saved to the manifest
 * first). The ARN is resolved again inside the change, so a consumer deregistered meanwhile is not found rather than
 * silently re-tagged.
 */
final class ResourceAdmin {

    /** Kinesis TagResource: at most 200 tags in one call (API model). */
    static final int MAX_TAGS_PER_TAG_RESOURCE = 200;
    /** Kinesis UntagResource: at most 50 keys in one call (API model). */
    static final int MAX_KEYS_PER_UNTAG_RESOURCE = 50;
    /** Kinesis: a stream or consumer has at most 50 tags. */
    static final int MAX_TAGS_PER_RESOURCE = StreamAdmin.MAX_TAGS;
    /** Kinesis: at most 50 on-demand streams per account (default quota). */
    static final int ON_DEMAND_STREAM_LIMIT = dev.sluice.stream.StreamEngine.ON_DEMAND_STREAM_COUNT_LIMIT;
    /**
     * Largest resource policy document Sluice stores, in characters. Not an AWS figure (IAM's limits for resource
     * policies vary by service); it keeps manifests small.
     */
    static final int MAX_POLICY_CHARS = 20_480;
    private static final int MAX_TAG_KEY = 128;
    private static final int MAX_TAG_VALUE = 256;

    private ResourceAdmin() {
    }

    /**
     * A stream or a registered consumer, as a resource ARN names it.
     *
     * @param stream   the stream (of the consumer)
     * @param consumer the consumer, or null for the stream itself
     */
    record Resource(StreamState stream, StreamSettings.RegisteredConsumer consumer) {
        String describe() {
            return consumer == null ? "stream " + stream.name
                    : "consumer " + consumer.name() + " of stream " + stream.name;
        }
    }

    /**
     * Resolves a stream ARN or a consumer ARN ({@code <stream ARN>/consumer/<name>:<epoch seconds>}).
     *
     * @throws StreamException {@link ErrorCode#INVALID_ARGUMENT} for a malformed ARN,
     *                         {@link ErrorCode#RESOURCE_NOT_FOUND} for an unknown stream or consumer, or an ARN of
     *                         another region or account
     */
    static Resource resolve(Streams streams, String arn) {
        if (arn == null) {
            throw new StreamException(ErrorCode.VALIDATION, "ResourceARN must not be null");
        }
        if (arn.contains("/consumer/")) {
            StreamState stream = streams.require(Arns.consumer(arn)[0]);
            return new Resource(stream, ReadPath.registeredConsumer(stream, arn));
        }
        StreamState stream = streams.require(Arns.streamName(arn));
        if (!stream.arn.equals(arn)) {
            throw new StreamException(ErrorCode.RESOURCE_NOT_FOUND, "Stream " + KinesisLimits.abbreviate(arn)
                    + " not found: this engine's stream of that name is " + stream.arn);
        }
        return new Resource(stream, null);
    }

    static EnhancedMonitoringUpdate changeMonitoring(Streams streams, String streamName, Set<ShardLevelMetric> metrics,
                                                     boolean enable) {
        if (metrics == null || metrics.isEmpty()) {
            throw new StreamException(ErrorCode.VALIDATION, "shardLevelMetrics must name at least one metric");
        }
        Set<ShardLevelMetric> before = EnumSet.noneOf(ShardLevelMetric.class);
        StreamSettings updated = streams.updateSettings(streamName, settings -> {
            Set<ShardLevelMetric> current = settings.resources().shardLevelMetrics();
            before.addAll(current);
            Set<ShardLevelMetric> next = EnumSet.noneOf(ShardLevelMetric.class);
            next.addAll(current);
            if (enable) {
                next.addAll(metrics);
            } else {
                next.removeAll(metrics);
            }
            return settings.withResources(settings.resources().withShardLevelMetrics(next));
        });
        return new EnhancedMonitoringUpdate(streamName, streams.require(streamName).arn, before,
                updated.resources().shardLevelMetrics());
    }

    static void tag(Streams streams, String resourceArn, Map<String, String> tags) {
        checkTagsToAdd(tags);
        streams.updateSettings(resolve(streams, resourceArn).stream().name, settings -> {
            Resource now = resolve(streams, resourceArn);
            Map<String, String> merged = new TreeMap<>(tags(now, settings));
            merged.putAll(tags);
            checkTagCount(now, merged.size());
            return withTags(now, settings, merged);
        });
    }

    static void untag(Streams streams, String resourceArn, Collection<String> tagKeys) {
        checkTagKeysToRemove(tagKeys);
        streams.updateSettings(resolve(streams, resourceArn).stream().name, settings -> {
            Resource now = resolve(streams, resourceArn);
            Map<String, String> remaining = new TreeMap<>(tags(now, settings));
            tagKeys.forEach(remaining::remove);
            return withTags(now, settings, remaining);
        });
    }

    static SortedMap<String, String> tags(Streams streams, String resourceArn) {
        Resource target = resolve(streams, resourceArn);
        return tags(target, target.stream().settings());
    }

    private static SortedMap<String, String> tags(Resource resource, StreamSettings settings) {
        return resource.consumer() == null ? settings.tags() : settings.resources().consumerTags(resource.consumer().name());
    }

    private static StreamSettings withTags(Resource resource, StreamSettings settings, Map<String, String> tags) {
        return resource.consumer() == null ? settings.withTags(tags)
                : settings.withResources(settings.resources().withConsumerTags(resource.consumer().name(), tags));
    }

    static Optional<String> policy(Streams streams, String resourceArn) {
        Resource target = resolve(streams, resourceArn);
        ResourceSettings resources = target.stream().settings().resources();
        return target.consumer() == null ? resources.policy()
                : Optional.ofNullable(resources.consumerPolicies().get(target.consumer().name()));
    }

    static void changePolicy(Streams streams, String resourceArn, Optional<String> policy) {
        streams.updateSettings(resolve(streams, resourceArn).stream().name, settings -> {
            Resource now = resolve(streams, resourceArn);
            return settings.withResources(now.consumer() == null ? settings.resources().withPolicy(policy)
                    : settings.resources().withConsumerPolicy(now.consumer().name(), policy));
        });
    }

    static void deletePolicy(Streams streams, String resourceArn) {
        streams.updateSettings(resolve(streams, resourceArn).stream().name, settings -> {
            Resource now = resolve(streams, resourceArn);
            boolean has = now.consumer() == null ? settings.resources().policy().isPresent()
                    : settings.resources().consumerPolicies().containsKey(now.consumer().name());
            if (!has) {
                throw new StreamException(ErrorCode.RESOURCE_NOT_FOUND, "No resource policy is attached to "
                        + now.describe() + " under account " + KinesisLimits.ACCOUNT_ID);
            }
            return settings.withResources(now.consumer() == null ? settings.resources().withPolicy(Optional.empty())
                    : settings.resources().withConsumerPolicy(now.consumer().name(), Optional.empty()));
        });
    }

    static void checkTagsToAdd(Map<String, String> tags) {
        if (tags == null || tags.isEmpty() || tags.size() > MAX_TAGS_PER_TAG_RESOURCE) {
            throw new StreamException(ErrorCode.VALIDATION, "Tags must hold 1-" + MAX_TAGS_PER_TAG_RESOURCE
                    + " entries per TagResource call but held " + (tags == null ? 0 : tags.size()));
        }
        tags.forEach((key, value) -> {
            checkTagKey(key);
            if (value == null || value.length() > MAX_TAG_VALUE) {
                throw new StreamException(ErrorCode.VALIDATION, "the value of tag " + key + " must be 0-" + MAX_TAG_VALUE
                        + " characters but was " + (value == null ? "null" : value.length() + " characters"));
            }
        });
    }

    static void checkTagKeysToRemove(Collection<String> keys) {
        if (keys == null || keys.isEmpty() || keys.size() > MAX_KEYS_PER_UNTAG_RESOURCE) {
            throw new StreamException(ErrorCode.VALIDATION, "TagKeys must hold 1-" + MAX_KEYS_PER_UNTAG_RESOURCE
                    + " keys per UntagResource call but held " + (keys == null ? 0 : keys.size()));
        }
        keys.forEach(ResourceAdmin::checkTagKey);
    }

    private static void checkTagKey(String key) {
        if (key == null || key.isEmpty() || key.length() > MAX_TAG_KEY) {
            throw new StreamException(ErrorCode.VALIDATION, "a tag key must be 1-" + MAX_TAG_KEY + " characters but was "
                    + (key == null ? "null" : key.length() + " characters"));
        }
        if (key.startsWith("aws:")) {
            throw new StreamException(ErrorCode.INVALID_ARGUMENT, "tag key " + key + " uses the reserved prefix aws:");
        }
    }

    static void checkTagCount(Resource resource, int count) {
        if (count > MAX_TAGS_PER_RESOURCE) {
            throw new StreamException(ErrorCode.LIMIT_EXCEEDED, "Failed to tag " + resource.describe() + " under account "
                    + KinesisLimits.ACCOUNT_ID + ": a resource can have at most " + MAX_TAGS_PER_RESOURCE
                    + " tags (it would have " + count + "); remove some with UntagResource first");
        }
    }

    static void checkPolicy(String policy) {
        if (policy == null || policy.isBlank()) {
            throw new StreamException(ErrorCode.INVALID_ARGUMENT, "Policy must be a JSON policy document but was "
                    + (policy == null ? "null" : "blank"));
        }
        if (policy.length() > MAX_POLICY_CHARS) {
            throw new StreamException(ErrorCode.LIMIT_EXCEEDED, "Policy must be at most " + MAX_POLICY_CHARS
                    + " characters but was " + policy.length());
        }
    }

    /** Refuses a new on-demand stream beyond the account quota. */
    static void checkOnDemandQuota(int onDemandStreams, String streamName) {
        if (onDemandStreams + 1 > ON_DEMAND_STREAM_LIMIT) {
            throw new StreamException(ErrorCode.LIMIT_EXCEEDED, "Stream " + streamName + " cannot be " + StreamMode.ON_DEMAND
                    + ": the account under " + KinesisLimits.ACCOUNT_ID + " already has " + onDemandStreams
                    + " on-demand streams, the limit is " + ON_DEMAND_STREAM_LIMIT + " (DescribeLimits OnDemandStreamCountLimit)");
        }
    }
}
