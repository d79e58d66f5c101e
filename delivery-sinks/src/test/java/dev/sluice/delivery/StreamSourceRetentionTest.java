package dev.sluice.delivery;

import dev.sluice.stream.CreateStreamRequest;
import dev.sluice.stream.OverflowPolicy;
import dev.sluice.stream.PutRecordsRequestEntry;
import dev.sluice.stream.PutRecordsResult;
import dev.sluice.stream.PutRecordsResultEntry;
import dev.sluice.stream.ReaderRegistration;
import dev.sluice.stream.StreamEngine;
import dev.sluice.stream.ThrottleMode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static dev.sluice.delivery.TestData.utf8;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A delivery stream is a registered reader of its source stream: under the lossless overflow policy the engine keeps
 * what the delivery stream has not committed and pushes back on producers instead, so a sink outage loses nothing.
 */
@Timeout(120)
class StreamSourceRetentionTest {

    private static final Pattern N = Pattern.compile("\"n\":(\\d+)");

    @TempDir
    Path work;

    @Test
    void sinkDown_streamAtItsByteLimit_pushesBackOnProducers_andLosesNothingOnceTheSinkIsBack() throws Exception {
        FakeSink sink = new FakeSink().failNext(Integer.MAX_VALUE);
        String pad = "p".repeat(1_000);
        try (StreamEngine engine = StreamEngine.builder().throttleMode(ThrottleMode.OFF).build()) {
            engine.createStream(CreateStreamRequest.of("src", 2).withRetentionBytes(1 << 20)
                    .withOverflowPolicy(OverflowPolicy.REJECT));
            try (DeliveryStream delivery = DeliveryStream.builder().name("lossless").sink(sink)
                    .errorOutputSink(Sink.localBucket(work.resolve("errors"))).outputFormat(OutputFormat.jsonLines())
                    .retryBackoff(Duration.ofMillis(10)).retryDuration(Duration.ofHours(1))
                    .bufferingHints(new BufferingHints(64 << 10, Duration.ofMillis(50)))
                    .kinesisStreamSource(engine, "src", work.resolve("state")).build()) {
                assertEquals(List.of("delivery-lossless"), engine.listReaders("src"));
                // A second reader that keeps up with everything: without the delivery stream's own registration the
                // engine would drop what only the delivery stream still needs.
                ReaderRegistration audit = engine.registerReader("src", "audit");
                // Produce until the stream refuses: 1 MiB of records the delivery stream cannot commit.
                java.util.Set<Integer> accepted = new java.util.HashSet<>();
                int refused = 0;
                for (int n = 0; n < 5_000 && refused == 0; n += 100) {
                    List<PutRecordsRequestEntry> batch = new ArrayList<>();
                    for (int i = n; i < n + 100; i++) {
                        batch.add(PutRecordsRequestEntry.of("k" + i % 16, utf8("{\"n\":" + i + ",\"pad\":\"" + pad
                                + "\"}")));
                    }
                    PutRecordsResult result = engine.putRecords("src", batch);
                    refused += result.failedRecordCount();
                    for (int i = 0; i < batch.size(); i++) {
                        if (result.records().get(i) instanceof PutRecordsResultEntry.Success ok) {
                            accepted.add(n + i);
                            audit.checkpoint(ok.shardId(), ok.sequenceNumber());
                        }
                    }
                }
                assertTrue(refused > 0, "the stream never pushed back");
                assertTrue(accepted.size() >= 900 && accepted.size() < 2_000, "accepted " + accepted.size());
                int total = accepted.size();
                // The sink comes back: every accepted record is delivered, exactly once.
                sink.failNext(0);
                await().atMost(Duration.ofSeconds(60)).until(() -> delivery.stats().incomingRecords() >= total);
                delivery.flush(Duration.ofSeconds(60));
                assertEquals(total, delivery.stats().deliveredRecords());
                Map<Integer, Integer> seen = new HashMap<>();
                for (SinkObject object : sink.writes) {
                    java.nio.ByteBuffer content = object.content();
                    byte[] bytes = new byte[content.remaining()];
                    content.get(bytes);
                    for (String line : TestData.lines(bytes)) {
                        Matcher m = N.matcher(line);
                        assertTrue(m.find(), line);
                        seen.merge(Integer.parseInt(m.group(1)), 1, Integer::sum);
                    }
                }
                assertEquals(accepted, seen.keySet(), "the records delivered are those accepted");
                assertTrue(seen.values().stream().allMatch(c -> c == 1), "a record delivered twice");
                audit.deregister();
            }
        }
    }
}
