package dev.sluice.stream.internal;

import dev.sluice.stream.ConsumerStatus;
import dev.sluice.stream.ErrorCode;
import dev.sluice.stream.StreamConsumer;
import dev.sluice.stream.StreamException;

import java.util.Collection;
import java.util.Map;

/** Kinesis's rules for tags, encryption keys and registered consumers, and how consumers are described. */
final class StreamAdmin {

    /** Registered consumers per stream. */
    static final int MAX_CONSUMERS = 20;
    /** Tags per stream. */
    static final int MAX_TAGS = 50;
    /** Tags added or removed per call. */
    static final int MAX_TAGS_PER_CALL = 10;
    private static final int MAX_TAG_KEY = 128;
    private static final int MAX_TAG_VALUE = 256;
    private static final int MAX_KEY_ID = 2048;

    private StreamAdmin() {
    }

    static void checkTagsToAdd(Map<String, String> tags) {
        if (tags == null || tags.isEmpty() || tags.size() > MAX_TAGS_PER_CALL) {
            throw new StreamException(ErrorCode.VALIDATION, "tags must hold 1-" + MAX_TAGS_PER_CALL + " entries per call but held "
                    + (tags == null ? 0 : tags.size()));
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
        if (keys == null || keys.isEmpty() || keys.size() > MAX_TAGS_PER_CALL) {
            throw new StreamException(ErrorCode.VALIDATION, "tagKeys must hold 1-" + MAX_TAGS_PER_CALL + " keys per call but held "
                    + (keys == null ? 0 : keys.size()));
        }
        keys.forEach(StreamAdmin::checkTagKey);
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

    static void checkTagCount(String streamName, int count) {
        if (count > MAX_TAGS) {
            throw new StreamException(ErrorCode.INVALID_ARGUMENT, "Failed to add tags to stream " + streamName
                    + " under account " + KinesisLimits.ACCOUNT_ID + " because a given stream cannot have more than "
                    + MAX_TAGS + " tags (it would have " + count + ")");
        }
    }

    static void checkKeyId(String keyId) {
        if (keyId == null || keyId.isEmpty() || keyId.length() > MAX_KEY_ID) {
            throw new StreamException(ErrorCode.VALIDATION, "keyId must be 1-" + MAX_KEY_ID + " characters but was "
                    + (keyId == null ? "null" : keyId.length() + " characters"));
        }
    }

    static void checkConsumerName(String name) {
        KinesisLimits.checkName("consumerName", name);
    }

    static StreamSettings.RegisteredConsumer consumer(StreamState stream, String consumerName) {
        checkConsumerName(consumerName);
        return stream.settings().consumer(consumerName).orElseThrow(() -> new StreamException(ErrorCode.RESOURCE_NOT_FOUND,
                "Consumer " + consumerName + " under stream " + stream.name + " not found for account "
                        + KinesisLimits.ACCOUNT_ID + "."));
    }

    static StreamConsumer describe(StreamState stream, StreamSettings.RegisteredConsumer consumer) {
        return new StreamConsumer(consumer.name(), Arns.consumer(stream.arn, consumer.name(), consumer.created()),
                ConsumerStatus.ACTIVE, consumer.created(), stream.arn);
    }
}
