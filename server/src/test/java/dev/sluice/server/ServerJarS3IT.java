package dev.sluice.server;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.firehose.FirehoseClient;
import software.amazon.awssdk.services.firehose.model.DeliveryStreamStatus;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code java -jar sluice-server.jar --s3-endpoint URL}: a Firehose delivery stream writes its objects to an
 * S3-compatible endpoint (s3mock's standalone jar, a child process). The S3 client is optional in delivery-sinks, so
 * only the shaded jar itself shows that it carries it.
 */
@Timeout(180)
class ServerJarS3IT {

    private static final Path JAR = Path.of("target", "sluice-server.jar").toAbsolutePath();
    private static final Pattern FIRST_LINE = Pattern.compile(
            "Sluice server listening on (http://127\\.0\\.0\\.1:\\d+) \\(ready in (\\d+) ms\\)");
    private static final String BUCKET = "jar-bucket";

    @Test
    void firehoseToS3Endpoint_fromTheJar_writesTheRecords(@TempDir Path work) throws Exception {
        int port = freePort();
        Path s3mockJar = Path.of("target", "s3mock", "s3mock-exec.jar");
        assertTrue(Files.isRegularFile(s3mockJar), "maven-dependency-plugin should have copied " + s3mockJar);
        assertTrue(Files.isRegularFile(JAR), JAR + " is missing: run the package phase first");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process s3mock = new ProcessBuilder(java, "-Xmx512m", "-Dorg.springframework.boot.logging.LoggingSystem=none",
                "-jar", s3mockJar.toString(), "--http.port=" + port, "--server.port=0", "--server.address=127.0.0.1",
                "--com.adobe.testing.s3mock.store.root=" + work.resolve("store"))
                .redirectErrorStream(true).redirectOutput(work.resolve("s3mock.log").toFile()).start();
        Process server = null;
        URI s3Endpoint = URI.create("http://127.0.0.1:" + port);
        try (S3Client s3 = S3Client.builder().region(Region.US_EAST_1).forcePathStyle(true).endpointOverride(s3Endpoint)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("it", "it")))
                .build()) {
            await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(250))
                    .until(() -> listening(s3mock, port, work));
            await().atMost(Duration.ofSeconds(30)).ignoreExceptions()
                    .until(() -> s3.createBucket(b -> b.bucket(BUCKET)) != null);

            Files.createDirectories(work.resolve("cwd"));
            ProcessBuilder builder = new ProcessBuilder(java, "-jar", JAR.toString(), "--port", "0", "--in-memory",
                    "--s3-endpoint", s3Endpoint.toString()).directory(work.resolve("cwd").toFile())
                    .redirectError(work.resolve("server-stderr.txt").toFile());
            // The server's S3 sink signs with the SDK's default chain, as a user's deployment would.
            builder.environment().put("AWS_ACCESS_KEY_ID", "it");
            builder.environment().put("AWS_SECRET_ACCESS_KEY", "it");
            server = builder.start();
            BufferedReader out = new BufferedReader(new InputStreamReader(server.getInputStream(),
                    StandardCharsets.UTF_8));
            Matcher first = FIRST_LINE.matcher(String.valueOf(out.readLine()));
            assertTrue(first.matches(), "first line of the server");
            URI endpoint = URI.create(first.group(1));

            try (FirehoseClient firehose = Clients.firehose(endpoint)) {
                firehose.createDeliveryStream(b -> b.deliveryStreamName("to-s3")
                        .extendedS3DestinationConfiguration(d -> d.bucketARN("arn:aws:s3:::" + BUCKET)
                                .roleARN("arn:aws:iam::000000000000:role/firehose").prefix("jar/")
                                .bufferingHints(h -> h.intervalInSeconds(60).sizeInMBs(1))));
                await().atMost(Duration.ofSeconds(30)).until(() -> firehose.describeDeliveryStream(
                        b -> b.deliveryStreamName("to-s3")).deliveryStreamDescription().deliveryStreamStatus()
                        == DeliveryStreamStatus.ACTIVE);
                List<software.amazon.awssdk.services.firehose.model.Record> records = new ArrayList<>();
                for (int i = 0; i < 100; i++) {
                    records.add(software.amazon.awssdk.services.firehose.model.Record.builder()
                            .data(SdkBytes.fromUtf8String("{\"n\":" + i + "}\n")).build());
                }
                assertEquals(0, firehose.putRecordBatch(b -> b.deliveryStreamName("to-s3").records(records))
                        .failedPutCount());
                firehose.deleteDeliveryStream(b -> b.deliveryStreamName("to-s3")); // flushes what is buffered
            }

            List<String> lines = new ArrayList<>();
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).until(() -> {
                lines.clear();
                for (S3Object object : s3.listObjectsV2Paginator(b -> b.bucket(BUCKET).prefix("jar/")).contents()) {
                    String body = s3.getObjectAsBytes(b -> b.bucket(BUCKET).key(object.key())).asUtf8String();
                    body.lines().forEach(lines::add);
                }
                return lines.size() >= 100;
            });
            assertEquals(100, lines.size(), "every record once: " + lines);
            for (int i = 0; i < 100; i++) {
                assertTrue(lines.contains("{\"n\":" + i + "}"), "record " + i);
            }
        } finally {
            if (server != null) {
                server.destroy();
                if (!server.waitFor(30, TimeUnit.SECONDS)) {
                    server.destroyForcibly();
                }
            }
            s3mock.destroy();
            if (!s3mock.waitFor(20, TimeUnit.SECONDS)) {
                s3mock.destroyForcibly();
            }
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private static boolean listening(Process s3mock, int port, Path work) {
        if (!s3mock.isAlive()) {
            throw new IllegalStateException("s3mock exited; see " + work.resolve("s3mock.log"));
        }
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
