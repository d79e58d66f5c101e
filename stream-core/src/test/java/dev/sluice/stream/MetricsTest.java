package dev.sluice.stream;

import dev.sluice.stream.testing.ManualClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Meters carry Kinesis's CloudWatch names and are tagged by stream and shard. */
class MetricsTest {

    @Test
    void meters_countPutsAndReadsAndDisappearWithTheStream() {
        ManualClock time = new ManualClock();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (StreamEngine engine = StreamEngine.builder().clock(time).ticker(time).meterRegistry(registry).build()) {
            engine.createStream("m", 2);
            engine.putRecord("m", "a", new byte[10]);
            engine.putRecords("m", List.of(PutRecordsRequestEntry.of("b", new byte[20]), PutRecordsRequestEntry.of("c", new byte[30])));
            time.advance(Duration.ofSeconds(3));
            for (Shard shard : engine.listShards("m")) {
                engine.getRecords(engine.getShardIterator("m", shard.shardId(), ShardIteratorType.trimHorizon()));
            }

            assertEquals(1, registry.get("PutRecord.Success").tag("stream", "m").counter().count());
            assertEquals(11, registry.get("PutRecord.Bytes").counter().count());
            assertEquals(1, registry.get("PutRecord.Latency").timer().count());
            assertEquals(2, registry.get("PutRecords.Records").counter().count());
            assertEquals(2, registry.get("PutRecords.SuccessfulRecords").counter().count());
            assertEquals(52, registry.get("PutRecords.Bytes").counter().count());
            assertEquals(3, registry.get("IncomingRecords").tag("stream", "m").counter().count(), "stream level");
            assertTrue(registry.find("IncomingRecords").tagKeys("shard").counters().isEmpty(),
                    "no shard-level meters without enhanced monitoring");
            assertEquals(3, registry.get("GetRecords.Records").counter().count());
            assertEquals(2, registry.get("GetRecords.Success").counter().count());
            assertEquals(3_000, registry.get("GetRecords.IteratorAgeMilliseconds").summary().max());

            engine.deleteStream("m");
            assertTrue(registry.find("IncomingRecords").tag("stream", "m").counters().isEmpty());
        }
    }

    @Test
    void noRegistry_everyMeteredOperationWorksWithNoOpMeters() {
        ManualClock time = new ManualClock();
        try (StreamEngine engine = StreamEngine.builder().clock(time).ticker(time).build()) {
            engine.createStream(CreateStreamRequest.of("m", 2).withRetentionBytes(1 << 20)
                    .withOverflowPolicy(OverflowPolicy.TRIM_OLDEST));
            engine.enableEnhancedMonitoring("m", EnumSet.allOf(ShardLevelMetric.class));
            PutRecordResult put = engine.putRecord("m", "a", "one".getBytes(StandardCharsets.UTF_8));
            PutRecordsResult batch = engine.putRecords("m", List.of(PutRecordsRequestEntry.of("b", new byte[20]),
                    PutRecordsRequestEntry.of("c", new byte[30])));
            assertEquals(0, batch.failedRecordCount());
            GetRecordsResult read = engine.getRecords(engine.getShardIterator("m", put.shardId(),
                    ShardIteratorType.trimHorizon()));
            assertEquals(put.sequenceNumber(), read.records().get(0).sequenceNumber());
            engine.disableEnhancedMonitoring("m", EnumSet.allOf(ShardLevelMetric.class));

            List<String> consumed = new CopyOnWriteArrayList<>();
            try (ConsumerApplication application = ConsumerApplication.builder(engine).applicationName("app")
                    .streamName("m").initialPosition(ShardIteratorType.trimHorizon())
                    .processor(input -> input.records().forEach(r -> consumed.add(r.sequenceNumber())))
                    .pollInterval(Duration.ofMillis(200)).build()) {
                await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(2)).until(() -> {
                    time.advance(Duration.ofMillis(100));
                    return consumed.size() >= 3;
                });
            }
            assertTrue(consumed.contains(put.sequenceNumber()), consumed.toString());
            engine.deleteStream("m");
            assertTrue(engine.listStreams().isEmpty());
            assertEquals(Storage.inMemory(), engine.storage(), "the default storage, its limit read when first needed");
        }
    }
}
