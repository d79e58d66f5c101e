package dev.sluice.transform;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Builders and readers for records and results, shared by the tests. */
public final class TestRecords {

    public static final Instant ARRIVAL = Instant.parse("2026-01-01T00:00:00.123Z");

    private TestRecords() {
    }

    public static SourceRecord record(String id, String data) {
        return new SourceRecord(id, ARRIVAL, data.getBytes(StandardCharsets.UTF_8));
    }

    public static SourceRecord record(String id, byte[] data) {
        return new SourceRecord(id, ARRIVAL, data);
    }

    /** Records r0..r(n-1) with data {"n":i}. */
    public static List<SourceRecord> numbered(String prefix, int count) {
        List<SourceRecord> records = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            records.add(record(prefix + i, "{\"n\":" + i + "}"));
        }
        return records;
    }

    public static List<ProcessingResult> process(Processor processor, SourceRecord... records) {
        return processor.process(ProcessingRequest.of(Arrays.asList(records))).records();
    }

    public static ProcessingResult only(Processor processor, SourceRecord record) {
        List<ProcessingResult> results = process(processor, record);
        assertEquals(1, results.size(), () -> "expected one result but got " + results);
        return results.get(0);
    }

    public static String text(ByteBuffer data) {
        return StandardCharsets.UTF_8.decode(data).toString();
    }

    public static String okText(ProcessingResult result) {
        return text(assertInstanceOf(ProcessingResult.Ok.class, result, () -> "expected Ok but got " + result).data());
    }

    public static ProcessingResult.ProcessingFailed failed(ProcessingResult result, ErrorCode code, String recordId) {
        ProcessingResult.ProcessingFailed failed = assertInstanceOf(ProcessingResult.ProcessingFailed.class, result,
                () -> "expected ProcessingFailed but got " + result);
        assertEquals(code, failed.errorCode(), failed::errorMessage);
        assertEquals(recordId, failed.recordId());
        assertTrue(failed.errorMessage().startsWith("record '" + recordId + "': "), failed.errorMessage());
        return failed;
    }

    public static byte[] gzip(String text) {
        return gzip(text.getBytes(StandardCharsets.UTF_8));
    }

    public static byte[] gzip(byte[] data) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(bytes)) {
            out.write(data);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }
}
