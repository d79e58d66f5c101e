package dev.sluice.server;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.firehose.FirehoseClient;
import software.amazon.awssdk.services.kinesis.KinesisClient;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
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
import java.util.stream.Stream;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code java -jar target/sluice-server.jar} as users run it (the shaded jar exists in the integration-test phase):
 * the first line, where buckets and data go by default, {@code --help}, and a bad option's exit status.
 */
@Timeout(120)
class ServerJarIT {

    private static final Path JAR = Path.of("target", "sluice-server.jar").toAbsolutePath();
    private static final Pattern FIRST_LINE = Pattern.compile(
            "Sluice server listening on (http://127\\.0\\.0\\.1:\\d+) \\(ready in (\\d+) ms\\)");

    private static Process start(Path workingDirectory, String... args) throws IOException {
        assertTrue(Files.isRegularFile(JAR), JAR + " is missing: run the package phase first");
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", JAR.toString()));
        command.addAll(List.of(args));
        // stderr goes to a file: destroy() closes the process's pipes.
        return new ProcessBuilder(command).directory(workingDirectory.toFile())
                .redirectError(workingDirectory.resolve("stderr.txt").toFile()).start();
    }

    @Test
    void jar_printsTheEndpointFirst_thenWhereBucketsAndDataAre_andServesFromTheDefaultDataDirectory(@TempDir Path cwd)
            throws Exception {
        Process process = start(cwd, "--port", "0");
        try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String first = out.readLine();
            Matcher matcher = FIRST_LINE.matcher(String.valueOf(first));
            assertTrue(matcher.matches(), "first line: " + first);
            Path data = cwd.resolve("sluice-data").toRealPath();
            String buckets = out.readLine();
            assertTrue(buckets.startsWith("Buckets: " + data.resolve("buckets")), buckets);
            String dataLine = out.readLine();
            assertTrue(dataLine.startsWith("Data: " + data), dataLine);
            assertTrue(Files.isDirectory(data.resolve("streams")), "durable streams in the default data directory");

            try (KinesisClient kinesis = Clients.kinesis(URI.create(matcher.group(1)), true, false)) {
                kinesis.createStream(b -> b.streamName("from-the-jar").shardCount(1));
                assertTrue(kinesis.listStreams().streamNames().contains("from-the-jar"));
            }
        } finally {
            process.destroy();
            assertTrue(process.waitFor(60, TimeUnit.SECONDS), "the server stops on SIGTERM");
        }
        String errors = Files.readString(cwd.resolve("stderr.txt"));
        assertEquals("", errors, "quiet by default (WARN), and no SLF4J replay warning from start-up threads");
    }

    @Test
    void inMemory_keepsBucketsInATemporaryDirectory_deletedWhenTheServerExits(@TempDir Path cwd) throws Exception {
        assertTrue(Files.isRegularFile(JAR), JAR + " is missing: run the package phase first");
        Path tmp = Files.createDirectories(cwd.resolve("tmp")).toRealPath();
        Process process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Djava.io.tmpdir=" + tmp, "-jar", JAR.toString(), "--port", "0", "--in-memory")
                .directory(cwd.toFile()).redirectError(cwd.resolve("stderr.txt").toFile()).start();
        Path bucket;
        try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            Matcher matcher = FIRST_LINE.matcher(String.valueOf(out.readLine()));
            assertTrue(matcher.matches());
            String buckets = out.readLine();
            assertTrue(buckets.startsWith("Buckets: " + tmp.resolve("sluice-")), buckets);
            Path bucketsDirectory = Path.of(buckets.substring("Buckets: ".length(), buckets.indexOf(" (")));
            assertTrue(out.readLine().contains("deleted when the server exits"));
            // A delivered object, so the directory holds files, not only empty folders.
            try (KinesisClient kinesis = Clients.kinesis(URI.create(matcher.group(1)), true, false);
                 FirehoseClient firehose = Clients.firehose(URI.create(matcher.group(1)))) {
                firehose.createDeliveryStream(b -> b.deliveryStreamName("d").extendedS3DestinationConfiguration(
                        d -> d.bucketARN("arn:aws:s3:::kept").bufferingHints(h -> h.sizeInMBs(1).intervalInSeconds(0))));
                firehose.putRecord(b -> b.deliveryStreamName("d").record(r -> r.data(SdkBytes.fromUtf8String("x\n"))));
                // And one still buffered at exit: the server's own shutdown delivers it into the directory while
                // the cleanup runs, so the directory must still be gone afterwards.
                firehose.createDeliveryStream(b -> b.deliveryStreamName("late").extendedS3DestinationConfiguration(
                        d -> d.bucketARN("arn:aws:s3:::late").bufferingHints(h -> h.sizeInMBs(128)
                                .intervalInSeconds(900))));
                firehose.putRecord(b -> b.deliveryStreamName("late").record(r -> r.data(SdkBytes.fromUtf8String("y\n"))));
            }
            bucket = bucketsDirectory.resolve("kept");
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                try (Stream<Path> files = Files.walk(bucket)) {
                    return files.anyMatch(Files::isRegularFile);
                } catch (IOException e) {
                    return false;
                }
            });
        } finally {
            process.destroy();
            assertTrue(process.waitFor(60, TimeUnit.SECONDS), "the server stops on SIGTERM");
        }
        try (Stream<Path> left = Files.list(tmp)) {
            List<Path> sluice = left.filter(p -> p.getFileName().toString().startsWith("sluice-")).toList();
            assertEquals(List.of(), sluice, "the server's temporary directory is deleted at exit");
        }
    }

    @Test
    void logLevelInfo_showsTheLibrariesInfoLinesOnStderr(@TempDir Path cwd) throws Exception {
        Process process = start(cwd, "--port", "0", "--log-level", "info");
        try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            Matcher matcher = FIRST_LINE.matcher(String.valueOf(out.readLine()));
            assertTrue(matcher.matches());
            try (KinesisClient kinesis = Clients.kinesis(URI.create(matcher.group(1)), true, false)) {
                kinesis.createStream(b -> b.streamName("logged").shardCount(1));
            }
        } finally {
            process.destroy();
            assertTrue(process.waitFor(60, TimeUnit.SECONDS));
        }
        String errors = Files.readString(cwd.resolve("stderr.txt"));
        assertTrue(errors.lines().anyMatch(l -> l.contains(" INFO ") && l.contains("Chronicle")), errors);
    }

    @Test
    void help_exitsZeroListingTheOptions(@TempDir Path cwd) throws Exception {
        Process process = start(cwd, "--help");
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, process.exitValue());
        assertTrue(out.contains("--throttle=MODE") && out.contains("--lambda-endpoint=URL")
                && out.contains("--credentials=ACCESS_KEY_ID:SECRET") && out.contains("Default: ./sluice-data"), out);
        assertTrue(Files.notExists(cwd.resolve("sluice-data")), "--help starts nothing");
    }

    @Test
    void badOption_exitsTwoNamingTheOption(@TempDir Path cwd) throws Exception {
        Process process = start(cwd, "--throttle", "fast");
        assertTrue(process.waitFor(60, TimeUnit.SECONDS));
        String err = Files.readString(cwd.resolve("stderr.txt"));
        assertEquals(2, process.exitValue());
        assertTrue(err.contains("--throttle") && err.contains("must be reject, block or off but was 'fast'"), err);
    }
}
