package dev.sluice.stream.internal;

import dev.sluice.stream.ErrorCode;
import dev.sluice.stream.StreamException;
import dev.sluice.stream.StreamMode;

import java.util.Collection;
import java.util.Map;

/**
 * Kinesis's rules for the resource-level operations (TagResource, UntagResource, resource policies) and the
 * on-demand stream quota, and how a resource ARN resolves to a stream or a registered consumer.
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
