package dev.sluice.perf.bench.reporting;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Properties;

/**
 * The self-contained HTML report: provenance, the text tables, and charts over time (throughput, throttling,
 * latency or freshness percentiles, consumer lag, objects and their sizes, and for measured runs the process's memory
 * and the stream's storage), one dataset per result so a comparison shows the designs overlaid.
 *
 * <p>Design note: the charts are drawn by Chart.js, taken as a pinned WebJar ({@code org.webjars.npm:chart.js}) and
 * read from the classpath into the page, so the file opens offline and no library code lives in our sources. The
 * page's script sets {@code data-points} and {@code data-ink} (painted pixels) on each chart's figure after
 * drawing it and {@code data-charts-drawn} on the body, which the render test checks in headless Chromium.
 *
 * <p>Thread-safety: stateless.
 */
public final class HtmlReport {

    /** The WebJar's own record of its version, so the version is pinned in the POM alone. */
    static final String CHART_JS_POM = "/META-INF/maven/org.webjars.npm/chart.js/pom.properties";
    /** The charts every report draws. */
    public static final int CHARTS = 6;
    /** A report with a measured result also draws memory and disk over time. */
    public static final int CHARTS_WITH_RESOURCES = CHARTS + 1;

    private HtmlReport() {
    }

    /**
     * Renders one or more results into one page.
     *
     * @param results the results (one: a run report; several: a comparison, overlaid)
     * @param names   a label for each
     * @return the HTML
     */
    public static String render(List<RunResult> results, List<String> names) {
        StringBuilder data = new StringBuilder("[");
        StringBuilder tables = new StringBuilder();
        for (int i = 0; i < results.size(); i++) {
            RunResult r = results.get(i);
            data.append(i == 0 ? "" : ",").append("{\"label\":").append(jsonString(names.get(i) + " [" + r.mode() + "]"))
                    .append(",\"result\":").append(r.toJson().trim()).append('}');
            tables.append("<section><h2>").append(escape(names.get(i))).append(" <span class=\"mode ").append(r.mode())
                    .append("\">").append(r.mode().toUpperCase(Locale.ROOT)).append("</span></h2><pre>")
                    .append(escape(TextReport.render(r))).append("</pre></section>\n");
        }
        data.append(']');
        if (results.size() > 1) {
            tables.insert(0, "<section><h2>Comparison</h2><pre>" + escape(TextReport.compare(results, names))
                    + "</pre></section>\n");
        }
        String title = results.size() == 1 ? "Sluice bench: " + results.get(0).scenario().name()
                : "Sluice bench: comparison of " + results.size() + " results";
        boolean resources = results.stream().anyMatch(r -> r.series() != null && r.series().rssBytes() != null
                && !r.series().rssBytes().isEmpty());
        return TEMPLATE.replace("@TITLE@", escape(title))
                .replace("@RESOURCES@", resources ? RESOURCES_FIGURE : "")
                .replace("@TABLES@", tables.toString())
                .replace("@DATA@", data.toString().replace("</", "<\\/"))
                .replace("@CHARTJS@", chartJs());
    }

    private static String chartJs() {
        String path = "/META-INF/resources/webjars/chart.js/" + chartJsVersion() + "/dist/chart.umd.min.js";
        try (InputStream in = HtmlReport.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException("Chart.js is not on the classpath at " + path);
            }
            String js = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            if (js.contains("</script")) {
                throw new IllegalStateException("Chart.js contains </script and cannot be inlined");
            }
            return js;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String chartJsVersion() {
        try (InputStream in = HtmlReport.class.getResourceAsStream(CHART_JS_POM)) {
            if (in == null) {
                throw new IllegalStateException("Chart.js is not on the classpath (dependency org.webjars.npm:chart.js)");
            }
            Properties p = new Properties();
            p.load(in);
            return p.getProperty("version");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }

    private static String jsonString(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }

    /**
     * Charts drawn for a page of these results.
     *
     * @param results the results of the page
     * @return {@link #CHARTS}, or {@link #CHARTS_WITH_RESOURCES} if one of them has resource samples (measured)
     */
    public static int charts(List<RunResult> results) {
        return results.stream().anyMatch(r -> r.series() != null && r.series().rssBytes() != null
                && !r.series().rssBytes().isEmpty()) ? CHARTS_WITH_RESOURCES : CHARTS;
    }

    private static final String RESOURCES_FIGURE = "<figure id=\"chart-resources\"><figcaption>Memory and disk over time"
            + " (MiB): RSS, heap, direct memory, retained records, stream files on disk</figcaption>"
            + "<canvas width=\"640\" height=\"280\"></canvas></figure>";

    private static final String TEMPLATE = """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>@TITLE@</title>
            <style>
            body{font-family:system-ui,sans-serif;margin:1.5em;color:#222}
            pre{background:#f6f6f6;padding:.8em;overflow-x:auto;font-size:12px}
            .mode{font-size:.7em;padding:.15em .5em;border-radius:.3em;color:#fff}
            .mode.measured{background:#2a7d2a}.mode.simulated{background:#8a4fbf}
            figure{display:inline-block;margin:.5em;vertical-align:top}
            figcaption{font-weight:600;margin-bottom:.3em}
            </style></head>
            <body data-charts-drawn="0">
            <h1>@TITLE@</h1>
            <p>Every figure below is marked <b>measured</b> (this machine, wall clock) or <b>simulated</b> (virtual
            clock); the machine, JVM and scenario of each result are listed with it.</p>
            <div id="charts">
            <figure id="chart-throughput"><figcaption>Throughput (accepted records/s)</figcaption><canvas width="640" height="280"></canvas></figure>
            <figure id="chart-throttling"><figcaption>Throttled (% of attempted)</figcaption><canvas width="640" height="280"></canvas></figure>
            <figure id="chart-latency"><figcaption>Latency (measured) or delivery freshness (simulated) percentiles</figcaption><canvas width="640" height="280"></canvas></figure>
            <figure id="chart-lag"><figcaption>Consumer lag (records behind)</figcaption><canvas width="640" height="280"></canvas></figure>
            <figure id="chart-objects"><figcaption>Delivered objects per interval and mean size (bytes)</figcaption><canvas width="640" height="280"></canvas></figure>
            <figure id="chart-sizes"><figcaption>Object size distribution (objects per size range)</figcaption><canvas width="640" height="280"></canvas></figure>
            @RESOURCES@
            </div>
            @TABLES@
            <script>@CHARTJS@</script>
            <script id="bench-data" type="application/json">@DATA@</script>
            <script>
            (function () {
              var runs = JSON.parse(document.getElementById('bench-data').textContent);
              var colors = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#17becf'];
              function pts(s, key, scale) {
                var values = s[key] || [];
                return s.t.map(function (t, i) {
                  var v = values[i];
                  return {x: t, y: v === undefined || v === null || v < 0 ? null : (scale ? v / scale : v)};
                });
              }
              function line(id, yTitle, specs) {
                var datasets = [];
                runs.forEach(function (run, r) {
                  var s = run.result.series;
                  specs.forEach(function (spec, k) {
                    datasets.push({label: run.label + ' ' + spec.name, data: pts(s, spec.key, spec.scale),
                      borderColor: spec.color || colors[r % colors.length], borderDash: spec.color && r === 0 ? [] : k === 0 ? [] : [4 + 3 * k, 3],
                      pointRadius: 0, borderWidth: 1.5, spanGaps: true, yAxisID: spec.axis || 'y'});
                  });
                });
                var scales = {x: {type: 'linear', title: {display: true, text: 'seconds since start of measurement'}},
                              y: {beginAtZero: true, title: {display: true, text: yTitle}}};
                if (specs.some(function (s) { return s.axis === 'y2'; })) {
                  scales.y2 = {position: 'right', beginAtZero: true, grid: {drawOnChartArea: false},
                               title: {display: true, text: 'mean object bytes'}};
                }
                draw(id, {type: 'line', data: {datasets: datasets}, options: {animation: false, responsive: false, scales: scales}});
              }
              function draw(id, config) {
                var fig = document.getElementById(id);
                try {
                  var chart = new Chart(fig.querySelector('canvas'), config);
                  var n = 0;
                  chart.data.datasets.forEach(function (d) { n += d.data.length; });
                  var c = fig.querySelector('canvas'), px = c.getContext('2d').getImageData(0, 0, c.width, c.height).data, ink = 0;
                  for (var i = 3; i < px.length; i += 4) { if (px[i] !== 0) { ink++; } }
                  fig.setAttribute('data-points', String(n));
                  fig.setAttribute('data-ink', String(ink));
                  document.body.setAttribute('data-charts-drawn', String(+document.body.getAttribute('data-charts-drawn') + 1));
                } catch (e) {
                  fig.setAttribute('data-error', String(e));
                }
              }
              var latencyTitle = runs[0].result.series.latencyMetric;
              line('chart-throughput', 'records/s', [{name: 'records/s', key: 'recordsPerSecond'}]);
              line('chart-throttling', '% throttled', [{name: 'throttled %', key: 'throttledPercent'}]);
              line('chart-latency', latencyTitle, [{name: 'p50', key: 'latencyP50'}, {name: 'p99', key: 'latencyP99'},
                                                   {name: 'p99.9', key: 'latencyP999'}]);
              line('chart-lag', 'records behind', [{name: 'lag', key: 'lagRecords'}]);
              line('chart-objects', 'objects per interval', [{name: 'objects', key: 'objects'},
                                                             {name: 'mean bytes', key: 'objectMeanBytes', axis: 'y2'}]);
              if (document.getElementById('chart-resources')) {
                var mib = 1048576;
                line('chart-resources', 'MiB', [{name: 'RSS', key: 'rssBytes', scale: mib, color: colors[0]},
                                                 {name: 'heap used', key: 'heapUsedBytes', scale: mib, color: colors[1]},
                                                 {name: 'direct memory', key: 'directBytes', scale: mib, color: colors[2]},
                                                 {name: 'retained', key: 'retainedBytes', scale: mib, color: colors[3]},
                                                 {name: 'on disk', key: 'diskBytes', scale: mib, color: colors[4]}]);
              }
              var first = runs[0].result.summary.delivery;
              var labels = first && first.objectSizeBuckets ? first.objectSizeBuckets.map(function (b) { return b.label; }) : [];
              draw('chart-sizes', {type: 'bar', options: {animation: false, responsive: false}, data: {labels: labels,
                datasets: runs.map(function (run, r) {
                  var d = run.result.summary.delivery;
                  return {label: run.label, backgroundColor: colors[r % colors.length],
                          data: d && d.objectSizeBuckets ? d.objectSizeBuckets.map(function (b) { return b.count; }) : []};
                })}});
            })();
            </script>
            </body></html>
            """;
}
