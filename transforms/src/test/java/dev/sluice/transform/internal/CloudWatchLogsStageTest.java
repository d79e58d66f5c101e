package dev.sluice.transform.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.transform.ErrorCode;
import dev.sluice.transform.ProcessingResult;
import dev.sluice.transform.Processor;
import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.sluice.transform.TestRecords.failed;
import static dev.sluice.transform.TestRecords.gzip;
import static dev.sluice.transform.TestRecords.okText;
import static dev.sluice.transform.TestRecords.only;
import static dev.sluice.transform.TestRecords.process;
import static dev.sluice.transform.TestRecords.record;
import static org.junit.jupiter.api.Assertions.assertEquals;

class CloudWatchLogsStageTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private static final String DATA_MESSAGE = "{\"messageType\":\"DATA_MESSAGE\",\"owner\":\"123456789012\","
            + "\"logGroup\":\"/aws/lambda/app\",\"logStream\":\"2026/01/01/[$LATEST]abc\","
            + "\"subscriptionFilters\":[\"all\"],\"logEvents\":["
            + "{\"id\":\"e1\",\"timestamp\":1767225600000,\"message\":\"{\\\"level\\\":\\\"info\\\"}\"},"
            + "{\"id\":\"e2\",\"timestamp\":1767225600001,\"message\":\"plain text line\"},"
            + "{\"id\":\"e3\",\"timestamp\":1767225600002,\"message\":\"third\"}]}";

    @Test
    void cloudWatchLogs_withGzippedDataMessage_emitsOneRecordPerLogEventWithDerivedIds() throws Exception {
        List<ProcessingResult> results = process(Processor.cloudWatchLogs(), record("cw", gzip(DATA_MESSAGE)));

        assertEquals(List.of("cw.0", "cw.1", "cw.2"), results.stream().map(ProcessingResult::recordId).toList());
        JsonNode second = MAPPER.readTree(okText(results.get(1)));
        assertEquals(MAPPER.readTree("{\"id\":\"e2\",\"timestamp\":1767225600001,\"message\":\"plain text line\","
                + "\"owner\":\"123456789012\",\"logGroup\":\"/aws/lambda/app\",\"logStream\":\"2026/01/01/[$LATEST]abc\"}"),
                second);
        assertEquals("{\"level\":\"info\"}", MAPPER.readTree(okText(results.get(0))).get("message").textValue());
    }

    @Test
    void cloudWatchLogs_withPlainJson_isAccepted() {
        assertEquals(3, process(Processor.cloudWatchLogs(), record("cw", DATA_MESSAGE)).size());
    }

    @Test
    void cloudWatchLogs_withControlMessage_dropsRecord() {
        String control = "{\"messageType\":\"CONTROL_MESSAGE\",\"owner\":\"CloudwatchLogs\",\"logGroup\":\"\","
                + "\"logStream\":\"\",\"subscriptionFilters\":[],\"logEvents\":[{\"id\":\"\",\"timestamp\":1,"
                + "\"message\":\"CWL CONTROL MESSAGE: Checking health of destination Firehose.\"}]}";

        assertEquals(new ProcessingResult.Dropped("ctl"), only(Processor.cloudWatchLogs(), record("ctl", gzip(control))));
    }

    @Test
    void cloudWatchLogs_withNoEvents_dropsRecord() {
        String empty = "{\"messageType\":\"DATA_MESSAGE\",\"logEvents\":[]}";

        assertEquals(new ProcessingResult.Dropped("r1"), only(Processor.cloudWatchLogs(), record("r1", empty)));
    }

    @Test
    void cloudWatchLogs_whenNotASubscriptionMessage_failsWithMalformedCloudWatchLogs() {
        failed(only(Processor.cloudWatchLogs(), record("r1", "{\"hello\":1}")), ErrorCode.MALFORMED_CLOUDWATCH_LOGS, "r1");
    }

    @Test
    void cloudWatchLogs_whenLogEventLacksMessage_failsWholeRecord() {
        String bad = "{\"messageType\":\"DATA_MESSAGE\",\"logEvents\":[{\"id\":\"a\",\"timestamp\":1,\"message\":\"ok\"},"
                + "{\"id\":\"b\",\"timestamp\":2}]}";

        failed(only(Processor.cloudWatchLogs(), record("r1", bad)), ErrorCode.MALFORMED_CLOUDWATCH_LOGS, "r1");
    }

    @Test
    void cloudWatchLogs_whenDecompressedJsonIsMalformed_failsWithMalformedJson() {
        failed(only(Processor.cloudWatchLogs(), record("r1", gzip("{\"messageType\":"))), ErrorCode.MALFORMED_JSON, "r1");
    }

    @Test
    void cloudWatchLogs_whenGzipIsCorrupt_failsWithDecompressionFailed() {
        byte[] data = gzip(DATA_MESSAGE);
        data[data.length / 2] ^= 0x5A;
        data[data.length / 2 + 1] ^= 0x5A;

        failed(only(Processor.cloudWatchLogs(), record("r1", data)), ErrorCode.DECOMPRESSION_FAILED, "r1");
    }
}
