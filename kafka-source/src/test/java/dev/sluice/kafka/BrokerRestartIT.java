package dev.sluice.kafka;

import dev.sluice.delivery.BufferingHints;
import dev.sluice.delivery.DeliveryStats;
import dev.sluice.delivery.DeliveryStream;
import dev.sluice.delivery.OutputFormat;
import dev.sluice.delivery.ParquetConversion;
import dev.sluice.delivery.Sink;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static dev.sluice.kafka.TestRecords.assertExactlyOnce;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The only broker is killed with SIGKILL while a delivery stream reads from it and restarted on the same data: the
 * source rides out the outage (commits fail, segments stay buffered, nothing is written for them), resumes, and the
 * Parquet objects, read back with DuckDB, hold every record exactly once.
 */
class BrokerRestartIT {

    @TempDir
    Path brokerDir;

    @TempDir
    Path work;

    @Test
    void brokerKilledAndRestarted_midDelivery_everyRecordExactlyOnce() throws Exception {
        Path bucket = work.resolve("bucket");
        try (KafkaBroker broker = KafkaBroker.start(brokerDir)) {
            broker.createTopic("clicks", 4);
            TestRecords.produce(broker.bootstrap(), "clicks", 0, 10_000);
            KafkaSource source = KafkaSource.builder().bootstrapServers(broker.bootstrap()).groupId("g-restart")
                    .topics("clicks")
                    .commitTimeout(Duration.ofSeconds(5))
                    .consumerProperty("session.timeout.ms", "6000")
                    .consumerProperty("heartbeat.interval.ms", "500")
                    .build();
            DeliveryStats stats;
            try (DeliveryStream stream = DeliveryStream.builder().name("clicks").source(source)
                    .sink(Sink.localBucket(bucket)).prefix("data/")
                    .errorOutputPrefix("errors/!{firehose:error-output-type}/")
                    .outputFormat(OutputFormat.parquet(ParquetConversion.of(TestRecords.SCHEMA)))
                    .bufferingHints(new BufferingHints(128 << 10, Duration.ofMillis(500)))
                    .build()) {
                await().atMost(Duration.ofSeconds(60)).until(() -> stream.stats().deliveredRecords() >= 2_000);
                broker.kill();
                long deliveredWhileDown = stream.stats().deliveredRecords();
                broker.restart();
                TestRecords.produce(broker.bootstrap(), "clicks", 10_000, 20_000);
                try (Admin admin = broker.admin()) {
                    await().atMost(Duration.ofSeconds(90)).until(() -> TestRecords.delivered(admin, "g-restart",
                            List.of("clicks")));
                }
                stream.flush();
                stats = stream.stats();
                assertTrue(stats.deliveredRecords() > deliveredWhileDown);
            }
            assertEquals(stats.incomingRecords(), stats.deliveredRecords() + stats.releasedRecords(),
                    stats.toString());
        }
        assertExactlyOnce(TestRecords.parquet(bucket.resolve("data")), 0, 20_000);
        assertEquals(List.of(), TestRecords.visibleFiles(bucket.resolve("errors")));
    }
}
