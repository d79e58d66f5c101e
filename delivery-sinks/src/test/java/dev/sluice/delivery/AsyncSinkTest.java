package dev.sluice.delivery;

import dev.sluice.stream.testing.ManualClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

import static dev.sluice.delivery.TestData.records;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A sink that completes its writes later ({@link Sink#writeAsync}), as the Iceberg destination does with its commits:
 * the delivery thread goes on meanwhile, records count as delivered only when their object's future completes, and a
 * future that fails is retried with the same object, as a write that throws.
 */
@Timeout(60)
class AsyncSinkTest {

    @TempDir
    Path work;

    private final ManualClock time = new ManualClock(Instant.parse("2026-03-04T05:06:07Z"));

    /** Holds every write's future for the test to complete; its blocking write must never be called. */
    private static final class HeldSink implements Sink {
        record Call(SinkObject object, CompletableFuture<SinkResult> future) {
        }

        final List<Call> calls = new CopyOnWriteArrayList<>();

        @Override
        public SinkResult write(SinkObject object) {
            throw new UnsupportedOperationException("the stream must call writeAsync");
        }

        @Override
        public CompletableFuture<SinkResult> writeAsync(SinkObject object) {
            CompletableFuture<SinkResult> future = new CompletableFuture<>();
            calls.add(new Call(object, future));
            return future;
        }

        long completedRecords() {
            return calls.stream().filter(c -> c.future.isDone() && !c.future.isCompletedExceptionally())
                    .mapToLong(c -> c.object.records().size()).sum();
        }
    }

    @Test
    void asyncSink_oneDeliveryThread_writesNextObjectsBeforeCommits_countsOnCompletion_retriesFailedFuture()
            throws Exception {
        HeldSink sink = new HeldSink();
        try (DeliveryStream stream = DeliveryStream.builder().name("async").clock(time).ticker(time).sink(sink)
                .errorOutputSink(Sink.localBucket(work.resolve("errors")))
                .bufferingHints(new BufferingHints(100, Duration.ofSeconds(60))).deliveryThreads(1)
                .retryBackoff(Duration.ofSeconds(1)).retryDuration(Duration.ofHours(1)).build()) {
            stream.putRecordBatch(records(12, "{\"n\":%d,\"pad\":\"0123456789012345678901234567890123456789\"}"));

            // One delivery thread, and no future completed: it reached the sink with several objects anyway.
            await().atMost(Duration.ofSeconds(10)).until(() -> sink.calls.size() >= 3);
            assertEquals(0, stream.stats().deliveredRecords());

            // Completed from a thread of the sink's own, the first fails (retryable), the others commit.
            HeldSink.Call first = sink.calls.get(0);
            Thread committer = new Thread(() -> {
                first.future.completeExceptionally(new DeliveryException(ErrorCode.SINK_FAILED, "commit failed"));
                for (HeldSink.Call call : sink.calls.subList(1, sink.calls.size())) {
                    call.future.complete(SinkResult.CREATED);
                }
            });
            committer.start();
            committer.join();
            long others = sink.completedRecords();
            await().atMost(Duration.ofSeconds(10)).until(() -> stream.stats().deliveredRecords() == others);

            // The failed object comes back after the back-off, same key and request id, and is completed too.
            int before = sink.calls.size();
            time.advance(Duration.ofSeconds(5));
            await().atMost(Duration.ofSeconds(10)).until(() -> sink.calls.stream().skip(before)
                    .anyMatch(c -> c.object.key().equals(first.object.key())));
            HeldSink.Call retry = sink.calls.stream().skip(before)
                    .filter(c -> c.object.key().equals(first.object.key())).findFirst().orElseThrow();
            assertEquals(first.object.requestId(), retry.object.requestId());
            assertEquals(first.object.records().size(), retry.object.records().size());
            // Whatever else sealed meanwhile commits too.
            for (HeldSink.Call call : sink.calls) {
                if (!call.future.isDone()) {
                    call.future.complete(SinkResult.CREATED);
                }
            }
            stream.flush(Duration.ofSeconds(10));
            assertEquals(12, stream.stats().deliveredRecords());
            assertEquals(0, stream.stats().errorOutputRecords());
            assertTrue(stream.stats().reconciles(), stream.stats().toString());
            assertEquals(12, sink.completedRecords(), "each record in exactly one completed write");
        }
    }

    @Test
    void asyncSink_futureFailsWithNonRetryableError_recordsGoToErrorOutput() throws Exception {
        HeldSink sink = new HeldSink();
        try (DeliveryStream stream = DeliveryStream.builder().name("async").clock(time).ticker(time).sink(sink)
                .errorOutputSink(Sink.localBucket(work.resolve("errors"))).build()) {
            stream.putRecordBatch(records(3, "{\"n\":%d}"));
            CompletableFuture<Void> flushed = CompletableFuture.runAsync(() -> stream.flush(Duration.ofSeconds(10)));
            await().atMost(Duration.ofSeconds(10)).until(() -> sink.calls.size() == 1);
            new Thread(() -> sink.calls.get(0).future.completeExceptionally(
                    new DeliveryException(ErrorCode.INVALID_ARGUMENT, "refused"))).start();
            flushed.get();
            assertEquals(0, stream.stats().deliveredRecords());
            assertEquals(3, stream.stats().errorOutputRecords());
            assertTrue(stream.stats().reconciles(), stream.stats().toString());
        }
    }
    /**
     * A sink that sends some records to an error output of its own reports them ({@link Sink#writeReporting}): the
     * stream counts them as error output, the rest as delivered, and the counts still reconcile.
     */
    @Test
    void sinkReportingFailedRecords_streamCountsThemAsErrorOutputNotDelivered() throws Exception {
        List<String> kept = new CopyOnWriteArrayList<>();
        Sink sink = new Sink() {
            @Override
            public SinkResult write(SinkObject object) {
                throw new UnsupportedOperationException("the stream must call writeReporting");
            }

            @Override
            public CompletableFuture<SinkOutcome> writeReporting(SinkObject object) {
                java.util.BitSet failed = new java.util.BitSet();
                for (int i = 0; i < object.records().size(); i++) {
                    String record = java.nio.charset.StandardCharsets.UTF_8.decode(object.records().get(i)).toString();
                    if (record.contains("\"bad\"")) {
                        failed.set(i);
                    } else {
                        kept.add(record);
                    }
                }
                return CompletableFuture.completedFuture(new SinkOutcome(SinkResult.CREATED, failed));
            }
        };
        try (DeliveryStream stream = DeliveryStream.builder().name("reporting").clock(time).ticker(time).sink(sink)
                .errorOutputSink(Sink.localBucket(work.resolve("errors")))
                .bufferingHints(new BufferingHints(100, Duration.ofSeconds(60))).build()) {
            List<byte[]> batch = new java.util.ArrayList<>(records(9, "{\"n\":%d,\"kind\":\"good\"}"));
            batch.addAll(records(3, "{\"n\":%d,\"kind\":\"bad\"}"));
            stream.putRecordBatch(batch);
            stream.flush(Duration.ofSeconds(10));
            DeliveryStats stats = stream.stats();
            assertEquals(9, stats.deliveredRecords(), stats.toString());
            assertEquals(3, stats.errorOutputRecords(), stats.toString());
            assertTrue(stats.reconciles(), stats.toString());
        }
        assertEquals(9, kept.size());
    }
}
