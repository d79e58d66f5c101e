package dev.sluice.delivery;

import dev.sluice.stream.testing.ManualClock;
import dev.sluice.transform.ProcessingResponse;
import dev.sluice.transform.ProcessingResult;
import dev.sluice.transform.Processor;
import dev.sluice.transform.SourceRecord;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

import static dev.sluice.delivery.TestData.lines;
import static dev.sluice.delivery.TestData.rawData;
import static dev.sluice.delivery.TestData.records;
import static dev.sluice.delivery.TestData.utf8;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DeliveryStreamTest {

    private final ManualClock time = new ManualClock(Instant.parse("2026-03-04T05:06:07.089Z"));
    private final FakeSink sink = new FakeSink();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final List<DeliveryStream> streams = new ArrayList<>();

    private DeliveryStream.Builder builder() {
        return DeliveryStream.builder().name("clicks").clock(time).ticker(time).meterRegistry(registry).sink(sink)
                .outputFormat(OutputFormat.jsonLines()).retryBackoff(Duration.ofMillis(10));
    }

    private DeliveryStream start(DeliveryStream.Builder builder) {
        DeliveryStream stream = builder.build();
        streams.add(stream);
        return stream;
    }

    @AfterEach
    void closeAll() {
        streams.forEach(s -> s.close(Duration.ofSeconds(5)));
    }

    private List<String> allLines(String prefix) {
        List<String> out = new ArrayList<>();
        for (String key : sink.keys(prefix)) {
            out.addAll(lines(sink.objects.get(key)));
        }
        return out;
    }

    @Test
    void putRecordBatch_over500Records_throwsValidation() {
        DeliveryStream stream = start(builder());
        DeliveryException e = assertThrows(DeliveryException.class,
                () -> stream.putRecordBatch(records(501, "{\"i\":%d}")));
        assertEquals(ErrorCode.VALIDATION, e.errorCode());
        assertEquals("ValidationException", e.errorCode().code());
    }

    @Test
    void putRecordBatch_over4MiB_throwsValidation() {
        DeliveryStream stream = start(builder());
        List<byte[]> big = Collections.nCopies(5, new byte[900 * 1024]);
        assertThrows(DeliveryException.class, () -> stream.putRecordBatch(big));
    }

    @Test
    void putRecordBatch_withOneOversizedRecord_failsOnlyThatEntry() {
        DeliveryStream stream = start(builder());
        PutRecordBatchResponse response = stream.putRecordBatch(
                List.of(utf8("{\"a\":1}"), new byte[DeliveryStream.MAX_RECORD_BYTES + 1], utf8("{\"a\":2}")));
        assertEquals(1, response.failedPutCount());
        assertTrue(response.requestResponses().get(0).isSuccessful());
        assertEquals(ErrorCode.VALIDATION,
                ((PutRecordBatchResponseEntry.Failure) response.requestResponses().get(1)).errorCode());
        assertTrue(response.requestResponses().get(2).isSuccessful());
        assertThrows(DeliveryException.class, () -> stream.putRecord(new byte[DeliveryStream.MAX_RECORD_BYTES + 1]));
    }

    @Test
    void flush_afterPuts_commitsOneObjectWithFirehoseKey() {
        DeliveryStream stream = start(builder());
        stream.putRecordBatch(records(3, "{\"i\":%d}"));
        stream.flush();
        List<String> keys = sink.keys("");
        assertEquals(1, keys.size());
        assertTrue(keys.get(0).matches("2026/03/04/05/clicks-1-2026-03-04-05-06-07-"
                + "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"), keys.get(0));
        assertEquals(List.of("{\"i\":0}", "{\"i\":1}", "{\"i\":2}"), allLines(""));
        DeliveryStats stats = stream.stats();
        assertEquals(3, stats.deliveredRecords());
        assertTrue(stats.reconciles());
    }

    @Test
    void sizeHint_whenReached_deliversWithoutFlush() {
        DeliveryStream stream = start(builder().bufferingHints(new BufferingHints(100, Duration.ofSeconds(900))));
        for (int i = 0; i < 20; i++) {
            stream.putRecord(utf8("{\"i\":" + (1000 + i) + "}"));
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> sink.objects.size() >= 2);
        for (String key : sink.keys("")) {
            assertTrue(lines(sink.objects.get(key)).size() >= 10);
        }
    }

    @Test
    void interval_onIdleBuffer_firesWhenTickerPassesIt() {
        DeliveryStream stream = start(builder().bufferingHints(new BufferingHints(1 << 20, Duration.ofSeconds(60))));
        stream.putRecord(utf8("{\"a\":1}"));
        time.advance(Duration.ofSeconds(59));
        await().during(Duration.ofMillis(100)).atMost(Duration.ofSeconds(5)).until(() -> sink.objects.isEmpty());
        time.advance(Duration.ofSeconds(1));
        await().atMost(Duration.ofSeconds(5)).until(() -> sink.objects.size() == 1);
        assertTrue(stream.stats().reconciles());
    }

    @Test
    void interval_zero_deliversAsSoonAsPossible() {
        DeliveryStream stream = start(builder().bufferingHints(new BufferingHints(1 << 20, Duration.ZERO)));
        stream.putRecord(utf8("{\"a\":1}"));
        await().atMost(Duration.ofSeconds(5)).until(() -> stream.stats().deliveredRecords() == 1);
    }

    @Test
    void dynamicPartitioning_byQueryKey_writesOneObjectPerPartition() {
        DeliveryStream stream = start(builder()
                .processor(Processor.metadataExtraction(Map.of("customer", ".customer")))
                .prefix("customer=!{partitionKeyFromQuery:customer}/!{timestamp:yyyy}/"));
        stream.putRecordBatch(List.of(utf8("{\"customer\":\"a\",\"n\":1}"), utf8("{\"customer\":\"b\",\"n\":2}"),
                utf8("{\"customer\":\"a\",\"n\":3}")));
        stream.flush();
        assertEquals(2, sink.keys("customer=a/2026/").size() + sink.keys("customer=b/2026/").size());
        assertEquals(2, allLines("customer=a/").size());
        assertEquals(1, allLines("customer=b/").size());
        assertEquals(2, stream.stats().deliveredObjects());
    }

    @Test
    void dynamicPartitioning_overPartitionCap_sendsRecordsToErrorOutput() {
        DeliveryStream stream = start(builder()
                .processor(Processor.metadataExtraction(Map.of("customer", ".customer")))
                .prefix("customer=!{partitionKeyFromLambda:customer}/")
                .errorOutputPrefix("errors/!{firehose:error-output-type}/")
                .maxActivePartitions(2));
        stream.putRecordBatch(List.of(utf8("{\"customer\":\"a\"}"), utf8("{\"customer\":\"b\"}"),
                utf8("{\"customer\":\"c\"}"), utf8("{\"customer\":\"a\"}")));
        stream.flush();
        List<String> errors = allLines("errors/processing-failed/2026/03/04/05/");
        assertEquals(1, errors.size());
        assertTrue(errors.get(0).contains("\"errorCode\":\"DynamicPartitioning.ActivePartitionsLimitExceeded\""));
        assertEquals("{\"customer\":\"c\"}", rawData(errors.get(0)));
        DeliveryStats stats = stream.stats();
        assertEquals(3, stats.deliveredRecords());
        assertEquals(1, stats.errorOutputRecords());
        assertTrue(stats.reconciles());
    }

    @Test
    void dynamicPartitioning_keyWithDotDot_goesToErrorOutputAsInvalidPrefix() {
        DeliveryStream stream = start(builder()
                .processor(Processor.metadataExtraction(Map.of("k", ".k")))
                .prefix("!{partitionKeyFromQuery:k}/"));
        stream.putRecord(utf8("{\"k\":\"..\"}"));
        stream.flush();
        List<String> errors = allLines("processing-failed/");
        assertEquals(1, errors.size());
        assertTrue(errors.get(0).contains("DynamicPartitioning.InvalidPrefix"), errors.get(0));
        assertTrue(stream.stats().reconciles());
    }

    @Test
    void transform_failingAndDroppingSome_reconcilesWithProcessingFailedEnvelopes() {
        Processor lambda = Processor.lambda(request -> {
            List<ProcessingResult> results = new ArrayList<>();
            for (SourceRecord r : request.records()) {
                String text = StandardCharsets.UTF_8.decode(r.data()).toString();
                if (text.contains("bad")) {
                    results.add(new ProcessingResult.ProcessingFailed(r.recordId(), "cannot handle " + text));
                } else if (text.contains("drop")) {
                    results.add(new ProcessingResult.Dropped(r.recordId()));
                } else {
                    results.add(new ProcessingResult.Ok(r.recordId(), utf8(text.toUpperCase())));
                }
            }
            return new ProcessingResponse(results);
        });
        DeliveryStream stream = start(builder().processor(lambda));
        stream.putRecordBatch(List.of(utf8("{\"v\":\"ok1\"}"), utf8("{\"v\":\"bad\"}"), utf8("{\"v\":\"drop\"}"),
                utf8("{\"v\":\"ok2\"}")));
        stream.flush();
        assertEquals(List.of("{\"V\":\"OK1\"}", "{\"V\":\"OK2\"}"), allLines("2026/"));
        List<String> errors = allLines("processing-failed/2026/03/04/05/");
        assertEquals(1, errors.size());
        assertTrue(errors.get(0).startsWith("{\"attemptsMade\":1,\"arrivalTimestamp\":1772600767089,"
                + "\"errorCode\":\"Lambda.ProcessingFailedStatus\""), errors.get(0));
        assertEquals("{\"v\":\"bad\"}", rawData(errors.get(0)));
        DeliveryStats stats = stream.stats();
        assertEquals(4, stats.incomingRecords());
        assertEquals(2, stats.deliveredRecords());
        assertEquals(1, stats.droppedRecords());
        assertEquals(1, stats.errorOutputRecords());
        assertTrue(stats.reconciles());
    }

    @Test
    void transform_thatThrows_exhaustsRetriesAndFailsWholeBatchToErrorOutput() {
        DeliveryStream stream = start(builder().processingRetries(1).processor(Processor.lambda(request -> {
            throw new IllegalStateException("lambda down");
        })));
        stream.putRecordBatch(records(3, "{\"i\":%d}"));
        time.autoAdvance(Duration.ofMillis(100)); // every reading of the clock moves it on
        stream.flush(Duration.ofSeconds(10));
        time.autoAdvance(Duration.ZERO);
        List<String> errors = allLines("processing-failed/");
        assertEquals(3, errors.size());
        assertTrue(errors.get(0).contains("\"attemptsMade\":2"), errors.get(0));
        assertTrue(errors.get(0).contains("Lambda.FunctionError"), errors.get(0));
        assertTrue(stream.stats().reconciles());
    }

    @Test
    void sink_failingThenRecovering_deliversEverythingOnceRetried() {
        sink.failNext(3);
        DeliveryStream stream = start(builder().retryDuration(Duration.ofMinutes(5)));
        stream.putRecordBatch(records(10, "{\"i\":%d}"));
        stream.putRecordBatch(records(5, "{\"j\":%d}"));
        time.autoAdvance(Duration.ofMillis(5)); // every reading of the clock moves it on
        stream.flush(Duration.ofSeconds(10));
        time.autoAdvance(Duration.ZERO);
        assertEquals(15, stream.stats().deliveredRecords());
        assertEquals(15, allLines("").size());
        assertTrue(sink.attempts.get() >= 4);
        assertEquals(0, stream.stats().errorOutputRecords());
        assertTrue(stream.stats().reconciles());
        assertTrue(registry.get("DeliveryToDestination.Success").summary().mean() < 1.0);
    }

    @Test
    void sink_failingPastRetryDuration_sendsRecordsToErrorOutputEnvelopes() {
        sink.failAlways(ErrorCode.S3_INTERNAL_ERROR, "data/");
        DeliveryStream stream = start(builder().prefix("data/").errorOutputPrefix("errors/")
                .retryDuration(Duration.ofSeconds(2)));
        stream.putRecordBatch(records(4, "{\"i\":%d}"));
        time.autoAdvance(Duration.ofMillis(20)); // every reading of the clock moves it on
        stream.flush(Duration.ofSeconds(10));
        time.autoAdvance(Duration.ZERO);
        assertEquals(4, stream.stats().errorOutputRecords());
        List<String> errors = allLines("errors/delivery-failed/");
        assertEquals(4, errors.size());
        assertTrue(errors.get(0).contains("\"errorCode\":\"S3.InternalError\""), errors.get(0));
        assertEquals("{\"i\":0}", rawData(errors.get(0)));
        assertTrue(stream.stats().reconciles());
        assertEquals(0, sink.keys("data/").size());
    }

    @Test
    void sink_nonRetryableFailure_goesToErrorOutputAtOnce() {
        sink.failAlways(ErrorCode.HTTP_REQUEST_TOO_LARGE, "data/");
        DeliveryStream stream = start(builder().prefix("data/").retryDuration(Duration.ofHours(1)));
        stream.putRecord(utf8("{\"big\":true}"));
        stream.flush(Duration.ofSeconds(10));
        assertEquals(1, allLines("delivery-failed/").size());
        assertTrue(stream.stats().reconciles());
    }

    @Test
    void memoryBudget_whenFullAndSinkStuck_putFailsWithServiceUnavailable() {
        sink.failAlways(ErrorCode.S3_INTERNAL_ERROR, null);
        DeliveryStream stream = start(builder().memoryBudgetBytes(1 << 20).putTimeout(Duration.ofSeconds(1))
                .retryDuration(Duration.ofHours(1)));
        byte[] record = new byte[600 * 1024];
        stream.putRecord(record);
        DeliveryException e = assertThrows(DeliveryException.class, () -> {
            // The ticker is manual: let the put's deadline pass while it waits.
            Thread advancer = new Thread(() -> {
                for (int i = 0; i < 200 && !Thread.currentThread().isInterrupted(); i++) {
                    time.advance(Duration.ofMillis(20));
                    java.util.concurrent.locks.LockSupport.parkNanos(2_000_000);
                }
            });
            advancer.start();
            try {
                stream.putRecord(record);
            } finally {
                advancer.interrupt();
            }
        });
        assertEquals(ErrorCode.SERVICE_UNAVAILABLE, e.errorCode());
        assertEquals("ServiceUnavailableException", e.errorCode().code());
        sink.recover();
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            time.advance(Duration.ofSeconds(30));
            return stream.stats().deliveredRecords() == 1;
        });
        assertEquals(1, stream.stats().incomingRecords());
    }

    @Test
    void memoryPressure_deliversLargestBufferEarly() {
        DeliveryStream stream = start(builder().memoryBudgetBytes(1 << 20)
                .bufferingHints(new BufferingHints(BufferingHints.MAX_SIZE_BYTES, Duration.ofSeconds(900))));
        for (int i = 0; i < 4; i++) {
            stream.putRecord(new byte[300 * 1024]);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> stream.stats().deliveredRecords() >= 3);
    }

    @Test
    void sourceRecordBackup_writesRawInputUnderBackupPrefix() {
        DeliveryStream stream = start(builder().sourceRecordBackup("raw/")
                .processor(Processor.filter(".keep")));
        stream.putRecordBatch(List.of(utf8("{\"keep\":true}"), utf8("{\"keep\":false}")));
        stream.flush();
        assertEquals(1, allLines("2026/").size());
        assertEquals("{\"keep\":true}{\"keep\":false}", sink.keys("raw/2026/03/04/05/").stream()
                .map(k -> new String(sink.objects.get(k), StandardCharsets.UTF_8)).reduce("", String::concat));
        assertEquals(2, stream.stats().backedUpRecords());
        assertEquals(1, stream.stats().droppedRecords());
        assertTrue(stream.stats().reconciles());
    }

    @Test
    void eventTime_partitionsByRecordTimestampNotArrival() {
        DeliveryStream stream = start(builder().eventTime("ts", "iso8601")
                .prefix("dt=!{timestamp:yyyy-MM-dd}/hour=!{timestamp:HH}/"));
        stream.putRecordBatch(List.of(utf8("{\"ts\":\"2025-12-31T23:59:59Z\"}"), utf8("{\"ts\":\"2026-01-01T00:00:01Z\"}"),
                utf8("{\"ts\":\"2025-12-31T23:00:00Z\"}"), utf8("{\"nots\":1}")));
        stream.flush();
        assertEquals(2, allLines("dt=2025-12-31/hour=23/").size());
        assertEquals(1, allLines("dt=2026-01-01/hour=00/").size());
        assertEquals(1, allLines("processing-failed/").size());
        assertTrue(stream.stats().reconciles());
    }

    @Test
    void close_thenPut_throwsStreamClosed() {
        DeliveryStream stream = start(builder());
        stream.putRecord(utf8("{}"));
        stream.close();
        assertEquals(1, stream.stats().deliveredRecords());
        DeliveryException e = assertThrows(DeliveryException.class, () -> stream.putRecord(utf8("{}")));
        assertEquals(ErrorCode.STREAM_CLOSED, e.errorCode());
        assertEquals(ErrorCode.STREAM_CLOSED, assertThrows(DeliveryException.class, stream::flush).errorCode());
        stream.close();
    }

    @Test
    void metrics_afterDelivery_useFirehoseNames() {
        DeliveryStream stream = start(builder());
        stream.putRecordBatch(records(2, "{\"i\":%d}"));
        stream.flush();
        assertEquals(2.0, registry.get("IncomingRecords").counter().count());
        assertEquals(14.0, registry.get("IncomingBytes").counter().count());
        assertEquals(2.0, registry.get("DeliveryToDestination.Records").counter().count());
        assertEquals(1.0, registry.get("DeliveryToDestination.ObjectCount").counter().count());
        assertEquals(1.0, registry.get("DeliveryToDestination.Success").summary().mean());
        assertEquals(0.0, registry.get("PartitionCount").gauge().value());
        assertTrue(registry.find("DeliveryToDestination.DataFreshness").gauge() != null);
    }

    @Test
    void builder_invalidSettings_nameFieldRangeAndValue() {
        DeliveryException e = assertThrows(DeliveryException.class, () -> DeliveryStream.builder().name("bad name")
                .sink(sink).build());
        assertTrue(e.getMessage().contains("name must be 1 to 64 characters"), e.getMessage());
        e = assertThrows(DeliveryException.class, () -> new BufferingHints(0, Duration.ZERO));
        assertEquals("bufferingHints.sizeBytes must be in [1, 134217728] but was 0", e.getMessage());
        e = assertThrows(DeliveryException.class, () -> builder().prefix("!{firehose:error-output-type}/").build());
        assertEquals(ErrorCode.INVALID_ARGUMENT, e.errorCode());
        e = assertThrows(DeliveryException.class, () -> builder().retryDuration(Duration.ofHours(25)).build());
        assertTrue(e.getMessage().startsWith("retryDuration must be in [PT0S, PT24H] but was PT25H"));
    }
}
