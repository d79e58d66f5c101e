package dev.sluice.stream;

import dev.sluice.stream.testing.ManualClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The resource-level operations of the 2026 API: TagResource, resource policies, enhanced monitoring, limits. */
class ResourceOperationsTest {

    private static final String SHARD0 = "shardId-000000000000";
    private static final String SHARD1 = "shardId-000000000001";

    @TempDir
    Path directory;

    private final ManualClock time = new ManualClock();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final List<StreamEngine> engines = new ArrayList<>();

    @AfterEach
    void closeEngines() {
        engines.forEach(StreamEngine::close);
    }

    private StreamEngine engine(Storage storage) {
        StreamEngine engine = StreamEngine.builder().time(time).meterRegistry(registry).storage(storage).build();
        engines.add(engine);
        return engine;
    }

    private StreamEngine engine() {
        return engine(Storage.inMemory());
    }

    private static void assertError(ErrorCode code, String fragment, Runnable action) {
        StreamException e = assertThrows(StreamException.class, action::run);
        assertEquals(code, e.code(), e.getMessage());
        assertTrue(e.getMessage().contains(fragment), e.getMessage());
    }

    @Test
    void tagResource_onStreamArn_sharesTheStreamsTags() {
        StreamEngine engine = engine();
        engine.createStream("s", 1);
        String arn = engine.describeStreamSummary("s").streamArn();
        engine.addTagsToStream("s", Map.of("team", "a"));
        engine.tagResource(arn, Map.of("env", "test", "team", "b"));
        assertEquals(Map.of("env", "test", "team", "b"), engine.listTagsForStream("s"));
        engine.untagResource(arn, List.of("team", "absent"));
        assertEquals(Map.of("env", "test"), engine.listTagsForResource(arn));
    }

    @Test
    void tagResource_onConsumerArn_keepsConsumerTagsApartAndDropsThemOnDeregister() {
        StreamEngine engine = engine();
        engine.createStream("s", 1);
        String consumerArn = engine.registerStreamConsumer("s", "c").consumerArn();
        engine.tagResource(consumerArn, Map.of("owner", "me"));
        assertEquals(Map.of("owner", "me"), engine.listTagsForResource(consumerArn));
        assertTrue(engine.listTagsForStream("s").isEmpty());

        engine.deregisterStreamConsumer("s", "c");
        time.advance(Duration.ofSeconds(1)); // a new consumer of that name has another ARN
        String again = engine.registerStreamConsumer("s", "c").consumerArn();
        assertTrue(engine.listTagsForResource(again).isEmpty(), "a re-registered consumer starts without tags");
        assertError(ErrorCode.RESOURCE_NOT_FOUND, "not found", () -> engine.listTagsForResource(consumerArn));
    }

    @Test
    void tagResource_beyond50Tags_throwsLimitExceededAndChangesNothing() {
        StreamEngine engine = engine();
        engine.createStream("s", 1);
        String arn = engine.describeStreamSummary("s").streamArn();
        Map<String, String> fifty = new HashMap<>();
        for (int i = 0; i < 50; i++) {
            fifty.put("k" + i, "v");
        }
        engine.tagResource(arn, fifty);
        assertError(ErrorCode.LIMIT_EXCEEDED, "at most 50 tags", () -> engine.tagResource(arn, Map.of("one-more", "v")));
        assertEquals(50, engine.listTagsForResource(arn).size());
    }

    @Test
    void tagResource_badInput_throwsNamingTheProblem() {
        StreamEngine engine = engine();
        engine.createStream("s", 1);
        String arn = engine.describeStreamSummary("s").streamArn();
        Map<String, String> tooMany = new HashMap<>();
        for (int i = 0; i < 201; i++) {
            tooMany.put("k" + i, "v");
        }
        assertError(ErrorCode.VALIDATION, "1-200 entries", () -> engine.tagResource(arn, tooMany));
        assertError(ErrorCode.VALIDATION, "1-128 characters", () -> engine.tagResource(arn, Map.of("k".repeat(129), "v")));
        assertError(ErrorCode.VALIDATION, "0-256 characters", () -> engine.tagResource(arn, Map.of("k", "v".repeat(257))));
        assertError(ErrorCode.INVALID_ARGUMENT, "reserved prefix", () -> engine.tagResource(arn, Map.of("aws:x", "v")));
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < 51; i++) {
            keys.add("k" + i);
        }
        assertError(ErrorCode.VALIDATION, "1-50 keys", () -> engine.untagResource(arn, keys));
        assertError(ErrorCode.INVALID_ARGUMENT, "is not a Kinesis stream ARN", () -> engine.listTagsForResource("arn:aws:s3:::b"));
        assertError(ErrorCode.RESOURCE_NOT_FOUND, "not found",
                () -> engine.listTagsForResource(arn.replace("stream/s", "stream/unknown")));
        assertError(ErrorCode.RESOURCE_NOT_FOUND, "not found",
                () -> engine.listTagsForResource(arn + "/consumer/nobody:1700000000"));
    }

    @Test
    void resourcePolicy_putGetDelete_onStreamAndConsumer() {
        StreamEngine engine = engine();
        engine.createStream("s", 1);
        String streamArn = engine.describeStreamSummary("s").streamArn();
        String consumerArn = engine.registerStreamConsumer("s", "c").consumerArn();
        String policy = "{\"Version\":\"2012-10-17\",\"Statement\":[]}";
        assertEquals(Optional.empty(), engine.getResourcePolicy(streamArn));
        engine.putResourcePolicy(streamArn, policy);
        engine.putResourcePolicy(consumerArn, policy + " ");
        assertEquals(Optional.of(policy), engine.getResourcePolicy(streamArn));
        assertEquals(Optional.of(policy + " "), engine.getResourcePolicy(consumerArn), "verbatim");
        engine.deleteResourcePolicy(streamArn);
        assertEquals(Optional.empty(), engine.getResourcePolicy(streamArn));
        assertError(ErrorCode.RESOURCE_NOT_FOUND, "No resource policy", () -> engine.deleteResourcePolicy(streamArn));
        assertError(ErrorCode.INVALID_ARGUMENT, "blank", () -> engine.putResourcePolicy(streamArn, " "));
        assertError(ErrorCode.LIMIT_EXCEEDED, "at most 20480", () -> engine.putResourcePolicy(streamArn, "x".repeat(20_481)));
    }

    @Test
    void enhancedMonitoring_controlsPerShardMeters() {
        StreamEngine engine = engine();
        engine.createStream("m", 2);
        EnhancedMonitoringUpdate enabled = engine.enableEnhancedMonitoring("m",
                EnumSet.of(ShardLevelMetric.INCOMING_RECORDS, ShardLevelMetric.ITERATOR_AGE_MILLISECONDS));
        assertEquals(Set.of(), enabled.current());
        assertEquals(Set.of(ShardLevelMetric.INCOMING_RECORDS, ShardLevelMetric.ITERATOR_AGE_MILLISECONDS), enabled.desired());
        assertEquals(enabled.desired(), engine.enhancedMonitoring("m"));

        engine.putRecord("m", "a", new byte[10]);
        engine.putRecord("m", "a", new byte[10]);
        String shard = engine.putRecord("m", "a", new byte[10]).shardId();
        String other = shard.equals(SHARD0) ? SHARD1 : SHARD0;
        time.advance(Duration.ofSeconds(2));
        engine.getRecords(engine.getShardIterator("m", shard, ShardIteratorType.trimHorizon()));
        assertEquals(3, registry.get("IncomingRecords").tag("shard", shard).counter().count());
        assertEquals(0, registry.get("IncomingRecords").tag("shard", other).counter().count());
        assertEquals(3, registry.get("IncomingRecords").tag("stream", "m").tagKeys().counters().stream()
                .filter(c -> c.getId().getTag("shard") == null).mapToDouble(c -> c.count()).sum(), "stream level");
        assertEquals(2_000, registry.get("IteratorAgeMilliseconds").tag("shard", shard).summary().max());
        assertNull(registry.find("IncomingBytes").tag("shard", shard).counter(), "not enabled");
        assertNull(registry.find("OutgoingRecords").tag("shard", shard).counter(), "not enabled");

        // Shards made later get the enabled meters too.
        engine.splitShard("m", SHARD0, "1000");
        assertEquals(0, registry.get("IncomingRecords").tag("shard", "shardId-000000000002").counter().count());

        EnhancedMonitoringUpdate disabled = engine.disableEnhancedMonitoring("m", Set.of(ShardLevelMetric.INCOMING_RECORDS));
        assertEquals(enabled.desired(), disabled.current());
        assertEquals(Set.of(ShardLevelMetric.ITERATOR_AGE_MILLISECONDS), disabled.desired());
        assertNull(registry.find("IncomingRecords").tag("shard", shard).counter(), "removed from the registry");
        engine.putRecord("m", "a", new byte[10]);
        assertEquals(4, registry.get("IncomingRecords").tag("stream", "m").counter().count(), "stream level keeps counting");

        engine.enableEnhancedMonitoring("m", ShardLevelMetric.all());
        assertEquals(4, registry.get("OutgoingBytes").counters().size(), "one per shard, closed ones too");
        engine.disableEnhancedMonitoring("m", ShardLevelMetric.all());
        assertTrue(registry.find("OutgoingBytes").counters().isEmpty());
        assertError(ErrorCode.VALIDATION, "at least one", () -> engine.enableEnhancedMonitoring("m", Set.of()));
        assertError(ErrorCode.RESOURCE_NOT_FOUND, "not found", () -> engine.enableEnhancedMonitoring("nope", ShardLevelMetric.all()));
    }

    @Test
    void shardLevelMetric_parsesKinesisNames() {
        assertEquals(ShardLevelMetric.all(), ShardLevelMetric.fromMetricNames(List.of("ALL")));
        assertEquals(Set.of(ShardLevelMetric.INCOMING_BYTES), ShardLevelMetric.fromMetricNames(List.of("IncomingBytes")));
        assertError(ErrorCode.INVALID_ARGUMENT, "not a shard-level metric", () -> ShardLevelMetric.fromMetricNames(List.of("Bogus")));
    }

    @Test
    void durableStorage_keepsTagsPoliciesAndMonitoringAcrossARestart() {
        StreamEngine first = engine(Storage.durable(directory));
        first.createStream("d", 1);
        String streamArn = first.describeStreamSummary("d").streamArn();
        String consumerArn = first.registerStreamConsumer("d", "c").consumerArn();
        first.tagResource(consumerArn, Map.of("k=1", "v\nwith newline"));
        first.putResourcePolicy(streamArn, "{\"Statement\": [{\"Effect\": \"Allow\"}]}\n");
        first.putResourcePolicy(consumerArn, "{}");
        first.enableEnhancedMonitoring("d", Set.of(ShardLevelMetric.OUTGOING_BYTES));
        first.close();
        engines.remove(first);
        registry.clear();

        StreamEngine second = engine(Storage.durable(directory));
        assertEquals(Map.of("k=1", "v\nwith newline"), second.listTagsForResource(consumerArn));
        assertEquals(Optional.of("{\"Statement\": [{\"Effect\": \"Allow\"}]}\n"), second.getResourcePolicy(streamArn));
        assertEquals(Optional.of("{}"), second.getResourcePolicy(consumerArn));
        assertEquals(Set.of(ShardLevelMetric.OUTGOING_BYTES), second.enhancedMonitoring("d"));
        assertEquals(0, registry.get("OutgoingBytes").tag("shard", SHARD0).counter().count(), "meters rebuilt at recovery");
    }

    @Test
    void describeLimits_reportsQuotasAndUsage_andOnDemandQuotaIsEnforced() {
        StreamEngine engine = engine();
        engine.createStream("p", 3);
        engine.createStream(CreateStreamRequest.onDemand("od"));
        AccountLimits limits = engine.describeLimits();
        assertEquals(new AccountLimits(500, 3 + StreamEngine.ON_DEMAND_INITIAL_SHARDS, 1, 50), limits);

        for (int i = 1; i < StreamEngine.ON_DEMAND_STREAM_COUNT_LIMIT; i++) {
            engine.createStream("s" + i, 1);
            engine.updateStreamMode("s" + i, StreamMode.ON_DEMAND);
        }
        assertEquals(50, engine.describeLimits().onDemandStreamCount());
        assertError(ErrorCode.LIMIT_EXCEEDED, "the limit is 50", () -> engine.updateStreamMode("p", StreamMode.ON_DEMAND));
        assertError(ErrorCode.LIMIT_EXCEEDED, "the limit is 50", () -> engine.createStream(CreateStreamRequest.onDemand("od2")));
        engine.updateStreamMode("s1", StreamMode.PROVISIONED);
        engine.updateStreamMode("p", StreamMode.ON_DEMAND);
        engine.updateStreamMode("p", StreamMode.ON_DEMAND); // already on-demand: not counted twice
        assertEquals(50, engine.describeLimits().onDemandStreamCount());
    }

    @Test
    void subscribeToShard_idleShard_getsEmptyEventsWithContinuationEveryFiveSeconds() {
        StreamEngine engine = engine();
        engine.createStream("f", 1);
        String consumerArn = engine.registerStreamConsumer("f", "c").consumerArn();
        String sequence = engine.putRecord("f", "k", new byte[3]).sequenceNumber();
        FanOutTest.Collector events = new FanOutTest.Collector(100);
        engine.subscribeToShard(consumerArn, SHARD0, ShardIteratorType.trimHorizon()).subscribe(events);
        await().atMost(Duration.ofSeconds(10)).until(() -> events.events.size() == 1);
        assertEquals(1, events.events.get(0).records().size());

        time.advance(Duration.ofMillis(4_999));
        // The fan-out thread visits every 5 ms: 200 ms without a second event is 40 visits that sent none.
        await().during(Duration.ofMillis(200)).atMost(Duration.ofSeconds(10)).until(() -> events.events.size() == 1);
        time.advance(Duration.ofMillis(1));
        await().atMost(Duration.ofSeconds(10)).until(() -> events.events.size() == 2);
        SubscribeToShardEvent idle = events.events.get(1);
        assertTrue(idle.records().isEmpty());
        assertEquals(sequence, idle.continuationSequenceNumber());
        assertEquals(Duration.ZERO, idle.behindLatest());
        time.advance(Duration.ofSeconds(5));
        await().atMost(Duration.ofSeconds(10)).until(() -> events.events.size() == 3);
        assertTrue(events.events.get(2).records().isEmpty());
    }

    @Test
    void subscribeToShard_atLatestOfAShardWithRecords_sendsIdleEventsAtThatPosition() {
        StreamEngine engine = engine();
        engine.createStream("f", 1);
        String consumerArn = engine.registerStreamConsumer("f", "c").consumerArn();
        String sequence = engine.putRecord("f", "k", new byte[3]).sequenceNumber();
        FanOutTest.Collector events = new FanOutTest.Collector(100);
        engine.subscribeToShard(consumerArn, SHARD0, ShardIteratorType.latest()).subscribe(events);
        time.advance(Duration.ofSeconds(5));
        await().atMost(Duration.ofSeconds(10)).until(() -> events.events.size() == 1);
        assertTrue(events.events.get(0).records().isEmpty());
        assertEquals(sequence, events.events.get(0).continuationSequenceNumber());
    }
}
