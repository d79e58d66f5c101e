package dev.sluice.perf.bench.reporting;

import java.util.List;
import java.util.Locale;

/**
 * The end-of-run text table of one result, and the side-by-side table of several ({@code compare}).
 *
 * <p>Thread-safety: stateless.
 */
public final class TextReport {

    private TextReport() {
    }

    /**
     * Renders one result.
     *
     * @param r the result
     * @return the report, ending in a newline
     */
    public static String render(RunResult r) {
        StringBuilder b = new StringBuilder();
        RunResult.Summary s = r.summary();
        String kind = r.mode().toUpperCase(Locale.ROOT);
        line(b, "Sluice bench: %s  [%s]", r.scenario().name(), kind);
        line(b, "scenario  %s  (%s)", r.scenario().source(), r.scenario().description());
        RunResult.Environment e = r.environment();
        line(b, "machine   %d cores, %s, %s, load average %.2f at start, started %s", e.cores(), e.jvm(), e.os(),
                e.loadAverage(), e.startedAt());
        for (String note : r.notes()) {
            line(b, "note      %s", note);
        }
        b.append('\n');
        String m = "[" + (r.mode().equals(RunResult.MEASURED) ? "measured" : "simulated") + "]";
        row(b, "figure", "value", "");
        row(b, "duration", fmt("%.1f s", s.seconds()), m);
        row(b, "throughput", fmt("%,.1f records/s  %.3f MB/s", s.recordsPerSecond(), s.megabytesPerSecond()), m);
        row(b, "records", fmt("%,d attempted  %,d accepted", s.attemptedRecords(), s.acceptedRecords()), m);
        row(b, "throttled", fmt("%,d (%.3f %%)  failed %,d", s.throttledRecords(), s.throttledPercent(), s.failedRecords()), m);
        percentiles(b, s.latency(), m);
        percentiles(b, s.endToEnd(), m);
        RunResult.Consumers c = s.consumers();
        if (c != null && c.applications() > 0) {
            boolean simulated = r.mode().equals(RunResult.SIMULATED);
            // Read throttling and MillisBehindLatest are counted by the simulated readers only.
            row(b, "consumers", fmt("%d app(s), %,d records processed", c.applications(), c.consumedRecords())
                    + (simulated ? fmt(", %,d reads throttled", c.readThrottled()) : ""), m);
            row(b, "consumer lag", fmt("max %,d records, %,d at end", c.maxLagRecords(), c.finalLagRecords())
                    + (simulated ? fmt(", max behind latest %.3f s", c.maxBehindLatestSeconds()) : ""), m);
        }
        RunResult.Delivery d = s.delivery();
        if (d != null && d.enabled()) {
            row(b, "objects", fmt("%,d (%,.1f per hour), %,d bytes, %,d under 1 MiB", d.objects(), d.objectsPerHour(),
                    d.bytes(), d.smallObjects()), m);
            RunResult.Percentiles os = d.objectSize();
            row(b, "object size", fmt("p50 %s  p90 %s  p99 %s  max %s", bytes(os.p50()), bytes(os.p90()), bytes(os.p99()),
                    bytes(os.max())), m);
            StringBuilder buckets = new StringBuilder();
            for (RunResult.Bucket bucket : d.objectSizeBuckets()) {
                buckets.append(bucket.label()).append(": ").append(bucket.count()).append("  ");
            }
            row(b, "object sizes", buckets.toString().trim(), m);
            row(b, "size basis", d.sizeBasis(), "");
            percentiles(b, d.freshness(), m);
        }
        RunResult.Reconciliation rc = s.reconciliation();
        if (rc != null) {
            row(b, "reconciliation", fmt("in %,d = delivered %,d + dropped %,d + failed %,d + pending %,d  -> %s",
                    rc.in(), rc.delivered(), rc.dropped(), rc.failed(), rc.pending(), rc.balanced() ? "balanced" : "NOT BALANCED"), m);
        }
        RunResult.Resources res = s.resources();
        if (res != null) {
            row(b, "memory (peak)", fmt("RSS %s  heap %s  direct %s", known(res.peakRssBytes()), known(res.peakHeapUsedBytes()),
                    known(res.peakDirectBytes())) + fmt("  (RSS at end %s)", known(res.endRssBytes())), m);
            row(b, "stream storage (peak)", fmt("retained %s of limit %s, on disk %s; at end retained %s",
                    known(res.peakRetainedBytes()), res.limitBytes() < 0 ? "none" : bytes(res.limitBytes()),
                    known(res.peakDiskBytes()), known(res.endRetainedBytes())), m);
            row(b, "byte retention", fmt("%,d records trimmed, %,d put entries refused", res.trimmedRecords(),
                    res.refusedRecords()), m);
        }
        if (r.repeats() != null && r.repeats().size() > 1) {
            StringBuilder reps = new StringBuilder();
            for (RunResult.Repeat rep : r.repeats()) {
                reps.append(fmt("#%d %,.0f rec/s  ", rep.index(), rep.recordsPerSecond()));
            }
            row(b, "repeats", reps.toString().trim(), m);
        }
        if (r.spread() != null) {
            row(b, "spread", fmt("%.1f %% (min %,.0f, max %,.0f rec/s): %s", r.spread().spreadPercent(),
                    r.spread().minRecordsPerSecond(), r.spread().maxRecordsPerSecond(), r.spread().verdict()), m);
        }
        if (r.sweep() != null) {
            b.append('\n');
            line(b, "shard sweep [simulated]: throttled share per shard count (enough: under 0.1 %%)");
            for (RunResult.SweepPoint p : r.sweep()) {
                line(b, "  %3d shard(s)  %,12d throttled  %9.4f %%", p.shards(), p.throttledRecords(), p.throttledPercent());
            }
            line(b, "  fewest shards under 0.1 %%: %s", r.recommendedShards() == null ? "none in the sweep" : r.recommendedShards());
        }
        return b.toString();
    }

    /**
     * Renders several results side by side, with each figure's ratio to the first.
     *
     * @param results two or more results
     * @param names   the file each came from
     * @return the table
     */
    public static String compare(List<RunResult> results, List<String> names) {
        StringBuilder b = new StringBuilder();
        line(b, "Sluice bench compare: ratios are to the first result (A)");
        for (int i = 0; i < results.size(); i++) {
            RunResult r = results.get(i);
            line(b, "%s = %s  %s [%s]  %d cores, %s, started %s", letter(i), names.get(i), r.scenario().name(),
                    r.mode(), r.environment().cores(), r.environment().jvm(), r.environment().startedAt());
        }
        boolean mixed = results.stream().map(RunResult::mode).distinct().count() > 1;
        if (mixed) {
            line(b, "WARNING: measured and simulated results are mixed; their figures are not comparable.");
        }
        double worstSpread = results.stream().filter(r -> r.spread() != null && r.repeats() != null && r.repeats().size() > 1)
                .mapToDouble(r -> r.spread().spreadPercent()).max().orElse(Double.NaN);
        if (!Double.isNaN(worstSpread)) {
            line(b, "Noise: repeats of one design differed by up to %.1f %%; ratios closer to 1 than that are not a difference.",
                    worstSpread);
        }
        b.append('\n');
        StringBuilder head = new StringBuilder(fmt("%-26s", "figure"));
        for (int i = 0; i < results.size(); i++) {
            head.append(fmt(" %16s", letter(i))).append(i == 0 ? "" : fmt(" %8s", letter(i) + "/A"));
        }
        b.append(head).append('\n');
        cmp(b, results, "records/s", r -> r.summary().recordsPerSecond());
        cmp(b, results, "MB/s", r -> r.summary().megabytesPerSecond());
        cmp(b, results, "spread between repeats %", r -> r.spread() == null ? Double.NaN : r.spread().spreadPercent());
        cmp(b, results, "throttled %", r -> r.summary().throttledPercent());
        cmp(b, results, "latency p50", r -> r.summary().latency() == null ? Double.NaN : r.summary().latency().p50());
        cmp(b, results, "latency p99", r -> r.summary().latency() == null ? Double.NaN : r.summary().latency().p99());
        cmp(b, results, "latency p99.9", r -> r.summary().latency() == null ? Double.NaN : r.summary().latency().p999());
        cmp(b, results, "max consumer lag (rec)", r -> r.summary().consumers() == null ? Double.NaN : r.summary().consumers().maxLagRecords());
        cmp(b, results, "objects", r -> delivery(r) == null ? Double.NaN : delivery(r).objects());
        cmp(b, results, "objects per hour", r -> delivery(r) == null ? Double.NaN : delivery(r).objectsPerHour());
        cmp(b, results, "object size p50 (B)", r -> delivery(r) == null ? Double.NaN : delivery(r).objectSize().p50());
        cmp(b, results, "freshness p99 (s)", r -> delivery(r) == null ? Double.NaN : delivery(r).freshness().p99());
        cmp(b, results, "peak RSS (MiB)", r -> resource(r, RunResult.Resources::peakRssBytes));
        cmp(b, results, "peak direct memory (MiB)", r -> resource(r, RunResult.Resources::peakDirectBytes));
        cmp(b, results, "peak retained (MiB)", r -> resource(r, RunResult.Resources::peakRetainedBytes));
        return b.toString();
    }

    private static double resource(RunResult r, java.util.function.ToLongFunction<RunResult.Resources> figure) {
        RunResult.Resources res = r.summary().resources();
        long v = res == null ? -1 : figure.applyAsLong(res);
        return v < 0 ? Double.NaN : v / (double) (1 << 20);
    }

    private static RunResult.Delivery delivery(RunResult r) {
        RunResult.Delivery d = r.summary().delivery();
        return d == null || !d.enabled() ? null : d;
    }

    private interface Figure {
        double of(RunResult r);
    }

    private static void cmp(StringBuilder b, List<RunResult> results, String label, Figure f) {
        StringBuilder row = new StringBuilder(fmt("%-26s", label));
        double base = f.of(results.get(0));
        for (int i = 0; i < results.size(); i++) {
            double v = f.of(results.get(i));
            row.append(fmt(" %16s", Double.isNaN(v) ? "-" : fmt("%,.3f", v)));
            if (i > 0) {
                row.append(fmt(" %8s", Double.isNaN(v) || Double.isNaN(base) || base == 0 ? "-" : fmt("%.3f", v / base)));
            }
        }
        b.append(row).append('\n');
    }

    private static String letter(int i) {
        return String.valueOf((char) ('A' + i));
    }

    private static void percentiles(StringBuilder b, RunResult.Percentiles p, String m) {
        if (p == null) {
            return;
        }
        row(b, p.metric(), p.count() == 0 ? "no values" : fmt("p50 %.3f  p90 %.3f  p99 %.3f  p99.9 %.3f  max %.3f %s (n=%,d)",
                p.p50(), p.p90(), p.p99(), p.p999(), p.max(), p.unit(), p.count()), m);
    }

    private static String known(long v) {
        return v < 0 ? "unknown" : bytes(v);
    }

    private static String bytes(double v) {
        if (v >= 1 << 20) {
            return fmt("%.2f MiB", v / (1 << 20));
        }
        if (v >= 1 << 10) {
            return fmt("%.1f KiB", v / (1 << 10));
        }
        return fmt("%.0f B", v);
    }

    private static void row(StringBuilder b, String label, String value, String mark) {
        b.append(fmt("%-26s %s %s", label, value, mark).stripTrailing()).append('\n');
    }

    private static void line(StringBuilder b, String format, Object... args) {
        b.append(fmt(format, args)).append('\n');
    }

    private static String fmt(String format, Object... args) {
        return String.format(Locale.ROOT, format, args);
    }
}
