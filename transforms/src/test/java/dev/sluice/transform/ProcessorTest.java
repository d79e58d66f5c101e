package dev.sluice.transform;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static dev.sluice.transform.TestRecords.failed;
import static dev.sluice.transform.TestRecords.okText;
import static dev.sluice.transform.TestRecords.process;
import static dev.sluice.transform.TestRecords.record;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ProcessorTest {

    /** A function that uppercases data and records every request it sees. */
    private static final class Uppercase implements TransformFunction {
        final List<ProcessingRequest> requests = new CopyOnWriteArrayList<>();

        @Override
        public ProcessingResponse handleRequest(ProcessingRequest request) {
            requests.add(request);
            List<ProcessingResult> results = new ArrayList<>();
            for (SourceRecord record : request.records()) {
                String text = TestRecords.text(record.data());
                results.add(new ProcessingResult.Ok(record.recordId(), text.toUpperCase().getBytes(StandardCharsets.UTF_8),
                        Map.of("from_lambda", "yes")));
            }
            return new ProcessingResponse(results);
        }
    }

    @Test
    void chain_runsStepsInOrderAndAccumulatesPartitionKeys() {
        Processor chain = Processor.chain(
                Processor.maskFields("email"),
                Processor.filter(".level != \"debug\""),
                Processor.metadataExtraction(Map.of("customer_id", ".customer_id")),
                Processor.projectFields("customer_id", "email"),
                Processor.appendNewline());

        List<ProcessingResult> results = process(chain,
                record("a", "{\"customer_id\":\"c1\",\"email\":\"x@y.z\",\"level\":\"info\"}"),
                record("b", "{\"customer_id\":\"c2\",\"level\":\"debug\"}"),
                record("c", "{\"customer_id\":7,\"email\":\"q@r.s\",\"level\":\"warn\"}"));

        ProcessingResult.Ok first = assertInstanceOf(ProcessingResult.Ok.class, results.get(0));
        assertEquals("{\"customer_id\":\"c1\",\"email\":\"****\"}\n", TestRecords.text(first.data()));
        assertEquals(Map.of("customer_id", "c1"), first.partitionKeys());
        assertEquals(new ProcessingResult.Dropped("b"), results.get(1));
        assertEquals(Map.of("customer_id", "7"),
                assertInstanceOf(ProcessingResult.Ok.class, results.get(2)).partitionKeys());
    }

    @Test
    void chain_withFanOutBeforeLambda_lambdaSeesDerivedIdsAndOrderIsPreserved() {
        Uppercase function = new Uppercase();
        Processor chain = Processor.chain(Processor.deaggregateJson(), Processor.lambda(function),
                Processor.metadataExtraction(Map.of("v", ".V")));

        List<ProcessingResult> results = process(chain, record("r1", "{\"v\":1}{\"v\":2}"), record("r2", "{\"v\":3}"));

        assertEquals(List.of("r1.0", "r1.1", "r2.0"), function.requests.get(0).records().stream()
                .map(SourceRecord::recordId).toList());
        assertEquals(List.of("{\"V\":1}", "{\"V\":2}", "{\"V\":3}"), results.stream().map(TestRecords::okText).toList());
        assertEquals(Map.of("from_lambda", "yes", "v", "2"),
                assertInstanceOf(ProcessingResult.Ok.class, results.get(1)).partitionKeys());
    }

    @Test
    void chain_recordsFailedBeforeLambda_areNotSentToIt() {
        Uppercase function = new Uppercase();

        List<ProcessingResult> results = process(Processor.chain(Processor.projectFields("a"), Processor.lambda(function)),
                record("good", "{\"a\":1}"), record("bad", "{\"a\""));

        assertEquals(List.of("good"), function.requests.get(0).records().stream().map(SourceRecord::recordId).toList());
        assertEquals("{\"A\":1}", okText(results.get(0)));
        failed(results.get(1), ErrorCode.MALFORMED_JSON, "bad");
    }

    @Test
    void process_whenLambdaThrows_failsEveryInvokedRecordWithFunctionError() {
        Processor processor = Processor.lambda(request -> {
            throw new IllegalStateException("boom");
        });

        List<ProcessingResult> results = process(processor, record("a", "1"), record("b", "2"));

        for (ProcessingResult result : results) {
            ProcessingResult.ProcessingFailed failure = failed(result, ErrorCode.FUNCTION_ERROR, result.recordId());
            assertTrue(failure.errorMessage().contains("java.lang.IllegalStateException: boom"), failure.errorMessage());
        }
    }

    @Test
    void process_whenLambdaReturnsFewerIds_failsAllWithMissingRecordId() {
        Processor processor = Processor.lambda(request -> new ProcessingResponse(List.of(
                new ProcessingResult.Dropped(request.records().get(0).recordId()))));

        List<ProcessingResult> results = process(processor, record("a", "1"), record("b", "2"));

        failed(results.get(0), ErrorCode.MISSING_RECORD_ID, "a");
        ProcessingResult.ProcessingFailed failure = failed(results.get(1), ErrorCode.MISSING_RECORD_ID, "b");
        assertTrue(failure.errorMessage().contains("returned 1 of 2 record ids; missing [b]"), failure.errorMessage());
    }

    @Test
    void process_whenLambdaReturnsItsOwnFailuresAndDrops_passesThemThrough() {
        Processor processor = Processor.lambda(request -> new ProcessingResponse(List.of(
                new ProcessingResult.ProcessingFailed("b", "cannot parse"), new ProcessingResult.Dropped("a"))));

        List<ProcessingResult> results = process(processor, record("a", "1"), record("b", "2"));

        assertEquals(new ProcessingResult.Dropped("a"), results.get(0));
        assertEquals(new ProcessingResult.ProcessingFailed("b", ErrorCode.PROCESSING_FAILED_STATUS, "cannot parse"),
                results.get(1));
    }

    @Test
    void chain_nestedChainsAreFlattened() {
        Processor inner = Processor.chain(Processor.projectFields("a", "b"), Processor.renameFields(Map.of("a", "x")));
        Processor outer = Processor.chain(inner, Processor.appendNewline());

        assertEquals("{\"x\":1,\"b\":2}\n", okText(TestRecords.only(outer, record("r", "{\"a\":1,\"b\":2,\"c\":3}"))));
        assertEquals("projectFields[a, b] -> renameFields{a=x} -> appendNewline", outer.toString());
    }

    @Test
    void chain_withTwoLambdas_throwsInvalidArgument() {
        TransformException e = assertThrows(TransformException.class,
                () -> Processor.chain(Processor.lambda(new Uppercase()), Processor.appendNewline(),
                        Processor.lambda(new Uppercase())));
        assertEquals(ErrorCode.INVALID_ARGUMENT, e.errorCode());
        assertTrue(e.getMessage().contains("at most one lambda"), e.getMessage());
    }

    @Test
    void chain_withNothing_throwsInvalidArgument() {
        assertEquals(ErrorCode.INVALID_ARGUMENT, assertThrows(TransformException.class, () -> Processor.chain()).errorCode());
    }

    @Test
    void process_whenRequestRepeatsAnId_failsTheLaterOneInsteadOfConfusingTheLambda() {
        Uppercase function = new Uppercase();

        List<ProcessingResult> results = process(Processor.chain(Processor.deaggregateDelimited(","), Processor.lambda(function)),
                record("a", "x,y"), record("a", "z"));

        assertEquals(List.of("a.0", "a.1"), function.requests.get(0).records().stream().map(SourceRecord::recordId).toList());
        assertEquals(List.of("X", "Y"), List.of(okText(results.get(0)), okText(results.get(1))));
        failed(results.get(2), ErrorCode.INVALID_ARGUMENT, "a.0");
    }
}
