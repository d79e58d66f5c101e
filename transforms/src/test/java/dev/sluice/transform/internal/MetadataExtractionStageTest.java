package dev.sluice.transform.internal;

import dev.sluice.transform.ErrorCode;
import dev.sluice.transform.ProcessingResult;
import dev.sluice.transform.Processor;
import dev.sluice.transform.TransformException;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static dev.sluice.transform.TestRecords.failed;
import static dev.sluice.transform.TestRecords.only;
import static dev.sluice.transform.TestRecords.process;
import static dev.sluice.transform.TestRecords.record;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MetadataExtractionStageTest {

    private static final String CLICK = "{\"customer_id\":\"c-42\",\"event_time\":\"2026-03-04T05:06:07Z\","
            + "\"device\":{\"type\":\"mobile\"},\"n\":3,\"vip\":true,\"tags\":[\"a\",\"b\"]}";

    private static Map<String, String> keys(ProcessingResult result) {
        return assertInstanceOf(ProcessingResult.Ok.class, result, result::toString).partitionKeys();
    }

    @Test
    void metadataExtraction_withRealJqExpressions_setsPartitionKeysAndKeepsData() {
        Map<String, String> queries = new LinkedHashMap<>();
        queries.put("customer_id", ".customer_id");
        queries.put("device", ".device.type");
        queries.put("day", ".event_time[0:10]");
        queries.put("epoch", ".event_time | fromdateiso8601");
        queries.put("n_plus", ".n + 1");
        queries.put("vip", ".vip");
        queries.put("first_tag", ".tags | first");
        queries.put("bucket", "if .n > 2 then \"big\" else \"small\" end");

        ProcessingResult result = only(Processor.metadataExtraction(queries), record("r1", CLICK));

        assertEquals(Map.of("customer_id", "c-42", "device", "mobile", "day", "2026-03-04", "epoch", "1772600767",
                "n_plus", "4", "vip", "true", "first_tag", "a", "bucket", "big"), keys(result));
        assertEquals(CLICK, dev.sluice.transform.TestRecords.okText(result));
    }

    @Test
    void metadataExtraction_whenQueryFailsOnOneRecord_failsOnlyThatRecordNamingKeyAndExpression() {
        Processor processor = Processor.metadataExtraction(Map.of("k", ".n + 1"));

        List<ProcessingResult> results = process(processor, record("ok", "{\"n\":1}"), record("bad", "{\"n\":\"x\"}"));

        assertEquals(Map.of("k", "2"), keys(results.get(0)));
        ProcessingResult.ProcessingFailed failure = failed(results.get(1), ErrorCode.METADATA_EXTRACTION_FAILED, "bad");
        assertTrue(failure.errorMessage().contains("partition key 'k' query '.n + 1' failed"), failure.errorMessage());
    }

    @Test
    void metadataExtraction_whenFieldIsMissing_failsBecauseNullIsNotAKey() {
        ProcessingResult.ProcessingFailed failure = failed(only(Processor.metadataExtraction(Map.of("c", ".customer")),
                record("r1", "{}")), ErrorCode.METADATA_EXTRACTION_FAILED, "r1");
        assertTrue(failure.errorMessage().contains("yielded null"), failure.errorMessage());
    }

    @Test
    void metadataExtraction_whenQueryYieldsObjectOrSeveralValues_fails() {
        failed(only(Processor.metadataExtraction(Map.of("d", ".device")), record("r1", CLICK)),
                ErrorCode.METADATA_EXTRACTION_FAILED, "r1");
        failed(only(Processor.metadataExtraction(Map.of("t", ".tags[]")), record("r2", CLICK)),
                ErrorCode.METADATA_EXTRACTION_FAILED, "r2");
    }

    @Test
    void metadataExtraction_whenJqErrorIsRaised_failsWithItsMessage() {
        ProcessingResult.ProcessingFailed failure = failed(only(Processor.metadataExtraction(
                Map.of("k", "error(\"no key here\")")), record("r1", "{}")), ErrorCode.METADATA_EXTRACTION_FAILED, "r1");
        assertTrue(failure.errorMessage().contains("no key here"), failure.errorMessage());
    }

    @Test
    void metadataExtraction_whenJsonIsMalformed_failsWithMalformedJson() {
        failed(only(Processor.metadataExtraction(Map.of("k", ".a")), record("r1", "{\"a\":1,}")), ErrorCode.MALFORMED_JSON, "r1");
    }

    @Test
    void metadataExtraction_withInvalidQuery_throwsInvalidArgumentNamingKey() {
        TransformException e = assertThrows(TransformException.class,
                () -> Processor.metadataExtraction(Map.of("customer", ".customer_id |")));
        assertEquals(ErrorCode.INVALID_ARGUMENT, e.errorCode());
        assertTrue(e.getMessage().contains("partition key 'customer'"), e.getMessage());
    }

    @Test
    void metadataExtraction_withUnknownFunction_throwsInvalidArgumentAtBuild() {
        TransformException e = assertThrows(TransformException.class,
                () -> Processor.metadataExtraction(Map.of("day", ".time | strftime(\"%Y\")")));
        assertEquals(ErrorCode.INVALID_ARGUMENT, e.errorCode());
        assertTrue(e.getMessage().contains("unknown JQ function"), e.getMessage());
    }

    @Test
    void metadataExtraction_whenJqFunctionRejectsValue_reportsTheUnderlyingReason() {
        ProcessingResult.ProcessingFailed failure = failed(only(Processor.metadataExtraction(
                Map.of("hour", ".t | fromdateiso8601")), record("r1", "{\"t\":\"yesterday\"}")),
                ErrorCode.METADATA_EXTRACTION_FAILED, "r1");
        assertTrue(failure.errorMessage().contains("'yesterday' could not be parsed"), failure.errorMessage());
    }
}
