package dev.sluice.delivery;

import dev.sluice.stream.PutRecordsRequestEntry;
import dev.sluice.stream.PutRecordsResult;
import dev.sluice.stream.StreamEngine;
import dev.sluice.stream.ThrottleMode;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

/**
 * The delivering process of {@link ExactlyOnceIT}: rebuilds the same stream contents (the in-memory engine plays a
 * durable stream: same keys, same order, same fixed clock, hence the same shards, sequence numbers and arrival
 * times), then delivers from the checkpoints in the state directory until every shard is checkpointed at its end,
 * and exits 0. The parent kills it with SIGKILL at random moments.
 */
public final class ExactlyOnceChild {

    static final int SHARDS = 4;

    private ExactlyOnceChild() {
    }

    /**
     * Runs one delivering process.
     *
     * @param args bucket directory, state directory, record count
     * @throws Exception on any failure (the parent sees a non-zero exit)
     */
    public static void main(String[] args) throws Exception {
        Path bucket = Path.of(args[0]);
        Path state = Path.of(args[1]);
        int count = Integer.parseInt(args[2]);
        Clock fixed = Clock.fixed(Instant.parse("2026-05-06T07:08:09Z"), ZoneOffset.UTC);
        try (StreamEngine engine = StreamEngine.builder().clock(fixed).throttleMode(ThrottleMode.OFF).build()) {
            engine.createStream("source", SHARDS);
            List<String> lastSequenceNumbers = new ArrayList<>(java.util.Collections.nCopies(SHARDS, ""));
            for (int start = 0; start < count; start += 500) {
                List<PutRecordsRequestEntry> batch = new ArrayList<>();
                for (int i = start; i < Math.min(count, start + 500); i++) {
                    batch.add(PutRecordsRequestEntry.of("key-" + i,
                            ("{\"i\":" + i + ",\"pad\":\"" + "p".repeat(i % 17) + "\"}").getBytes(StandardCharsets.UTF_8)));
                }
                PutRecordsResult result = engine.putRecords("source", batch);
                if (result.failedRecordCount() != 0) {
                    throw new IllegalStateException("put failed: " + result);
                }
                for (var entry : result.records()) {
                    var success = (dev.sluice.stream.PutRecordsResultEntry.Success) entry;
                    int shard = Integer.parseInt(success.shardId().substring("shardId-".length()));
                    lastSequenceNumbers.set(shard, success.sequenceNumber());
                }
            }
            try (DeliveryStream stream = DeliveryStream.builder().name("exactly").version(3).clock(fixed)
                    .sink(Sink.localBucket(bucket)).outputFormat(OutputFormat.jsonLines())
                    .prefix("data/").bufferingHints(new BufferingHints(1024, Duration.ofMillis(20)))
                    .kinesisStreamSource(engine, "source", state).build()) {
                // Bounded: stop if the test JVM is gone or after two minutes, so no orphan outlives the test.
                java.util.Optional<ProcessHandle> parent = ProcessHandle.current().parent();
                long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
                while (!done(state, lastSequenceNumbers)) {
                    if (parent.isPresent() && !parent.get().isAlive() || System.nanoTime() > deadline) {
                        System.exit(2);
                    }
                    java.util.concurrent.locks.LockSupport.parkNanos(5_000_000);
                }
            }
        }
        System.out.println("DONE");
    }

    private static boolean done(Path state, List<String> lastSequenceNumbers) throws java.io.IOException {
        for (int shard = 0; shard < SHARDS; shard++) {
            Path file = state.resolve(String.format("shardId-%012d.json", shard));
            if (!Files.exists(file)) {
                return false;
            }
            String json = Files.readString(file);
            if (!json.contains("\"checkpoint\":\"" + lastSequenceNumbers.get(shard) + "\"")) {
                return false;
            }
        }
        return true;
    }
}
