package dev.sluice.stream;

import dev.sluice.stream.testing.ManualClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Checkpoints on disk with durable storage: an application resumes after its checkpoint across engine restarts. */
class ConsumerCheckpointDurableIT {

    private static final String SHARD0 = "shardId-000000000000";

    @TempDir
    Path directory;

    private final ManualClock time = new ManualClock();

    private StreamEngine engine() {
        return StreamEngine.builder().clock(time).ticker(time).throttleMode(ThrottleMode.OFF)
                .storage(Storage.durable(directory)).build();
    }

    private ConsumerApplication app(StreamEngine engine, RecordProcessor processor) {
        return ConsumerApplication.builder(engine).applicationName("billing").streamName("orders")
                .initialPosition(ShardIteratorType.trimHorizon()).pollInterval(Duration.ofMillis(100))
                .processor(processor).build();
    }

    private static List<String> put(StreamEngine engine, int count) {
        List<String> sequences = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            sequences.add(engine.putRecord("orders", "k", new byte[] {(byte) i}).sequenceNumber());
        }
        return sequences;
    }

    private void awaitWithTime(java.util.function.BooleanSupplier condition) {
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(2)).until(() -> {
            time.advance(Duration.ofMillis(100));
            return condition.getAsBoolean();
        });
    }

    @Test
    void checkpoint_engineRestartedOnSameDirectory_resumesAfterCheckpointFromDisk() throws IOException {
        List<String> first;
        String checkpointAt;
        List<String> seen = new CopyOnWriteArrayList<>();
        try (StreamEngine engine = engine()) {
            engine.createStream("orders", 1);
            first = put(engine, 10);
            checkpointAt = first.get(6);
            try (ConsumerApplication application = app(engine, input -> {
                input.records().forEach(r -> seen.add(r.sequenceNumber()));
                if (seen.contains(checkpointAt)) {
                    input.checkpointer().checkpoint(checkpointAt);
                }
            })) {
                awaitWithTime(() -> seen.size() >= 10);
                assertEquals("billing", application.applicationName());
            }
        }
        Path file = directory.resolve("consumers/billing/orders/checkpoints.properties");
        String text = Files.readString(file, StandardCharsets.ISO_8859_1);
        assertTrue(text.contains(SHARD0 + "=" + checkpointAt), text);
        assertFalse(Files.exists(file.resolveSibling(".checkpoints.properties.tmp")));

        List<String> resumed = new CopyOnWriteArrayList<>();
        try (StreamEngine engine = engine()) {
            List<String> more = put(engine, 2);
            try (ConsumerApplication application = app(engine, input -> {
                input.records().forEach(r -> resumed.add(r.sequenceNumber()));
                input.checkpointer().checkpoint();
            })) {
                awaitWithTime(() -> resumed.size() >= 5);
                assertEquals("orders", application.streamName());
            }
            List<String> expected = new ArrayList<>(first.subList(7, 10));
            expected.addAll(more);
            assertEquals(expected, resumed);
            assertTrue(Files.readString(file, StandardCharsets.ISO_8859_1).contains(SHARD0 + "=" + more.get(1)));
        }
    }
}
