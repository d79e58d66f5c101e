package dev.sluice.server;

import dev.sluice.stream.StreamEngine;
import dev.sluice.stream.testing.ManualClock;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.http.Protocol;
import software.amazon.awssdk.services.kinesis.KinesisAsyncClient;
import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.kinesis.model.DescribeAccountSettingsResponse;
import software.amazon.awssdk.services.kinesis.model.DescribeLimitsResponse;
import software.amazon.awssdk.services.kinesis.model.EnableEnhancedMonitoringResponse;
import software.amazon.awssdk.services.kinesis.model.InvalidArgumentException;
import software.amazon.awssdk.services.kinesis.model.KinesisException;
import software.amazon.awssdk.services.kinesis.model.LimitExceededException;
import software.amazon.awssdk.services.kinesis.model.MetricsName;
import software.amazon.awssdk.services.kinesis.model.MinimumThroughputBillingCommitmentOutputStatus;
import software.amazon.awssdk.services.kinesis.model.ResourceNotFoundException;
import software.amazon.awssdk.services.kinesis.model.ShardIteratorType;
import software.amazon.awssdk.services.kinesis.model.StreamMode;
import software.amazon.awssdk.services.kinesis.model.SubscribeToShardEvent;
import software.amazon.awssdk.services.kinesis.model.SubscribeToShardEventStream;
import software.amazon.awssdk.services.kinesis.model.SubscribeToShardResponseHandler;
import software.amazon.awssdk.services.kinesis.model.Tag;
import software.amazon.awssdk.services.kinesis.model.ValidationException;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The resource-level and account-level Kinesis operations of the 2026 API through the real SDK 2.59.1
 * {@link KinesisClient}, in CBOR and JSON: TagResource, UntagResource, ListTagsForResource, resource policies,
 * Enable/DisableEnhancedMonitoring, DescribeLimits, account settings, and SubscribeToShard on an idle shard.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KinesisResourceIT {

    private static final String POLICY = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\","
            + "\"Principal\":{\"AWS\":\"arn:aws:iam::123456789012:root\"},\"Action\":\"kinesis:GetRecords\","
            + "\"Resource\":\"*\"}]}";

    private final ManualClock time = new ManualClock();
    private StreamEngine engine;
    private SluiceServer server;
    private KinesisClient cbor;
    private KinesisClient json;

    @BeforeAll
    void start() {
        engine = StreamEngine.builder().time(time).build();
        server = SluiceServer.builder().port(0).engine(engine).clock(time).build().start();
        cbor = Clients.kinesis(server.endpoint(), true, false);
        json = Clients.kinesis(server.endpoint(), false, false);
    }

    @AfterAll
    void stop() {
        cbor.close();
        json.close();
        server.close();
        engine.close();
    }

    private KinesisClient client(boolean useCbor) {
        return useCbor ? cbor : json;
    }

    private String stream(KinesisClient kinesis, String name) {
        kinesis.createStream(b -> b.streamName(name).shardCount(1));
        return kinesis.describeStreamSummary(b -> b.streamName(name)).streamDescriptionSummary().streamARN();
    }

    private static Map<String, String> tags(List<Tag> tags) {
        Map<String, String> map = new HashMap<>();
        tags.forEach(t -> map.put(t.key(), t.value()));
        return map;
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void tagResource_onStreamAndConsumer_roundTrips(boolean useCbor) {
        KinesisClient kinesis = client(useCbor);
        String prefix = useCbor ? "cbor" : "json";
        String streamArn = stream(kinesis, prefix + "-tags");
        String consumerArn = kinesis.registerStreamConsumer(b -> b.streamARN(streamArn).consumerName("c")
                .tags(Map.of("made", "at-register"))).consumer().consumerARN();

        kinesis.tagResource(b -> b.resourceARN(streamArn).tags(Map.of("env", "test", "team", "a")));
        kinesis.tagResource(b -> b.resourceARN(consumerArn).tags(Map.of("owner", "me")));
        kinesis.untagResource(b -> b.resourceARN(streamArn).tagKeys("team", "absent"));
        assertEquals(Map.of("env", "test"), tags(kinesis.listTagsForResource(b -> b.resourceARN(streamArn)).tags()));
        assertEquals(Map.of("env", "test"), tags(kinesis.listTagsForStream(b -> b.streamARN(streamArn)).tags()),
                "the stream's tags are one set");
        assertEquals(Map.of("made", "at-register", "owner", "me"),
                tags(kinesis.listTagsForResource(b -> b.resourceARN(consumerArn)).tags()));
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void createStream_withTags_storesThemAndRefusesBadOnesBeforeCreating(boolean useCbor) {
        KinesisClient kinesis = client(useCbor);
        String name = (useCbor ? "cbor" : "json") + "-created-tagged";
        Map<String, String> many = new HashMap<>();
        for (int i = 0; i < 30; i++) {
            many.put("k" + i, "v");
        }
        kinesis.createStream(b -> b.streamName(name).shardCount(1).tags(many));
        String arn = kinesis.describeStreamSummary(b -> b.streamName(name)).streamDescriptionSummary().streamARN();
        assertEquals(many, tags(kinesis.listTagsForResource(b -> b.resourceARN(arn)).tags()));
        assertThrows(InvalidArgumentException.class, () -> kinesis.createStream(b -> b.streamName(name + "-2")
                .shardCount(1).tags(Map.of("aws:reserved", "v"))));
        assertThrows(ResourceNotFoundException.class, () -> kinesis.describeStreamSummary(b -> b.streamName(name + "-2")));
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void tagResource_errors_asAws(boolean useCbor) {
        KinesisClient kinesis = client(useCbor);
        String arn = stream(kinesis, (useCbor ? "cbor" : "json") + "-tag-errors");
        Map<String, String> fifty = new HashMap<>();
        for (int i = 0; i < 50; i++) {
            fifty.put("k" + i, "v");
        }
        kinesis.tagResource(b -> b.resourceARN(arn).tags(fifty));
        LimitExceededException limit = assertThrows(LimitExceededException.class,
                () -> kinesis.tagResource(b -> b.resourceARN(arn).tags(Map.of("one-more", "v"))));
        assertTrue(limit.getMessage().contains("at most 50 tags"), limit.getMessage());
        assertThrows(ResourceNotFoundException.class, () -> kinesis.tagResource(b -> b.resourceARN(
                arn.replace("-tag-errors", "-unknown")).tags(Map.of("a", "b"))));
        assertThrows(ResourceNotFoundException.class, () -> kinesis.listTagsForResource(b -> b.resourceARN(
                arn + "/consumer/nobody:1700000000")));
        assertThrows(ResourceNotFoundException.class, () -> kinesis.listTagsForResource(b -> b.resourceARN(
                "arn:aws:kinesis:us-east-1:000000000000:channel/none")), "no channels on this server");
        InvalidArgumentException malformed = assertThrows(InvalidArgumentException.class,
                () -> kinesis.untagResource(b -> b.resourceARN("arn:aws:s3:::bucket").tagKeys("a")));
        assertTrue(malformed.getMessage().contains("ResourceARN"), malformed.getMessage());
        assertThrows(ValidationException.class, () -> kinesis.tagResource(b -> b.resourceARN(arn)
                .tags(Map.of("k".repeat(129), "v"))));
        List<String> keys = new java.util.ArrayList<>();
        for (int i = 0; i < 51; i++) {
            keys.add("k" + i);
        }
        assertThrows(ValidationException.class, () -> kinesis.untagResource(b -> b.resourceARN(arn).tagKeys(keys)));
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void resourcePolicy_putGetDelete_andErrors(boolean useCbor) {
        KinesisClient kinesis = client(useCbor);
        String arn = stream(kinesis, (useCbor ? "cbor" : "json") + "-policy");
        String consumerArn = kinesis.registerStreamConsumer(b -> b.streamARN(arn).consumerName("c")).consumer()
                .consumerARN();
        assertEquals("{}", kinesis.getResourcePolicy(b -> b.resourceARN(arn)).policy(), "none yet: the empty policy");
        kinesis.putResourcePolicy(b -> b.resourceARN(arn).policy(POLICY));
        kinesis.putResourcePolicy(b -> b.resourceARN(consumerArn).policy(POLICY));
        assertEquals(POLICY, kinesis.getResourcePolicy(b -> b.resourceARN(arn)).policy());
        assertEquals(POLICY, kinesis.getResourcePolicy(b -> b.resourceARN(consumerArn)).policy());
        kinesis.deleteResourcePolicy(b -> b.resourceARN(arn));
        assertEquals("{}", kinesis.getResourcePolicy(b -> b.resourceARN(arn)).policy());
        assertThrows(ResourceNotFoundException.class, () -> kinesis.deleteResourcePolicy(b -> b.resourceARN(arn)));

        InvalidArgumentException notJson = assertThrows(InvalidArgumentException.class,
                () -> kinesis.putResourcePolicy(b -> b.resourceARN(arn).policy("{\"Statement\": [")));
        assertTrue(notJson.getMessage().contains("not valid JSON"), notJson.getMessage());
        InvalidArgumentException noStatement = assertThrows(InvalidArgumentException.class,
                () -> kinesis.putResourcePolicy(b -> b.resourceARN(arn).policy("{\"Version\":\"2012-10-17\"}")));
        assertTrue(noStatement.getMessage().contains("Statement"), noStatement.getMessage());
        InvalidArgumentException badVersion = assertThrows(InvalidArgumentException.class,
                () -> kinesis.putResourcePolicy(b -> b.resourceARN(arn).policy(POLICY.replace("2012-10-17", "2020"))));
        assertTrue(badVersion.getMessage().contains("Version"), badVersion.getMessage());
        assertThrows(InvalidArgumentException.class, () -> kinesis.putResourcePolicy(b -> b.resourceARN(arn)
                .policy(POLICY.replace("\"Effect\":\"Allow\",", ""))));
        assertThrows(ResourceNotFoundException.class, () -> kinesis.getResourcePolicy(b -> b.resourceARN(
                arn.replace("-policy", "-nope"))));
        assertThrows(InvalidArgumentException.class, () -> kinesis.getResourcePolicy(b -> b.resourceARN("nope")));
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void enhancedMonitoring_reportsCurrentAndDesired_andDescribeStreamShowsIt(boolean useCbor) {
        KinesisClient kinesis = client(useCbor);
        String name = (useCbor ? "cbor" : "json") + "-monitored";
        String arn = stream(kinesis, name);
        EnableEnhancedMonitoringResponse enabled = kinesis.enableEnhancedMonitoring(b -> b.streamName(name)
                .shardLevelMetrics(MetricsName.INCOMING_BYTES, MetricsName.OUTGOING_RECORDS));
        assertEquals(List.of(), enabled.currentShardLevelMetrics());
        assertEquals(List.of(MetricsName.INCOMING_BYTES, MetricsName.OUTGOING_RECORDS), enabled.desiredShardLevelMetrics());
        assertEquals(arn, enabled.streamARN());
        assertEquals(List.of(MetricsName.INCOMING_BYTES, MetricsName.OUTGOING_RECORDS), kinesis.describeStream(
                b -> b.streamName(name)).streamDescription().enhancedMonitoring().get(0).shardLevelMetrics());

        var all = kinesis.enableEnhancedMonitoring(b -> b.streamARN(arn).shardLevelMetrics(MetricsName.ALL));
        assertEquals(7, all.desiredShardLevelMetrics().size());
        var disabled = kinesis.disableEnhancedMonitoring(b -> b.streamName(name).shardLevelMetricsWithStrings("ALL"));
        assertEquals(7, disabled.currentShardLevelMetrics().size());
        assertEquals(List.of(), disabled.desiredShardLevelMetrics());
        assertEquals(List.of(), kinesis.describeStreamSummary(b -> b.streamName(name)).streamDescriptionSummary()
                .enhancedMonitoring().get(0).shardLevelMetrics());

        assertThrows(ResourceNotFoundException.class, () -> kinesis.enableEnhancedMonitoring(
                b -> b.streamName(name + "-nope").shardLevelMetrics(MetricsName.ALL)));
        assertThrows(InvalidArgumentException.class, () -> kinesis.enableEnhancedMonitoring(
                b -> b.streamName(name).shardLevelMetricsWithStrings("Bogus")));
        assertThrows(ValidationException.class, () -> kinesis.enableEnhancedMonitoring(
                b -> b.streamName(name).shardLevelMetricsWithStrings(List.of())));
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void describeLimits_reportsTheEngine(boolean useCbor) {
        KinesisClient kinesis = client(useCbor);
        kinesis.createStream(b -> b.streamName((useCbor ? "cbor" : "json") + "-od")
                .streamModeDetails(m -> m.streamMode(StreamMode.ON_DEMAND)));
        DescribeLimitsResponse limits = kinesis.describeLimits(b -> { });
        assertEquals(500, limits.shardLimit());
        assertEquals(engine.describeLimits().openShardCount(), limits.openShardCount());
        assertEquals(engine.describeLimits().onDemandStreamCount(), limits.onDemandStreamCount());
        assertTrue(limits.onDemandStreamCount() >= 1);
        assertEquals(50, limits.onDemandStreamCountLimit());
        assertEquals(0, limits.channelCount());
        assertEquals(50, limits.channelCountLimit()); // the channel registry's limit
    }

    @Test
    void accountSettings_commitmentLastsAtLeast24Hours() {
        DescribeAccountSettingsResponse initial = json.describeAccountSettings(b -> { });
        assertEquals(MinimumThroughputBillingCommitmentOutputStatus.DISABLED,
                initial.minimumThroughputBillingCommitment().status());
        var enabled = cbor.updateAccountSettings(b -> b.minimumThroughputBillingCommitment(c -> c.status("ENABLED")))
                .minimumThroughputBillingCommitment();
        assertEquals(MinimumThroughputBillingCommitmentOutputStatus.ENABLED, enabled.status());
        assertEquals(time.instant(), enabled.startedAt());
        assertEquals(time.instant().plus(Duration.ofHours(24)), enabled.earliestAllowedEndAt());

        time.advance(Duration.ofHours(1));
        var ending = json.updateAccountSettings(b -> b.minimumThroughputBillingCommitment(c -> c.status("DISABLED")))
                .minimumThroughputBillingCommitment();
        assertEquals(MinimumThroughputBillingCommitmentOutputStatus.ENABLED_UNTIL_EARLIEST_ALLOWED_END, ending.status());
        var cancelled = cbor.updateAccountSettings(b -> b.minimumThroughputBillingCommitment(c -> c.status("ENABLED")))
                .minimumThroughputBillingCommitment();
        assertEquals(MinimumThroughputBillingCommitmentOutputStatus.ENABLED, cancelled.status());
        assertEquals(enabled.startedAt(), cancelled.startedAt(), "the same commitment goes on");
        json.updateAccountSettings(b -> b.minimumThroughputBillingCommitment(c -> c.status("DISABLED")));

        time.advance(Duration.ofHours(23));
        var ended = cbor.describeAccountSettings(b -> { }).minimumThroughputBillingCommitment();
        assertEquals(MinimumThroughputBillingCommitmentOutputStatus.DISABLED, ended.status());
        assertEquals(enabled.earliestAllowedEndAt(), ended.endedAt());

        KinesisException bad = assertThrows(KinesisException.class, () -> json.updateAccountSettings(
                b -> b.minimumThroughputBillingCommitment(c -> c.status("MAYBE"))));
        assertEquals("ValidationException", bad.awsErrorDetails().errorCode());
    }

    @Test
    void subscribeToShard_idleShard_getsEmptyEventsWithContinuation_throughTheAsyncClient() throws Exception {
        String arn = stream(cbor, "idle");
        String consumerArn = cbor.registerStreamConsumer(b -> b.streamARN(arn).consumerName("c")).consumer()
                .consumerARN();
        String sequence = cbor.putRecord(b -> b.streamName("idle").partitionKey("k")
                .data(SdkBytes.fromUtf8String("x"))).sequenceNumber();
        time.advance(Duration.ofSeconds(6)); // past the 5-second guard of a new subscription
        List<SubscribeToShardEvent> events = new CopyOnWriteArrayList<>();
        try (KinesisAsyncClient async = Clients.kinesisAsync(server.endpoint(), Protocol.HTTP2)) {
            CompletableFuture<Void> done = async.subscribeToShard(b -> b.consumerARN(consumerArn)
                            .shardId("shardId-000000000000").startingPosition(p -> p.type(ShardIteratorType.LATEST)),
                    SubscribeToShardResponseHandler.builder().subscriber((SubscribeToShardEventStream e) -> {
                        if (e instanceof SubscribeToShardEvent event) {
                            events.add(event);
                        }
                    }).build());
            // The subscription is established once its first poll ran; advance the clock until an idle event comes.
            await().atMost(Duration.ofSeconds(20)).until(() -> {
                time.advance(Duration.ofSeconds(1));
                return !events.isEmpty();
            });
            SubscribeToShardEvent idle = events.get(0);
            assertTrue(idle.records().isEmpty());
            assertEquals(sequence, idle.continuationSequenceNumber());
            assertEquals(0L, idle.millisBehindLatest());
            done.cancel(true);
        }
    }

    @Test
    void subscribeToShard_sdkAsyncClientOverHttp1_receivesRecordsThenIdleEvents() throws Exception {
        String arn = stream(cbor, "sdk-http1");
        String consumerArn = cbor.registerStreamConsumer(b -> b.streamARN(arn).consumerName("c")).consumer()
                .consumerARN();
        cbor.putRecord(b -> b.streamName("sdk-http1").partitionKey("k").data(SdkBytes.fromUtf8String("x")));
        List<SubscribeToShardEvent> events = new CopyOnWriteArrayList<>();
        try (KinesisAsyncClient async = Clients.kinesisAsync(server.endpoint(), Protocol.HTTP1_1)) {
            CompletableFuture<Void> done = async.subscribeToShard(b -> b.consumerARN(consumerArn)
                            .shardId("shardId-000000000000").startingPosition(p -> p.type(ShardIteratorType.TRIM_HORIZON)),
                    SubscribeToShardResponseHandler.builder().subscriber((SubscribeToShardEventStream e) -> {
                        if (e instanceof SubscribeToShardEvent event) {
                            events.add(event);
                        }
                    }).build());
            await().atMost(Duration.ofSeconds(20)).until(() -> !events.isEmpty() || done.isDone());
            assertEquals(1, events.get(0).records().size(), "the record, over a chunked HTTP/1.1 event stream");
            // Then the shard is idle: the next event has no records.
            await().atMost(Duration.ofSeconds(20)).until(() -> {
                time.advance(Duration.ofSeconds(1));
                return events.size() > 1;
            });
            assertTrue(events.get(1).records().isEmpty());
            assertEquals(events.get(0).continuationSequenceNumber(), events.get(1).continuationSequenceNumber());
            done.cancel(true);
        }
    }

    @Test
    void subscribeToShard_overHttp1_isAnsweredWithAnEventStream() throws Exception {
        String arn = stream(json, "http1");
        String consumerArn = json.registerStreamConsumer(b -> b.streamARN(arn).consumerName("c")).consumer()
                .consumerARN();
        String body = "{\"ConsumerARN\":\"" + consumerArn + "\",\"ShardId\":\"shardId-000000000000\","
                + "\"StartingPosition\":{\"Type\":\"TRIM_HORIZON\"}}";
        try (Socket socket = new Socket(server.endpoint().getHost(), server.endpoint().getPort())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(("POST / HTTP/1.1\r\nHost: localhost\r\nX-Amz-Target: Kinesis_20131202.SubscribeToShard\r\n"
                    + "Content-Type: application/x-amz-json-1.1\r\nContent-Length: "
                    + body.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + body).getBytes(StandardCharsets.UTF_8));
            out.flush();
            InputStream in = socket.getInputStream();
            StringBuilder head = new StringBuilder();
            while (!head.toString().contains("initial-response")) {
                int b = in.read();
                if (b < 0) {
                    break;
                }
                head.append((char) b);
            }
            String text = head.toString();
            assertTrue(text.startsWith("HTTP/1.1 200"), text);
            assertTrue(text.toLowerCase(java.util.Locale.ROOT).contains("transfer-encoding: chunked"), text);
            assertTrue(text.contains("application/vnd.amazon.eventstream"), text);
            assertTrue(text.contains("initial-response"), text);
        }
    }
}
