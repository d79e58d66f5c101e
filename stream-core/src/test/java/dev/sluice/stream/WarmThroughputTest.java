package dev.sluice.stream;

import dev.sluice.stream.testing.ManualClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Kinesis UpdateStreamWarmThroughput and CreateStream WarmThroughputMiBps: pre-scaling on-demand streams. */
class WarmThroughputTest {

    private static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    Path directory;

    private final ManualClock time = new ManualClock();
    private final List<StreamEngine> engines = new ArrayList<>();

    @AfterEach
    void close() {
        engines.forEach(StreamEngine::close);
    }

    private StreamEngine engine(Storage storage, int shardQuota) {
        StreamEngine engine = StreamEngine.builder().time(time).storage(storage).shardQuota(shardQuota).build();
        engines.add(engine);
        return engine;
    }

    @Test
    void update_scalesAnOnDemandStreamAsynchronously_updatingThenActive() {
        StreamEngine engine = engine(Storage.inMemory(), 500);
        engine.createStream(CreateStreamRequest.onDemand("s"));
        WarmThroughput accepted = engine.updateStreamWarmThroughput("s", 20);
        assertEquals(OptionalInt.of(20), accepted.targetMiBps());
        assertEquals(4, accepted.currentMiBps());
        assertEquals(StreamStatus.UPDATING, engine.describeStreamSummary("s").streamStatus());
        await().atMost(WAIT).until(() -> engine.describeStreamSummary("s").streamStatus() == StreamStatus.ACTIVE);
        StreamDescriptionSummary s = engine.describeStreamSummary("s");
        assertEquals(20, s.openShardCount());
        assertEquals(new WarmThroughput(OptionalInt.of(20), 20), s.warmThroughput().orElseThrow());
        engine.putRecord("s", "k", new byte[1]); // still writable

        engine.updateStreamWarmThroughput("s", 8); // releases capacity down to the target
        await().atMost(WAIT).until(() -> engine.describeStreamSummary("s").streamStatus() == StreamStatus.ACTIVE);
        assertEquals(8, engine.describeStreamSummary("s").openShardCount());
    }

    @Test
    void update_whileAnEarlierOneScales_isResourceInUse_forEveryRecordSettingUpdate() {
        StreamEngine engine = engine(Storage.inMemory(), 600);
        engine.createStream(CreateStreamRequest.onDemand("s"));
        engine.updateStreamWarmThroughput("s", 512); // 4 -> 512 shards takes seven steps, one per scheduler period
        assertEquals(ErrorCode.RESOURCE_IN_USE, assertThrows(StreamException.class,
                () -> engine.updateStreamWarmThroughput("s", 8)).errorCode());
        assertEquals(ErrorCode.RESOURCE_IN_USE, assertThrows(StreamException.class,
                () -> engine.updateMaxRecordSize("s", 2048)).errorCode());
        assertEquals(ErrorCode.RESOURCE_IN_USE, assertThrows(StreamException.class,
                () -> engine.updateStreamRecordDistributionStrategy("s", RecordDistributionStrategy.AUTO)).errorCode());
        await().atMost(WAIT).until(() -> engine.describeStreamSummary("s").streamStatus() == StreamStatus.ACTIVE);
        assertEquals(512, engine.describeStreamSummary("s").openShardCount());
        engine.updateMaxRecordSize("s", 2048);
    }

    @Test
    void update_errors_provisionedNegativeAboveTenGiBpsOverQuotaUnknown() {
        StreamEngine engine = engine(Storage.inMemory(), 10);
        engine.createStream("p", 1);
        StreamException provisioned = assertThrows(StreamException.class, () -> engine.updateStreamWarmThroughput("p", 4));
        assertEquals(ErrorCode.INVALID_ARGUMENT, provisioned.errorCode());
        assertTrue(provisioned.getMessage().contains("PROVISIONED"), provisioned.getMessage());
        engine.createStream(CreateStreamRequest.onDemand("s"));
        assertEquals(ErrorCode.VALIDATION, assertThrows(StreamException.class,
                () -> engine.updateStreamWarmThroughput("s", -1)).errorCode());
        StreamException tooMuch = assertThrows(StreamException.class, () -> engine.updateStreamWarmThroughput("s", 10_241));
        assertEquals(ErrorCode.LIMIT_EXCEEDED, tooMuch.errorCode());
        assertTrue(tooMuch.getMessage().contains("10240"), tooMuch.getMessage());
        StreamException quota = assertThrows(StreamException.class, () -> engine.updateStreamWarmThroughput("s", 20));
        assertEquals(ErrorCode.LIMIT_EXCEEDED, quota.errorCode());
        assertTrue(quota.getMessage().contains("shard limit"), quota.getMessage());
        assertEquals(StreamStatus.ACTIVE, engine.describeStreamSummary("s").streamStatus());
        assertEquals(ErrorCode.RESOURCE_NOT_FOUND, assertThrows(StreamException.class,
                () -> engine.updateStreamWarmThroughput("nope", 4)).errorCode());
        assertTrue(engine.describeStreamSummary("p").warmThroughput().isEmpty());
    }

    @Test
    void create_withWarmThroughput_startsWithTheShardsItNeeds() {
        StreamEngine engine = engine(Storage.inMemory(), 500);
        engine.createStream(CreateStreamRequest.onDemand("s").withWarmThroughputMiBps(12));
        StreamDescriptionSummary s = engine.describeStreamSummary("s");
        assertEquals(StreamStatus.ACTIVE, s.streamStatus());
        assertEquals(12, s.openShardCount());
        assertEquals(new WarmThroughput(OptionalInt.of(12), 12), s.warmThroughput().orElseThrow());
        assertEquals(ErrorCode.INVALID_ARGUMENT, assertThrows(StreamException.class,
                () -> CreateStreamRequest.of("p", 1).withWarmThroughputMiBps(4)).errorCode());
        assertEquals(ErrorCode.LIMIT_EXCEEDED, assertThrows(StreamException.class,
                () -> engine.createStream(CreateStreamRequest.onDemand("t").withWarmThroughputMiBps(20_000))).errorCode());
    }

    @Test
    void durableStorage_keepsTheTarget() {
        StreamEngine first = engine(Storage.durable(directory), 500);
        first.createStream(CreateStreamRequest.onDemand("s"));
        first.updateStreamWarmThroughput("s", 6);
        await().atMost(WAIT).until(() -> first.describeStreamSummary("s").streamStatus() == StreamStatus.ACTIVE);
        first.close();
        engines.remove(first);
        StreamEngine second = engine(Storage.durable(directory), 500);
        StreamDescriptionSummary s = second.describeStreamSummary("s");
        assertEquals(new WarmThroughput(OptionalInt.of(6), 6), s.warmThroughput().orElseThrow());
        assertEquals(StreamStatus.ACTIVE, s.streamStatus());
    }
}
