package dev.sluice.stream;

import dev.sluice.stream.testing.ManualClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Byte retention on durable storage: files per minute, bytes on disk, the limit and the readers across a restart. */
@Timeout(120)
class DurableByteRetentionTest {

    private static final String SHARD0 = "shardId-000000000000";
    private static final long MIB = 1 << 20;
    private static final byte[] KIB = new byte[1023];

    @TempDir
    Path directory;

    private final ManualClock time = new ManualClock();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final List<StreamEngine> engines = new ArrayList<>();

    @AfterEach
    void closeEngines() {
        engines.forEach(StreamEngine::close);
    }

    private StreamEngine engine() {
        StreamEngine engine = StreamEngine.builder().clock(time).ticker(time).throttleMode(ThrottleMode.OFF)
                .meterRegistry(registry).storage(Storage.durable(directory)).build();
        engines.add(engine);
        return engine;
    }

    /** Names of the stream's record files (*.cq4). Writers delete files meanwhile: a vanished one means "again". */
    private List<String> cq4Files() throws IOException {
        while (true) {
            try (Stream<Path> all = Files.walk(directory)) {
                return all.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".cq4")).toList();
            } catch (java.io.UncheckedIOException e) {
                if (!(e.getCause() instanceof java.nio.file.NoSuchFileException)) {
                    throw e;
                }
            }
        }
    }

    @Test
    void trimOldest_keepsDiskUseWithinTheLimitPlusTheMinuteBeingWritten() throws IOException {
        StreamEngine engine = engine();
        engine.createStream(CreateStreamRequest.of("s", 1).withRetentionBytes(2 * MIB).withOverflowPolicy(OverflowPolicy.TRIM_OLDEST));
        long maxDisk = 0;
        for (int step = 0; step < 80; step++) { // 20 MiB over 20 minutes of the manual clock
            for (int i = 0; i < 256; i++) {
                engine.putRecord("s", "k", KIB);
            }
            time.advance(Duration.ofSeconds(15));
            double retained = registry.get("Retention.RetainedBytes").tag("stream", "s").gauge().value();
            double disk = registry.get("DiskBytes").tag("shard", SHARD0).gauge().value();
            assertTrue(retained <= 2 * MIB + MIB, "retained " + retained + " bytes: the limit plus at most a minute");
            // On disk each record also has its 30-byte header, and the files their index.
            assertTrue(disk <= (2 * MIB + MIB) * 1.1 + 256 * 1024, "on disk " + disk + " bytes");
            maxDisk = Math.max(maxDisk, (long) disk);
        }
        assertTrue(registry.get("Retention.TrimmedBytes").tag("stream", "s").counter().count() >= 16 * MIB);
        assertTrue(maxDisk >= 2 * MIB, "the limit was reached: " + maxDisk);
        List<String> files = cq4Files();
        assertTrue(files.size() <= 5, "a file per minute, old ones deleted: " + files);
        assertTrue(files.stream().allMatch(n -> n.matches("\\d{8}-\\d{4}\\.cq4")), files.toString());
    }

    @Test
    void registeredReaders_andTheLimit_surviveARestart_andTheReaderHoldsItsShardsUntilItReportsAgain() {
        StreamEngine first = engine();
        first.createStream(CreateStreamRequest.of("s", 1).withRetentionBytes(MIB));
        ReaderRegistration reader = first.registerReader("s", "delivery");
        String last = null;
        for (int i = 0; i < 800; i++) {
            last = first.putRecord("s", "k", KIB).sequenceNumber();
        }
        reader.checkpoint(SHARD0, last);
        time.advance(Duration.ofMinutes(1)); // the next records go to a new file: the old one can be dropped
        first.close();
        engines.clear();

        StreamEngine second = engine();
        StreamDescriptionSummary summary = second.describeStreamSummary("s");
        assertEquals(OptionalLong.of(MIB), summary.retentionBytes());
        assertEquals(OverflowPolicy.REJECT, summary.overflowPolicy());
        assertEquals(List.of("delivery"), second.listReaders("s"));
        StreamException held = assertThrows(StreamException.class, () -> {
            for (int i = 0; i < 400; i++) {
                second.putRecord("s", "k", KIB);
            }
        }, "until the reader reports again, the engine does not know what it has read");
        assertTrue(held.getMessage().contains("reader delivery (no checkpoint on 1 shard(s))"), held.getMessage());
        ReaderRegistration again = second.registerReader("s", "delivery");
        again.checkpoint(SHARD0, last);
        for (int i = 0; i < 700; i++) {
            second.putRecord("s", "k", KIB); // the checkpointed minute file made room
        }
        again.deregister();
        assertEquals(List.of(), second.listReaders("s"));
        second.close();
        engines.clear();
        assertEquals(List.of(), engine().listReaders("s"), "deregistration is on disk too");
    }
}
