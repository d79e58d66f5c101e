package dev.sluice.examples;

import org.junit.jupiter.api.Test;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The shard-log demo, bounded to 4,000 records (about a second at the stream's limit). */
class StreamDemoIT {

    @Test
    void run_boundedByRecords_readsEveryAcknowledgedRecordBackExactlyOnce() throws Exception {
        Console.Output output = Console.capture(() -> StreamDemo.run(new String[]{"--records", "4000", "--seconds", "60"}));

        assertTrue(output.succeeded(), output.text());
        Matcher line = Pattern.compile("Acknowledged ([\\d,.\\s\u00a0\u202f]+) records, read back ([\\d,.\\s\u00a0\u202f]+)"
                + " \\(every acknowledged record exactly once\\)").matcher(output.text());
        assertTrue(line.find(), output.text());
        assertEquals(line.group(1), line.group(2));
        assertEquals("4000", line.group(1).replaceAll("\\D", ""), "bounded by --records");
    }
}
