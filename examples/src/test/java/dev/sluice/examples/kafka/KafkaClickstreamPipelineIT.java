package dev.sluice.examples.kafka;

import dev.sluice.examples.Console;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** The main job on a Kafka topic, with the local broker the example starts itself, bounded to 2,000 records. */
class KafkaClickstreamPipelineIT {

    @Test
    @Timeout(180)
    void run_withItsOwnBroker_reconcilesAndCommitsToTheTopicsEnd(@TempDir Path dir) throws Exception {
        Console.Output output = Console.capture(() -> KafkaClickstreamPipeline.run(new String[]{
                "--records", "2000", "--dir", dir.toString()}));

        assertTrue(output.succeeded(), output.text());
        assertTrue(output.text().contains("-> reconciled"), output.text());
        try (Stream<Path> files = Files.walk(dir.resolve("bucket").resolve("clicks"))) {
            assertTrue(files.anyMatch(f -> f.toString().endsWith(".parquet")), "Parquet objects under clicks/");
        }
    }
}
