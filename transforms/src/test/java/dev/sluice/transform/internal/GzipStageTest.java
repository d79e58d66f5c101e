package dev.sluice.transform.internal;

import dev.sluice.transform.ErrorCode;
import dev.sluice.transform.ProcessingResult;
import dev.sluice.transform.Processor;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;

import static dev.sluice.transform.TestRecords.failed;
import static dev.sluice.transform.TestRecords.gzip;
import static dev.sluice.transform.TestRecords.okText;
import static dev.sluice.transform.TestRecords.only;
import static dev.sluice.transform.TestRecords.record;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GzipStageTest {

    @Test
    void decompressGzip_withGzipData_returnsOriginalBytes() {
        assertEquals("{\"hello\":\"world\"}", okText(only(Processor.decompressGzip(), record("r1", gzip("{\"hello\":\"world\"}")))));
    }

    @Test
    void decompressGzip_withConcatenatedMembers_returnsAllMembers() {
        ByteArrayOutputStream both = new ByteArrayOutputStream();
        both.writeBytes(gzip("one\n"));
        both.writeBytes(gzip("two\n"));

        assertEquals("one\ntwo\n", okText(only(Processor.decompressGzip(), record("r1", both.toByteArray()))));
    }

    @Test
    void decompressGzip_whenDataIsNotGzip_failsNamingTheMagicBytes() {
        ProcessingResult.ProcessingFailed failure = failed(only(Processor.decompressGzip(), record("plain", "{\"a\":1}")),
                ErrorCode.DECOMPRESSION_FAILED, "plain");
        assertEquals("record 'plain': data is not gzip: starts with 0x7b 0x22, expected 0x1f 0x8b", failure.errorMessage());
    }

    @Test
    void decompressGzip_whenTruncated_fails() {
        byte[] data = gzip("some text that compresses into more than a header".repeat(10));
        byte[] truncated = Arrays.copyOf(data, data.length / 2);

        ProcessingResult.ProcessingFailed failure = failed(only(Processor.decompressGzip(), record("r1", truncated)),
                ErrorCode.DECOMPRESSION_FAILED, "r1");
        assertTrue(failure.errorMessage().contains("corrupt or truncated gzip"), failure.errorMessage());
    }

    @Test
    void decompressGzip_whenShorterThanMagic_fails() {
        failed(only(Processor.decompressGzip(), record("r1", new byte[]{0x1f})), ErrorCode.DECOMPRESSION_FAILED, "r1");
    }

    @Test
    void decompressGzip_whenOutputExceedsGuard_fails() {
        byte[] bomb = gzip(new byte[Gzip.MAX_DECOMPRESSED_BYTES + 1]);

        ProcessingResult.ProcessingFailed failure = failed(only(Processor.decompressGzip(), record("bomb", bomb)),
                ErrorCode.DECOMPRESSION_FAILED, "bomb");
        assertTrue(failure.errorMessage().contains("exceeds " + Gzip.MAX_DECOMPRESSED_BYTES), failure.errorMessage());
    }
}
