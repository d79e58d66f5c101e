package dev.sluice.delivery;

import dev.sluice.stream.CreateStreamRequest;
import dev.sluice.stream.PutRecordsRequestEntry;
import dev.sluice.stream.StreamEngine;
import dev.sluice.stream.ThrottleMode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;

import static dev.sluice.delivery.TestData.files;
import static dev.sluice.delivery.TestData.lines;
import static dev.sluice.delivery.TestData.utf8;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A delivery stream reading a Kinesis stream with large records (MaxRecordSizeInKiB above 1024): a record over
 * Firehose's 1,000 KiB goes to the error output whole, as the delivery stream's own record limit still applies; the
 * records around it are delivered.
 */
class LargeStreamRecordSourceTest {

    private static final int MIB = 1 << 20;

    @TempDir
    Path work;

    @Test
    @Timeout(120)
    void tenMiBSourceRecord_goesToTheErrorOutputWhole_andTheShardGoesOn() throws Exception {
        Path bucket = work.resolve("bucket");
        byte[] big = new byte[10 * MIB - 3];
        Arrays.fill(big, (byte) 'x');
        try (StreamEngine engine = StreamEngine.builder().throttleMode(ThrottleMode.OFF).build()) {
            engine.createStream(CreateStreamRequest.of("src", 1).withMaxRecordSizeInKiB(10_240));
            engine.putRecords("src", List.of(PutRecordsRequestEntry.of("k0", utf8("{\"i\":0}"))));
            engine.putRecord("src", "big", big);
            engine.putRecords("src", List.of(PutRecordsRequestEntry.of("k1", utf8("{\"i\":1}"))));
            try (DeliveryStream stream = DeliveryStream.builder().name("fromstream").sink(Sink.localBucket(bucket))
                    .outputFormat(OutputFormat.jsonLines())
                    .bufferingHints(new BufferingHints(1 << 20, Duration.ofSeconds(60)))
                    .kinesisStreamSource(engine, "src", work.resolve("state")).build()) {
                await().atMost(Duration.ofSeconds(60)).until(() -> stream.stats().incomingRecords() == 3);
                stream.flush(Duration.ofSeconds(30));
                assertEquals(2, stream.stats().deliveredRecords());
                assertEquals(1, stream.stats().errorOutputRecords());
            }
        }
        List<String> envelopes = new ArrayList<>();
        List<String> delivered = new ArrayList<>();
        for (String f : files(bucket)) {
            (f.startsWith("processing-failed/") ? envelopes : delivered).addAll(lines(Files.readAllBytes(bucket.resolve(f))));
        }
        assertEquals(List.of("{\"i\":0}", "{\"i\":1}"), delivered);
        assertEquals(1, envelopes.size());
        assertTrue(envelopes.get(0).contains("1024000"), envelopes.get(0).substring(0, 300));
        assertArrayEquals(big, Base64.getDecoder().decode(envelopes.get(0).replaceAll(".*\"rawData\":\"([^\"]*)\".*", "$1")));
    }
}
