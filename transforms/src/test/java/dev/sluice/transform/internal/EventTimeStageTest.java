package dev.sluice.transform.internal;

import dev.sluice.transform.ErrorCode;
import dev.sluice.transform.ProcessingResult;
import dev.sluice.transform.Processor;
import dev.sluice.transform.TransformException;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;

import static dev.sluice.transform.TestRecords.failed;
import static dev.sluice.transform.TestRecords.only;
import static dev.sluice.transform.TestRecords.record;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EventTimeStageTest {

    private static final Map<String, String> HOURLY = hourly();

    private static Map<String, String> hourly() {
        Map<String, String> keys = new LinkedHashMap<>();
        keys.put("dt", "yyyy-MM-dd");
        keys.put("hour", "HH");
        return keys;
    }

    private static Map<String, String> keys(Processor processor, String json) {
        ProcessingResult result = only(processor, record("r1", json));
        return assertInstanceOf(ProcessingResult.Ok.class, result, result::toString).partitionKeys();
    }

    @Test
    void eventTime_withIso8601Offset_convertsToUtcKeys() {
        assertEquals(Map.of("dt", "2026-03-04", "hour", "03"),
                keys(Processor.eventTime("ts", "iso8601", HOURLY), "{\"ts\":\"2026-03-04T05:06:07+02:00\"}"));
    }

    @Test
    void eventTime_withIso8601WithoutOffset_readsAsUtc() {
        assertEquals(Map.of("dt", "2026-03-04", "hour", "05"),
                keys(Processor.eventTime("ts", "iso8601", HOURLY), "{\"ts\":\"2026-03-04T05:06:07.5\"}"));
    }

    @Test
    void eventTime_withEpochSecondsNumberOrString_supportsFractions() {
        Processor processor = Processor.eventTime("t", "epoch_seconds", Map.of("at", "yyyy-MM-dd'T'HH:mm:ss.SSS"));

        assertEquals(Map.of("at", "2026-01-01T00:00:01.250"), keys(processor, "{\"t\":1767225601.25}"));
        assertEquals(Map.of("at", "2026-01-01T00:00:01.000"), keys(processor, "{\"t\":\"1767225601\"}"));
    }

    @Test
    void eventTime_withEpochMillisInNestedField_usesPath() {
        assertEquals(Map.of("dt", "2026-01-01", "hour", "00"),
                keys(Processor.eventTime("meta.ts", "epoch_millis", HOURLY), "{\"meta\":{\"ts\":1767225601999}}"));
    }

    @Test
    void eventTime_withCustomPattern_parsesInUtc() {
        assertEquals(Map.of("dt", "2026-12-31", "hour", "23"),
                keys(Processor.eventTime("when", "dd/MM/yyyy HH:mm", HOURLY), "{\"when\":\"31/12/2026 23:59\"}"));
    }

    @Test
    void eventTime_whenFieldIsMissing_failsNamingField() {
        ProcessingResult.ProcessingFailed failure = failed(only(Processor.eventTime("ts", "iso8601", HOURLY),
                record("r7", "{\"other\":1}")), ErrorCode.EVENT_TIME_EXTRACTION_FAILED, "r7");
        assertEquals("record 'r7': event-time field 'ts' is missing", failure.errorMessage());
    }

    @Test
    void eventTime_whenValueDoesNotMatchFormat_failsNamingValueAndFormat() {
        ProcessingResult.ProcessingFailed failure = failed(only(Processor.eventTime("ts", "iso8601", HOURLY),
                record("r1", "{\"ts\":\"yesterday\"}")), ErrorCode.EVENT_TIME_EXTRACTION_FAILED, "r1");
        assertTrue(failure.errorMessage().contains("\"yesterday\" does not match format 'iso8601'"), failure.errorMessage());
    }

    @Test
    void eventTime_whenEpochIsNotNumeric_fails() {
        failed(only(Processor.eventTime("ts", "epoch_millis", HOURLY), record("r1", "{\"ts\":\"soon\"}")),
                ErrorCode.EVENT_TIME_EXTRACTION_FAILED, "r1");
    }

    @Test
    void eventTime_whenJsonIsMalformed_failsWithMalformedJson() {
        failed(only(Processor.eventTime("ts", "iso8601", HOURLY), record("r1", "ts=1")), ErrorCode.MALFORMED_JSON, "r1");
    }

    @Test
    void eventTime_withDateOnlyFormat_throwsInvalidArgument() {
        TransformException e = assertThrows(TransformException.class,
                () -> Processor.eventTime("ts", "yyyy-MM-dd", HOURLY));
        assertEquals(ErrorCode.INVALID_ARGUMENT, e.errorCode());
    }

    @Test
    void eventTime_withoutKeys_throwsInvalidArgument() {
        assertThrows(TransformException.class, () -> Processor.eventTime("ts", "iso8601", Map.of()));
    }
}
