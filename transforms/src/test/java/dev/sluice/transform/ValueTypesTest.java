package dev.sluice.transform;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** SourceRecord, ProcessingRequest, ProcessingResult: validation and defensive copies. */
class ValueTypesTest {

    @Test
    void sourceRecord_whenCallerChangesArrayAfterwards_keepsOriginalBytes() {
        byte[] data = "abc".getBytes(StandardCharsets.UTF_8);
        SourceRecord record = new SourceRecord("r1", Instant.EPOCH, data);
        data[0] = 'X';

        assertEquals("abc", TestRecords.text(record.data()));
    }

    @Test
    void sourceRecord_dataViewsAreIndependentAndReadOnly() {
        SourceRecord record = TestRecords.record("r1", "abc");
        ByteBuffer first = record.data();
        first.get();

        assertEquals(3, record.data().remaining());
        assertTrue(record.data().isReadOnly());
    }

    @Test
    void sourceRecord_withBlankId_throwsInvalidArgument() {
        TransformException e = assertThrows(TransformException.class, () -> TestRecords.record(" ", "x"));
        assertEquals(ErrorCode.INVALID_ARGUMENT, e.errorCode());
    }

    @Test
    void kinesisMetadata_withNegativeSubsequence_throwsInvalidArgument() {
        assertThrows(TransformException.class, () -> new SourceRecord.KinesisRecordMetadata("s", "p", Instant.EPOCH, "1", -1));
    }

    @Test
    void ok_copiesDataAndPartitionKeys_andEqualsByValue() {
        Map<String, String> keys = new HashMap<>(Map.of("k", "v"));
        ByteBuffer data = ByteBuffer.wrap("xyz".getBytes(StandardCharsets.UTF_8));
        ProcessingResult.Ok ok = new ProcessingResult.Ok("r1", data, keys);
        keys.put("k2", "v2");
        data.put(0, (byte) 'Q');

        assertEquals(Map.of("k", "v"), ok.partitionKeys());
        assertEquals(new ProcessingResult.Ok("r1", "xyz".getBytes(StandardCharsets.UTF_8), Map.of("k", "v")), ok);
        assertEquals(0, data.position());
    }

    @Test
    void processingFailed_shortConstructor_usesProcessingFailedStatus() {
        assertEquals(ErrorCode.PROCESSING_FAILED_STATUS, new ProcessingResult.ProcessingFailed("r", "m").errorCode());
        assertEquals("Lambda.ProcessingFailedStatus", ErrorCode.PROCESSING_FAILED_STATUS.code());
    }

    @Test
    void processingRequest_copiesRecordsAndRejectsBlankInvocationId() {
        List<SourceRecord> records = new java.util.ArrayList<>(List.of(TestRecords.record("a", "1")));
        ProcessingRequest request = ProcessingRequest.of(records);
        records.clear();

        assertEquals(1, request.records().size());
        assertThrows(TransformException.class, () -> new ProcessingRequest("", "arn", "r", Optional.empty(), List.of()));
    }

    @Test
    void errorCodes_carryFirehoseNamesAndRetryability() {
        assertEquals("Lambda.MissingRecordId", ErrorCode.MISSING_RECORD_ID.code());
        assertEquals("Lambda.DuplicatedRecordId", ErrorCode.DUPLICATED_RECORD_ID.code());
        assertEquals("Lambda.FunctionError", ErrorCode.FUNCTION_ERROR.toString());
        assertTrue(ErrorCode.INVOKE_TIMEOUT.isRetryable());
        assertTrue(!ErrorCode.MALFORMED_JSON.isRetryable());
        assertEquals("InvalidArgumentException", new TransformException(ErrorCode.INVALID_ARGUMENT, "x").errorCode().code());
    }
}
