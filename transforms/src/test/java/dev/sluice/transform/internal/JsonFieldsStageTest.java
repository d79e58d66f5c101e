package dev.sluice.transform.internal;

import dev.sluice.transform.ErrorCode;
import dev.sluice.transform.ProcessingResult;
import dev.sluice.transform.Processor;
import dev.sluice.transform.TransformException;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static dev.sluice.transform.TestRecords.failed;
import static dev.sluice.transform.TestRecords.okText;
import static dev.sluice.transform.TestRecords.only;
import static dev.sluice.transform.TestRecords.process;
import static dev.sluice.transform.TestRecords.record;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JsonFieldsStageTest {

    private static final String CLICK = "{\"id\":1,\"user\":{\"name\":\"ann\",\"tags\":[1,2]},\"page\":\"/a\",\"ts\":5}";

    @Test
    void projectFields_withNestedValues_keepsOnlyNamedFieldsInRecordOrder() {
        ProcessingResult result = only(Processor.projectFields("ts", "user"), record("r1", CLICK));

        assertEquals("{\"user\":{\"name\":\"ann\",\"tags\":[1,2]},\"ts\":5}", okText(result));
    }

    @Test
    void projectFields_whenNoFieldMatches_returnsEmptyObject() {
        assertEquals("{}", okText(only(Processor.projectFields("absent"), record("r1", CLICK))));
    }

    @Test
    void dropFields_removesNamedTopLevelFieldsOnly() {
        String json = "{\"id\":1,\"user\":{\"id\":7},\"page\":\"/a\"}";

        assertEquals("{\"user\":{\"id\":7},\"page\":\"/a\"}", okText(only(Processor.dropFields("id"), record("r1", json))));
    }

    @Test
    void renameFields_keepsPositionAndValue() {
        ProcessingResult result = only(Processor.renameFields(Map.of("page", "url", "id", "event_id")), record("r1", CLICK));

        assertEquals("{\"event_id\":1,\"user\":{\"name\":\"ann\",\"tags\":[1,2]},\"url\":\"/a\",\"ts\":5}", okText(result));
    }

    @Test
    void projectFields_whenJsonIsMalformed_failsThatRecordOnlyNamingIt() {
        List<ProcessingResult> results = process(Processor.projectFields("id"),
                record("good-1", "{\"id\":1}"), record("bad", "{\"id\":1,\"page\":}"), record("good-2", "{\"id\":2}"));

        assertEquals("{\"id\":1}", okText(results.get(0)));
        ProcessingResult.ProcessingFailed failure = failed(results.get(1), ErrorCode.MALFORMED_JSON, "bad");
        assertTrue(failure.errorMessage().contains("malformed JSON at byte"), failure.errorMessage());
        assertEquals("{\"id\":2}", okText(results.get(2)));
    }

    @Test
    void projectFields_whenTruncated_failsWithMalformedJson() {
        failed(only(Processor.projectFields("id"), record("r1", "{\"id\":1,\"x\":[1,2")), ErrorCode.MALFORMED_JSON, "r1");
    }

    @Test
    void projectFields_whenSkippedValueIsMalformed_stillFails() {
        failed(only(Processor.projectFields("id"), record("r1", "{\"id\":1,\"skip\":{\"a\" 1}}")), ErrorCode.MALFORMED_JSON, "r1");
    }

    @Test
    void projectFields_whenRecordIsAnArray_failsNamingTheFoundToken() {
        ProcessingResult.ProcessingFailed failure = failed(only(Processor.projectFields("id"), record("r1", "[1,2]")),
                ErrorCode.MALFORMED_JSON, "r1");
        assertTrue(failure.errorMessage().contains("expected a JSON object but found ["), failure.errorMessage());
    }

    @Test
    void projectFields_whenTwoObjectsAreConcatenated_failsPointingToDeaggregation() {
        ProcessingResult.ProcessingFailed failure = failed(only(Processor.projectFields("id"),
                record("r1", "{\"id\":1}{\"id\":2}")), ErrorCode.MALFORMED_JSON, "r1");
        assertTrue(failure.errorMessage().contains("de-aggregation"), failure.errorMessage());
    }

    @Test
    void projectFields_whenDataIsInvalidUtf8_failsWithInvalidUtf8AndOffset() {
        byte[] data = {'{', '"', 'a', '"', ':', '"', (byte) 0xC3, (byte) 0x28, '"', '}'};

        ProcessingResult.ProcessingFailed failure = failed(only(Processor.projectFields("a"), record("r1", data)),
                ErrorCode.INVALID_UTF8, "r1");
        assertTrue(failure.errorMessage().contains("byte 0xc3 at offset 6"), failure.errorMessage());
    }

    @Test
    void projectFields_whenInvalidUtf8IsInASkippedValue_stillFails() {
        byte[] data = {'{', '"', 'a', '"', ':', '1', ',', '"', 'b', '"', ':', '"', (byte) 0xFF, '"', '}'};

        failed(only(Processor.projectFields("a"), record("r1", data)), ErrorCode.INVALID_UTF8, "r1");
    }

    @Test
    void projectFields_whenEmpty_failsWithMalformedJson() {
        failed(only(Processor.projectFields("a"), record("r1", "")), ErrorCode.MALFORMED_JSON, "r1");
    }

    @Test
    void projectFields_withoutNames_throwsInvalidArgument() {
        TransformException e = assertThrows(TransformException.class, Processor::projectFields);
        assertEquals(ErrorCode.INVALID_ARGUMENT, e.errorCode());
    }

    @Test
    void renameFields_withBlankTarget_throwsInvalidArgument() {
        TransformException e = assertThrows(TransformException.class, () -> Processor.renameFields(Map.of("a", " ")));
        assertEquals(ErrorCode.INVALID_ARGUMENT, e.errorCode());
    }
}
