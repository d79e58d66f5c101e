package dev.sluice.perf.bench.reporting;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The machine-readable result of one run, written as {@code result.json} and read back by {@code compare}.
 *
 * <p>Every figure carries its provenance: {@link #mode} says whether it was measured on this machine or simulated
 * on a virtual clock, {@link #environment} on what machine and JVM, {@link #scenario} with which design (the
 * effective scenario is embedded). Written with sorted keys and no wall-clock field outside {@link Environment},
 * so a simulation with the same scenario, seed and environment writes the same bytes.
 *
 * <p>Thread-safety: immutable.
 *
 * @param tool        the tool and version
 * @param mode        {@code measured} or {@code simulated}
 * @param scenario    which design
 * @param environment where and when
 * @param notes       how to read the figures (what was modelled, what is not meaningful)
 * @param summary     the figures of the run (the median repeat when measured more than once)
 * @param repeats     measure mode: each repeat's throughput
 * @param spread      measure mode: the spread between repeats
 * @param sweep       simulate mode: throttled share for 1..N shards
 * @param recommendedShards simulate mode: fewest shards throttling under 0.1 %, or null
 * @param series      figures over time
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RunResult(String tool, String mode, ScenarioInfo scenario, Environment environment, List<String> notes,
                        Summary summary, List<Repeat> repeats, Spread spread, List<SweepPoint> sweep,
                        Integer recommendedShards, Series series) {

    /** Mode value of a run on this machine's wall clock. */
    public static final String MEASURED = "measured";
    /** Mode value of a run on the virtual clock. */
    public static final String SIMULATED = "simulated";

    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(MapperFeature.SORT_PROPERTIES_ALPHABETICALLY)
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
            .enable(SerializationFeature.INDENT_OUTPUT)
            .build();

    /**
     * @param name        the scenario's name
     * @param source      {@code preset:<name>} or the file as given
     * @param description its description
     * @param effective   every field as used (defaults, file, overrides)
     */
    public record ScenarioInfo(String name, String source, String description, JsonNode effective) {
    }

    /**
     * @param cores      available processors
     * @param jvm        vendor, VM and version
     * @param os         name, version, architecture
     * @param loadAverage system load average over the last minute when the run started (-1 if unknown)
     * @param startedAt  wall-clock start (ISO-8601)
     */
    public record Environment(int cores, String jvm, String os, double loadAverage, String startedAt) {
    }

    /**
     * @param seconds            measured (or simulated) seconds, warm-up excluded
     * @param attemptedRecords   records producers tried to put
     * @param acceptedRecords    records the stream accepted
     * @param throttledRecords   records refused with ProvisionedThroughputExceededException (not retried)
     * @param failedRecords      records refused for another reason
     * @param throttledPercent   throttled / attempted, percent
     * @param recordsPerSecond   accepted records per second
     * @param megabytesPerSecond accepted data, 10^6 bytes per second
     * @param latency            measured: put call latency; simulated: absent (see notes)
     * @param endToEnd           measured: put to consumer; simulated: absent
     * @param consumers          consumer figures
     * @param delivery           delivery figures
     * @param reconciliation     in = delivered + dropped + failed (+ pending)
     * @param resources          measured: the process's memory and the stream's storage; simulated: absent
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Summary(double seconds, long attemptedRecords, long acceptedRecords, long throttledRecords,
                          long failedRecords, double throttledPercent, double recordsPerSecond, double megabytesPerSecond,
                          Percentiles latency, Percentiles endToEnd, Consumers consumers, Delivery delivery,
                          Reconciliation reconciliation, Resources resources) {
    }

    /**
     * Memory of the benchmark's process and the stream's storage, peaks and values at the end; bytes. A figure the
     * platform does not report is -1.
     *
     * @param peakRssBytes       resident set size of the process (Linux {@code VmRSS})
     * @param peakHeapUsedBytes  heap in use
     * @param peakDirectBytes    direct memory in use (every direct buffer of the JVM)
     * @param peakRetainedBytes  bytes (data and keys) the stream retained
     * @param peakDiskBytes      bytes the stream's files used on disk (durable storage)
     * @param endRssBytes        resident set size at the end of the run
     * @param endRetainedBytes   retained bytes at the end
     * @param limitBytes         the byte limit that applied: the stream's retentionBytes, else in-memory storage's
     *                           memory limit; -1 if none
     * @param trimmedRecords     records dropped to stay within a byte limit
     * @param refusedRecords     put entries refused at a byte limit (counted in throttled as well)
     */
    public record Resources(long peakRssBytes, long peakHeapUsedBytes, long peakDirectBytes, long peakRetainedBytes,
                            long peakDiskBytes, long endRssBytes, long endRetainedBytes, long limitBytes,
                            long trimmedRecords, long refusedRecords) {
    }

    /**
     * Percentiles from an HdrHistogram.
     *
     * @param metric what was recorded
     * @param unit   unit of the values
     * @param count  values recorded
     */
    public record Percentiles(String metric, String unit, long count, double p50, double p90, double p99, double p999,
                              double max) {
    }

    /**
     * @param applications       consumer applications
     * @param consumedRecords    records processed, summed over applications
     * @param readThrottled      GetRecords calls refused for the shard's read limits
     * @param maxLagRecords      most records any application was behind
     * @param finalLagRecords    records behind at the end of the run
     * @param maxBehindLatestSeconds largest MillisBehindLatest seen, seconds
     */
    public record Consumers(int applications, long consumedRecords, long readThrottled, long maxLagRecords,
                            long finalLagRecords, double maxBehindLatestSeconds) {
    }

    /**
     * @param enabled        whether the scenario has a delivery stream
     * @param objects        objects written
     * @param objectsPerHour objects per hour of run time
     * @param bytes          bytes written
     * @param objectSize     object size percentiles, bytes
     * @param objectSizeBuckets counts per size bucket
     * @param smallObjects   objects under 1 MiB (the small-files check)
     * @param freshness      arrival in the stream to object written, seconds
     * @param sizeBasis      how sizes were obtained (written files, or estimated from a calibration sample)
     */
    public record Delivery(boolean enabled, long objects, double objectsPerHour, long bytes, Percentiles objectSize,
                           List<Bucket> objectSizeBuckets, long smallObjects, Percentiles freshness, String sizeBasis) {
    }

    /**
     * @param label  the size range
     * @param count  objects in it
     */
    public record Bucket(String label, long count) {
    }

    /**
     * @param in        records the delivery stream took from the stream
     * @param delivered records in written objects
     * @param dropped   records a transform dropped
     * @param failed    records in the error output
     * @param pending   records not final when the run ended
     * @param balanced  in == delivered + dropped + failed + pending, and pending == 0
     */
    public record Reconciliation(long in, long delivered, long dropped, long failed, long pending, boolean balanced) {
    }

    /**
     * @param index            1-based
     * @param recordsPerSecond accepted records per second
     * @param throttledPercent throttled share
     */
    public record Repeat(int index, double recordsPerSecond, double throttledPercent) {
    }

    /**
     * @param minRecordsPerSecond slowest repeat
     * @param maxRecordsPerSecond fastest repeat
     * @param spreadPercent       (max - min) / median
     * @param verdict             how much to trust the figures
     */
    public record Spread(double minRecordsPerSecond, double maxRecordsPerSecond, double spreadPercent, String verdict) {
    }

    /**
     * @param shards           shard count
     * @param throttledRecords throttled records
     * @param throttledPercent throttled share
     */
    public record SweepPoint(int shards, long throttledRecords, double throttledPercent) {
    }

    /**
     * Figures per sample interval; {@code t} is the end of each interval in seconds since the start of measurement.
     *
     * @param intervalSeconds  sample interval
     * @param t                interval ends, seconds
     * @param recordsPerSecond accepted records per second
     * @param throttledPercent throttled share
     * @param latencyMetric    what the three latency series hold
     * @param latencyP50       p50 per interval
     * @param latencyP99       p99 per interval
     * @param latencyP999      p99.9 per interval
     * @param lagRecords       most records behind, over consumer applications
     * @param objects          objects written in the interval
     * @param objectMeanBytes  mean object size in the interval (0 if none)
     * @param rssBytes         measured: the process's resident set size at each interval end (-1 if unknown)
     * @param heapUsedBytes    measured: heap in use
     * @param directBytes      measured: direct memory in use
     * @param retainedBytes    measured: bytes the stream retained
     * @param diskBytes        measured: bytes of the stream's files on disk
     */
    public record Series(double intervalSeconds, List<Double> t, List<Double> recordsPerSecond,
                         List<Double> throttledPercent, String latencyMetric, List<Double> latencyP50,
                         List<Double> latencyP99, List<Double> latencyP999, List<Long> lagRecords, List<Long> objects,
                         List<Double> objectMeanBytes, List<Long> rssBytes, List<Long> heapUsedBytes,
                         List<Long> directBytes, List<Long> retainedBytes, List<Long> diskBytes) {
    }

    /**
     * Serialises deterministically (sorted keys, two-space indent, trailing newline).
     *
     * @return the JSON text
     */
    public String toJson() {
        try {
            return JSON.writeValueAsString(this) + "\n";
        } catch (IOException e) {
            throw new IllegalStateException("a result always serialises", e);
        }
    }

    /**
     * Writes {@link #toJson()} to a file.
     *
     * @param file where
     * @throws IOException if it cannot be written
     */
    public void write(Path file) throws IOException {
        Files.writeString(file, toJson(), StandardCharsets.UTF_8);
    }

    /**
     * Reads a result file.
     *
     * @param file a {@code result.json}
     * @return the result
     * @throws IOException if it cannot be read or is not a result
     */
    public static RunResult read(Path file) throws IOException {
        return JSON.readValue(file.toFile(), RunResult.class);
    }

    /**
     * Rounds for presentation in the JSON (values stay deterministic either way); non-finite values become 0.
     *
     * @param value    the value
     * @param decimals decimals to keep
     * @return the rounded value
     */
    public static double round(double value, int decimals) {
        if (!Double.isFinite(value)) {
            return 0;
        }
        double scale = Math.pow(10, decimals);
        return Math.round(value * scale) / scale;
    }
}
