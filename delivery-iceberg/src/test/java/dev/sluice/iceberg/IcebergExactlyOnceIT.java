package dev.sluice.iceberg;

import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.io.CloseableIterable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Exactly-once into an Iceberg table across crashes: a child JVM delivers a 4-shard stream into a partitioned table
 * and is killed with SIGKILL at random moments, several times; a last run finishes. The table, read by the
 * independent metadata walk with DuckDB and by Iceberg's reader, must then hold every record exactly once, with
 * every snapshot carrying a distinct delivery object key.
 */
// Rounds of child JVMs killed mid-commit: minutes on a loaded 2-core machine, beyond the 2-minute default.
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class IcebergExactlyOnceIT {

    private static final int RECORDS = 20_000;
    private static final int KILLS = 4;
    private static final int HALTS = 2;

    @TempDir
    Path work;

    @Test
    void streamSource_upsertsKilledAndHaltedAfterCommit_eachKeyHasExactlyItsLatestRow() throws Exception {
        Path warehouse = work.resolve("warehouse");
        Path state = work.resolve("state");
        Random random = new Random(11);
        for (int round = 0; round < 2; round++) {
            long target = dataFiles(warehouse, "upserts") + 30 + random.nextInt(40);
            Process child = start(warehouse, state, 0, "upsert");
            try {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
                boolean exited = false;
                while (!exited && dataFiles(warehouse, "upserts") < target && System.nanoTime() < deadline) {
                    exited = child.waitFor(10, TimeUnit.MILLISECONDS);
                }
                child.destroyForcibly();
                assertTrue(child.waitFor(30, TimeUnit.SECONDS));
            } finally {
                child.destroyForcibly();
            }
        }
        // A crash between an upsert commit and its checkpoint: the restart must find the RowDelta committed.
        Process halting = start(warehouse, state, 3 + random.nextInt(10), "upsert");
        try {
            assertTrue(halting.waitFor(120, TimeUnit.SECONDS), "halting child did not stop");
            assertEquals(137, halting.exitValue(), "the child should halt after its commits; see child.log");
        } finally {
            halting.destroyForcibly();
        }
        Process last = start(warehouse, state, 0, "upsert");
        try {
            assertTrue(last.waitFor(180, TimeUnit.SECONDS), "the final run did not finish");
            assertEquals(0, last.exitValue(), "the final run failed; see child.log");
        } finally {
            last.destroyForcibly();
        }
        try (Stream<String> lines = Files.lines(work.resolve("child.log"))) {
            assertTrue(lines.anyMatch(l -> l.contains("is already committed")), "the restart after the halt must"
                    + " find the upsert object committed");
        }

        // The latest record of key k is the last one put with it: i = RECORDS - KEYS + k.
        int keys = IcebergExactlyOnceChild.KEYS;
        MetadataWalk walk = MetadataWalk.of(warehouse, "db", "upserts");
        Map<Long, Long> walked = new HashMap<>();
        for (Map<String, Object> row : walk.liveRows()) {
            assertEquals(null, walked.put(((Number) row.get("k")).longValue(), ((Number) row.get("i")).longValue()),
                    "key " + row.get("k") + " twice");
        }
        assertEquals(keys, walked.size());
        walked.forEach((k, i) -> assertEquals(RECORDS - keys + k, i, "latest row of key " + k));
        assertTrue(walk.deleteFiles.size() > 0);
        Set<String> objects = new HashSet<>();
        for (Map<String, String> summary : walk.snapshotSummaries()) {
            assertTrue(objects.add(summary.get("sluice.object-key")), "object committed twice: " + summary);
        }
        try (IcebergCatalog catalog = IcebergCatalog.embedded(warehouse)) {
            Table table = catalog.catalog().loadTable(TableIdentifier.of("db", "upserts"));
            Map<Long, Long> read = new HashMap<>();
            try (CloseableIterable<Record> records = IcebergGenerics.read(table).build()) {
                for (Record r : records) {
                    assertEquals(null, read.put((Long) r.getField("k"), (Long) r.getField("i")), "Iceberg reader: "
                            + r + " twice");
                }
            }
            assertEquals(walked, read, "Iceberg's reader and the walk agree");
        }
    }

    @Test
    void streamSource_killedRepeatedlyMidCommit_tableHoldsEveryRecordExactlyOnce() throws Exception {
        killedRepeatedly("append", "events");
        MetadataWalk walk = MetadataWalk.of(work.resolve("warehouse"), "db", "events");
        assertTrue(walk.files.stream().allMatch(f -> f.partition().containsKey("i_bucket")));
    }

    @Test
    void streamSource_directContentKilledRepeatedlyMidCommit_tableHoldsEveryRecordExactlyOnce() throws Exception {
        killedRepeatedly("direct", "direct");
        try (Stream<String> lines = Files.lines(work.resolve("child.log"))) {
            List<String> modes = lines.filter(l -> l.startsWith("direct content: ")).distinct().toList();
            assertEquals(List.of("direct content: true"), modes, "every run took the stream's encoded data files");
        }
    }

    private void killedRepeatedly(String mode, String tableName) throws Exception {
        Path warehouse = work.resolve("warehouse");
        Path state = work.resolve("state");
        Random random = new Random(7);
        int killed = 0;
        int killedWithOpenIntents = 0;
        for (int round = 0; round < KILLS; round++) {
            // 30-70 more data files; an unpartitioned table writes one per object, a 3-bucket one up to three.
            long step = 30 + random.nextInt(40);
            long target = dataFiles(warehouse, tableName) + (mode.equals("direct") ? step / 3 : step);
            Process child = start(warehouse, state, 0, mode);
            try {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
                boolean exited = false;
                while (!exited && dataFiles(warehouse, tableName) < target && System.nanoTime() < deadline) {
                    exited = child.waitFor(10, TimeUnit.MILLISECONDS);
                }
                if (!exited) {
                    exited = child.waitFor(random.nextInt(30), TimeUnit.MILLISECONDS);
                }
                if (!exited) {
                    child.destroyForcibly();
                    assertTrue(child.waitFor(30, TimeUnit.SECONDS));
                    killed++;
                    if (openIntents(state)) {
                        killedWithOpenIntents++;
                    }
                } else {
                    assertEquals(0, child.exitValue(), "child failed in round " + round + "; see child.log");
                }
            } finally {
                child.destroyForcibly();
            }
        }
        assertEquals(KILLS, killed, "rounds killed mid-flight");
        // Deterministic crashes between an Iceberg commit and the checkpoint that follows it.
        for (int round = 0; round < HALTS; round++) {
            Process child = start(warehouse, state, 5 + random.nextInt(20), mode);
            try {
                assertTrue(child.waitFor(120, TimeUnit.SECONDS), "halting child did not stop");
                assertEquals(137, child.exitValue(), "the child should halt after its commits; see child.log");
            } finally {
                child.destroyForcibly();
            }
        }
        assertTrue(killedWithOpenIntents >= 1, "no kill landed while a segment was being committed");
        Process last = start(warehouse, state, 0, mode);
        try {
            assertTrue(last.waitFor(180, TimeUnit.SECONDS), "the final run did not finish");
            assertEquals(0, last.exitValue(), "the final run failed; see child.log");
        } finally {
            last.destroyForcibly();
        }

        long deduplicated;
        try (Stream<String> lines = Files.lines(work.resolve("child.log"))) {
            deduplicated = lines.filter(l -> l.contains("is already committed")).count();
        }
        assertTrue(deduplicated >= HALTS, "each halt after a commit must be followed by a restart that finds the"
                + " object committed, but only " + deduplicated + " were");
        System.out.println("IcebergExactlyOnceIT: " + killed + " kills (" + killedWithOpenIntents
                + " with open segments), " + deduplicated + " objects found committed after a restart");

        MetadataWalk walk = MetadataWalk.of(warehouse, "db", tableName);
        List<List<Object>> stats = walk.duckdb("SELECT count(*), count(DISTINCT i), min(i), max(i) FROM FILES");
        assertEquals(List.of((long) RECORDS, (long) RECORDS, 0L, (long) RECORDS - 1),
                stats.get(0).stream().map(v -> ((Number) v).longValue()).toList(), "rows, distinct, min, max");
        assertEquals(RECORDS, walk.totalRecords(), "manifest record counts");
        Set<String> keys = new HashSet<>();
        for (String key : walk.committedObjectKeys()) {
            assertTrue(keys.add(key), "object committed twice: " + key);
        }

        try (IcebergCatalog catalog = IcebergCatalog.embedded(warehouse)) {
            Table table = catalog.catalog().loadTable(TableIdentifier.of("db", tableName));
            Map<Long, Integer> seen = new HashMap<>();
            try (CloseableIterable<Record> records = IcebergGenerics.read(table).build()) {
                for (Record r : records) {
                    seen.merge((Long) r.getField("i"), 1, Integer::sum);
                }
            }
            assertEquals(RECORDS, seen.size(), "Iceberg reader: distinct records");
            assertTrue(seen.values().stream().allMatch(n -> n == 1), "Iceberg reader: duplicates");
        }
    }

    /** Data files written so far, committed or not: a plain directory walk, safe while the child writes. */
    private static long dataFiles(Path warehouse, String table) {
        Path data = warehouse.resolve("db").resolve(table).resolve("data");
        if (!Files.isDirectory(data)) {
            return 0;
        }
        try (Stream<Path> files = Files.walk(data)) {
            return files.filter(p -> p.toString().endsWith(".parquet")).count();
        } catch (IOException | java.io.UncheckedIOException e) {
            return 0; // a directory changed under the walk: count again next time
        }
    }

    private static boolean openIntents(Path state) throws IOException {
        if (!Files.exists(state)) {
            return false;
        }
        try (Stream<Path> list = Files.list(state)) {
            for (Path file : list.filter(f -> f.toString().endsWith(".json")).toList()) {
                if (Files.readString(file).contains("\"intents\":[[")) {
                    return true;
                }
            }
        }
        return false;
    }

    private Process start(Path warehouse, Path state, int haltAfterCommits, String mode) throws IOException {
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        // SQLite's driver and Snappy unpack their native libraries (1 MB, 0.3 MB) into a temporary directory at
        // every start, and a killed child cannot delete them: keep them under this test's directory, not in /tmp.
        Path natives = Files.createDirectories(work.resolve("native-libraries"));
        return new ProcessBuilder(java, "-Dorg.slf4j.simpleLogger.log.dev.sluice.iceberg=info", "-Xmx512m",
                "-XX:TieredStopAtLevel=1", "-Dorg.sqlite.tmpdir=" + natives, "-Dorg.xerial.snappy.tempdir=" + natives,
                "-cp", classPath,
                IcebergExactlyOnceChild.class.getName(), warehouse.toString(), state.toString(),
                Integer.toString(RECORDS), Integer.toString(haltAfterCommits), mode)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(new File(work.toFile(), "child.log")))
                .start();
    }
}
