package dev.sluice.delivery;

import dev.sluice.stream.PutRecordsRequestEntry;
import dev.sluice.stream.StreamEngine;
import dev.sluice.stream.ThrottleMode;
import dev.sluice.stream.testing.ManualClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static dev.sluice.delivery.TestData.files;
import static dev.sluice.delivery.TestData.lines;
import static dev.sluice.delivery.TestData.utf8;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StreamSourceTest {

    @TempDir
    Path work;

    private static void put(StreamEngine engine, int from, int to) {
        List<PutRecordsRequestEntry> batch = new ArrayList<>();
        for (int i = from; i < to; i++) {
            batch.add(PutRecordsRequestEntry.of("k" + i, utf8("{\"i\":" + i + "}")));
        }
        assertEquals(0, engine.putRecords("src", batch).failedRecordCount());
    }

    private DeliveryStream start(StreamEngine engine, Path bucket) {
        return DeliveryStream.builder().name("fromstream").sink(Sink.localBucket(bucket))
                .outputFormat(OutputFormat.jsonLines()).bufferingHints(new BufferingHints(1 << 20, Duration.ofSeconds(60)))
                .kinesisStreamSource(engine, "src", work.resolve("state")).build();
    }

    private static List<String> delivered(Path bucket) throws java.io.IOException {
        List<String> out = new ArrayList<>();
        for (String f : files(bucket)) {
            out.addAll(lines(Files.readAllBytes(bucket.resolve(f))));
        }
        return out;
    }

    @Test
    void streamSource_restartFromCheckpoints_deliversOnlyNewRecords() throws Exception {
        Path bucket = work.resolve("bucket");
        try (StreamEngine engine = StreamEngine.builder().throttleMode(ThrottleMode.OFF).build()) {
            engine.createStream("src", 2);
            put(engine, 0, 300);
            try (DeliveryStream stream = start(engine, bucket)) {
                await().atMost(Duration.ofSeconds(10)).until(() -> stream.stats().incomingRecords() == 300);
                stream.flush();
                assertEquals(300, stream.stats().deliveredRecords());
                DeliveryException e = assertThrows(DeliveryException.class, () -> stream.putRecord(utf8("{}")));
                assertEquals(ErrorCode.INVALID_ARGUMENT, e.errorCode());
            }
            assertEquals(2, files(bucket).size());
            for (String file : files(bucket)) {
                assertTrue(file.matches("\\d{4}/\\d{2}/\\d{2}/\\d{2}/fromstream-1-[0-9-]{19}-shardId-00000000000[01]-\\d{27}-\\d{27}"),
                        file);
            }
            String checkpoint = Files.readString(work.resolve("state/shardId-000000000000.json"));
            assertTrue(checkpoint.matches("\\{\"checkpoint\":\"\\d{27}\",\"intents\":\\[]}"), checkpoint);

            put(engine, 300, 310);
            try (DeliveryStream stream = start(engine, bucket)) {
                await().atMost(Duration.ofSeconds(10)).until(() -> stream.stats().incomingRecords() == 10);
                stream.flush();
                assertEquals(10, stream.stats().deliveredRecords());
            }
        }
        List<String> all = delivered(bucket);
        assertEquals(310, all.size());
        assertEquals(310, all.stream().distinct().count());
    }

    @Test
    void streamSource_interval_deliversSegmentsWithoutFlush() {
        Path bucket = work.resolve("bucket");
        ManualClock time = new ManualClock();
        try (StreamEngine engine = StreamEngine.builder().throttleMode(ThrottleMode.OFF).build()) {
            engine.createStream("src", 2);
            put(engine, 0, 50);
            try (DeliveryStream stream = DeliveryStream.builder().name("fromstream").sink(Sink.localBucket(bucket))
                    .clock(time).ticker(time).bufferingHints(new BufferingHints(1 << 20, Duration.ofSeconds(60)))
                    .kinesisStreamSource(engine, "src", work.resolve("state")).build()) {
                await().atMost(Duration.ofSeconds(10)).until(() -> stream.stats().incomingRecords() == 50);
                time.advance(Duration.ofSeconds(60));
                await().atMost(Duration.ofSeconds(10)).until(() -> stream.stats().deliveredRecords() == 50);
            }
        }
    }

    @Test
    void streamSource_startingAt_skipsRecordsThatArrivedEarlier_andResumesFromCheckpoints() throws Exception {
        Path bucket = work.resolve("bucket");
        ManualClock time = new ManualClock();
        try (StreamEngine engine = StreamEngine.builder().time(time).throttleMode(ThrottleMode.OFF).build()) {
            engine.createStream("src", 2);
            put(engine, 0, 50);
            time.advance(Duration.ofSeconds(1));
            java.time.Instant start = time.instant();
            put(engine, 50, 60);
            try (DeliveryStream stream = DeliveryStream.builder().name("fromstream").sink(Sink.localBucket(bucket))
                    .outputFormat(OutputFormat.jsonLines()).clock(time).ticker(time)
                    .kinesisStreamSource(engine, "src", work.resolve("state"), start).build()) {
                await().atMost(Duration.ofSeconds(10)).until(() -> stream.stats().incomingRecords() == 10);
                stream.flush();
            }
            put(engine, 60, 65);
            try (DeliveryStream stream = DeliveryStream.builder().name("fromstream").sink(Sink.localBucket(bucket))
                    .outputFormat(OutputFormat.jsonLines()).clock(time).ticker(time)
                    .kinesisStreamSource(engine, "src", work.resolve("state"), start).build()) {
                await().atMost(Duration.ofSeconds(10)).until(() -> stream.stats().incomingRecords() == 5);
                stream.flush();
            }
        }
        List<String> all = delivered(bucket);
        List<String> expected = new ArrayList<>();
        for (int i = 50; i < 65; i++) {
            expected.add("{\"i\":" + i + "}");
        }
        assertEquals(expected, all.stream().sorted(java.util.Comparator.comparingInt(
                l -> Integer.parseInt(l.replaceAll("\\D", "")))).toList());
    }

    @Test
    void builder_unknownSourceStream_isRejected() {
        try (StreamEngine engine = StreamEngine.builder().build()) {
            DeliveryException e = assertThrows(DeliveryException.class, () -> DeliveryStream.builder().name("x")
                    .sink(Sink.localBucket(work)).kinesisStreamSource(engine, "missing", work).build());
            assertTrue(e.getMessage().startsWith("stream 'missing' cannot be read"), e.getMessage());
        }
    }

    @Test
    @org.junit.jupiter.api.Timeout(60)
    void sourceStreamDeletedWhileRead_flushReportsSourceFailed_andEarlierRecordsAreDelivered() throws Exception {
        Path bucket = work.resolve("bucket");
        try (StreamEngine engine = StreamEngine.builder().throttleMode(ThrottleMode.OFF).build()) {
            engine.createStream("src", 2);
            put(engine, 0, 200);
            try (DeliveryStream stream = start(engine, bucket)) {
                await().atMost(Duration.ofSeconds(10)).until(() -> stream.stats().incomingRecords() == 200);
                engine.deleteStream("src");
                // The reader notices the deletion on its next poll; until then a flush succeeds.
                java.util.concurrent.atomic.AtomicReference<DeliveryException> failure =
                        new java.util.concurrent.atomic.AtomicReference<>();
                await().atMost(Duration.ofSeconds(10)).until(() -> {
                    try {
                        stream.flush(Duration.ofSeconds(10));
                        return false;
                    } catch (DeliveryException e) {
                        failure.set(e);
                        return true;
                    }
                });
                assertEquals(ErrorCode.SOURCE_FAILED, failure.get().errorCode(), failure.get().toString());
                assertTrue(failure.get().getMessage().contains("stream src"), failure.get().getMessage());
                assertEquals(200, stream.stats().deliveredRecords());
            }
        }
        assertEquals(200, delivered(bucket).size());
    }

    @Test
    @org.junit.jupiter.api.Timeout(60)
    void recordOverTheDeliveryLimit_goesToTheErrorOutputWhole_andTheShardGoesOn() throws Exception {
        Path bucket = work.resolve("bucket");
        try (StreamEngine engine = StreamEngine.builder().throttleMode(ThrottleMode.OFF).build()) {
            engine.createStream("src", 1);
            put(engine, 0, 5);
            // Kinesis takes up to 1 MiB per record (key included); a delivery stream takes 1,000 KiB.
            engine.putRecord("src", "big", new byte[DeliveryStream.MAX_RECORD_BYTES + 10]);
            put(engine, 5, 10);
            try (DeliveryStream stream = start(engine, bucket)) {
                await().atMost(Duration.ofSeconds(10)).until(() -> stream.stats().incomingRecords() == 11);
                stream.flush(Duration.ofSeconds(10));
                assertEquals(10, stream.stats().deliveredRecords());
                assertEquals(1, stream.stats().errorOutputRecords());
            }
        }
        List<String> envelopes = new ArrayList<>();
        for (String f : files(bucket)) {
            if (f.startsWith("processing-failed/")) {
                envelopes.addAll(lines(Files.readAllBytes(bucket.resolve(f))));
            }
        }
        assertEquals(1, envelopes.size());
        assertTrue(envelopes.get(0).contains("\"errorCode\":\"ValidationException\""),
                envelopes.get(0).substring(0, 200));
        assertEquals(DeliveryStream.MAX_RECORD_BYTES + 10, java.util.Base64.getDecoder().decode(
                envelopes.get(0).replaceAll(".*\"rawData\":\"([^\"]*)\".*", "$1")).length);
        assertEquals(10, delivered(bucket).size() - 1);
    }

    /**
     * A source behind a destination that does not keep up leaves the records in the stream: it stops reading while
     * the sealed, unwritten objects hold two full buffers per delivery thread (plus one batch), instead of reading
     * up to the memory budget (256 MiB here, all 20 MiB of the stream) into the heap. When the
     * destination moves again every record is delivered, once.
     */
    @Test
    void streamSource_slowDestination_stopsReadingAhead_thenDeliversEverythingOnce() throws Exception {
        java.util.concurrent.CountDownLatch gate = new java.util.concurrent.CountDownLatch(1);
        FakeSink bucket = new FakeSink();
        Sink gated = object -> {
            gate.await();
            return bucket.write(object);
        };
        int records = 20_000;
        try (StreamEngine engine = StreamEngine.builder().throttleMode(ThrottleMode.OFF).build()) {
            putKibRecords(engine, records);
            try (DeliveryStream stream = DeliveryStream.builder().name("slow").sink(gated)
                    .outputFormat(OutputFormat.jsonLines()).deliveryThreads(1)
                    .bufferingHints(new BufferingHints(64 << 10, Duration.ofSeconds(60)))
                    .kinesisStreamSource(engine, "src", work.resolve("state")).build()) {
                // The source checks before each read of up to 1,000 records (1 MiB): it stops once the coordinator
                // has sealed two 64 KiB objects, after the few reads it made while the first ones were on their way.
                await().atMost(Duration.ofSeconds(10)).until(() -> stream.stats().incomingRecords() >= 1_000);
                assertReadingStopsShortOf(stream, records);
                gate.countDown();
                await().atMost(Duration.ofSeconds(60)).until(() -> stream.stats().incomingRecords() == records);
                stream.flush();
                assertEquals(records, stream.stats().deliveredRecords());
            }
        }
        assertEachRecordOnce(bucket, records);
    }

    /**
     * A sink that completes its writes asynchronously (an Iceberg commit under way) frees the delivery thread, but
     * the objects it has not completed still count, against an allowance of their own: with every future held, the
     * source stops well short of the stream (20 MiB, under the 256 MiB memory budget), as it does behind a blocking
     * sink ({@link #streamSource_slowDestination_stopsReadingAhead_thenDeliversEverythingOnce}), so the records
     * wait in the stream, not in the heap. The futures then fail (each object is retried) and the retries commit:
     * every record is delivered once.
     */
    @Test
    void streamSource_asyncSinkHoldsEveryCommit_sourceStopsReadingAhead_thenFailedObjectsAreRetriedAndDeliveredOnce()
            throws Exception {
        FakeSink bucket = new FakeSink();
        java.util.Queue<Held> held = new java.util.concurrent.ConcurrentLinkedQueue<>();
        java.util.concurrent.atomic.AtomicBoolean pass = new java.util.concurrent.atomic.AtomicBoolean();
        Sink async = holdingSink(bucket, held, pass);
        int records = 20_000;
        try (StreamEngine engine = StreamEngine.builder().throttleMode(ThrottleMode.OFF).build()) {
            putKibRecords(engine, records);
            try (DeliveryStream stream = DeliveryStream.builder().name("async").sink(async)
                    .outputFormat(OutputFormat.jsonLines()).deliveryThreads(1)
                    .bufferingHints(new BufferingHints(64 << 10, Duration.ofSeconds(60)))
                    .retryBackoff(Duration.ofMillis(100))
                    .kinesisStreamSource(engine, "src", work.resolve("state")).build()) {
                await().atMost(Duration.ofSeconds(10)).until(() -> held.size() >= 2);
                assertReadingStopsShortOf(stream, records);

                // Every held commit fails (retryable); from now on the sink commits at once.
                pass.set(true);
                Thread committer = new Thread(() -> {
                    for (Held h; (h = held.poll()) != null; ) {
                        h.future().completeExceptionally(new DeliveryException(ErrorCode.SINK_FAILED,
                                "commit of " + h.object().key() + " failed"));
                    }
                });
                committer.start();
                committer.join();
                await().atMost(Duration.ofSeconds(60)).until(() -> stream.stats().incomingRecords() == records);
                stream.flush(Duration.ofSeconds(60));
                assertEquals(records, stream.stats().deliveredRecords());
                assertEquals(0, stream.stats().errorOutputRecords());
            }
        }
        assertEachRecordOnce(bucket, records);
    }

    /**
     * Objects an asynchronous sink holds (waiting for a shared commit) count against an allowance of their own,
     * twice the read-ahead of sealed objects: with every future held and 1 MiB buffers on one delivery thread, the
     * source reads on while the sink holds up to 4 MiB (it stopped at 2 MiB when those objects counted as sealed,
     * and then an Iceberg table's commits, which start a minimum interval apart, had nothing to share), then stops
     * short of the 20 MiB stream. Completed, every record is delivered once.
     */
    @Test
    void streamSource_asyncSinkHoldsItsObjects_sourceReadsOnWithinTheSinksAllowance_thenStops() throws Exception {
        FakeSink bucket = new FakeSink();
        java.util.Queue<Held> held = new java.util.concurrent.ConcurrentLinkedQueue<>();
        java.util.concurrent.atomic.AtomicBoolean pass = new java.util.concurrent.atomic.AtomicBoolean();
        Sink async = holdingSink(bucket, held, pass);
        int records = 20_000;
        try (StreamEngine engine = StreamEngine.builder().throttleMode(ThrottleMode.OFF).build()) {
            putKibRecords(engine, records);
            try (DeliveryStream stream = DeliveryStream.builder().name("held").sink(async)
                    .outputFormat(OutputFormat.jsonLines()).deliveryThreads(1)
                    .bufferingHints(new BufferingHints(1 << 20, Duration.ofSeconds(60)))
                    .kinesisStreamSource(engine, "src", work.resolve("state")).build()) {
                long read = readingStops(stream);
                // Four 1 MiB objects in the sink reach its allowance; sealed objects and one batch may come on top.
                assertTrue(held.size() >= 4, held.size() + " objects held in the sink, read " + read);
                assertTrue(read <= 9_000, "read " + read + " of " + records + " records ahead");
                assertEquals(0, stream.stats().deliveredRecords());

                pass.set(true);
                await().atMost(Duration.ofSeconds(60)).until(() -> {
                    for (Held h; (h = held.poll()) != null; ) {
                        h.future().complete(bucket.write(h.object()));
                    }
                    return stream.stats().incomingRecords() == records;
                });
                stream.flush(Duration.ofSeconds(60));
                assertEquals(records, stream.stats().deliveredRecords());
            }
        }
        assertEachRecordOnce(bucket, records);
    }

    /** An object an asynchronous sink took, and the future it has not completed. */
    private record Held(SinkObject object, java.util.concurrent.CompletableFuture<SinkResult> future) {
    }

    /**
     * A sink that completes its writes asynchronously: while {@code pass} is false it holds each object and its
     * future in {@code held} (the test completes them); after, it writes to {@code bucket} and completes at once.
     */
    private static Sink holdingSink(FakeSink bucket, java.util.Queue<Held> held,
                                    java.util.concurrent.atomic.AtomicBoolean pass) {
        return new Sink() {
            @Override
            public SinkResult write(SinkObject object) {
                throw new UnsupportedOperationException("the stream must call writeAsync");
            }

            @Override
            public java.util.concurrent.CompletableFuture<SinkResult> writeAsync(SinkObject object) {
                if (pass.get()) {
                    return java.util.concurrent.CompletableFuture.completedFuture(bucket.write(object));
                }
                var future = new java.util.concurrent.CompletableFuture<SinkResult>();
                held.add(new Held(object, future));
                return future;
            }
        };
    }

    /** Puts {@code records} JSON records of about 1 KiB, numbered by {@code i}, into a new one-shard stream "src". */
    private static void putKibRecords(StreamEngine engine, int records) {
        engine.createStream("src", 1);
        String pad = "x".repeat(1_000);
        for (int from = 0; from < records; from += 500) {
            List<PutRecordsRequestEntry> batch = new ArrayList<>();
            for (int i = from; i < from + 500; i++) {
                batch.add(PutRecordsRequestEntry.of("k", utf8("{\"i\":" + i + ",\"pad\":\"" + pad + "\"}")));
            }
            assertEquals(0, engine.putRecords("src", batch).failedRecordCount());
        }
    }

    /**
     * Waits for the source's count of records read to stop moving, then checks that it stopped within three
     * 1,000-record batches, stays there for a second, and that nothing was delivered.
     */
    private static void assertReadingStopsShortOf(DeliveryStream stream, int records) {
        long read = readingStops(stream);
        assertTrue(read <= 3_000, "read " + read + " of " + records + " records ahead");
        assertEquals(0, stream.stats().deliveredRecords());
    }

    /**
     * Waits for the source's count of records read to stop moving (after at least one read), checks that it stays
     * there for a second, and returns it.
     */
    private static long readingStops(DeliveryStream stream) {
        long[] seen = {-1};
        await().pollInterval(Duration.ofMillis(500)).atMost(Duration.ofSeconds(10)).until(() -> {
            long now = stream.stats().incomingRecords();
            boolean still = now > 0 && now == seen[0];
            seen[0] = now;
            return still;
        });
        await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(5))
                .until(() -> stream.stats().incomingRecords() == seen[0]);
        return seen[0];
    }

    /** Every record numbered 0 to {@code records - 1} is in exactly one line of the bucket's objects. */
    private static void assertEachRecordOnce(FakeSink bucket, int records) {
        List<String> lines = new ArrayList<>();
        for (byte[] object : bucket.objects.values()) {
            lines.addAll(lines(object));
        }
        assertEquals(records, lines.size());
        assertEquals(records, lines.stream().map(l -> l.substring(0, l.indexOf(','))).distinct().count());
    }
}
