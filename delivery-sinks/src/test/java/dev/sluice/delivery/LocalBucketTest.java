package dev.sluice.delivery;

import dev.sluice.stream.testing.ManualClock;
import dev.sluice.transform.Processor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

import com.github.luben.zstd.ZstdInputStream;
import org.xerial.snappy.Snappy;
import org.xerial.snappy.SnappyFramedInputStream;

import static dev.sluice.delivery.TestData.files;
import static dev.sluice.delivery.TestData.lines;
import static dev.sluice.delivery.TestData.rawData;
import static dev.sluice.delivery.TestData.records;
import static dev.sluice.delivery.TestData.utf8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LocalBucketTest {

    @TempDir
    Path bucket;

    private final ManualClock time = new ManualClock(Instant.parse("2026-03-04T05:06:07Z"));

    private DeliveryStream.Builder builder(Path root) {
        return DeliveryStream.builder().name("orders").clock(time).ticker(time).sink(Sink.localBucket(root))
                .retryBackoff(Duration.ofMillis(10));
    }

    private static SinkObject object(String key, String content, boolean ifAbsent) {
        return new SinkObject(key, ByteBuffer.wrap(utf8(content)), "text/plain", List.of(), "r-1", ifAbsent,
                Instant.EPOCH);
    }

    @Test
    void write_validKey_commitsAtomicallyWithNoTemporaryFileLeft() throws Exception {
        Sink sink = Sink.localBucket(bucket);
        assertEquals(SinkResult.CREATED, sink.write(object("a/b/c.json", "hello", false)));
        assertEquals("hello", Files.readString(bucket.resolve("a/b/c.json")));
        assertEquals(List.of("a/b/c.json"), files(bucket));
        assertEquals(SinkResult.CREATED, sink.write(object("a/b/c.json", "again", false)));
        assertEquals("again", Files.readString(bucket.resolve("a/b/c.json")));
    }

    @Test
    void write_createIfAbsentOnExistingKey_keepsFirstAndReportsAlreadyExists() throws Exception {
        Sink sink = Sink.localBucket(bucket);
        assertEquals(SinkResult.CREATED, sink.write(object("k", "first", true)));
        assertEquals(SinkResult.ALREADY_EXISTS, sink.write(object("k", "second", true)));
        assertEquals("first", Files.readString(bucket.resolve("k")));
        assertEquals(List.of("k"), files(bucket));
    }

    @Test
    void write_keyEscapingBucket_isRejectedAsInvalidPrefix() {
        Sink sink = Sink.localBucket(bucket);
        for (String key : List.of("../x", "a/../../x", "/etc/passwd", "a//b", "a/./b", "a\\b", "a\u0001b", "a/")) {
            DeliveryException e = assertThrows(DeliveryException.class, () -> sink.write(object(key, "x", false)),
                    key);
            assertEquals(ErrorCode.INVALID_PREFIX, e.errorCode(), key);
            assertTrue(!e.isRetryable());
        }
        assertEquals(List.of(), files(bucket));
    }

    @Test
    void directoryRefusingWrites_sendsRecordsToErrorOutputInSameBucket() throws IOException {
        // A regular file where the data prefix's directory must go makes every data write fail (even as root).
        Files.createDirectories(bucket);
        Files.writeString(bucket.resolve("data"), "not a directory");
        try (DeliveryStream stream = builder(bucket).prefix("data/").retryDuration(Duration.ZERO)
                .outputFormat(OutputFormat.jsonLines()).build()) {
            stream.putRecordBatch(records(5, "{\"n\":%d}"));
            stream.flush(Duration.ofSeconds(10));
            DeliveryStats stats = stream.stats();
            assertEquals(5, stats.errorOutputRecords());
            assertTrue(stats.reconciles());
        }
        List<String> errorFiles = files(bucket).stream().filter(f -> f.startsWith("s3-failed/")).toList();
        assertEquals(1, errorFiles.size(), files(bucket).toString());
        assertTrue(errorFiles.get(0).startsWith("s3-failed/2026/03/04/05/orders-1-2026-03-04-05-06-07-"));
        List<String> envelopes = lines(Files.readAllBytes(bucket.resolve(errorFiles.get(0))));
        assertEquals(5, envelopes.size());
        assertTrue(envelopes.get(0).contains("\"errorCode\":\"S3.InternalError\""), envelopes.get(0));
        assertEquals("{\"n\":0}", rawData(envelopes.get(0)));
    }

    @Test
    void directoryRefusingWritesThenRecovering_deliversAfterRetries() throws Exception {
        Files.writeString(bucket.resolve("data"), "not a directory");
        try (DeliveryStream stream = builder(bucket).prefix("data/").retryDuration(Duration.ofHours(1))
                .outputFormat(OutputFormat.jsonLines()).build()) {
            stream.putRecordBatch(records(3, "{\"n\":%d}"));
            time.autoAdvance(Duration.ofMillis(5)); // every reading of the clock moves it on
            assertThrows(DeliveryException.class, () -> stream.flush(Duration.ofMillis(300)));
            assertEquals(3, stream.stats().pendingRecords());
            Files.delete(bucket.resolve("data"));
            stream.flush(Duration.ofSeconds(10));
            time.autoAdvance(Duration.ZERO);
            assertEquals(3, stream.stats().deliveredRecords());
            assertTrue(stream.stats().reconciles());
        }
        assertEquals(1, files(bucket).stream().filter(f -> f.startsWith("data/")).count());
    }

    @Test
    void compression_eachCodec_roundTripsAndNamesTheExtension() throws IOException {
        for (Compression compression : Compression.values()) {
            Path root = bucket.resolve(compression.name());
            List<byte[]> input = records(200, "{\"n\":%d,\"pad\":\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"}");
            try (DeliveryStream stream = builder(root).outputFormat(OutputFormat.jsonLines()).compression(compression)
                    .build()) {
                stream.putRecordBatch(input);
                stream.flush();
            }
            List<String> written = files(root);
            assertEquals(1, written.size(), compression + " " + written);
            assertTrue(written.get(0).endsWith("-" + written.get(0).substring(written.get(0).lastIndexOf('-') + 1)));
            assertTrue(written.get(0).endsWith(compression.extension()) || compression.extension().isEmpty());
            byte[] content = decompress(compression, Files.readAllBytes(root.resolve(written.get(0))));
            List<String> expected = new ArrayList<>();
            input.forEach(b -> expected.add(new String(b, java.nio.charset.StandardCharsets.UTF_8)));
            assertEquals(expected, lines(content), compression.name());
        }
    }

    @Test
    void rawFormat_withDelimiter_writesRecordsAndDelimiters() throws IOException {
        try (DeliveryStream stream = builder(bucket).outputFormat(OutputFormat.raw("|")).build()) {
            stream.putRecordBatch(List.of(utf8("a"), utf8("b")));
            stream.flush();
        }
        assertArrayEquals(utf8("a|b|"), Files.readAllBytes(bucket.resolve(files(bucket).get(0))));
    }

    @Test
    void partitionValueWithDotDot_neverWritesOutsideBucket() throws IOException {
        Path inner = bucket.resolve("inner");
        try (DeliveryStream stream = builder(inner).outputFormat(OutputFormat.jsonLines())
                .processor(Processor.metadataExtraction(Map.of("p", ".p")))
                .prefix("!{partitionKeyFromQuery:p}/x/").build()) {
            stream.putRecordBatch(List.of(utf8("{\"p\":\"..\"}"), utf8("{\"p\":\"ok\"}"), utf8("{\"p\":\"/abs\"}")));
            stream.flush();
            assertEquals(1, stream.stats().deliveredRecords());
            assertEquals(2, stream.stats().errorOutputRecords());
        }
        try (var walk = Files.list(bucket)) {
            assertEquals(List.of(inner), walk.toList());
        }
        assertTrue(files(inner).stream().anyMatch(f -> f.startsWith("ok/x/")));
    }

    static byte[] decompress(Compression compression, byte[] bytes) throws IOException {
        switch (compression) {
            case UNCOMPRESSED:
                return bytes;
            case GZIP:
                return TestData.gunzip(bytes);
            case ZIP:
                try (ZipInputStream zip = new ZipInputStream(new ByteArrayInputStream(bytes))) {
                    ZipEntry entry = zip.getNextEntry();
                    assertTrue(entry != null && !entry.getName().endsWith(".zip"));
                    return zip.readAllBytes();
                }
            case SNAPPY:
                try (InputStream in = new SnappyFramedInputStream(new ByteArrayInputStream(bytes))) {
                    return in.readAllBytes();
                }
            case ZSTD:
                try (InputStream in = new ZstdInputStream(new ByteArrayInputStream(bytes))) {
                    return in.readAllBytes();
                }
            case HADOOP_SNAPPY: {
                ByteBuffer in = ByteBuffer.wrap(bytes);
                java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
                while (in.hasRemaining()) {
                    int raw = in.getInt();
                    int compressed = in.getInt();
                    byte[] chunk = new byte[compressed];
                    in.get(chunk);
                    byte[] plain = Snappy.uncompress(chunk);
                    assertEquals(raw, plain.length);
                    out.write(plain);
                }
                return out.toByteArray();
            }
            default:
                throw new AssertionError(compression);
        }
    }
}
