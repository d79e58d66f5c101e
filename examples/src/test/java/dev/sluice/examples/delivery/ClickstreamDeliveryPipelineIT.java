package dev.sluice.examples.delivery;

import dev.sluice.examples.Console;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** The main job, bounded to 2,000 records, into a temporary bucket directory. */
class ClickstreamDeliveryPipelineIT {

    @Test
    void run_boundedByRecords_reconcilesAndWritesParquet(@TempDir Path dir) throws Exception {
        Console.Output output = Console.capture(() -> ClickstreamDeliveryPipeline.run(new String[]{
                "--records", "2000", "--dir", dir.toString()}));

        assertTrue(output.succeeded(), output.text());
        assertTrue(output.text().contains("-> reconciled"), output.text());
        try (Stream<Path> files = Files.walk(dir.resolve("bucket").resolve("clicks"))) {
            assertTrue(files.anyMatch(f -> f.toString().endsWith(".parquet")), "Parquet objects under clicks/");
        }
    }
}
