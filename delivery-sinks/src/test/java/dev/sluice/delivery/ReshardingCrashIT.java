package dev.sluice.delivery;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static dev.sluice.delivery.TestData.duplicates;
import static dev.sluice.delivery.TestData.keyedRecordCounts;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Exactly-once delivery across kill -9 while the source stream is resharded: a child JVM produces into a durable
 * stream, reshards it every 200 records (about 75 reshards) and delivers it, and is killed with SIGKILL at random moments; a last run
 * finishes. Every record must be in the bucket exactly once, each key's records in order inside every object.
 */
@Timeout(300)
class ReshardingCrashIT {

    private static final int RECORDS = 15_000;
    private static final int KILLS = 3;

    @TempDir
    Path work;

    @Test
    void streamSource_killedWhileStreamReshards_deliversEveryRecordExactlyOnce() throws Exception {
        Path bucket = work.resolve("bucket");
        Random random = new Random(7);
        int killedWhileProducing = 0;
        for (int round = 0; round < KILLS; round++) {
            Process child = start();
            try {
                // Kill once the child has delivered something new, plus a random delay, while it still produces.
                long objects = objectCount(bucket);
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                boolean exited = false;
                while (!exited && objectCount(bucket) <= objects + 2 && System.nanoTime() < deadline) {
                    exited = child.waitFor(50, TimeUnit.MILLISECONDS);
                }
                if (!exited) {
                    exited = child.waitFor(50 + random.nextInt(250), TimeUnit.MILLISECONDS);
                }
                if (!exited) {
                    child.destroyForcibly();
                    assertTrue(child.waitFor(30, TimeUnit.SECONDS));
                    if (!log().contains("PRODUCED")) {
                        killedWhileProducing++;
                    }
                } else {
                    assertEquals(0, child.exitValue(), "child failed in round " + round + ":\n" + log());
                }
            } finally {
                child.destroyForcibly();
            }
        }
        assertTrue(killedWhileProducing >= 2, "kills that landed while the stream was being resharded: "
                + killedWhileProducing);
        Process last = start();
        try {
            assertTrue(last.waitFor(150, TimeUnit.SECONDS), "the final run did not finish:\n" + log());
            assertEquals(0, last.exitValue(), log());
        } finally {
            last.destroyForcibly();
        }

        Map<String, Integer> seen = keyedRecordCounts(bucket);
        assertEquals(List.of(), duplicates(seen), "duplicated records");
        List<Integer> missing = new ArrayList<>();
        for (int n = 0; n < RECORDS && missing.size() < 10; n++) {
            if (!seen.containsKey(n % ReshardingCrashChild.KEYS + "/" + n)) {
                missing.add(n);
            }
        }
        assertEquals(List.of(), missing, "missing records");
        assertEquals(RECORDS, seen.size());
    }

    private String log() throws java.io.IOException {
        Path log = work.resolve("child.log");
        return Files.exists(log) ? Files.readString(log) : "";
    }

    /** Committed objects so far; tolerates the child creating and deleting temporary files during the walk. */
    private long objectCount(Path bucket) throws java.io.IOException {
        if (!Files.exists(bucket)) {
            return 0;
        }
        long[] count = {0};
        Files.walkFileTree(bucket, new java.nio.file.SimpleFileVisitor<>() {
            @Override
            public java.nio.file.FileVisitResult visitFile(Path file,
                                                           java.nio.file.attribute.BasicFileAttributes attributes) {
                if (!file.getFileName().toString().startsWith(".")) {
                    count[0]++;
                }
                return java.nio.file.FileVisitResult.CONTINUE;
            }

            @Override
            public java.nio.file.FileVisitResult visitFileFailed(Path file, java.io.IOException e) {
                return java.nio.file.FileVisitResult.CONTINUE;
            }
        });
        return count[0];
    }

    private Process start() throws java.io.IOException {
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(java, "-Xmx512m", "-XX:TieredStopAtLevel=1"));
        // Chronicle Queue's --add-exports/--add-opens flags, as this JVM got them.
        ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(a -> a.startsWith("--add-") || a.startsWith("--enable-native-access")
                        || a.startsWith("--sun-misc"))
                .forEach(command::add);
        // Snappy unpacks its native library at every start, and a killed child cannot delete it: keep it here.
        Path snappy = Files.createDirectories(work.resolve("snappy-native"));
        command.addAll(List.of("-Dchronicle.announcer.disable=true", "-Dorg.xerial.snappy.tempdir=" + snappy,
                "-cp", classPath,
                ReshardingCrashChild.class.getName(), work.resolve("data").toString(),
                work.resolve("bucket").toString(), work.resolve("state").toString(), Integer.toString(RECORDS)));
        // Each run starts a fresh log so that "PRODUCED" tells whether this run finished producing.
        return new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.to(new File(work.toFile(), "child.log"))).start();
    }
}
