package dev.sluice.perf.bench;

import dev.sluice.perf.bench.reporting.HtmlReport;
import dev.sluice.perf.bench.reporting.RunResult;
import dev.sluice.perf.bench.scenario.ScenarioLoader;
import dev.sluice.perf.bench.sim.Simulation;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Opens the HTML report in headless Chromium and checks that every chart was drawn with data and pixels. */
class HtmlReportRenderTest {

    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");

    @Test
    void report_inHeadlessChromium_drawsEveryChart(@TempDir Path dir) throws Exception {
        assumeTrue(Files.isExecutable(CHROMIUM), "skipped: " + CHROMIUM + " is not installed (CI installs Debian chromium)");
        RunResult a = new Simulation(ScenarioLoader.load(SCENARIO, "a.yaml", List.of()), line -> { }).run(SimulationTest.FIXED);
        RunResult b = new Simulation(ScenarioLoader.load(SCENARIO, "b.yaml", List.of("stream.shards=1")), line -> { })
                .run(SimulationTest.FIXED);
        for (List<RunResult> results : List.of(List.of(a), List.of(a, b))) {
            Path page = dir.resolve("report-" + results.size() + ".html");
            Files.writeString(page, HtmlReport.render(results, results.size() == 1 ? List.of("a") : List.of("a", "b")),
                    StandardCharsets.UTF_8);
            String dom = dumpDom(page, dir.resolve("profile-" + results.size()));
            assertTrue(dom.contains("data-charts-drawn=\"" + HtmlReport.charts(results) + "\""), "charts drawn marker missing in " + head(dom));
            assertFalse(dom.contains("data-error="), "a chart failed: " + head(dom));
            Matcher figures = Pattern.compile("<figure id=\"(chart-[a-z]+)\"[^>]*data-points=\"(\\d+)\" data-ink=\"(\\d+)\"").matcher(dom);
            int seen = 0;
            while (figures.find()) {
                seen++;
                assertTrue(Long.parseLong(figures.group(2)) > 0, figures.group(1) + " has no data points");
                assertTrue(Long.parseLong(figures.group(3)) > 1_000, figures.group(1) + " painted almost nothing");
            }
            assertEquals(HtmlReport.charts(results), seen, "charts with data and ink");
        }
    }

    private static final String SCENARIO = """
            name: render
            stream: {shards: 2}
            producers: {ratePerSecond: 2500, batchSize: 50}
            consumers: {applications: 1}
            delivery: {enabled: true, bufferSize: 1048576, bufferInterval: PT30S, format: JSON, compression: GZIP}
            run: {duration: PT3M, warmup: PT0S, tick: PT0.1S}
            """;

    private static String dumpDom(Path page, Path profile) throws Exception {
        Files.createDirectories(profile);
        Path out = profile.resolve("dom.html");
        Process p = new ProcessBuilder(CHROMIUM.toString(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--user-data-dir=" + profile, "--virtual-time-budget=5000", "--dump-dom", page.toUri().toString())
                .redirectOutput(out.toFile()).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        assertTrue(p.waitFor(90, TimeUnit.SECONDS), "chromium did not finish in 90 s");
        return Files.readString(out, StandardCharsets.UTF_8);
    }

    private static String head(String dom) {
        int body = dom.indexOf("<body");
        return body < 0 ? dom.substring(0, Math.min(500, dom.length())) : dom.substring(body, Math.min(dom.length(), body + 400));
    }
}
