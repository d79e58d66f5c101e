package dev.sluice.perf.bench.scenario;

import dev.sluice.stream.OverflowPolicy;
import dev.sluice.stream.ThrottleMode;

import java.time.Duration;
import java.util.List;

/**
 * A design to benchmark: one stream, its producers and consumers, an optional delivery stream reading it, and how
 * long to run. Built by {@link ScenarioLoader} from a YAML/JSON file or a preset plus command-line overrides, then
 * {@linkplain #validate() validated} so that every bad value is reported with its field path and its limit.
 *
 * <p>Thread-safety: immutable.
 *
 * @param name        a short label used in reports
 * @param description one line saying what the design is
 * @param stream      the stream
 * @param producers   the producers
 * @param consumers   the consumer applications
 * @param delivery    the delivery stream reading the stream
 * @param run         duration, warm-up, seed, repeats
 */
public record Scenario(String name, String description, StreamSpec stream, ProducerSpec producers,
                       ConsumerSpec consumers, DeliverySpec delivery, RunSpec run) {

    /** Kinesis's limit of records in one PutRecords call. */
    public static final int MAX_BATCH = 500;
    /** Kinesis's PutRecord limit on the data blob: 1 MiB. */
    public static final int MAX_RECORD_BYTES = 1 << 20;
    /** The smallest record the generator can write: its fixed JSON fields. */
    public static final int MIN_RECORD_BYTES = 96;
    /** Kinesis's default shard quota per account and region (500 shards). */
    public static final int MAX_SHARDS = 500;
    /** The engine's smallest retentionBytes: one record of the largest size (1 MiB). */
    public static final long MIN_RETENTION_BYTES = 1 << 20;
    /** Firehose's default limit of active dynamic partitions. */
    public static final int MAX_EVENT_TYPES = 500;

    /** Storage of the stream. */
    public enum StorageKind { IN_MEMORY, DURABLE }

    /** Capacity mode of the stream (Kinesis's {@code StreamModeDetails}). */
    public enum CapacityMode { PROVISIONED, ON_DEMAND }

    /**
     * Output format of delivered objects: JSON lines or Parquet objects in a bucket, or Parquet data files committed
     * to an Iceberg table ({@code ICEBERG}: an embedded catalog in the output directory, the table partitioned by
     * identity on {@code partitionBy}).
     */
    public enum Format { JSON, PARQUET, ICEBERG }

    /** Output compression: for JSON lines the object codec, for Parquet the page codec. */
    public enum Codec { NONE, GZIP, SNAPPY, ZSTD }

    /** Shape of the record size distribution. */
    public enum SizeShape { FIXED, UNIFORM }

    /** How partition keys are drawn. */
    public enum KeyShape {
        /** Uniformly over {@code count} keys. */
        UNIFORM,
        /** {@code hotShare} of the records over {@code hotKeys} keys, the rest uniformly over {@code count}. */
        HOT,
        /** Keys in rotation 0, 1, ..., count-1 (a CDC feed keyed by primary key, ordered per key). */
        SEQUENTIAL
    }

    /**
     * The stream.
     *
     * @param shards       open shards (provisioned mode)
     * @param capacityMode provisioned or on-demand
     * @param throttleMode REJECT, BLOCK or OFF (Sluice's {@link ThrottleMode}), in any case
     * @param retention    in [PT24H, PT8760H]
     * @param storage      in-memory or durable (a directory under the output directory)
     * @param retentionBytes   the stream's byte limit (Sluice's {@code retentionBytes}); 0 for none of its own
     * @param overflowPolicy   what happens at a byte limit: REJECT, BLOCK or TRIM_OLDEST
     * @param maxRetainedBytes in-memory storage's memory limit for all streams; 0 for the engine's default (75 % of
     *                         the JVM's direct-memory limit)
     */
    public record StreamSpec(int shards, CapacityMode capacityMode, ThrottleMode throttleMode, Duration retention,
                             StorageKind storage, long retentionBytes, OverflowPolicy overflowPolicy,
                             long maxRetainedBytes) {
    }

    /**
     * The producers.
     *
     * @param count         producer threads (measure) or independent producers (simulate)
     * @param ratePerSecond records per second across all producers; 0 is an open loop (as fast as calls return)
     * @param batchSize     1 for PutRecord, else PutRecords with this many entries
     * @param recordSize    the data size distribution, in bytes
     * @param partitionKeys the partition-key distribution
     * @param eventTypes    distinct values of the records' {@code type} field (what dynamic partitioning splits on)
     */
    public record ProducerSpec(int count, double ratePerSecond, int batchSize, SizeSpec recordSize, KeySpec partitionKeys,
                               int eventTypes) {
    }

    /**
     * Record sizes.
     *
     * @param shape FIXED (always {@code min}) or UNIFORM in [min, max]
     * @param min   smallest record, bytes
     * @param max   largest record, bytes
     */
    public record SizeSpec(SizeShape shape, int min, int max) {
    }

    /**
     * Partition keys.
     *
     * @param shape    UNIFORM, HOT or SEQUENTIAL
     * @param count    distinct keys
     * @param hotKeys  the hot keys (HOT only)
     * @param hotShare the share of records that go to the hot keys, in [0, 1] (HOT only)
     */
    public record KeySpec(KeyShape shape, int count, int hotKeys, double hotShare) {
    }

    /**
     * Consumer applications, each reading every shard.
     *
     * @param applications how many applications (0: none)
     * @param fanOut       enhanced fan-out (dedicated 2 MiB/s per shard) instead of shared GetRecords polling
     * @param pollInterval time between GetRecords calls on a shard when the last call returned nothing new
     */
    public record ConsumerSpec(int applications, boolean fanOut, Duration pollInterval) {
    }

    /**
     * The delivery stream reading the stream (Firehose with a Kinesis source).
     *
     * @param enabled      whether there is one
     * @param bufferSize   buffering hint, bytes
     * @param bufferInterval buffering hint, interval
     * @param format       JSON lines, Parquet, or an Iceberg table
     * @param compression  the codec
     * @param partitionBy  record fields to partition by (dynamic partitioning), for example {@code [type]}
     * @param transforms   the processing chain, in order
     * @param icebergCommitInterval ICEBERG: the least time between two commits of the table (the destination's
     *                     {@code minCommitInterval}); objects written meanwhile share the next commit
     */
    public record DeliverySpec(boolean enabled, long bufferSize, Duration bufferInterval, Format format, Codec compression,
                               List<String> partitionBy, List<TransformSpec> transforms,
                               Duration icebergCommitInterval) {

        /** An absent list is an empty one; lists are copied. */
        public DeliverySpec {
            partitionBy = partitionBy == null ? List.of() : List.copyOf(partitionBy);
            transforms = transforms == null ? List.of() : List.copyOf(transforms);
        }
    }

    /**
     * One built-in processor of the delivery stream's processing chain.
     *
     * @param type   dropFields, maskFields or filter
     * @param fields the fields (dropFields, maskFields)
     * @param query  the JQ predicate (filter): records for which it is false are dropped
     */
    public record TransformSpec(String type, List<String> fields, String query) {

        /** An absent field list is an empty one; the list is copied. */
        public TransformSpec {
            fields = fields == null ? List.of() : List.copyOf(fields);
        }
    }

    /**
     * The run.
     *
     * @param duration       measured (or simulated) time after the warm-up
     * @param warmup         time run first and left out of the figures
     * @param seed           seeds every random choice of the workload
     * @param repeats        measure mode: how many times to run, to show the spread on this machine
     * @param tick           simulate mode: the virtual-time step in which each tick's puts are issued
     * @param sweepShards    simulate mode: also run 1..N shards and report the throttled share of each (0: no sweep)
     */
    public record RunSpec(Duration duration, Duration warmup, long seed, int repeats, Duration tick, int sweepShards) {
    }

    /**
     * Checks every value against its limit.
     *
     * @return this scenario
     * @throws ScenarioException naming the first field out of range, its allowed range and the actual value
     */
    public Scenario validate() {
        Validation v = new Validation();
        v.text("name", name);
        v.range("stream.shards", stream.shards(), 1, MAX_SHARDS);
        if (stream.throttleMode() == null) {
            throw new ScenarioException("stream.throttleMode must be one of " + java.util.Arrays.toString(ThrottleMode.values())
                    + " but was null");
        }
        v.range("stream.retention", stream.retention(), Duration.ofHours(24), Duration.ofHours(8760));
        if (stream.retentionBytes() != 0) {
            v.range("stream.retentionBytes", stream.retentionBytes(), MIN_RETENTION_BYTES, 1L << 50);
        }
        if (stream.maxRetainedBytes() != 0) {
            v.range("stream.maxRetainedBytes", stream.maxRetainedBytes(), 16L << 20, Long.MAX_VALUE);
        }
        if (stream.overflowPolicy() == null) {
            throw new ScenarioException("stream.overflowPolicy must be one of "
                    + java.util.Arrays.toString(OverflowPolicy.values()) + " but was null");
        }
        v.range("producers.count", producers.count(), 1, 64);
        v.range("producers.ratePerSecond", producers.ratePerSecond(), 0, 10_000_000);
        v.range("producers.batchSize", producers.batchSize(), 1, MAX_BATCH);
        v.range("producers.recordSize.min", producers.recordSize().min(), MIN_RECORD_BYTES, MAX_RECORD_BYTES);
        v.range("producers.recordSize.max", producers.recordSize().max(), producers.recordSize().min(), MAX_RECORD_BYTES);
        v.range("producers.partitionKeys.count", producers.partitionKeys().count(), 1, 100_000_000);
        if (producers.partitionKeys().shape() == KeyShape.HOT) {
            v.range("producers.partitionKeys.hotKeys", producers.partitionKeys().hotKeys(), 1,
                    producers.partitionKeys().count());
            v.range("producers.partitionKeys.hotShare", producers.partitionKeys().hotShare(), 0, 1);
        }
        v.range("producers.eventTypes", producers.eventTypes(), 1, MAX_EVENT_TYPES);
        v.range("consumers.applications", consumers.applications(), 0, 20);
        v.range("consumers.pollInterval", consumers.pollInterval(), Duration.ofMillis(1), Duration.ofMinutes(5));
        if (delivery.enabled()) {
            // Firehose's BufferingHints limits: 1 MiB..128 MiB, 0..900 s (Sluice allows down to 1 byte).
            v.range("delivery.bufferSize", delivery.bufferSize(), 1, 128L << 20);
            v.range("delivery.bufferInterval", delivery.bufferInterval(), Duration.ZERO, Duration.ofSeconds(900));
            v.range("delivery.icebergCommitInterval", delivery.icebergCommitInterval(), Duration.ZERO,
                    Duration.ofMinutes(1));
            for (String field : delivery.partitionBy()) {
                v.oneOf("delivery.partitionBy", field, List.of("type", "key"));
            }
            for (int i = 0; i < delivery.transforms().size(); i++) {
                TransformSpec t = delivery.transforms().get(i);
                String at = "delivery.transforms[" + i + "]";
                v.oneOf(at + ".type", t.type(), List.of("dropFields", "maskFields", "filter"));
                if (t.type().equals("filter")) {
                    v.text(at + ".query", t.query());
                } else if (t.fields().isEmpty()) {
                    throw new ScenarioException(at + ".fields must name at least one field but was []");
                }
            }
        }
        v.range("run.duration", run.duration(), Duration.ofSeconds(1), Duration.ofDays(7));
        v.range("run.warmup", run.warmup(), Duration.ZERO, Duration.ofHours(1));
        v.range("run.repeats", run.repeats(), 1, 20);
        v.range("run.tick", run.tick(), Duration.ofMillis(1), Duration.ofSeconds(1));
        v.range("run.sweepShards", run.sweepShards(), 0, 64);
        return this;
    }

    /** Range checks whose messages follow the house form: "x must be in [a, b] but was c". */
    private static final class Validation {

        void text(String field, String value) {
            if (value == null || value.isBlank()) {
                throw new ScenarioException(field + " must not be empty");
            }
        }

        void range(String field, long value, long min, long max) {
            if (value < min || value > max) {
                throw new ScenarioException(field + " must be in [" + min + ", " + max + "] but was " + value);
            }
        }

        void range(String field, double value, double min, double max) {
            if (!(value >= min && value <= max)) {
                throw new ScenarioException(field + " must be in [" + fmt(min) + ", " + fmt(max) + "] but was " + fmt(value));
            }
        }

        void range(String field, Duration value, Duration min, Duration max) {
            if (value == null) {
                throw new ScenarioException(field + " must be set (an ISO-8601 duration such as PT30S)");
            }
            if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
                throw new ScenarioException(field + " must be in [" + min + ", " + max + "] but was " + value);
            }
        }

        void oneOf(String field, String value, List<String> allowed) {
            if (value == null || !allowed.contains(value)) {
                throw new ScenarioException(field + " must be one of " + allowed + " but was " + value);
            }
        }

        private static String fmt(double d) {
            return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : Double.toString(d);
        }
    }
}
