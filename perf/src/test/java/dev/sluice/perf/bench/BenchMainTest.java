package dev.sluice.perf.bench;

import dev.sluice.perf.bench.reporting.RunResult;
import dev.sluice.perf.bench.scenario.ScenarioLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BenchMainTest {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        return BenchMain.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @Test
    void help_listsCommandsPresetsAndFields() {
        assertEquals(0, run("--help"));
        String help = out.toString(StandardCharsets.UTF_8);
        for (String preset : ScenarioLoader.PRESETS) {
            assertTrue(help.contains("  " + preset + ": "), preset);
        }
        assertTrue(help.contains("--set PATH=VALUE"));
        assertTrue(help.contains("stream.shards = 1"));
        assertTrue(help.contains("compare"));
    }

    @Test
    void run_whenBadOverride_exitsTwoNamingTheField() {
        assertEquals(2, run("simulate", "--preset", "clickstream", "--shards", "0"));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("stream.shards must be in [1, 500] but was 0"), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void run_whenUnknownOption_exitsTwo() {
        assertEquals(2, run("run", "--preset", "clickstream", "--shardz", "3"));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("unknown option '--shardz'"));
    }

    @Test
    void simulate_thenCompare_writesReportsAndRatios(@TempDir Path dir) throws Exception {
        Path a = dir.resolve("a");
        Path b = dir.resolve("b");
        assertEquals(0, run("simulate", "--preset", "iot-telemetry", "--duration", "PT2M", "--warmup", "PT0S", "--out", a.toString()));
        assertEquals(0, run("simulate", "--preset", "iot-telemetry", "--duration", "PT2M", "--warmup", "PT0S", "--shards", "8",
                "--out", b.toString()));
        for (Path d : new Path[] {a, b}) {
            for (String f : new String[] {"report.txt", "result.json", "report.html", "scenario.yaml"}) {
                assertTrue(Files.size(d.resolve(f)) > 0, d + "/" + f);
            }
        }
        RunResult ra = RunResult.read(a.resolve("result.json"));
        RunResult rb = RunResult.read(b.resolve("result.json"));
        assertEquals(RunResult.SIMULATED, ra.mode());
        assertTrue(Files.readString(a.resolve("report.txt")).contains("[SIMULATED]"));
        out.reset();
        assertEquals(0, run("compare", a.resolve("result.json").toString(), b.toString(), "--out", dir.resolve("cmp").toString()));
        String table = out.toString(StandardCharsets.UTF_8);
        String ratio = String.format(java.util.Locale.ROOT, "%.3f",
                rb.summary().recordsPerSecond() / ra.summary().recordsPerSecond());
        String line = table.lines().filter(l -> l.startsWith("records/s")).findFirst().orElseThrow();
        assertTrue(line.trim().endsWith(ratio), line + " should end with the ratio " + ratio);
        assertTrue(Files.readString(dir.resolve("cmp/compare.html")).contains("data-charts-drawn"));
    }
}
