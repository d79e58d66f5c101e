package dev.sluice.perf.bench;

import dev.sluice.perf.bench.measure.Measurement;
import dev.sluice.perf.bench.reporting.HtmlReport;
import dev.sluice.perf.bench.reporting.RunResult;
import dev.sluice.perf.bench.reporting.TextReport;
import dev.sluice.iceberg.IcebergCatalog;
import dev.sluice.perf.bench.scenario.ScenarioLoader;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.io.CloseableIterable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A short real run: every accepted record is delivered into real files, and the figures say measured. */
class MeasurementIT {

    @Test
    void measure_shortRun_reconcilesAndWritesObjects(@TempDir Path dir) throws Exception {
        String scenario = """
                name: short
                stream: {shards: 2}
                producers: {ratePerSecond: 2000, batchSize: 50}
                consumers: {applications: 1}
                delivery: {enabled: true, bufferSize: 65536, bufferInterval: PT1S, format: JSON, compression: GZIP,
                           partitionBy: [type], transforms: [{type: dropFields, fields: [pad]}]}
                run: {duration: PT2S, warmup: PT0S}
                """;
        RunResult r = new Measurement(ScenarioLoader.load(scenario, "short.yaml", List.of()), dir, line -> { })
                .run(SimulationTest.FIXED);
        assertEquals(RunResult.MEASURED, r.mode());
        RunResult.Reconciliation rc = r.summary().reconciliation();
        assertTrue(rc.balanced(), rc.toString());
        assertTrue(rc.delivered() > 0 && rc.failed() == 0, rc.toString());
        assertTrue(r.summary().latency().count() > 0);
        assertEquals(0, r.summary().consumers().finalLagRecords());
        long files;
        try (Stream<Path> walk = Files.walk(dir.resolve("bucket-1"))) {
            files = walk.filter(Files::isRegularFile).count();
        }
        assertEquals(r.summary().delivery().objects(), files);
    }

    @Test
    void measure_icebergDesign_everyDeliveredRecordIsOneRowOfTheTable(@TempDir Path dir) throws Exception {
        String scenario = """
                name: table
                stream: {shards: 2}
                producers: {count: 1, ratePerSecond: 2000, batchSize: 50}
                delivery: {enabled: true, bufferSize: 65536, bufferInterval: PT1S, format: ICEBERG, compression: SNAPPY,
                           partitionBy: [type]}
                run: {duration: PT2S, warmup: PT0S}
                """;
        RunResult r = new Measurement(ScenarioLoader.load(scenario, "table.yaml", List.of()), dir, line -> { })
                .run(SimulationTest.FIXED);
        RunResult.Reconciliation rc = r.summary().reconciliation();
        assertTrue(rc.balanced() && rc.delivered() > 0 && rc.failed() == 0, rc.toString());
        String note = r.notes().stream().filter(n -> n.startsWith("ICEBERG (repeat 1): table bench.records holds "))
                .findFirst().orElseThrow(() -> new AssertionError(r.notes().toString()));
        assertTrue(note.contains("holds " + rc.delivered() + " rows in "), note);
        // The rows, read by DuckDB from the data files the table's own metadata lists (not by the writer's code).
        long rows = 0;
        long files = 0;
        long bytes = 0;
        Set<Long> sequences = new HashSet<>();
        try (IcebergCatalog catalog = IcebergCatalog.embedded(dir.resolve("warehouse-1"));
             CloseableIterable<FileScanTask> tasks = catalog.loadTable("bench", "records").orElseThrow().newScan()
                     .planFiles();
             Connection db = DriverManager.getConnection("jdbc:duckdb:"); Statement st = db.createStatement()) {
            for (FileScanTask task : tasks) {
                files++;
                String location = task.file().location();
                Path file = location.startsWith("file:") ? Path.of(URI.create(location)) : Path.of(location);
                bytes += Files.size(file);
                Set<String> types = new HashSet<>();
                try (ResultSet rs = st.executeQuery("SELECT seq, type FROM read_parquet('"
                        + file.toString().replace("'", "''") + "')")) {
                    while (rs.next()) {
                        rows++;
                        assertTrue(sequences.add(rs.getLong(1)), "record " + rs.getLong(1) + " twice");
                        types.add(rs.getString(2));
                    }
                }
                assertEquals(Set.of(task.file().partition().get(0, String.class)), types,
                        "a data file holds its partition's rows only");
            }
        }
        assertEquals(rc.delivered(), rows);
        assertEquals(r.summary().delivery().objects(), files, "one data file per delivered object");
        assertEquals(bytes, r.summary().delivery().bytes(), "the report's bytes are the data files'");
    }

    /**
     * {@code delivery.icebergCommitInterval} reaches the table: with commits at least 3 s apart, the objects of a 2 s
     * run (at least one per event type a second) share at most three snapshots (the first commit at once, then one
     * after the interval, which the final flush may split), and every record is still one row.
     */
    @Test
    void measure_icebergDesignWithACommitInterval_objectsShareTheTablesFewCommits(@TempDir Path dir) throws Exception {
        String scenario = """
                name: spaced
                stream: {shards: 2}
                producers: {count: 1, ratePerSecond: 2000, batchSize: 50}
                delivery: {enabled: true, bufferSize: 65536, bufferInterval: PT1S, format: ICEBERG, compression: SNAPPY,
                           partitionBy: [type], icebergCommitInterval: PT3S}
                run: {duration: PT2S, warmup: PT0S}
                """;
        RunResult r = new Measurement(ScenarioLoader.load(scenario, "spaced.yaml", List.of()), dir, line -> { })
                .run(SimulationTest.FIXED);
        RunResult.Reconciliation rc = r.summary().reconciliation();
        assertTrue(rc.balanced() && rc.delivered() > 0 && rc.failed() == 0, rc.toString());
        long objects = r.summary().delivery().objects();
        assertTrue(objects >= 8, objects + " objects");
        try (IcebergCatalog catalog = IcebergCatalog.embedded(dir.resolve("warehouse-1"))) {
            org.apache.iceberg.Table table = catalog.loadTable("bench", "records").orElseThrow();
            int snapshots = 0;
            for (org.apache.iceberg.Snapshot ignored : table.snapshots()) {
                snapshots++;
            }
            assertTrue(snapshots >= 1 && snapshots <= 3, snapshots + " snapshots for " + objects + " objects");
            assertEquals(rc.delivered(), Long.parseLong(table.currentSnapshot().summary().get("total-records")));
        }
    }

    @Test
    void measure_onDemandStreamWithFanOutConsumers_consumesEveryRecord(@TempDir Path dir) throws Exception {
        String scenario = """
                name: od-fanout
                stream: {capacityMode: ON_DEMAND}
                producers: {ratePerSecond: 1000, batchSize: 20}
                consumers: {applications: 2, fanOut: true}
                run: {duration: PT2S, warmup: PT0S}
                """;
        RunResult r = new Measurement(ScenarioLoader.load(scenario, "od.yaml", List.of()), dir, line -> { })
                .run(SimulationTest.FIXED);
        assertTrue(r.notes().stream().anyMatch(n -> n.startsWith("ON_DEMAND stream: created with 4 shards")), r.notes().toString());
        assertTrue(r.notes().stream().anyMatch(n -> n.contains("enhanced fan-out")), r.notes().toString());
        assertEquals(0, r.summary().consumers().finalLagRecords());
        assertTrue(r.summary().endToEnd().count() > 0);
    }

    @Test
    @Timeout(120)
    void measure_soakWithAByteLimit_recordsMemoryAndStorageOverTime_andChartsThem(@TempDir Path dir) throws Exception {
        String scenario = """
                name: soak-short
                stream: {shards: 2, retentionBytes: 2097152, overflowPolicy: TRIM_OLDEST}
                producers: {ratePerSecond: 4000, batchSize: 100, recordSize: {shape: FIXED, min: 500, max: 500}}
                consumers: {applications: 1, pollInterval: PT0.1S}
                run: {duration: PT3S, warmup: PT0S}
                """;
        RunResult r = new Measurement(ScenarioLoader.load(scenario, "soak.yaml", List.of()), dir, line -> { })
                .run(SimulationTest.FIXED);
        RunResult.Series s = r.series();
        assertEquals(s.t().size(), s.rssBytes().size());
        assertEquals(s.t().size(), s.heapUsedBytes().size());
        assertEquals(s.t().size(), s.directBytes().size());
        assertEquals(s.t().size(), s.retainedBytes().size());
        assertEquals(s.t().size(), s.diskBytes().size());
        assertTrue(s.heapUsedBytes().stream().allMatch(v -> v > 0), s.heapUsedBytes().toString());
        RunResult.Resources res = r.summary().resources();
        assertEquals(2_097_152, res.limitBytes());
        assertTrue(res.trimmedRecords() > 0, "6 MB through a 2 MiB stream trims: " + res);
        // The limit plus the block each shard writes into and one call per writer thread.
        assertTrue(res.peakRetainedBytes() <= 2_097_152 + 2 * 1_048_576 + 4 * 51_200, res.toString());
        assertEquals(0, r.summary().consumers().finalLagRecords(), "the application kept up: nothing unread was dropped");
        assertEquals(0, res.peakDiskBytes());
        if (Files.isReadable(Path.of("/proc/self/status"))) {
            assertTrue(res.peakRssBytes() > res.peakHeapUsedBytes() / 4, res.toString());
        }
        String text = TextReport.render(r);
        assertTrue(text.contains("stream storage (peak)") && text.contains("records trimmed"), text);
        String html = HtmlReport.render(List.of(r), List.of("soak"));
        assertTrue(html.contains("id=\"chart-resources\""));
        assertEquals(HtmlReport.CHARTS_WITH_RESOURCES, HtmlReport.charts(List.of(r)));
        RunResult back = RunResult.read(write(dir, r));
        assertEquals(r.series().rssBytes(), back.series().rssBytes(), "the series survive result.json");
    }

    private static Path write(Path dir, RunResult r) throws java.io.IOException {
        Path file = dir.resolve("result.json");
        r.write(file);
        return file;
    }
}
