package dev.sluice.examples.transform;

import dev.sluice.examples.Console;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** The transform chain over 300 generated clickstream records. */
class ClickstreamTransformExampleIT {

    @Test
    void run_boundedByRecords_accountsForEveryRecord() throws Exception {
        Console.Output output = Console.capture(() -> ClickstreamTransformExample.run(new String[]{"--records", "300"}));

        assertTrue(output.succeeded(), output.text());
        assertTrue(output.text().contains("300 records in = Ok "), output.text());
        assertTrue(output.text().contains("-> reconciled"), output.text());
    }
}
