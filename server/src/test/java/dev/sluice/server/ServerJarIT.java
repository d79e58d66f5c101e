package dev.sluice.server;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.kinesis.KinesisClient;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

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
