package dev.sluice.transform.internal;

import dev.sluice.transform.ErrorCode;
import dev.sluice.transform.Processor;
import dev.sluice.transform.TransformException;
import org.junit.jupiter.api.Test;

import static dev.sluice.transform.TestRecords.failed;
import static dev.sluice.transform.TestRecords.okText;
import static dev.sluice.transform.TestRecords.only;
import static dev.sluice.transform.TestRecords.record;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class MaskStageTest {

    private static final String EMAIL = "[\\w.+-]+@[\\w-]+\\.[\\w.]+";

    @Test
    void maskFields_atAnyDepth_replacesValuesIncludingContainers() {
        String json = "{\"email\":\"a@b.io\",\"user\":{\"phone\":\"555\",\"address\":{\"city\":\"X\"},\"age\":3},"
                + "\"items\":[{\"phone\":1}]}";

        String masked = okText(only(Processor.maskFields("email", "phone", "address"), record("r1", json)));

        assertEquals("{\"email\":\"****\",\"user\":{\"phone\":\"****\",\"address\":\"****\",\"age\":3},"
                + "\"items\":[{\"phone\":\"****\"}]}", masked);
    }

    @Test
    void maskPatterns_replacesMatchesInsideStringValuesOnly() {
        String json = "{\"note\":\"mail jo@x.com or al@y.org\",\"jo@x.com\":1,\"n\":[\"z@q.io\"]}";

        String masked = okText(only(Processor.maskPatterns(EMAIL), record("r1", json)));

        assertEquals("{\"note\":\"mail **** or ****\",\"jo@x.com\":1,\"n\":[\"****\"]}", masked);
    }

    @Test
    void maskPatterns_withSeveralPatterns_appliesEach() {
        String json = "{\"t\":\"card 4111-1111-1111-1111 ssn 123-45-6789\"}";

        String masked = okText(only(Processor.maskPatterns("\\d{4}(-\\d{4}){3}", "\\d{3}-\\d{2}-\\d{4}"), record("r1", json)));

        assertEquals("{\"t\":\"card **** ssn ****\"}", masked);
    }

    @Test
    void maskFields_whenNothingMatches_keepsContent() {
        assertEquals("{\"a\":[1,true,null,2.5]}", okText(only(Processor.maskFields("b"), record("r1", "{\"a\":[1,true,null,2.5]}"))));
    }

    @Test
    void maskFields_whenJsonIsMalformed_failsWithMalformedJson() {
        failed(only(Processor.maskFields("email"), record("r1", "{\"email\":\"x\"")), ErrorCode.MALFORMED_JSON, "r1");
    }

    @Test
    void maskFields_whenInvalidUtf8_failsWithInvalidUtf8() {
        byte[] data = {'{', '"', 'a', '"', ':', '"', (byte) 0xED, (byte) 0xA0, (byte) 0x80, '"', '}'};

        failed(only(Processor.maskFields("a"), record("r1", data)), ErrorCode.INVALID_UTF8, "r1");
    }

    @Test
    void maskPatterns_withInvalidRegex_throwsInvalidArgument() {
        TransformException e = assertThrows(TransformException.class, () -> Processor.maskPatterns("(unclosed"));
        assertEquals(ErrorCode.INVALID_ARGUMENT, e.errorCode());
    }
}
