package dev.sluice.server.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.stream.StreamEngine;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Channel ARNs reach the {@link ChannelResources} seam (the channels helper's registry is wired by the integrator),
 * with the tag and policy checks applied before it; DescribeLimits reports the registry's count and limit.
 */
class KinesisResourceOperationsTest {

    private static final String CHANNEL = "arn:aws:kinesis:us-east-1:000000000000:channel/ch";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final StreamEngine engine = StreamEngine.builder().build();
    private final FakeChannels channels = new FakeChannels();
    private final Map<String, Operation> operations = new HashMap<>();

    KinesisResourceOperationsTest() {
        StreamArns arns = new StreamArns(engine);
        new KinesisResourceOperations(engine, arns, channels).register(operations);
        new KinesisAccountOperations(engine, channels, new BillingCommitment(java.time.Clock.systemUTC(),
                Optional.empty())).register(operations);
    }

    @AfterEach
    void close() {
        engine.close();
    }

    private Object call(String operation, String body) throws Exception {
        CompletableFuture<Object> result = operations.get(operation).invoke(new ApiRequest(operation, WireFormat.JSON,
                JSON.readTree(body)));
        return result.join();
    }

    @Test
    void channelArn_tagsAndPolicies_goToTheChannelRegistry() throws Exception {
        call("TagResource", "{\"ResourceARN\":\"" + CHANNEL + "\",\"Tags\":{\"a\":\"1\",\"b\":\"2\"}}");
        call("UntagResource", "{\"ResourceARN\":\"" + CHANNEL + "\",\"TagKeys\":[\"b\"]}");
        assertEquals(Map.of("Tags", List.of(Map.of("Key", "a", "Value", "1"))),
                call("ListTagsForResource", "{\"ResourceARN\":\"" + CHANNEL + "\"}"));
        assertEquals(Map.of("Policy", "{}"), call("GetResourcePolicy", "{\"ResourceARN\":\"" + CHANNEL + "\"}"));
        String policy = "{\"Statement\":{\"Effect\":\"Deny\",\"Principal\":\"*\",\"Action\":\"kinesis:*\"}}";
        call("PutResourcePolicy", "{\"ResourceARN\":\"" + CHANNEL + "\",\"Policy\":" + JSON.writeValueAsString(policy) + "}");
        assertEquals(Map.of("Policy", policy), call("GetResourcePolicy", "{\"ResourceARN\":\"" + CHANNEL + "\"}"));
        call("DeleteResourcePolicy", "{\"ResourceARN\":\"" + CHANNEL + "\"}");
        assertEquals(Optional.empty(), channels.policy);
    }

    @Test
    void channelArn_badTagsAndPolicies_areRefusedBeforeTheRegistry() {
        ApiException reserved = assertThrows(ApiException.class, () -> call("TagResource",
                "{\"ResourceARN\":\"" + CHANNEL + "\",\"Tags\":{\"aws:x\":\"1\"}}"));
        assertEquals("InvalidArgumentException", reserved.type());
        ApiException tooLong = assertThrows(ApiException.class, () -> call("TagResource",
                "{\"ResourceARN\":\"" + CHANNEL + "\",\"Tags\":{\"k\":\"" + "v".repeat(257) + "\"}}"));
        assertEquals("ValidationException", tooLong.type());
        ApiException notPolicy = assertThrows(ApiException.class, () -> call("PutResourcePolicy",
                "{\"ResourceARN\":\"" + CHANNEL + "\",\"Policy\":\"[1]\"}"));
        assertEquals("InvalidArgumentException", notPolicy.type());
        assertTrue(notPolicy.getMessage().contains("JSON object"), notPolicy.getMessage());
        assertTrue(channels.tags.isEmpty());
        assertEquals(Optional.empty(), channels.policy);
    }

    @Test
    void describeLimits_reportsTheChannelRegistry() throws Exception {
        @SuppressWarnings("unchecked")
        Map<String, Object> limits = (Map<String, Object>) call("DescribeLimits", "{}");
        assertEquals(3, limits.get("ChannelCount"));
        assertEquals(5, limits.get("ChannelCountLimit"));
    }

    /** One channel, {@link #CHANNEL}. */
    private static final class FakeChannels implements ChannelResources {
        final SortedMap<String, String> tags = new TreeMap<>();
        Optional<String> policy = Optional.empty();

        private void check(String arn) {
            if (!arn.equals(CHANNEL)) {
                throw ApiException.resourceNotFound("no channel " + arn);
            }
        }

        @Override
        public SortedMap<String, String> tags(String channelArn) {
            check(channelArn);
            return new TreeMap<>(tags);
        }

        @Override
        public void tag(String channelArn, Map<String, String> newTags) {
            check(channelArn);
            tags.putAll(newTags);
        }

        @Override
        public void untag(String channelArn, Collection<String> keys) {
            check(channelArn);
            keys.forEach(tags::remove);
        }

        @Override
        public Optional<String> policy(String channelArn) {
            check(channelArn);
            return policy;
        }

        @Override
        public void putPolicy(String channelArn, String newPolicy) {
            check(channelArn);
            policy = Optional.of(newPolicy);
        }

        @Override
        public void deletePolicy(String channelArn) {
            check(channelArn);
            policy = Optional.empty();
        }

        @Override
        public int channelCount() {
            return 3;
        }

        @Override
        public int channelCountLimit() {
            return 5;
        }
    }
}
