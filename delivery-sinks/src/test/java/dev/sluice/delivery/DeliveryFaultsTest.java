package dev.sluice.delivery;

import dev.sluice.stream.testing.ManualClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static dev.sluice.delivery.TestData.files;
import static dev.sluice.delivery.TestData.records;
import static dev.sluice.delivery.TestData.utf8;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Faults a user meets: unsafe prefixes, symbolic links in the bucket, a sink outage that must be visible. */
@Timeout(60)
class DeliveryFaultsTest {

    @TempDir
    Path work;

    private final ManualClock time = new ManualClock(Instant.parse("2026-03-04T05:06:07Z"));

    private DeliveryStream.Builder builder() {
        return DeliveryStream.builder().name("faults").clock(time).ticker(time)
                .sink(Sink.localBucket(work.resolve("bucket")));
    }

    @Test
    void build_unsafeErrorOrBackupPrefix_isRefusedNamingTheOption() {
        for (String bad : List.of("../../err/", "/var/err/", "err//x/", "./err/")) {
            DeliveryException e = assertThrows(DeliveryException.class,
                    () -> builder().errorOutputPrefix(bad).build(), bad);
            assertEquals(ErrorCode.INVALID_ARGUMENT, e.errorCode());
            assertTrue(e.getMessage().startsWith("errorOutputPrefix '" + bad + "'"), e.getMessage());
        }
        DeliveryException backup = assertThrows(DeliveryException.class,
                () -> builder().sourceRecordBackup("../../bak/").build());
        assertEquals(ErrorCode.INVALID_ARGUMENT, backup.errorCode());
        assertTrue(backup.getMessage().startsWith("sourceRecordBackup '../../bak/'"), backup.getMessage());
        DeliveryException data = assertThrows(DeliveryException.class, () -> builder().prefix("../data/").build());
        assertEquals(ErrorCode.INVALID_ARGUMENT, data.errorCode());
        assertFalse(Files.exists(work.resolve("err")));
    }

    @Test
    void build_safePrefixesWithExpressions_areAccepted() {
        try (DeliveryStream stream = builder().prefix("data/!{timestamp:yyyy}/")
                .errorOutputPrefix("err/!{firehose:error-output-type}/!{timestamp:yyyy}/")
                .sourceRecordBackup("bak/!{timestamp:yyyy/MM}/").build()) {
            assertEquals("faults", stream.name());
        }
    }

    @Test
    void localBucket_directoryLinkInsideBucket_isRefusedAndNothingIsWrittenOutside() throws Exception {
        Path bucket = Files.createDirectories(work.resolve("bucket"));
        Path outside = Files.createDirectories(work.resolve("outside"));
        Files.createSymbolicLink(bucket.resolve("data"), outside);
        Sink sink = Sink.localBucket(bucket);
        DeliveryException e = assertThrows(DeliveryException.class, () -> sink.write(object("data/x/o1", true)));
        assertEquals(ErrorCode.INVALID_PREFIX, e.errorCode());
        assertTrue(e.getMessage().contains("symbolic link"), e.getMessage());
        assertEquals(List.of(), files(outside));
    }

    @Test
    void localBucket_objectKeyIsALinkToAFileOutside_isRefusedAndTheFileIsUntouched() throws Exception {
        Path bucket = Files.createDirectories(work.resolve("bucket").resolve("data"));
        Path victim = Files.writeString(work.resolve("victim.txt"), "keep");
        Files.createSymbolicLink(bucket.resolve("o1"), victim);
        Sink sink = Sink.localBucket(work.resolve("bucket"));
        for (boolean ifAbsent : new boolean[] {true, false}) {
            DeliveryException e = assertThrows(DeliveryException.class, () -> sink.write(object("data/o1", ifAbsent)));
            assertEquals(ErrorCode.INVALID_PREFIX, e.errorCode());
        }
        assertEquals("keep", Files.readString(victim));
    }

    @Test
    void deliveryStream_dataDirectoryIsALinkOutside_recordsGoToErrorOutputInsideTheBucket() throws Exception {
        Path bucket = Files.createDirectories(work.resolve("bucket"));
        Path outside = Files.createDirectories(work.resolve("outside"));
        Files.createSymbolicLink(bucket.resolve("data"), outside);
        try (DeliveryStream stream = builder().prefix("data/").outputFormat(OutputFormat.jsonLines()).build()) {
            stream.putRecordBatch(records(4, "{\"n\":%d}"));
            stream.flush(Duration.ofSeconds(10));
            assertEquals(4, stream.stats().errorOutputRecords());
            assertTrue(stream.stats().reconciles());
        }
        assertEquals(List.of(), files(outside));
        assertEquals(1, files(bucket).stream().filter(f -> f.startsWith("processing-failed/")
                || f.contains("failed/")).count(), files(bucket).toString());
    }

    @Test
    void sinkOutage_warnsOnFirstFailureThenRateLimited_andReportsRecovery() throws Exception {
        // The sink fails for five minutes of engine time, then recovers.
        FakeSink sink = new FakeSink().failNext(1_000_000);
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream original = System.err;
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try (DeliveryStream stream = DeliveryStream.builder().name("outage").clock(time).ticker(time).sink(sink)
                .errorOutputSink(Sink.localBucket(work.resolve("errors"))).retryBackoff(Duration.ofSeconds(1))
                .retryDuration(Duration.ofHours(1)).build()) {
            stream.putRecordBatch(records(3, "{\"n\":%d}"));
            assertThrows(DeliveryException.class, () -> stream.flush(Duration.ofMillis(200)));
            for (int step = 0; step < 60; step++) {
                int before = sink.attempts.get();
                time.advance(Duration.ofSeconds(5));
                if (step % 20 == 19) {
                    // Give the retry that is due by now (back-off at most two minutes) a chance to run.
                    time.advance(Duration.ofMinutes(2));
                    await().atMost(Duration.ofSeconds(10)).until(() -> sink.attempts.get() > before);
                }
            }
            sink.failNext(0);
            time.advance(Duration.ofMinutes(3));
            stream.flush(Duration.ofSeconds(10));
            assertEquals(3, stream.stats().deliveredRecords());
        } finally {
            System.setErr(original);
        }
        assertTrue(sink.attempts.get() >= 4, "attempts: " + sink.attempts.get());
        String log = captured.toString(StandardCharsets.UTF_8);
        long warnings = log.lines().filter(l -> l.contains("WARN") && l.contains("retrying for up to")).count();
        assertTrue(warnings >= 1 && warnings <= 13, "one warning on the first failure, then at most one a minute over"
                + " eleven minutes of engine time, but was " + warnings + ":\n" + log);
        assertTrue(log.contains("injected failure writing"), log);
        assertTrue(log.lines().anyMatch(l -> l.contains("INFO") && l.contains("written after")), log);
    }

    private static SinkObject object(String key, boolean ifAbsent) {
        return new SinkObject(key, ByteBuffer.wrap(utf8("content")), "text/plain", List.of(), "r-1", ifAbsent,
                Instant.EPOCH);
    }
}
