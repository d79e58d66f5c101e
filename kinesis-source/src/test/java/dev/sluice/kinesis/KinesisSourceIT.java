package dev.sluice.kinesis;

import dev.sluice.delivery.DeliveryException;
import dev.sluice.delivery.DeliveryStream;
import dev.sluice.delivery.ErrorCode;
import dev.sluice.delivery.SourceEntry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.kinesis.KinesisAsyncClient;
import software.amazon.awssdk.services.kinesis.model.PutRecordResponse;

import java.nio.file.Path;
import dev.sluice.delivery.BufferingHints;
import dev.sluice.delivery.OutputFormat;
import dev.sluice.delivery.Sink;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Kinesis source through the real AWS SDK v2 against Sluice's server: records written with PutRecords arrive in
 * a local bucket exactly once, by polling and by enhanced fan-out; a restart on the same checkpoints neither repeats
 * nor skips; a stream deleted while read, or a record too large to deliver, ends reading loudly without losing what
 * was read.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KinesisSourceIT {

    private static final Duration WAIT = Duration.ofSeconds(30);

    private SluiceKinesis kinesis;
    private KinesisAsyncClient client;

    @BeforeAll
    void start() {
        kinesis = SluiceKinesis.start();
        client = kinesis.client(true);
    }

    @AfterAll
    void stop() {
        kinesis.close();
    }

    private KinesisSource.Builder source(Path work, String stream, String mode) {
        return KinesisSource.builder().client(client).streamName(stream).checkpointDirectory(work.resolve("state"))
                .readMode(mode.equals("polling") ? ReadMode.polling(500, ReadMode.MIN_IDLE_INTERVAL)
                        : ReadMode.enhancedFanOut("archiver"));
    }

    private static void assertExactlyOnce(List<String> expected, Path bucket) {
        List<String> delivered = SluiceKinesis.lines(bucket);
        assertEquals(expected.size(), delivered.size(), "delivered lines");
        assertEquals(new HashSet<>(expected), new HashSet<>(delivered));
    }

    @ParameterizedTest
    @ValueSource(strings = {"polling", "fanout"})
    @Timeout(60)
    void recordsPutThroughTheSdk_areDeliveredExactlyOnce(String mode, @TempDir Path work) {
        String stream = "orders-" + mode;
        kinesis.createStream(stream, 3);
        List<String> sent = new ArrayList<>(kinesis.putNumbered(stream, 20, 0, 1_000, 200));
        Path bucket = work.resolve("bucket");
        try (DeliveryStream delivery = SluiceKinesis.deliver(bucket, source(work, stream, mode).build())) {
            await().atMost(WAIT).until(() -> delivery.stats().incomingRecords() == 1_000);
            sent.addAll(kinesis.putNumbered(stream, 20, 1_000, 1_500, 200)); // while the source is reading
            await().atMost(WAIT).until(() -> delivery.stats().incomingRecords() == 1_500);
            delivery.flush();
            assertEquals(1_500, delivery.stats().deliveredRecords());
        }
        assertExactlyOnce(sent, bucket);
        if (mode.equals("fanout")) {
            String arn = client.describeStreamSummary(b -> b.streamName(stream)).join().streamDescriptionSummary()
                    .streamARN();
            assertEquals(List.of("archiver"), client.listStreamConsumers(b -> b.streamARN(arn)).join().consumers()
                    .stream().map(c -> c.consumerName()).toList(), "the consumer was registered once and kept");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"polling", "fanout"})
    @Timeout(90)
    void closedMidway_restartOnTheSameCheckpoints_deliversTheRestWithoutDuplicatesOrGaps(String mode,
                                                                                        @TempDir Path work) {
        String stream = "restart-" + mode;
        kinesis.createStream(stream, 4);
        List<String> sent = new ArrayList<>(kinesis.putNumbered(stream, 20, 0, 4_000, 200));
        Path bucket = work.resolve("bucket");
        KinesisSource.Builder slow = KinesisSource.builder().client(client).streamName(stream)
                .checkpointDirectory(work.resolve("state")).readMode(mode.equals("polling")
                        ? ReadMode.polling(50, ReadMode.MIN_IDLE_INTERVAL) : ReadMode.enhancedFanOut("restarter"));
        DeliveryStream first = SluiceKinesis.deliver(bucket, slow.build());
        try {
            await().atMost(WAIT).until(() -> first.stats().incomingRecords() >= 300);
        } finally {
            first.close(); // mid-way: the source stops first, then what it handed over is delivered
        }
        long firstRun = first.stats().deliveredRecords();
        if (mode.equals("polling")) {
            assertTrue(firstRun < 4_000, "the first run was stopped mid-way, but delivered " + firstRun);
        }
        sent.addAll(kinesis.putNumbered(stream, 20, 4_000, 4_400, 200));
        try (DeliveryStream delivery = SluiceKinesis.deliver(bucket, source(work, stream, mode).build())) {
            await().atMost(WAIT).until(() -> delivery.stats().incomingRecords() == 4_400 - firstRun);
            delivery.flush();
        }
        assertExactlyOnce(sent, bucket);
    }

    @ParameterizedTest
    @ValueSource(strings = {"polling", "fanout"})
    @Timeout(60)
    void streamDeletedWhileRead_flushThrowsSourceFailed_andEveryRecordReadIsDeliveredOnce(String mode,
                                                                                         @TempDir Path work) {
        String stream = "doomed-" + mode;
        kinesis.createStream(stream, 2);
        List<String> sent = kinesis.putNumbered(stream, 20, 0, 600, 200);
        Path bucket = work.resolve("bucket");
        KinesisSource source = source(work, stream, mode).name("doomed").build();
        try (DeliveryStream delivery = SluiceKinesis.deliver(bucket, source)) {
            await().atMost(WAIT).until(() -> delivery.stats().incomingRecords() == 600);
            kinesis.admin.deleteStream(b -> b.streamName(stream).enforceConsumerDeletion(true)).join();

            DeliveryException failed = await().atMost(WAIT).until(() -> flushFailure(delivery), e -> e != null);
            assertEquals(ErrorCode.SOURCE_FAILED, failed.errorCode());
            assertTrue(failed.getMessage().contains("Kinesis stream " + stream + ": the stream was deleted"),
                    failed.getMessage());
            assertTrue(failed.getMessage().contains("ResourceNotFoundException"), failed.getMessage());
            assertEquals(600, delivery.stats().deliveredRecords());
            await().atMost(WAIT).until(() -> !threadAlive("sluice-source-kinesis-doomed-0"));
        }
        assertExactlyOnce(sent, bucket);
    }

    @Test
    @Timeout(60)
    void recordOverTheDeliveryLimit_goesToTheErrorOutput_andReadingGoesOn(@TempDir Path work) throws Exception {
        String stream = "oversized";
        kinesis.createStream(stream, 1);
        List<String> sent = new ArrayList<>(kinesis.putNumbered(stream, 5, 0, 10, 100));
        // Kinesis takes up to 1 MiB per record; a delivery stream takes at most 1,000 KiB.
        kinesis.admin.putRecord(b -> b.streamName(stream).partitionKey("big")
                .data(SdkBytes.fromByteArray(new byte[DeliveryStream.MAX_RECORD_BYTES + 1]))).join();
        sent.addAll(kinesis.putNumbered(stream, 5, 10, 20, 100));
        Path bucket = work.resolve("bucket");
        Path errors = work.resolve("errors");
        try (DeliveryStream delivery = DeliveryStream.builder().name("archive").sink(Sink.localBucket(bucket))
                .errorOutputSink(Sink.localBucket(errors)).outputFormat(OutputFormat.jsonLines())
                .bufferingHints(new BufferingHints(64 << 10, Duration.ofSeconds(60)))
                .source(source(work, stream, "polling").build()).build()) {
            await().atMost(WAIT).until(() -> delivery.stats().incomingRecords() == 21);
            delivery.flush();
            assertEquals(20, delivery.stats().deliveredRecords());
            assertEquals(1, delivery.stats().errorOutputRecords());
        }
        assertExactlyOnce(sent, bucket);
        List<String> envelopes = SluiceKinesis.lines(errors);
        assertEquals(1, envelopes.size());
        assertTrue(envelopes.get(0).contains("\"errorCode\":\"ValidationException\""), envelopes.get(0).substring(0, 300));
    }

    @Test
    @Timeout(30)
    void unknownStream_isRejectedWhenTheDeliveryStreamIsBuilt(@TempDir Path work) {
        DeliveryException e = assertThrows(DeliveryException.class, () -> SluiceKinesis.deliver(work.resolve("b"),
                source(work, "missing", "polling").build()));
        assertEquals(ErrorCode.INVALID_ARGUMENT, e.errorCode());
        assertTrue(e.getMessage().startsWith("Kinesis stream 'missing' cannot be read: ResourceNotFoundException"),
                e.getMessage());
        assertFalse(threadAlive("sluice-source-kinesis-missing-0"));
    }

    @Test
    @Timeout(60)
    void streamGivenByArn_isReadWithArnRequests(@TempDir Path work) {
        String stream = "by-arn";
        kinesis.createStream(stream, 2);
        String arn = client.describeStreamSummary(b -> b.streamName(stream)).join().streamDescriptionSummary()
                .streamARN();
        List<String> sent = kinesis.putNumbered(stream, 10, 0, 200, 100);
        Path bucket = work.resolve("bucket");
        KinesisSource source = KinesisSource.builder().client(client).streamArn(arn)
                .readMode(ReadMode.polling(100, ReadMode.MIN_IDLE_INTERVAL))
                .checkpointDirectory(work.resolve("state")).build();
        assertEquals("Kinesis stream by-arn (polling)", source.description());
        try (DeliveryStream delivery = SluiceKinesis.deliver(bucket, source)) {
            await().atMost(WAIT).until(() -> delivery.stats().incomingRecords() == 200);
            delivery.flush();
        }
        assertExactlyOnce(sent, bucket);
    }

    @Test
    @Timeout(60)
    void idleSubscriptionDroppedByTheReadTimeout_isRenewed_andLaterRecordsArrive(@TempDir Path work) {
        String stream = "quiet";
        kinesis.createStream(stream, 1);
        List<String> sent = new ArrayList<>(kinesis.putNumbered(stream, 1, 0, 1, 100));
        // Sluice's server sends no event while a shard is idle, so an HTTP client's read timeout ends the
        // subscription (Kinesis sends empty events meanwhile). A short timeout makes that happen here in a second.
        KinesisAsyncClient impatient = kinesis.client(true, Duration.ofSeconds(1));
        KinesisSource source = KinesisSource.builder().client(impatient).streamName(stream)
                .readMode(ReadMode.enhancedFanOut("patient")).checkpointDirectory(work.resolve("state")).build();
        Path bucket = work.resolve("bucket");
        try (DeliveryStream delivery = SluiceKinesis.deliver(bucket, source)) {
            await().atMost(WAIT).until(() -> delivery.stats().incomingRecords() == 1);
            int subscriptions = kinesis.calls("SubscribeToShard");
            await().atMost(WAIT).until(() -> kinesis.calls("SubscribeToShard") >= subscriptions + 2);
            sent.addAll(kinesis.putNumbered(stream, 1, 1, 2, 100));
            await().atMost(WAIT).until(() -> delivery.stats().incomingRecords() == 2);
            delivery.flush();
            assertEquals(2, delivery.stats().deliveredRecords(), "still reading, not failed");
        }
        assertExactlyOnce(sent, bucket);
    }

    @Test
    @Timeout(60)
    void close_whileTheDeliveryStreamHoldsAHandOver_returnsByItsDeadline(@TempDir Path work) throws Exception {
        String stream = "stuck";
        kinesis.createStream(stream, 2);
        kinesis.putNumbered(stream, 10, 0, 100, 100);
        CountDownLatch handingOver = new CountDownLatch(1);
        RecordingContext stuck = new RecordingContext(0) {
            @Override
            public boolean put(String partition, List<SourceEntry> records, Duration maxWait) {
                handingOver.countDown();
                try {
                    new CountDownLatch(1).await(); // ignores maxWait: a misbehaving delivery stream
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                throw new DeliveryException(ErrorCode.STREAM_CLOSED, "closed");
            }
        };
        KinesisSource source = source(work, stream, "polling").name("stuck").build();
        source.start(stuck);
        assertTrue(handingOver.await(30, TimeUnit.SECONDS));
        long start = System.nanoTime();
        source.close(Duration.ofMillis(300));
        long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertTrue(tookMillis >= 300 && tookMillis < 3_000, "close took " + tookMillis + " ms");
        await().atMost(WAIT).until(() -> !threadAlive("sluice-source-kinesis-stuck-0"));
        assertNull(stuck.failure(), "closing is not a failure");
        source.close(Duration.ofMillis(300)); // idempotent
    }

    private static DeliveryException flushFailure(DeliveryStream delivery) {
        try {
            delivery.flush(Duration.ofSeconds(10));
            return null;
        } catch (DeliveryException e) {
            if (e.errorCode() == ErrorCode.FLUSH_TIMEOUT) {
                return null;
            }
            return e;
        }
    }

    static boolean threadAlive(String name) {
        Set<Thread> threads = Thread.getAllStackTraces().keySet();
        return threads.stream().anyMatch(t -> t.getName().equals(name) && t.isAlive());
    }
}
