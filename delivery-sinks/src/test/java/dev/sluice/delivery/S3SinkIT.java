package dev.sluice.delivery;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CreateBucketRequest;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.S3Object;

import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static dev.sluice.delivery.TestData.lines;
import static dev.sluice.delivery.TestData.records;
import static dev.sluice.delivery.TestData.utf8;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The S3 sink with the real AWS SDK against s3mock's standalone jar, started as a child process on loopback. */
class S3SinkIT {

    private static final String BUCKET = "sluice-it";

    @TempDir
    static Path work;

    private static Process s3mock;
    private static int port;
    private static S3Client reader;

    @BeforeAll
    static void startS3Mock() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort();
        }
        Path jar = Path.of("target", "s3mock", "s3mock-exec.jar");
        assertTrue(jar.toFile().isFile(), "maven-dependency-plugin should have copied " + jar);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        s3mock = new ProcessBuilder(java, "-Xmx512m", "-Dorg.springframework.boot.logging.LoggingSystem=none",
                "-jar", jar.toString(), "--http.port=" + port, "--server.port=0", "--server.address=127.0.0.1",
                "--com.adobe.testing.s3mock.store.root=" + work.resolve("store"))
                .redirectErrorStream(true)
                .redirectOutput(work.resolve("s3mock.log").toFile())
                .start();
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(250)).until(S3SinkIT::listening);
        reader = S3Client.builder().region(Region.US_EAST_1).forcePathStyle(true)
                .endpointOverride(URI.create("http://127.0.0.1:" + port))
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("it", "it")))
                .build();
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions()
                .until(() -> reader.createBucket(CreateBucketRequest.builder().bucket(BUCKET).build()) != null);
    }

    private static boolean listening() {
        if (!s3mock.isAlive()) {
            throw new IllegalStateException("s3mock exited; see " + work.resolve("s3mock.log"));
        }
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    @AfterAll
    static void stopS3Mock() throws InterruptedException {
        if (reader != null) {
            reader.close();
        }
        if (s3mock != null) {
            s3mock.destroy();
            if (!s3mock.waitFor(20, TimeUnit.SECONDS)) {
                s3mock.destroyForcibly();
            }
        }
    }

    private static S3Destination destination() {
        return S3Destination.of(BUCKET, "us-east-1").withEndpoint(URI.create("http://127.0.0.1:" + port))
                .withCredentials("it", "it");
    }

    private static byte[] get(String key) {
        return reader.getObjectAsBytes(GetObjectRequest.builder().bucket(BUCKET).key(key).build()).asByteArray();
    }

    private static List<String> keys(String prefix) {
        List<String> keys = new ArrayList<>();
        for (S3Object object : reader.listObjectsV2Paginator(ListObjectsV2Request.builder().bucket(BUCKET)
                .prefix(prefix).build()).contents()) {
            keys.add(object.key());
        }
        return keys;
    }

    @Test
    void deliveryStream_toS3_writesGzipJsonLinesUnderFirehoseKeys() {
        try (DeliveryStream stream = DeliveryStream.builder().name("s3it").sink(Sink.s3(destination()))
                .prefix("events/").outputFormat(OutputFormat.jsonLines()).compression(Compression.GZIP).build()) {
            stream.putRecordBatch(records(100, "{\"n\":%d}"));
            stream.flush(Duration.ofSeconds(60));
            assertEquals(100, stream.stats().deliveredRecords());
            assertTrue(stream.stats().reconciles());
        }
        List<String> keys = keys("events/");
        assertEquals(1, keys.size());
        assertTrue(keys.get(0).matches("events/\\d{4}/\\d{2}/\\d{2}/\\d{2}/s3it-1-\\d{4}(-\\d{2}){5}-[0-9a-f-]{36}\\.gz"),
                keys.get(0));
        List<String> lines = lines(TestData.gunzip(get(keys.get(0))));
        assertEquals(100, lines.size());
        assertEquals("{\"n\":99}", lines.get(99));
    }

    @Test
    void write_createIfAbsentOnExistingKey_reportsAlreadyExistsAndKeepsFirst() throws Exception {
        Sink sink = Sink.s3(destination());
        try {
            SinkObject first = new SinkObject("conditional/k", ByteBuffer.wrap(utf8("first")), "text/plain",
                    List.of(), "r", true, Instant.EPOCH);
            SinkObject second = new SinkObject("conditional/k", ByteBuffer.wrap(utf8("second")), "text/plain",
                    List.of(), "r", true, Instant.EPOCH);
            assertEquals(SinkResult.CREATED, sink.write(first));
            assertEquals(SinkResult.ALREADY_EXISTS, sink.write(second));
            assertEquals("first", new String(get("conditional/k"), java.nio.charset.StandardCharsets.UTF_8));
        } finally {
            sink.close();
        }
    }

    @Test
    void write_missingBucket_failsWithS3ErrorCode() {
        Sink sink = Sink.s3(new S3Destination("no-such-bucket", "us-east-1",
                java.util.Optional.of(URI.create("http://127.0.0.1:" + port)), true,
                java.util.Optional.of("it"), java.util.Optional.of("it")));
        try {
            DeliveryException e = org.junit.jupiter.api.Assertions.assertThrows(DeliveryException.class,
                    () -> sink.write(new SinkObject("k", ByteBuffer.wrap(utf8("x")), "text/plain", List.of(), "r",
                            false, Instant.EPOCH)));
            assertEquals(ErrorCode.S3_INTERNAL_ERROR, e.errorCode());
            assertTrue(e.getMessage().contains("NoSuchBucket"), e.getMessage());
        } finally {
            sink.close();
        }
        reader.putObject(PutObjectRequest.builder().bucket(BUCKET).key("sanity").build(), RequestBody.fromString("ok"));
        assertEquals(List.of("sanity"), keys("sanity"));
        assertTrue(new File(work.toFile(), "store").isDirectory());
    }
}
