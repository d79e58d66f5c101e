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
import static org.junit.jupiter.api.Assertions.assertThrows;

/** JsonDeaggregationStage and DelimitedDeaggregationStage. */
class DeaggregationStageTest {

    private static List<String> texts(List<ProcessingResult> results) {
        return results.stream().map(dev.sluice.transform.TestRecords::okText).toList();
    }

    private static List<String> ids(List<ProcessingResult> results) {
        return results.stream().map(ProcessingResult::recordId).toList();
    }

    @Test
    void deaggregateJson_withBackToBackObjects_splitsKeepingBytes() {
        List<ProcessingResult> results = process(Processor.deaggregateJson(), record("agg", "{\"a\":1}{\"b\": [2, {}]}{}"));

        assertEquals(List.of("agg.0", "agg.1", "agg.2"), ids(results));
        assertEquals(List.of("{\"a\":1}", "{\"b\": [2, {}]}", "{}"), texts(results));
    }

    @Test
    void deaggregateJson_withNewlineDelimitedObjects_splits() {
        List<ProcessingResult> results = process(Processor.deaggregateJson(), record("agg", "{\"a\":\"é\"}\n{\"b\":2}\r\n\n"));

        assertEquals(List.of("{\"a\":\"é\"}", "{\"b\":2}"), texts(results));
    }

    @Test
    void deaggregateJson_whenOnlyWhitespace_dropsRecord() {
        assertEquals(new ProcessingResult.Dropped("r1"), only(Processor.deaggregateJson(), record("r1", " \n ")));
    }

    @Test
    void deaggregateJson_whenAValueIsNotAnObject_failsWholeRecord() {
        ProcessingResult.ProcessingFailed failure = failed(only(Processor.deaggregateJson(), record("r1", "{\"a\":1} [2]")),
                ErrorCode.MALFORMED_JSON, "r1");
        assertEquals("record 'r1': expected concatenated JSON objects but found [ at byte 8", failure.errorMessage());
    }

    @Test
    void deaggregateJson_whenLastObjectIsTruncated_failsWholeRecordWithoutPartialOutput() {
        failed(only(Processor.deaggregateJson(), record("r1", "{\"a\":1}{\"b\":")), ErrorCode.MALFORMED_JSON, "r1");
    }

    @Test
    void deaggregateJson_whenInvalidUtf8_fails() {
        failed(only(Processor.deaggregateJson(), record("r1", new byte[]{'{', '}', (byte) 0x80})), ErrorCode.INVALID_UTF8, "r1");
    }

    @Test
    void deaggregateDelimited_withCustomDelimiter_splitsAndSkipsEmptyPieces() {
        List<ProcessingResult> results = process(Processor.deaggregateDelimited("####"),
                record("r1", "{\"a\":1}####{\"b\":2}########{\"c\":3}####"));

        assertEquals(List.of("r1.0", "r1.1", "r1.2"), ids(results));
        assertEquals(List.of("{\"a\":1}", "{\"b\":2}", "{\"c\":3}"), texts(results));
    }

    @Test
    void deaggregateDelimited_withNewline_splitsLines() {
        assertEquals(List.of("x", "y"), texts(process(Processor.deaggregateDelimited("\n"), record("r1", "x\ny"))));
    }

    @Test
    void deaggregateDelimited_whenEmpty_dropsRecord() {
        assertEquals(new ProcessingResult.Dropped("r1"), only(Processor.deaggregateDelimited("\n"), record("r1", "\n\n")));
    }

    @Test
    void deaggregateDelimited_withEmptyDelimiter_throwsInvalidArgument() {
        TransformException e = assertThrows(TransformException.class, () -> Processor.deaggregateDelimited(""));
        assertEquals(ErrorCode.INVALID_ARGUMENT, e.errorCode());
    }

    @Test
    void appendNewline_appendsOneNewline() {
        assertEquals("{\"a\":1}\n", okText(only(Processor.appendNewline(), record("r1", "{\"a\":1}"))));
    }

    @Test
    void deaggregateThenAppendNewline_roundTripsNewlineDelimitedJson() {
        List<ProcessingResult> results = process(Processor.chain(Processor.deaggregateJson(), Processor.appendNewline()),
                record("r1", "{\"a\":1}{\"b\":2}"));

        assertEquals("{\"a\":1}\n{\"b\":2}\n", String.join("", texts(results)));
    }
}
