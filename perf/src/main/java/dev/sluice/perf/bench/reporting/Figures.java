package dev.sluice.perf.bench.reporting;

import org.HdrHistogram.Histogram;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Builds the figures of a {@link RunResult} from raw counters and HdrHistograms, and accumulates the series.
 *
 * <p>Thread-safety: not thread-safe; one instance per run, fed by the run's sampling thread.
 */
public final class Figures {

    /** Objects under this size count as small files (1 MiB). */
    public static final long SMALL_OBJECT_BYTES = 1 << 20;
    private static final long[] BUCKET_BOUNDS = {64L << 10, 1L << 20, 8L << 20, 64L << 20, 128L << 20};
    private static final String[] BUCKET_LABELS = {"<64KiB", "64KiB-1MiB", "1-8MiB", "8-64MiB", "64-128MiB", ">=128MiB"};

    private final double intervalSeconds;
    private final String latencyMetric;
    private final List<Double> t = new ArrayList<>();
    private final List<Double> rate = new ArrayList<>();
    private final List<Double> throttled = new ArrayList<>();
    private final List<Double> p50 = new ArrayList<>();
    private final List<Double> p99 = new ArrayList<>();
    private final List<Double> p999 = new ArrayList<>();
    private final List<Long> lag = new ArrayList<>();
    private final List<Long> objects = new ArrayList<>();
    private final List<Double> objectMean = new ArrayList<>();
    private final List<Long> rss = new ArrayList<>();
    private final List<Long> heap = new ArrayList<>();
    private final List<Long> direct = new ArrayList<>();
    private final List<Long> retained = new ArrayList<>();
    private final List<Long> disk = new ArrayList<>();

    /**
     * @param intervalSeconds the sample interval
     * @param latencyMetric   what the latency series hold, with unit
     */
    public Figures(double intervalSeconds, String latencyMetric) {
        this.intervalSeconds = intervalSeconds;
        this.latencyMetric = latencyMetric;
    }

    /**
     * Adds one interval.
     *
     * @param endSeconds   end of the interval since the start of measurement
     * @param accepted     records accepted in it
     * @param attempted    records attempted in it
     * @param latency      latency or freshness values recorded in it (already in the series' unit), may be empty
     * @param lagRecords   most records behind at its end
     * @param objectCount  objects written in it
     * @param objectBytes  their bytes
     */
    public void sample(double endSeconds, long accepted, long attempted, Histogram latency, long lagRecords,
                       long objectCount, long objectBytes) {
        t.add(RunResult.round(endSeconds, 3));
        rate.add(RunResult.round(accepted / intervalSeconds, 1));
        throttled.add(RunResult.round(attempted == 0 ? 0 : 100.0 * (attempted - accepted) / attempted, 3));
        boolean any = latency != null && latency.getTotalCount() > 0;
        // An interval without values has no percentile: null, a gap in the chart rather than a false zero.
        p50.add(any ? RunResult.round(latency.getValueAtPercentile(50) / 1000.0, 3) : null);
        p99.add(any ? RunResult.round(latency.getValueAtPercentile(99) / 1000.0, 3) : null);
        p999.add(any ? RunResult.round(latency.getValueAtPercentile(99.9) / 1000.0, 3) : null);
        lag.add(lagRecords);
        objects.add(objectCount);
        objectMean.add(objectCount == 0 ? null : RunResult.round((double) objectBytes / objectCount, 1));
    }

    /**
     * Adds the resources at the end of the interval last {@linkplain #sample sampled} (measure mode only).
     *
     * @param resources what was in use
     */
    public void resources(ResourceSample resources) {
        rss.add(resources.rssBytes());
        heap.add(resources.heapUsedBytes());
        direct.add(resources.directBytes());
        retained.add(resources.retainedBytes());
        disk.add(resources.diskBytes());
    }

    /**
     * What the process and the stream used at one moment; bytes, -1 where the platform does not say.
     *
     * @param rssBytes      resident set size
     * @param heapUsedBytes heap in use
     * @param directBytes   direct memory in use
     * @param retainedBytes bytes the stream retained
     * @param diskBytes     bytes of the stream's files on disk
     */
    public record ResourceSample(long rssBytes, long heapUsedBytes, long directBytes, long retainedBytes, long diskBytes) {
    }

    /** The series so far. */
    public RunResult.Series series() {
        return new RunResult.Series(intervalSeconds, List.copyOf(t), List.copyOf(rate), List.copyOf(throttled),
                latencyMetric, Collections.unmodifiableList(new ArrayList<>(p50)),
                Collections.unmodifiableList(new ArrayList<>(p99)), Collections.unmodifiableList(new ArrayList<>(p999)),
                List.copyOf(lag), List.copyOf(objects), Collections.unmodifiableList(new ArrayList<>(objectMean)),
                List.copyOf(rss), List.copyOf(heap), List.copyOf(direct), List.copyOf(retained), List.copyOf(disk));
    }

    /**
     * Percentiles of a histogram whose values are in thousandths of the reported unit (for example microseconds
     * reported as milliseconds), so sub-unit values keep three decimals.
     *
     * @param h      the histogram
     * @param metric what it recorded
     * @param unit   the reported unit
     * @return the percentiles
     */
    public static RunResult.Percentiles percentiles(Histogram h, String metric, String unit) {
        return scaled(h, metric, unit, 1000.0);
    }

    /**
     * Percentiles of a histogram whose values are already in the reported unit.
     *
     * @param h      the histogram
     * @param metric what it recorded
     * @param unit   the unit
     * @return the percentiles
     */
    public static RunResult.Percentiles unscaled(Histogram h, String metric, String unit) {
        return scaled(h, metric, unit, 1.0);
    }

    private static RunResult.Percentiles scaled(Histogram h, String metric, String unit, double divisor) {
        if (h.getTotalCount() == 0) {
            return new RunResult.Percentiles(metric, unit, 0, 0, 0, 0, 0, 0);
        }
        return new RunResult.Percentiles(metric, unit, h.getTotalCount(),
                RunResult.round(h.getValueAtPercentile(50) / divisor, 3), RunResult.round(h.getValueAtPercentile(90) / divisor, 3),
                RunResult.round(h.getValueAtPercentile(99) / divisor, 3), RunResult.round(h.getValueAtPercentile(99.9) / divisor, 3),
                RunResult.round(h.getMaxValue() / divisor, 3));
    }

    /**
     * Counts object sizes into the report's buckets.
     *
     * @param counts objects per size range, indexed by {@link #bucketOf(long)}
     * @return one bucket per size range, all present
     */
    public static List<RunResult.Bucket> buckets(long[] counts) {
        List<RunResult.Bucket> out = new ArrayList<>();
        for (int i = 0; i < BUCKET_LABELS.length; i++) {
            out.add(new RunResult.Bucket(BUCKET_LABELS[i], counts[i]));
        }
        return out;
    }

    /**
     * The bucket index of an object size, for {@link #buckets(long[])}.
     *
     * @param bytes object size
     * @return index into a counts array of {@link #bucketCount()} entries
     */
    public static int bucketOf(long bytes) {
        for (int i = 0; i < BUCKET_BOUNDS.length; i++) {
            if (bytes < BUCKET_BOUNDS[i]) {
                return i;
            }
        }
        return BUCKET_BOUNDS.length;
    }

    /** How many size buckets there are. */
    public static int bucketCount() {
        return BUCKET_LABELS.length;
    }

    /**
     * A short description of this machine and JVM, now.
     *
     * @param startedAt the wall-clock start, ISO-8601
     * @return the environment
     */
    public static RunResult.Environment environment(String startedAt) {
        double load = java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
        return new RunResult.Environment(Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.vm.vendor") + " " + System.getProperty("java.vm.name") + " " + Runtime.version(),
                System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"),
                RunResult.round(load, 2), startedAt);
    }
}
