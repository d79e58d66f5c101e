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
import static dev.sluice.transform.TestRecords.record;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CsvToJsonStageTest {

    @Test
    void csvToJson_withHeaderLine_convertsEachRowToAnObject() {
        String csv = "id,name,city\n1,Ann,Oslo\r\n2,Bob,Rome\n";

        assertEquals("{\"id\":\"1\",\"name\":\"Ann\",\"city\":\"Oslo\"}\n{\"id\":\"2\",\"name\":\"Bob\",\"city\":\"Rome\"}",
                okText(only(Processor.csvToJson(), record("r1", csv))));
    }

    @Test
    void csvToJson_withQuotedFields_handlesCommasQuotesAndLineBreaks() {
        String csv = "a,b,c\n\"x, y\",\"say \"\"hi\"\"\",\"two\nlines\"";

        assertEquals("{\"a\":\"x, y\",\"b\":\"say \\\"hi\\\"\",\"c\":\"two\\nlines\"}",
                okText(only(Processor.csvToJson(), record("r1", csv))));
    }

    @Test
    void csvToJson_withConfiguredHeader_treatsEveryLineAsData() {
        assertEquals("{\"id\":\"7\",\"name\":\"\"}",
                okText(only(Processor.csvToJson(List.of("id", "name")), record("r1", "7,"))));
    }

    @Test
    void csvToJson_withBlankLines_ignoresThem() {
        assertEquals("{\"a\":\"1\"}", okText(only(Processor.csvToJson(), record("r1", "a\n\n1\n\n"))));
    }

    @Test
    void csvToJson_whenLineHasWrongColumnCount_failsNamingLineAndCounts() {
        String csv = "id,name\n1,Ann\n2,Bob,extra\n";

        ProcessingResult.ProcessingFailed failure = failed(only(Processor.csvToJson(), record("r9", csv)),
                ErrorCode.MALFORMED_CSV, "r9");
        assertEquals("record 'r9': CSV line 3 has 3 fields but the header has 2", failure.errorMessage());
    }

    @Test
    void csvToJson_whenQuoteIsUnterminated_failsNamingStartLine() {
        ProcessingResult.ProcessingFailed failure = failed(only(Processor.csvToJson(), record("r1", "a,b\n1,\"open\n2,3")),
                ErrorCode.MALFORMED_CSV, "r1");
        assertTrue(failure.errorMessage().contains("unterminated quoted field starting on line 2"), failure.errorMessage());
    }

    @Test
    void csvToJson_whenQuoteAppearsInsideUnquotedField_fails() {
        failed(only(Processor.csvToJson(), record("r1", "a\nab\"c")), ErrorCode.MALFORMED_CSV, "r1");
    }

    @Test
    void csvToJson_whenHeaderRepeatsAColumn_fails() {
        failed(only(Processor.csvToJson(), record("r1", "a,a\n1,2")), ErrorCode.MALFORMED_CSV, "r1");
    }

    @Test
    void csvToJson_whenOnlyHeader_dropsRecord() {
        assertEquals(new ProcessingResult.Dropped("r1"), only(Processor.csvToJson(), record("r1", "a,b\n")));
    }

    @Test
    void csvToJson_whenInvalidUtf8_failsWithInvalidUtf8() {
        failed(only(Processor.csvToJson(), record("r1", new byte[]{'a', '\n', (byte) 0xC0, (byte) 0xAF})),
                ErrorCode.INVALID_UTF8, "r1");
    }

    @Test
    void csvToJson_withDuplicateConfiguredColumns_throwsInvalidArgument() {
        TransformException e = assertThrows(TransformException.class, () -> Processor.csvToJson(List.of("a", "a")));
        assertEquals(ErrorCode.INVALID_ARGUMENT, e.errorCode());
    }
}
