package dev.sluice.examples.delivery;

import dev.sluice.examples.Console;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Iceberg example, bounded to 3,000 records, into a temporary warehouse. */
@Timeout(180)
class ClickstreamIcebergTableIT {

    @Test
    void run_boundedByRecords_tableRowsReconcileWithTheStreamsCounts(@TempDir Path dir) throws Exception {
        Console.Output output = Console.capture(() -> ClickstreamIcebergTable.run(new String[]{
                "--records", "3000", "--dir", dir.toString()}));

        assertTrue(output.succeeded(), output.text());
        assertTrue(output.text().contains("-> reconciled"), output.text());
        assertTrue(output.text().contains("event_time_hour="), output.text());
        try (Stream<Path> files = Files.walk(dir.resolve("warehouse").resolve("web").resolve("clicks"))) {
            assertTrue(files.anyMatch(f -> f.toString().endsWith(".metadata.json")), "the table's metadata");
        }
    }
}
