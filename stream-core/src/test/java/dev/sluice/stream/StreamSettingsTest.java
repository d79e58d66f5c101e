package dev.sluice.stream;

import dev.sluice.stream.testing.ManualClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Tags, encryption, capacity mode, registered consumers and ARNs: rules, errors, and survival of a restart. */
class StreamSettingsTest {

    private final ManualClock time = new ManualClock();
    private final List<StreamEngine> engines = new ArrayList<>();

    @TempDir
    Path directory;

    @AfterEach
    void close() {
        engines.forEach(StreamEngine::close);
    }

    private StreamEngine engine(StreamEngine.Builder builder) {
        StreamEngine built = builder.clock(time).ticker(time).build();
        engines.add(built);
        return built;
    }

    @Test
    void summary_reportsArnModeEncryptionAndConsumerCount() {
        StreamEngine engine = engine(StreamEngine.builder().region("eu-west-1"));
        engine.createStream("orders", 2);
        StreamDescriptionSummary summary = engine.describeStreamSummary("orders");
        assertEquals("arn:aws:kinesis:eu-west-1:000000000000:stream/orders", summary.streamArn());
        assertEquals(StreamMode.PROVISIONED, summary.streamMode());
        assertEquals(EncryptionType.NONE, summary.encryptionType());
        assertEquals(Optional.empty(), summary.keyId());
        assertEquals(0, summary.consumerCount());
        assertEquals("orders", engine.streamNameFromArn(summary.streamArn()));
        StreamException bad = assertThrows(StreamException.class, () -> engine.streamNameFromArn("arn:aws:s3:::bucket"));
        assertEquals(ErrorCode.INVALID_ARGUMENT, bad.code());
    }

    @Test
    void tags_addOverwriteRemoveAndLimits() {
        StreamEngine engine = engine(StreamEngine.builder());
        engine.createStream("t", 1);
        engine.addTagsToStream("t", Map.of("team", "payments", "env", "test"));
        engine.addTagsToStream("t", Map.of("env", "prod"));
        assertEquals(Map.of("env", "prod", "team", "payments"), engine.listTagsForStream("t"));
        assertEquals(List.of("env", "team"), new ArrayList<>(engine.listTagsForStream("t").keySet()), "sorted by key");
        engine.removeTagsFromStream("t", List.of("env", "absent"));
        assertEquals(Map.of("team", "payments"), engine.listTagsForStream("t"));

        Map<String, String> eleven = new HashMap<>();
        for (int i = 0; i < 11; i++) {
            eleven.put("k" + i, "v");
        }
        assertEquals(ErrorCode.VALIDATION, assertThrows(StreamException.class, () -> engine.addTagsToStream("t", eleven)).code());
        assertEquals(ErrorCode.INVALID_ARGUMENT,
                assertThrows(StreamException.class, () -> engine.addTagsToStream("t", Map.of("aws:x", "v"))).code());
        assertEquals(ErrorCode.VALIDATION,
                assertThrows(StreamException.class, () -> engine.addTagsToStream("t", Map.of("k", "v".repeat(257)))).code());
        for (int batch = 0; batch < 5; batch++) {
            Map<String, String> ten = new HashMap<>();
            for (int i = 0; i < 10; i++) {
                ten.put("b" + batch + "-" + i, "v");
            }
            if (batch < 4) {
                engine.addTagsToStream("t", ten);
            } else {
                StreamException e = assertThrows(StreamException.class, () -> engine.addTagsToStream("t", ten));
                assertEquals(ErrorCode.INVALID_ARGUMENT, e.code());
                assertTrue(e.getMessage().contains("cannot have more than 50 tags"), e.getMessage());
            }
        }
        assertEquals(41, engine.listTagsForStream("t").size(), "a refused call changes nothing");
        assertEquals(ErrorCode.RESOURCE_NOT_FOUND,
                assertThrows(StreamException.class, () -> engine.listTagsForStream("absent")).code());
    }

    @Test
    void encryption_isAcceptedAndReported() {
        StreamEngine engine = engine(StreamEngine.builder());
        engine.createStream("e", 1);
        engine.startStreamEncryption("e", "alias/aws/kinesis");
        assertEquals(EncryptionType.KMS, engine.describeStreamSummary("e").encryptionType());
        assertEquals(Optional.of("alias/aws/kinesis"), engine.describeStreamSummary("e").keyId());
        assertEquals(ErrorCode.INVALID_ARGUMENT,
                assertThrows(StreamException.class, () -> engine.stopStreamEncryption("e", "other-key")).code());
        engine.stopStreamEncryption("e", "alias/aws/kinesis");
        assertEquals(EncryptionType.NONE, engine.describeStreamSummary("e").encryptionType());
    }

    @Test
    void consumers_registerDescribeListDeregisterAndTheLimitOf20() {
        StreamEngine engine = engine(StreamEngine.builder());
        engine.createStream("c", 1);
        time.advance(java.time.Duration.ofMillis(1_700));
        StreamConsumer app = engine.registerStreamConsumer("c", "billing");
        assertEquals("arn:aws:kinesis:us-east-1:000000000000:stream/c/consumer/billing:"
                + time.instant().getEpochSecond(), app.consumerArn());
        assertEquals(ConsumerStatus.ACTIVE, app.consumerStatus());
        assertEquals(app, engine.describeStreamConsumer("c", "billing"));
        assertEquals(app, engine.describeStreamConsumer(app.consumerArn()));
        assertEquals(ErrorCode.RESOURCE_IN_USE,
                assertThrows(StreamException.class, () -> engine.registerStreamConsumer("c", "billing")).code());
        assertEquals(ErrorCode.VALIDATION,
                assertThrows(StreamException.class, () -> engine.registerStreamConsumer("c", "bad name")).code());
        for (int i = 1; i < 20; i++) {
            engine.registerStreamConsumer("c", "app-" + i);
        }
        StreamException limit = assertThrows(StreamException.class, () -> engine.registerStreamConsumer("c", "one-too-many"));
        assertEquals(ErrorCode.LIMIT_EXCEEDED, limit.code());
        assertEquals(20, engine.describeStreamSummary("c").consumerCount());
        assertEquals("billing", engine.listStreamConsumers("c").get(0).consumerName());

        engine.deregisterStreamConsumer("c", "billing");
        assertEquals(ErrorCode.RESOURCE_NOT_FOUND,
                assertThrows(StreamException.class, () -> engine.describeStreamConsumer(app.consumerArn())).code());
        assertEquals(ErrorCode.RESOURCE_NOT_FOUND,
                assertThrows(StreamException.class, () -> engine.deregisterStreamConsumer("c", "billing")).code());
        StreamConsumer again = engine.registerStreamConsumer("c", "one-more");
        assertEquals(20, engine.listStreamConsumers("c").size());
        assertTrue(engine.listStreamConsumers("c").contains(again));
    }

    @Test
    void settings_surviveARestartWithDurableStorage() {
        StreamEngine first = engine(StreamEngine.builder().storage(Storage.durable(directory)));
        first.createStream(CreateStreamRequest.onDemand("kept"));
        first.addTagsToStream("kept", Map.of("owner", "team a=b & c/d", "empty", ""));
        first.startStreamEncryption("kept", "arn:aws:kms:us-east-1:000000000000:key/1234");
        StreamConsumer consumer = first.registerStreamConsumer("kept", "reader");
        StreamDescriptionSummary before = first.describeStreamSummary("kept");
        first.close();

        StreamEngine second = engine(StreamEngine.builder().storage(Storage.durable(directory)));
        assertEquals(before, second.describeStreamSummary("kept"));
        assertEquals(Map.of("owner", "team a=b & c/d", "empty", ""), second.listTagsForStream("kept"));
        assertEquals(List.of(consumer), second.listStreamConsumers("kept"));
        assertEquals(Set.of(StreamMode.ON_DEMAND), Set.of(second.describeStreamSummary("kept").streamMode()));
    }
}
