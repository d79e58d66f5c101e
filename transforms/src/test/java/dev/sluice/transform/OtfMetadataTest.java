package dev.sluice.transform;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static dev.sluice.transform.TestRecords.failed;
import static dev.sluice.transform.TestRecords.okText;
import static dev.sluice.transform.TestRecords.record;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Firehose's {@code metadata.otfMetadata} (the Lambda method of routing to Iceberg tables) read from a function's
 * JSON response and carried to the results, through stages that run after the function.
 */
class OtfMetadataTest {

    private static String data(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }

    /** A processor whose Firehose-JSON handler answers with the given response records (JSON array elements). */
    private static Processor answering(String... records) {
        String response = "{\"records\":[" + String.join(",", records) + "]}";
        return Processor.lambda(FirehoseJson.adapt((in, out) -> out.write(response.getBytes(StandardCharsets.UTF_8))));
    }

    private static ProcessingResult.Ok ok(ProcessingResult result) {
        return assertInstanceOf(ProcessingResult.Ok.class, result, () -> "expected Ok but got " + result);
    }

    @Test
    void readResponse_withOtfMetadata_carriesTableAndOperationBesidePartitionKeys() {
        Processor lambda = answering("""
                {"recordId":"a","result":"Ok","data":"%s","metadata":{"partitionKeys":{"k":"v"},
                 "otfMetadata":{"destinationDatabaseName":"shop","destinationTableName":"orders","operation":"update"}}}
                """.formatted(data("{\"id\":1}")), """
                {"recordId":"b","result":"Ok","data":"%s"}
                """.formatted(data("{\"id\":2}")));

        List<ProcessingResult> results = TestRecords.process(lambda, record("a", "x"), record("b", "y"));

        ProcessingResult.Ok a = ok(results.get(0));
        assertEquals(Optional.of(OtfMetadata.of("shop", "orders", "update")), a.otfMetadata());
        assertEquals(Map.of("k", "v"), a.partitionKeys());
        assertEquals("{\"id\":1}", okText(a));
        assertEquals(Optional.empty(), ok(results.get(1)).otfMetadata(), "no metadata: nothing carried");
    }

    @Test
    void readResponse_withPartialOtfMetadata_leavesAbsentAndNullFieldsEmpty() {
        Processor lambda = answering("""
                {"recordId":"a","result":"Ok","data":"%s",
                 "metadata":{"otfMetadata":{"operation":"delete","destinationTableName":null}}}
                """.formatted(data("{}")), """
                {"recordId":"b","result":"Ok","data":"%s","metadata":{"otfMetadata":null}}
                """.formatted(data("{}")));

        List<ProcessingResult> results = TestRecords.process(lambda, record("a", "x"), record("b", "y"));

        assertEquals(Optional.of(new OtfMetadata(Optional.empty(), Optional.empty(), Optional.of("delete"))),
                ok(results.get(0)).otfMetadata());
        assertEquals(Optional.empty(), ok(results.get(1)).otfMetadata());
    }

    @Test
    void readResponse_whenOtfMetadataIsNotAnObject_failsThatRecordOnly() {
        Processor lambda = answering("""
                {"recordId":"a","result":"Ok","data":"%s","metadata":{"otfMetadata":"shop.orders"}}
                """.formatted(data("{}")), """
                {"recordId":"b","result":"Ok","data":"%s","metadata":{"otfMetadata":
                 {"destinationDatabaseName":"shop","destinationTableName":"orders"}}}
                """.formatted(data("{}")));

        List<ProcessingResult> results = TestRecords.process(lambda, record("a", "x"), record("b", "y"));

        ProcessingResult.ProcessingFailed failure = failed(results.get(0), ErrorCode.INVALID_OTF_METADATA, "a");
        assertTrue(failure.errorMessage().contains("records[0].metadata.otfMetadata must be an object but was STRING"),
                failure.errorMessage());
        assertEquals("Lambda.InvalidOtfMetadata", failure.errorCode().code());
        assertEquals(Optional.of(new OtfMetadata(Optional.of("shop"), Optional.of("orders"), Optional.empty())),
                ok(results.get(1)).otfMetadata());
    }

    @Test
    void readResponse_whenAnOtfFieldIsNotAString_failsThatRecordNamingTheField() {
        Processor lambda = answering("""
                {"recordId":"a","result":"Ok","data":"%s","metadata":{"otfMetadata":
                 {"destinationDatabaseName":"shop","destinationTableName":7,"operation":"insert"}}}
                """.formatted(data("{}")));

        ProcessingResult.ProcessingFailed failure = failed(TestRecords.only(lambda, record("a", "x")),
                ErrorCode.INVALID_OTF_METADATA, "a");
        assertTrue(failure.errorMessage().contains("records[0].metadata.otfMetadata.destinationTableName must be a"
                + " string but was NUMBER"), failure.errorMessage());
        assertTrue(!failure.errorCode().isRetryable(), "a malformed record is deterministic");
    }

    @Test
    void chain_keepsTheFunctionsOtfMetadata_throughLaterStagesAndSplits() {
        Processor lambda = answering("""
                {"recordId":"a","result":"Ok","data":"%s","metadata":{"otfMetadata":
                 {"destinationDatabaseName":"shop","destinationTableName":"orders","operation":"insert"}}}
                """.formatted(data("{\"id\":1}{\"id\":2}")));
        Processor chain = Processor.chain(lambda, Processor.deaggregateJson(), Processor.appendNewline());

        List<ProcessingResult> results = TestRecords.process(chain, record("a", "x"));

        assertEquals(2, results.size(), results::toString);
        for (ProcessingResult result : results) {
            assertEquals(Optional.of(OtfMetadata.of("shop", "orders", "insert")), ok(result).otfMetadata());
        }
        assertEquals("{\"id\":2}\n", okText(results.get(1)));
    }

    @Test
    void inProcessFunction_returningWithOtfMetadata_isCarriedAsReturned() {
        Processor function = Processor.lambda(request -> new ProcessingResponse(request.records().stream()
                .map(r -> (ProcessingResult) new ProcessingResult.Ok(r.recordId(), "{}".getBytes(StandardCharsets.UTF_8))
                        .withOtfMetadata(OtfMetadata.of("web", "clicks", "insert")))
                .toList()));

        ProcessingResult.Ok result = ok(TestRecords.only(function, record("a", "x")));

        assertEquals(Optional.of(OtfMetadata.of("web", "clicks", "insert")), result.otfMetadata());
        assertTrue(result.toString().contains("otfMetadata=OtfMetadata[destinationDatabaseName=Optional[web]"),
                result.toString());
    }

    @Test
    void ok_withNullOtfMetadata_throwsNullPointerException() {
        assertThrows(NullPointerException.class, () -> new ProcessingResult.Ok("a",
                java.nio.ByteBuffer.allocate(0), Map.of(), null));
        assertThrows(NullPointerException.class, () -> new OtfMetadata(Optional.empty(), null, Optional.empty()));
    }
}
