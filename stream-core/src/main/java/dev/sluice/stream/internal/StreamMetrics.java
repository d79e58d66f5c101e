package dev.sluice.stream.internal;

import dev.sluice.stream.ShardLevelMetric;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A stream's Micrometer meters, named as Kinesis names its CloudWatch metrics and tagged {@code stream}.
 * {@code IncomingBytes}, {@code IncomingRecords}, {@code WriteProvisionedThroughputExceeded} and
 * {@code ReadProvisionedThroughputExceeded} always exist at stream level. Shard-level meters ({@link ShardMetrics})
 * add a {@code shard} tag and exist only for the metrics enhanced monitoring enables
 * ({@link #enhancedMonitoring(Set)}), as in CloudWatch; the Sluice-specific retained/disk gauges always exist.
 *
 * <p>Without a registry (null: the engine was built without one) every meter is one of {@link NoMeters}' shared no-ops
 * and no gauge exists, so an engine nobody observes loads no registry.
 *
 * <p>Thread-safety: Micrometer meters are thread-safe. A shard-level meter is published through a volatile field,
 * so a writer counting while monitoring changes either counts into it or not; enabling and disabling run under
 * the control plane's lock. Meters are removed from the registry when the stream is deleted.
 */
final class StreamMetrics {

    /** Null if the engine has no registry. */
    private final MeterRegistry registry;
    private final Tags tags;
    private final List<Meter> meters = new ArrayList<>();
    private final List<ShardMetrics> shards = new ArrayList<>();
    private Set<ShardLevelMetric> enabled = EnumSet.noneOf(ShardLevelMetric.class);

    final Counter putRecordSuccess;
    final Counter putRecordBytes;
    final Timer putRecordLatency;
    final Counter putRecordsRecords;
    final Counter putRecordsSuccessfulRecords;
    final Counter putRecordsFailedRecords;
    final Counter putRecordsThrottledRecords;
    final Counter putRecordsBytes;
    final Timer putRecordsLatency;
    final Counter getRecordsRecords;
    final Counter getRecordsBytes;
    final Counter getRecordsSuccess;
    final Timer getRecordsLatency;
    final DistributionSummary iteratorAge;
    final DistributionSummary fanOutBehindLatest;
    final Counter subscribeRateExceeded;
    private final Counter incomingRecords;
    private final Counter incomingBytes;
    private final Counter writeThrottled;
    private final Counter readThrottled;

    /**
     * Creates a stream's stream-level meters.
     *
     * @param registry   where they are registered; null for none (all meters are no-ops)
     * @param streamName the stream, its {@code stream} tag
     */
    StreamMetrics(MeterRegistry registry, String streamName) {
        this.registry = registry;
        this.tags = registry == null ? Tags.empty() : Tags.of("stream", streamName);
        putRecordSuccess = counter("PutRecord.Success", "successful PutRecord calls");
        putRecordBytes = counter("PutRecord.Bytes", "bytes put by successful PutRecord calls");
        putRecordLatency = timer("PutRecord.Latency", "PutRecord call latency");
        putRecordsRecords = counter("PutRecords.Records", "records in PutRecords calls");
        putRecordsSuccessfulRecords = counter("PutRecords.SuccessfulRecords", "records written by PutRecords calls");
        putRecordsFailedRecords = counter("PutRecords.FailedRecords", "PutRecords entries that failed for internal reasons");
        putRecordsThrottledRecords = counter("PutRecords.ThrottledRecords", "PutRecords entries refused by throttling");
        putRecordsBytes = counter("PutRecords.Bytes", "bytes written by PutRecords calls");
        putRecordsLatency = timer("PutRecords.Latency", "PutRecords call latency");
        getRecordsRecords = counter("GetRecords.Records", "records returned by GetRecords");
        getRecordsBytes = counter("GetRecords.Bytes", "bytes returned by GetRecords");
        getRecordsSuccess = counter("GetRecords.Success", "successful GetRecords calls");
        getRecordsLatency = timer("GetRecords.Latency", "GetRecords call latency");
        iteratorAge = summary("GetRecords.IteratorAgeMilliseconds", "age of the last record returned by each GetRecords call");
        fanOutBehindLatest = summary("SubscribeToShardEvent.MillisBehindLatest", "MillisBehindLatest of each enhanced fan-out event");
        subscribeRateExceeded = counter("SubscribeToShard.RateExceeded",
                "SubscribeToShard calls refused because the consumer already had an active subscription to the shard");
        incomingRecords = counter("IncomingRecords", "records accepted by the stream's shards");
        incomingBytes = counter("IncomingBytes", "bytes accepted by the stream's shards, partition keys included");
        writeThrottled = counter("WriteProvisionedThroughputExceeded", "records refused by the shards' write limits");
        readThrottled = counter("ReadProvisionedThroughputExceeded", "reads refused by the shards' read limits");
    }

    ShardMetrics shard(String shardId, ShardLog log) {
        ShardMetrics shard = new ShardMetrics(shardId, log);
        synchronized (meters) {
            shards.add(shard);
            shard.apply(enabled);
        }
        return shard;
    }

    /**
     * Makes the per-shard meters of exactly these metrics exist on every shard (and on shards made later): enabled
     * ones are registered, disabled ones removed from the registry.
     */
    void enhancedMonitoring(Set<ShardLevelMetric> metrics) {
        synchronized (meters) {
            enabled = metrics.isEmpty() ? EnumSet.noneOf(ShardLevelMetric.class) : EnumSet.copyOf(metrics);
            for (ShardMetrics shard : shards) {
                shard.apply(enabled);
            }
        }
    }

    void remove() {
        synchronized (meters) {
            if (registry != null) {
                meters.forEach(registry::remove);
            }
            meters.clear();
            shards.clear();
        }
    }

    private void unregister(Meter meter) {
        synchronized (meters) {
            meters.remove(meter);
        }
        if (registry != null) {
            registry.remove(meter);
        }
    }

    private Counter counter(String name, String description) {
        if (registry == null) {
            return NoMeters.COUNTER;
        }
        return register(Counter.builder(name).description(description).tags(tags).register(registry));
    }

    private Timer timer(String name, String description) {
        if (registry == null) {
            return NoMeters.TIMER;
        }
        return register(Timer.builder(name).description(description).tags(tags).register(registry));
    }

    private DistributionSummary summary(String name, String description) {
        if (registry == null) {
            return NoMeters.SUMMARY;
        }
        return register(DistributionSummary.builder(name).description(description).baseUnit("milliseconds")
                .tags(tags).register(registry));
    }

    /** Whether meters are registered: false if the engine has no registry, and then gauges are not built. */
    boolean registered() {
        return registry != null;
    }

    /** The registry the stream's meters are in; null if none (see {@link #registered()}). */
    MeterRegistry registry() {
        return registry;
    }

    /** The stream's tags. */
    Tags tags() {
        return tags;
    }

    /** Registers a meter of the stream: removed with the stream's others when it is deleted. */
    <M extends Meter> M register(M meter) {
        synchronized (meters) {
            meters.add(meter);
        }
        return meter;
    }

    /**
     * A count kept at stream level and, while its metric is enabled, on the shard's own meter as well.
     * Callers use it as they would a {@link Counter}.
     */
    static final class Tally {
        private final Counter stream;
        private volatile Counter shard;

        private Tally(Counter stream) {
            this.stream = stream;
        }

        void increment() {
            increment(1);
        }

        void increment(double amount) {
            if (stream != null) {
                stream.increment(amount);
            }
            Counter own = shard;
            if (own != null) {
                own.increment(amount);
            }
        }
    }

    /** The shard-level {@code IteratorAgeMilliseconds}, recorded while enabled. */
    static final class AgeTally {
        private volatile DistributionSummary shard;

        void record(long millis) {
            DistributionSummary own = shard;
            if (own != null) {
                own.record(millis);
            }
        }
    }

    /**
     * A shard's meters: Kinesis enhanced shard-level metrics, tagged {@code stream} and {@code shard}, which exist only
     * while enabled (their counts always reach the stream-level meters), and the Sluice-specific gauges.
     */
    final class ShardMetrics {
        final Tally incomingRecords = new Tally(StreamMetrics.this.incomingRecords);
        final Tally incomingBytes = new Tally(StreamMetrics.this.incomingBytes);
        final Tally writeThrottled = new Tally(StreamMetrics.this.writeThrottled);
        final Tally readThrottled = new Tally(StreamMetrics.this.readThrottled);
        /** No stream-level meter: GetRecords.Records and GetRecords.Bytes count reads at stream level. */
        final Tally outgoingRecords = new Tally(null);
        final Tally outgoingBytes = new Tally(null);
        final AgeTally iteratorAge = new AgeTally();
        private final Tags shardTags;
        private final Map<ShardLevelMetric, Meter> registered = new EnumMap<>(ShardLevelMetric.class);

        private ShardMetrics(String shardId, ShardLog log) {
            if (registry == null) {
                shardTags = tags;
                return;
            }
            shardTags = tags.and("shard", shardId);
            register(Gauge.builder("RetainedBytes", log, ShardLog::retainedBytes)
                    .description("bytes the shard holds for retained records (Sluice-specific)").baseUnit("bytes")
                    .tags(shardTags).register(registry));
            register(Gauge.builder("RetainedRecords", log, ShardLog::retainedRecords)
                    .description("records the shard holds (Sluice-specific)").tags(shardTags).register(registry));
            register(Gauge.builder("DiskBytes", log, ShardLog::diskBytes)
                    .description("bytes the shard's files use on disk, 0 in memory (Sluice-specific)").baseUnit("bytes")
                    .tags(shardTags).register(registry));
        }

        /** Registers the enabled metrics' meters and removes the others'; under the stream metrics' lock. */
        private void apply(Set<ShardLevelMetric> enabledMetrics) {
            for (ShardLevelMetric metric : ShardLevelMetric.values()) {
                boolean on = enabledMetrics.contains(metric);
                Meter meter = registered.get(metric);
                if (on && meter == null) {
                    registered.put(metric, create(metric));
                } else if (!on && meter != null) {
                    registered.remove(metric);
                    detach(metric);
                    unregister(meter);
                }
            }
        }

        private Meter create(ShardLevelMetric metric) {
            if (registry == null) {
                return metric == ShardLevelMetric.ITERATOR_AGE_MILLISECONDS ? NoMeters.SUMMARY : NoMeters.COUNTER;
            }
            if (metric == ShardLevelMetric.ITERATOR_AGE_MILLISECONDS) {
                DistributionSummary summary = register(DistributionSummary.builder(metric.metricName())
                        .description("age of the last record returned by each GetRecords call on the shard")
                        .baseUnit("milliseconds").tags(shardTags).register(registry));
                iteratorAge.shard = summary;
                return summary;
            }
            Counter counter = register(Counter.builder(metric.metricName()).description(description(metric))
                    .tags(shardTags).register(registry));
            tally(metric).shard = counter;
            return counter;
        }

        private void detach(ShardLevelMetric metric) {
            if (metric == ShardLevelMetric.ITERATOR_AGE_MILLISECONDS) {
                iteratorAge.shard = null;
            } else {
                tally(metric).shard = null;
            }
        }

        private Tally tally(ShardLevelMetric metric) {
            return switch (metric) {
                case INCOMING_BYTES -> incomingBytes;
                case INCOMING_RECORDS -> incomingRecords;
                case OUTGOING_BYTES -> outgoingBytes;
                case OUTGOING_RECORDS -> outgoingRecords;
                case WRITE_PROVISIONED_THROUGHPUT_EXCEEDED -> writeThrottled;
                case READ_PROVISIONED_THROUGHPUT_EXCEEDED -> readThrottled;
                case ITERATOR_AGE_MILLISECONDS -> throw new IllegalArgumentException(metric.name());
            };
        }

        private String description(ShardLevelMetric metric) {
            return switch (metric) {
                case INCOMING_BYTES -> "bytes accepted by the shard, partition keys included";
                case INCOMING_RECORDS -> "records accepted by the shard";
                case OUTGOING_BYTES -> "bytes read from the shard";
                case OUTGOING_RECORDS -> "records read from the shard";
                case WRITE_PROVISIONED_THROUGHPUT_EXCEEDED -> "records refused by the shard's write limits";
                case READ_PROVISIONED_THROUGHPUT_EXCEEDED -> "reads refused by the shard's read limits";
                case ITERATOR_AGE_MILLISECONDS -> "age of the last record returned by each GetRecords call";
            };
        }
    }
}
