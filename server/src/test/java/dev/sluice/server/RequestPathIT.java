package dev.sluice.server;

import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.kinesis.model.PutRecordsRequestEntry;
import software.amazon.awssdk.services.kinesis.model.PutRecordsResponse;
import software.amazon.awssdk.services.kinesis.model.Record;
import software.amazon.awssdk.services.kinesis.model.ResourceNotFoundException;
import software.amazon.awssdk.services.kinesis.model.ShardIteratorType;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The put path through the real SDK v2: small puts run on the connection's event loop, larger PutRecords on a
 * worker, and both are acknowledged, readable and recorded as {@code dev.sluice.server.Request} JFR events with
 * the server's own time.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RequestPathIT {

    private SluiceServer server;
    private KinesisClient kinesis;

    @BeforeAll
    void start() {
        server = SluiceServer.builder().port(0).build().start();
        server.engine().createStream("path", 1);
        kinesis = Clients.kinesis(server.endpoint(), true, false);
    }

    @AfterAll
    void stop() {
        kinesis.close();
        server.close();
    }

    @Test
    void smallAndLargePuts_areReadable_andEachIsARequestEvent(@TempDir Path dir) throws Exception {
        byte[] small = "on the loop".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        byte[] kib = new byte[1024];
        Arrays.fill(kib, (byte) 7);
        List<PutRecordsRequestEntry> batch = IntStream.range(0, 100).mapToObj(i -> PutRecordsRequestEntry.builder()
                .partitionKey("k" + i).data(SdkBytes.fromByteArray(kib)).build()).toList(); // ~100 KiB: a worker's
        Path file = dir.resolve("requests.jfr");
        try (Recording recording = new Recording()) {
            recording.enable("dev.sluice.server.Request").withoutThreshold();
            recording.start();
            kinesis.putRecord(b -> b.streamName("path").partitionKey("k").data(SdkBytes.fromByteArray(small)));
            PutRecordsResponse response = kinesis.putRecords(b -> b.streamName("path").records(batch));
            assertEquals(0, response.failedRecordCount());
            recording.stop();
            recording.dump(file);
        }

        String iterator = kinesis.getShardIterator(b -> b.streamName("path").shardId("shardId-000000000000")
                .shardIteratorType(ShardIteratorType.TRIM_HORIZON)).shardIterator();
        List<Record> records = kinesis.getRecords(b -> b.shardIterator(iterator)).records();
        assertEquals(101, records.size());
        assertArrayEquals(small, records.get(0).data().asByteArray());
        assertArrayEquals(kib, records.get(100).data().asByteArray());

        List<RecordedEvent> events = new ArrayList<>();
        for (RecordedEvent event : RecordingFile.readAllEvents(file)) {
            if (event.getEventType().getName().equals("dev.sluice.server.Request")) {
                events.add(event);
            }
        }
        List<String> targets = events.stream().map(e -> e.getString("target")).toList();
        assertEquals(List.of("Kinesis_20131202.PutRecord", "Kinesis_20131202.PutRecords"), targets);
        for (RecordedEvent event : events) {
            assertEquals(200, event.getInt("status"));
            assertFalse(event.getDuration().isNegative() || event.getDuration().isZero(), event.toString());
            Duration ready = event.getDuration("untilReady");
            assertTrue(!ready.isNegative() && ready.compareTo(event.getDuration()) <= 0, event.toString());
        }
    }

    @Test
    void putRecord_toAnUnknownStream_onTheEventLoop_getsResourceNotFound() {
        ResourceNotFoundException e = assertThrows(ResourceNotFoundException.class, () -> kinesis.putRecord(b -> b
                .streamName("missing").partitionKey("k").data(SdkBytes.fromByteArray(new byte[]{1}))));
        assertEquals(400, e.statusCode());
        assertTrue(e.getMessage().contains("missing"), e.getMessage());
    }
}
