package dev.sluice.examples.stream;

import dev.sluice.examples.Console;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** The durable service, stopped and restarted on one directory, with 2,000 records per run. */
class DurableConsumerExampleIT {

    @Test
    void run_twiceOnOneDirectory_processesEveryRecordExactlyOnce(@TempDir Path dir) throws Exception {
        Console.Output output = Console.capture(() -> DurableConsumerExample.run(new String[]{
                "--dir", dir.toString(), "--records", "2000"}));

        assertTrue(output.succeeded(), output.text());
        assertTrue(output.text().contains("processed twice, 0 missing -> every record processed exactly once"),
                output.text());
        assertTrue(output.text().contains("Run 2: recovered stream orders"), output.text());
    }
}
