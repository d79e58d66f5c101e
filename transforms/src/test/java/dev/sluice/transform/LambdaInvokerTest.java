package dev.sluice.transform;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.transform.FakeLambdaEndpoint.Reply;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.UnaryOperator;

import static dev.sluice.transform.TestRecords.numbered;
import static dev.sluice.transform.TestRecords.okText;
import static dev.sluice.transform.TestRecords.record;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link LambdaInvoker} against a fake Invoke endpoint: the event on the wire, the answers a function gives, every
 * failure ending in {@code ProcessingFailed} after the runner's retries, and the split of large batches.
 */
@Timeout(60)
class LambdaInvokerTest {

    private static final String ARN = "arn:aws:lambda:us-east-1:000000000000:function:enrich";

    private final List<AutoCloseable> closeables = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (int i = closeables.size() - 1; i >= 0; i--) {
            closeables.get(i).close();
        }
    }

    private FakeLambdaEndpoint endpoint(FakeLambdaEndpoint.Script script) {
        FakeLambdaEndpoint endpoint = new FakeLambdaEndpoint(script);
        closeables.add(endpoint);
        return endpoint;
    }

    private LambdaInvoker invoker(FakeLambdaEndpoint endpoint, Duration timeout) {
        LambdaInvoker invoker = LambdaInvoker.builder(endpoint.endpoint()).invocationTimeout(timeout).build();
        closeables.add(invoker);
        return invoker;
    }

    private ProcessingResponse run(Processor processor, int retries, List<SourceRecord> records) throws Exception {
        TransformRunner runner = TransformRunner.builder().name("lambda").processor(processor)
                .bufferInterval(Duration.ZERO).numberOfRetries(retries).retryBackoff(Duration.ZERO)
                .invocationTimeout(Duration.ofSeconds(30)).build();
        closeables.add(runner);
        return runner.submit(records).get(30, java.util.concurrent.TimeUnit.SECONDS);
    }

    private static void assertAllFailed(ProcessingResponse response, ErrorCode code, String messagePart) {
        assertFalse(response.records().isEmpty());
        for (ProcessingResult result : response.records()) {
            ProcessingResult.ProcessingFailed failed = assertInstanceOf(ProcessingResult.ProcessingFailed.class,
                    result, result::toString);
            assertEquals(code, failed.errorCode(), failed.errorMessage());
            assertTrue(failed.errorMessage().contains(messagePart), failed.errorMessage());
        }
    }

    @Test
    void processor_sendsFirehoseEventToInvokeApi_andUsesTheAnswer() throws Exception {
        FakeLambdaEndpoint endpoint = endpoint((invocation, call) -> Reply.ok(FakeLambdaEndpoint.upperCase(invocation.event())));
        Processor processor = invoker(endpoint, Duration.ofSeconds(10)).processor(ARN);
        SourceRecord fromStream = new SourceRecord("k1", Instant.ofEpochMilli(1_700_000_000_123L),
                java.nio.ByteBuffer.wrap("from a stream".getBytes(StandardCharsets.UTF_8)),
                Optional.of(new SourceRecord.KinesisRecordMetadata("shardId-000000000001", "pk",
                        Instant.ofEpochMilli(1_700_000_000_100L), "4960", 0)));

        ProcessingResponse response = run(processor, 0, List.of(record("d1", "hello"), fromStream));

        assertEquals("HELLO", okText(response.records().get(0)));
        assertEquals("FROM A STREAM", okText(response.records().get(1)));
        assertEquals(1, endpoint.invocations.size());
        FakeLambdaEndpoint.Invocation invocation = endpoint.invocations.get(0);
        assertEquals(ARN, invocation.functionName());
        assertTrue(invocation.authorization().startsWith("AWS4-HMAC-SHA256 Credential=sluice/"),
                invocation.authorization());
        JsonNode event = invocation.event();
        assertFalse(event.path("invocationId").asText().isEmpty());
        assertEquals("us-east-1", event.path("region").asText());
        assertTrue(event.path("deliveryStreamArn").asText().endsWith(":deliverystream/lambda"));
        JsonNode first = event.path("records").get(0);
        assertEquals("d1", first.path("recordId").asText());
        assertEquals("hello", new String(Base64.getDecoder().decode(first.path("data").asText()), StandardCharsets.UTF_8));
        assertEquals(TestRecords.ARRIVAL.toEpochMilli(), first.path("approximateArrivalTimestamp").asLong());
        assertTrue(first.path("kinesisRecordMetadata").isMissingNode());
        JsonNode metadata = event.path("records").get(1).path("kinesisRecordMetadata");
        assertEquals("shardId-000000000001", metadata.path("shardId").asText());
        assertEquals("pk", metadata.path("partitionKey").asText());
        assertEquals("4960", metadata.path("sequenceNumber").asText());
    }

    @Test
    void processor_whenFunctionDropsAndFailsRecords_reportsDroppedAndProcessingFailedStatus() throws Exception {
        FakeLambdaEndpoint endpoint = endpoint((invocation, call) -> {
            ObjectNode response = (ObjectNode) FakeLambdaEndpoint.upperCase(invocation.event());
            ((ObjectNode) response.path("records").get(1)).put("result", "Dropped");
            ((ObjectNode) response.path("records").get(2)).put("result", "ProcessingFailed");
            return Reply.ok(response);
        });
        ProcessingResponse response = run(invoker(endpoint, Duration.ofSeconds(10)).processor(ARN), 3,
                numbered("r", 3));

        assertEquals("{\"N\":0}", okText(response.records().get(0)));
        assertInstanceOf(ProcessingResult.Dropped.class, response.records().get(1));
        ProcessingResult.ProcessingFailed failed = assertInstanceOf(ProcessingResult.ProcessingFailed.class,
                response.records().get(2));
        assertEquals(ErrorCode.PROCESSING_FAILED_STATUS, failed.errorCode());
        assertEquals(1, endpoint.calls(), "a record-level ProcessingFailed is not retried");
    }

    @Test
    void processor_whenFunctionErrorEveryTime_failsAllRecordsWithFunctionErrorAfterRetries() throws Exception {
        FakeLambdaEndpoint endpoint = endpoint((invocation, call) -> Reply.unhandled("boom in handler"));
        ProcessingResponse response = run(invoker(endpoint, Duration.ofSeconds(10)).processor(ARN), 2,
                numbered("r", 2));

        assertAllFailed(response, ErrorCode.FUNCTION_ERROR, "boom in handler");
        assertAllFailed(response, ErrorCode.FUNCTION_ERROR, "Unhandled");
        assertEquals(3, endpoint.calls(), "1 attempt + NumberOfRetries 2");
    }

    @Test
    void processor_when5xxThenSuccess_retriesAndDeliversTransformedRecords() throws Exception {
        FakeLambdaEndpoint endpoint = endpoint((invocation, call) -> call == 1
                ? Reply.serviceError(500, "ServiceException", "internal failure")
                : Reply.ok(FakeLambdaEndpoint.upperCase(invocation.event())));
        ProcessingResponse response = run(invoker(endpoint, Duration.ofSeconds(10)).processor(ARN), 3,
                List.of(record("a", "x")));

        assertEquals("X", okText(response.records().get(0)));
        assertEquals(2, endpoint.calls(), "the SDK client does not retry on its own; the runner retried once");
    }

    @Test
    void processor_whenHttpErrorEveryTime_namesStatusAndAwsError() throws Exception {
        FakeLambdaEndpoint endpoint = endpoint((invocation, call) -> Reply.serviceError(404,
                "ResourceNotFoundException", "Function not found: " + invocation.functionName()));
        ProcessingResponse response = run(invoker(endpoint, Duration.ofSeconds(10)).processor(ARN), 1,
                List.of(record("a", "x")));

        assertAllFailed(response, ErrorCode.FUNCTION_ERROR, "HTTP 404 ResourceNotFoundException");
        assertEquals(2, endpoint.calls());
    }

    @Test
    void processor_whenFunctionOutlivesInvocationTimeout_failsWithInvokeTimeout() throws Exception {
        FakeLambdaEndpoint[] self = new FakeLambdaEndpoint[1];
        FakeLambdaEndpoint endpoint = endpoint((invocation, call) -> {
            self[0].hang();
            return Reply.ok(FakeLambdaEndpoint.upperCase(invocation.event()));
        });
        self[0] = endpoint;
        ProcessingResponse response = run(invoker(endpoint, Duration.ofMillis(300)).processor(ARN), 1,
                List.of(record("a", "x")));

        // Two timers race for the same 300 ms: the SDK's call timeout ("did not answer within PT0.3S") and, on a
        // loaded machine, the runner's own ("did not return within the invocation timeout of PT0.3S"). Either is
        // Lambda.InvokeTimeout; the retry's request may arrive after the outcome.
        assertAllFailed(response, ErrorCode.INVOKE_TIMEOUT, "PT0.3S");
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> endpoint.calls() == 2);
    }

    @Test
    void processor_whenEndpointUnreachable_failsWithFunctionError() throws Exception {
        FakeLambdaEndpoint endpoint = endpoint((invocation, call) -> Reply.ok(new byte[0]));
        LambdaInvoker invoker = invoker(endpoint, Duration.ofSeconds(10));
        endpoint.close();
        ProcessingResponse response = run(invoker.processor(ARN), 0, List.of(record("a", "x")));

        assertAllFailed(response, ErrorCode.FUNCTION_ERROR, "failed");
    }

    @Test
    void processor_whenResponseMalformed_failsWithTheContractErrorAfterRetries() throws Exception {
        record Case(String name, UnaryOperator<JsonNode> mangle, ErrorCode code, String message) {
        }
        List<Case> cases = List.of(
                new Case("missing id", r -> {
                    ((com.fasterxml.jackson.databind.node.ArrayNode) r.path("records")).remove(0);
                    return r;
                }, ErrorCode.MISSING_RECORD_ID, "missing [r0]"),
                new Case("unknown id", r -> {
                    ((ObjectNode) r.path("records").get(0)).put("recordId", "invented");
                    return r;
                }, ErrorCode.UNKNOWN_RECORD_ID, "[invented]"),
                new Case("duplicated id", r -> {
                    ((ObjectNode) r.path("records").get(1)).put("recordId", "r0");
                    return r;
                }, ErrorCode.DUPLICATED_RECORD_ID, "[r0]"),
                new Case("bad base64", r -> {
                    ((ObjectNode) r.path("records").get(0)).put("data", "not base64 !!");
                    return r;
                }, ErrorCode.JSON_PROCESSING, "records[0].data is not valid base64"),
                new Case("bad result", r -> {
                    ((ObjectNode) r.path("records").get(0)).put("result", "Maybe");
                    return r;
                }, ErrorCode.JSON_PROCESSING, "must be Ok, Dropped or ProcessingFailed but was 'Maybe'"),
                new Case("not json", r -> null, ErrorCode.JSON_PROCESSING, "not valid JSON"));
        for (Case c : cases) {
            FakeLambdaEndpoint endpoint = endpoint((invocation, call) -> {
                JsonNode answer = c.mangle().apply(FakeLambdaEndpoint.upperCase(invocation.event()));
                return answer == null ? Reply.ok("{\"records\": [".getBytes(StandardCharsets.UTF_8)) : Reply.ok(answer);
            });
            ProcessingResponse response = run(invoker(endpoint, Duration.ofSeconds(10)).processor(ARN), 1,
                    numbered("r", 2));
            assertEquals(2, response.records().size(), c.name());
            assertAllFailed(response, c.code(), c.message());
            assertEquals(2, endpoint.calls(), c.name() + ": 1 attempt + 1 retry");
        }
    }

    @Test
    void processor_whenBatchOverBufferSize_splitsIntoInvocationsThatFit() {
        FakeLambdaEndpoint endpoint = endpoint((invocation, call) -> Reply.ok(FakeLambdaEndpoint.respond(
                invocation.event(), "Ok", s -> Integer.toString(s.length()))));
        Processor processor = invoker(endpoint, Duration.ofSeconds(10)).processor(ARN, 3L << 20);
        List<SourceRecord> records = new ArrayList<>();
        for (int i = 0; i < 9; i++) {
            byte[] data = new byte[1_000_000];
            Arrays.fill(data, (byte) ('a' + i));
            records.add(record("big" + i, data));
        }

        List<ProcessingResult> results = processor.process(ProcessingRequest.of(records)).records();

        assertEquals(9, results.size());
        for (int i = 0; i < 9; i++) {
            assertEquals("big" + i, results.get(i).recordId());
            assertEquals("1000000", okText(results.get(i)));
        }
        assertEquals(3, endpoint.invocations.size(), "9 MB of data in invocations of at most 3 MB");
        Set<String> ids = new TreeSet<>();
        for (FakeLambdaEndpoint.Invocation invocation : endpoint.invocations) {
            assertTrue(invocation.payloadBytes() <= LambdaInvoker.MAX_PAYLOAD_BYTES, "payload " + invocation.payloadBytes());
            assertEquals(3, invocation.event().path("records").size());
            ids.add(invocation.event().path("invocationId").asText());
        }
        assertEquals(3, ids.size(), "each invocation has its own invocationId");
    }

    @Test
    void processor_whenOneRecordAloneIsOverThePayloadLimit_failsOnlyThatRecord() {
        FakeLambdaEndpoint endpoint = endpoint((invocation, call) -> Reply.ok(FakeLambdaEndpoint.upperCase(invocation.event())));
        Processor processor = invoker(endpoint, Duration.ofSeconds(10)).processor(ARN);

        List<ProcessingResult> results = processor.process(ProcessingRequest.of(List.of(record("small", "s"),
                record("huge", new byte[5_000_000]), record("small2", "t")))).records();

        assertEquals("S", okText(results.get(0)));
        ProcessingResult.ProcessingFailed failed = assertInstanceOf(ProcessingResult.ProcessingFailed.class, results.get(1));
        assertEquals("huge", failed.recordId());
        assertTrue(failed.errorMessage().contains("6291456-byte synchronous payload limit"), failed.errorMessage());
        assertEquals("T", okText(results.get(2)));
        for (FakeLambdaEndpoint.Invocation invocation : endpoint.invocations) {
            assertTrue(invocation.payloadBytes() <= LambdaInvoker.MAX_PAYLOAD_BYTES);
        }
    }

    @Test
    void builder_whenOptionsOutOfRange_namesTheOption() {
        FakeLambdaEndpoint endpoint = endpoint((invocation, call) -> Reply.ok(new byte[0]));
        TransformException timeout = assertThrows(TransformException.class, () -> LambdaInvoker
                .builder(endpoint.endpoint()).invocationTimeout(Duration.ofMinutes(16)).build());
        assertTrue(timeout.getMessage().startsWith("invocationTimeout must be in (PT0S, PT15M] but was PT16M"),
                timeout.getMessage());
        TransformException scheme = assertThrows(TransformException.class, () -> LambdaInvoker
                .builder(java.net.URI.create("ftp://x")).build());
        assertTrue(scheme.getMessage().contains("endpoint must be an http or https URL"), scheme.getMessage());
        LambdaInvoker invoker = invoker(endpoint, Duration.ofSeconds(1));
        TransformException name = assertThrows(TransformException.class, () -> invoker.processor("not a function!"));
        assertEquals(ErrorCode.INVALID_ARGUMENT, name.errorCode());
        TransformException size = assertThrows(TransformException.class, () -> invoker.processor(ARN, 100));
        assertTrue(size.getMessage().startsWith("bufferSizeBytes must be in [200000, 3145728] but was 100"),
                size.getMessage());
    }
}
