package dev.sluice.delivery;

import dev.sluice.stream.ConsumerApplication;
import dev.sluice.stream.PutRecordsRequestEntry;
import dev.sluice.stream.ShardIteratorType;
import dev.sluice.stream.ShardLevelMetric;
import dev.sluice.stream.StreamEngine;
import dev.sluice.stream.ThrottleMode;
import dev.sluice.transform.Processor;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every meter an engine (with every shard-level metric enabled), a consumer application and a delivery stream with a
 * processor register goes into ONE Prometheus registry and is scraped. Some names are shared with different tag keys,
 * as in CloudWatch (stream-level {@code IncomingRecords} tagged {@code stream}, shard-level tagged {@code stream} and
 * {@code shard}, Firehose's tagged {@code DeliveryStreamName}); Micrometer's Prometheus registry (1.13 and later) keeps
 * them all, while a registry that refused one would drop it silently, telling only a registration-failed listener.
 */
@Timeout(60)
class PrometheusMetersTest {

    @TempDir
    Path work;

    @Test
    void everyMeterOfEngineConsumerAndDeliveryRegistersInOnePrometheusRegistry() throws Exception {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        List<String> refused = new CopyOnWriteArrayList<>();
        registry.config().onMeterRegistrationFailed((id, reason) -> refused.add(id.getName() + " " + id.getTags()
                + ": " + reason));
        AtomicInteger consumed = new AtomicInteger();
        try (StreamEngine engine = StreamEngine.builder().throttleMode(ThrottleMode.OFF).meterRegistry(registry)
                .build()) {
            engine.createStream("src", 2);
            engine.enableEnhancedMonitoring("src", ShardLevelMetric.all());
            List<PutRecordsRequestEntry> batch = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                batch.add(PutRecordsRequestEntry.of("k" + i, ("{\"i\":" + i + "}").getBytes(StandardCharsets.UTF_8)));
            }
            assertEquals(0, engine.putRecords("src", batch).failedRecordCount());
            try (ConsumerApplication app = ConsumerApplication.builder(engine).applicationName("app")
                    .streamName("src").initialPosition(ShardIteratorType.trimHorizon())
                    .processor(input -> consumed.addAndGet(input.records().size()))
                    .pollInterval(Duration.ofMillis(50)).build();
                 DeliveryStream stream = DeliveryStream.builder().name("fromstream").meterRegistry(registry)
                         .sink(Sink.localBucket(work.resolve("bucket"))).outputFormat(OutputFormat.jsonLines())
                         .processor(Processor.metadataExtraction(Map.of("i", ".i")))
                         .kinesisStreamSource(engine, "src", work.resolve("state")).build()) {
                await().atMost(Duration.ofSeconds(20)).until(() -> consumed.get() == 100
                        && stream.stats().incomingRecords() == 100);
                stream.flush();
                String scrape = registry.scrape();
                assertEquals(List.of(), refused, "meters Prometheus refused");
                for (String series : List.of("IncomingRecords_total{stream=\"src\"}",
                        "IncomingRecords_total{shard=\"shardId-000000000000\",stream=\"src\"}",
                        "IncomingRecords_total{DeliveryStreamName=\"fromstream\"}",
                        "OutgoingRecords_total{shard=\"shardId-000000000001\",stream=\"src\"}",
                        "ExecuteProcessing_Duration_seconds_count{DeliveryStreamName=\"fromstream\"}",
                        "MillisBehindLatest_milliseconds{application=\"app\",shard=\"shardId-000000000000\"")) {
                    assertTrue(scrape.contains(series), series + " in\n" + scrape);
                }
            }
        }
    }
}
