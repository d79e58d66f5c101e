package dev.sluice.server.internal;

import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;

/**
 * What the resource-level Kinesis operations (TagResource, UntagResource, ListTagsForResource, the resource policy
 * operations, DescribeLimits) need from the channels: channels are resources with tags and a policy of their own,
 * kept by the channel registry. Streams and consumers keep theirs in the engine.
 *
 * <p>Every method taking an ARN throws {@link ApiException} {@code ResourceNotFoundException} when no channel has
 * that ARN. Thread-safety: implementations are called from server worker threads concurrently.
 */
interface ChannelResources {

    /**
     * @param channelArn a channel ARN
     * @return its tags, sorted by key
     */
    SortedMap<String, String> tags(String channelArn);

    /**
     * Adds or replaces tags; the total stays within the 200-tag limit or nothing changes.
     *
     * @param channelArn a channel ARN
     * @param tags       the tags to set
     */
    void tag(String channelArn, Map<String, String> tags);

    /**
     * Removes tags; absent keys are ignored.
     *
     * @param channelArn a channel ARN
     * @param keys       the keys to remove
     */
    void untag(String channelArn, Collection<String> keys);

    /**
     * @param channelArn a channel ARN
     * @return its resource policy document, if one is set
     */
    Optional<String> policy(String channelArn);

    /**
     * Stores (replaces) the resource policy; the caller has validated the document.
     *
     * @param channelArn a channel ARN
     * @param policy     the policy document
     */
    void putPolicy(String channelArn, String policy);

    /**
     * Removes the resource policy.
     *
     * @param channelArn a channel ARN
     * @throws ApiException {@code ResourceNotFoundException} also when the channel has no policy
     */
    void deletePolicy(String channelArn);

    /** @return how many channels exist (any status but deleted) */
    int channelCount();

    /** @return how many channels an account may have, as reported by DescribeLimits */
    int channelCountLimit();

    /** @return the registry of a server without channels: every ARN is not found, the count is 0 */
    static ChannelResources none() {
        return new ChannelResources() {
            @Override
            public SortedMap<String, String> tags(String channelArn) {
                throw notFound(channelArn);
            }

            @Override
            public void tag(String channelArn, Map<String, String> tags) {
                throw notFound(channelArn);
            }

            @Override
            public void untag(String channelArn, Collection<String> keys) {
                throw notFound(channelArn);
            }

            @Override
            public Optional<String> policy(String channelArn) {
                throw notFound(channelArn);
            }

            @Override
            public void putPolicy(String channelArn, String policy) {
                throw notFound(channelArn);
            }

            @Override
            public void deletePolicy(String channelArn) {
                throw notFound(channelArn);
            }

            @Override
            public int channelCount() {
                return 0;
            }

            @Override
            public int channelCountLimit() {
                return 0;
            }

            private ApiException notFound(String channelArn) {
                return ApiException.resourceNotFound("Channel " + WireFormat.abbreviate(channelArn) + " not found.");
            }
        };
    }
}
