package dev.sluice.transform.internal;

import dev.sluice.transform.ErrorCode;
import dev.sluice.transform.ProcessingResult;
import dev.sluice.transform.Processor;
import dev.sluice.transform.TransformException;
import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.sluice.transform.TestRecords.failed;
import static dev.sluice.transform.TestRecords.okText;
import static dev.sluice.transform.TestRecords.only;
import static dev.sluice.transform.TestRecords.process;
import static dev.sluice.transform.TestRecords.record;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JqFilterStageTest {

    private static final Processor NOT_DEBUG = Processor.filter(".level != \"debug\"");

    @Test
    void filter_whenPredicateIsTrue_keepsBytesUnchanged() {
        String json = "{ \"level\" : \"info\", \"n\": 1 }";

        assertEquals(json, okText(only(NOT_DEBUG, record("r1", json))));
    }

    @Test
    void filter_whenPredicateIsFalse_dropsRecord() {
        List<ProcessingResult> results = process(NOT_DEBUG, record("keep", "{\"level\":\"info\"}"),
                record("drop", "{\"level\":\"debug\"}"));

        assertInstanceOf(ProcessingResult.Ok.class, results.get(0));
        assertEquals(new ProcessingResult.Dropped("drop"), results.get(1));
    }

    @Test
    void filter_whenPredicateYieldsNull_dropsRecord() {
        assertEquals(new ProcessingResult.Dropped("r1"), only(Processor.filter(".missing"), record("r1", "{}")));
    }

    @Test
    void filter_whenPredicateYieldsNonBooleanValue_keepsRecordAsJqTruthiness() {
        assertInstanceOf(ProcessingResult.Ok.class, only(Processor.filter(".n"), record("r1", "{\"n\":0}")));
    }

    @Test
    void filter_whenJqFailsOnRecord_failsWithFilterFailedNamingExpression() {
        ProcessingResult.ProcessingFailed failure = failed(only(Processor.filter(".n + \"a\""), record("r1", "{\"n\":1}")),
                ErrorCode.FILTER_FAILED, "r1");
        assertTrue(failure.errorMessage().contains(".n + \"a\""), failure.errorMessage());
    }

    @Test
    void filter_whenPredicateYieldsSeveralValues_failsRecord() {
        failed(only(Processor.filter(".[]"), record("r1", "{\"a\":true,\"b\":false}")), ErrorCode.FILTER_FAILED, "r1");
    }

    @Test
    void filter_whenJsonIsMalformed_failsWithMalformedJson() {
        failed(only(NOT_DEBUG, record("r1", "{\"level\":")), ErrorCode.MALFORMED_JSON, "r1");
    }

    @Test
    void filter_withInvalidExpression_throwsInvalidArgumentNamingIt() {
        TransformException e = assertThrows(TransformException.class, () -> Processor.filter(".level ==="));
        assertEquals(ErrorCode.INVALID_ARGUMENT, e.errorCode());
        assertTrue(e.getMessage().contains(".level ==="), e.getMessage());
    }
}
