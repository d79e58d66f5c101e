package dev.sluice.delivery;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static dev.sluice.delivery.TestData.files;
import static dev.sluice.delivery.TestData.lines;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Exactly-once from a stream source across crashes: a child JVM delivers a 4-shard stream into a local bucket and
 * is killed with SIGKILL at random moments, several times; a last run finishes. The bucket must then hold every
 * produced record exactly once.
 */
// Rounds of child JVMs killed mid-write: minutes on a loaded 2-core machine, beyond the 2-minute default.
@Timeout(value = 10, unit = java.util.concurrent.TimeUnit.MINUTES)
class ExactlyOnceIT {

    private static final int RECORDS = 60_000;
    private static final int KILLS = 5;
    private static final Pattern I = Pattern.compile("\"i\":(\\d+)");

    @TempDir
    Path work;

    @Test
    void streamSource_killedRepeatedlyMidFlight_deliversEveryRecordExactlyOnce() throws Exception {
        Path bucket = work.resolve("bucket");
        Path state = work.resolve("state");
        Random random = new Random(42);
        int killedMidFlight = 0;
        int killedWithOpenIntents = 0;
        for (int round = 0; round < KILLS; round++) {
            // Kill once the child has committed some new objects, so every kill lands mid-flight.
            long target = objectCount(bucket) + 100 + random.nextInt(100);
            Process child = start(bucket, state);
            try {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                boolean exited = false;
                while (!exited && objectCount(bucket) < target && System.nanoTime() < deadline) {
                    exited = child.waitFor(10, TimeUnit.MILLISECONDS);
                }
                if (!exited) {
                    exited = child.waitFor(random.nextInt(40), TimeUnit.MILLISECONDS);
                }
                if (!exited) {
                    child.destroyForcibly();
                    assertTrue(child.waitFor(30, TimeUnit.SECONDS));
                    killedMidFlight++;
                    if (openIntents(state)) {
                        killedWithOpenIntents++;
                    }
                } else {
                    assertEquals(0, child.exitValue(), "child failed in round " + round);
                }
            } finally {
                child.destroyForcibly();
            }
        }
        assertEquals(KILLS, killedMidFlight, "rounds killed mid-flight");
        assertTrue(killedWithOpenIntents >= 1, "no kill landed while a segment was being written");
        Process last = start(bucket, state);
        try {
            assertTrue(last.waitFor(120, TimeUnit.SECONDS), "the final run did not finish");
            assertEquals(0, last.exitValue());
        } finally {
            last.destroyForcibly();
        }

        Map<Integer, Integer> seen = new HashMap<>();
        List<String> objects = new ArrayList<>();
        for (String file : files(bucket)) {
            if (file.substring(file.lastIndexOf('/') + 1).startsWith(".")) {
                continue; // a temporary file of a killed write: never visible as an object
            }
            objects.add(file);
            for (String line : lines(Files.readAllBytes(bucket.resolve(file)))) {
                Matcher m = I.matcher(line);
                assertTrue(m.find(), line);
                seen.merge(Integer.parseInt(m.group(1)), 1, Integer::sum);
            }
        }
        List<Integer> duplicates = seen.entrySet().stream().filter(e -> e.getValue() > 1).map(Map.Entry::getKey)
                .sorted().limit(10).toList();
        assertEquals(List.of(), duplicates, "duplicated records");
        assertEquals(RECORDS, seen.size(), "missing records");
        assertTrue(objects.stream().allMatch(o -> o.matches(
                "data/2026/05/06/07/exactly-3-2026-05-06-07-08-09-shardId-\\d{12}-\\d{27}-\\d{27}")), objects.get(0));
    }

    /** Committed objects so far; a plain directory listing, safe while the child renames files into it. */
    private static long objectCount(Path bucket) {
        String[] names = bucket.resolve("data/2026/05/06/07").toFile().list();
        if (names == null) {
            return 0;
        }
        long count = 0;
        for (String name : names) {
            if (name.startsWith("exactly-")) {
                count++;
            }
        }
        return count;
    }

    private static boolean openIntents(Path state) throws java.io.IOException {
        if (!Files.exists(state)) {
            return false;
        }
        try (var list = Files.list(state)) {
            for (Path file : list.filter(f -> f.toString().endsWith(".json")).toList()) {
                if (Files.readString(file).contains("\"intents\":[[")) {
                    return true;
                }
            }
        }
        return false;
    }

    private static Process start(Path bucket, Path state) throws java.io.IOException {
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        // Snappy unpacks its native library at every start, and a killed child cannot delete it: keep it here.
        Path snappy = Files.createDirectories(bucket.getParent().resolve("snappy-native"));
        return new ProcessBuilder(java, "-Xmx512m", "-XX:TieredStopAtLevel=1", "-Dorg.xerial.snappy.tempdir=" + snappy,
                "-cp", classPath,
                ExactlyOnceChild.class.getName(), bucket.toString(), state.toString(), Integer.toString(RECORDS))
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(new File(bucket.getParent().toFile(), "child.log")))
                .start();
    }
}
