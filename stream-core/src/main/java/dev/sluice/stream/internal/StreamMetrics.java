package dev.sluice.stream.internal;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;

import java.util.ArrayList;
import java.util.List;

/**
 * A stream's Micrometer meters, named as Kinesis names its CloudWatch metrics and tagged {@code stream}.
 * Shard-level meters ({@link ShardMetrics}) add a {@code shard} tag; stream totals are their sum.
 *
 * <p>Thread-safety: Micrometer meters are thread-safe. Meters are removed from the registry when the
 * stream is deleted.
 */
final class StreamMetrics {

    private final MeterRegistry registry;
    private final Tags tags;
    private final List<Meter> meters = new ArrayList<>();

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

    StreamMetrics(MeterRegistry registry, String streamName) {
        this.registry = registry;
        this.tags = Tags.of("stream", streamName);
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
        iteratorAge = register(DistributionSummary.builder("GetRecords.IteratorAgeMilliseconds")
                .description("age of the last record returned by each GetRecords call").baseUnit("milliseconds")
                .tags(tags).register(registry));
        fanOutBehindLatest = register(DistributionSummary.builder("SubscribeToShardEvent.MillisBehindLatest")
                .description("MillisBehindLatest of each enhanced fan-out event").baseUnit("milliseconds")
                .tags(tags).register(registry));
        subscribeRateExceeded = counter("SubscribeToShard.RateExceeded",
                "SubscribeToShard calls refused because the consumer already had an active subscription to the shard");
    }

    ShardMetrics shard(String shardId, ShardLog log) {
        return new ShardMetrics(shardId, log);
    }

    void remove() {
        synchronized (meters) {
            meters.forEach(registry::remove);
            meters.clear();
        }
    }

    private Counter counter(String name, String description) {
        return register(Counter.builder(name).description(description).tags(tags).register(registry));
    }

    private Timer timer(String name, String description) {
        return register(Timer.builder(name).description(description).tags(tags).register(registry));
    }

    /** The registry the stream's meters are in. */
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

    /** Kinesis enhanced shard-level metrics, tagged {@code stream} and {@code shard}. */
    final class ShardMetrics {
        final Counter incomingRecords;
        final Counter incomingBytes;
        final Counter writeThrottled;
        final Counter readThrottled;
        final Counter outgoingRecords;
        final Counter outgoingBytes;

        private ShardMetrics(String shardId, ShardLog log) {
            Tags shardTags = tags.and("shard", shardId);
            incomingRecords = shardCounter("IncomingRecords", "records accepted by the shard", shardTags);
            incomingBytes = shardCounter("IncomingBytes", "bytes accepted by the shard, partition keys included", shardTags);
            writeThrottled = shardCounter("WriteProvisionedThroughputExceeded", "records refused by the shard's write limits", shardTags);
            readThrottled = shardCounter("ReadProvisionedThroughputExceeded", "GetRecords calls refused by the shard's read limits", shardTags);
            outgoingRecords = shardCounter("OutgoingRecords", "records returned by GetRecords from the shard", shardTags);
            outgoingBytes = shardCounter("OutgoingBytes", "bytes returned by GetRecords from the shard", shardTags);
            register(Gauge.builder("RetainedBytes", log, ShardLog::retainedBytes)
                    .description("bytes the shard holds for retained records (Sluice-specific)").baseUnit("bytes")
                    .tags(shardTags).register(registry));
            register(Gauge.builder("RetainedRecords", log, ShardLog::retainedRecords)
                    .description("records the shard holds (Sluice-specific)").tags(shardTags).register(registry));
            register(Gauge.builder("DiskBytes", log, ShardLog::diskBytes)
                    .description("bytes the shard's files use on disk, 0 in memory (Sluice-specific)").baseUnit("bytes")
                    .tags(shardTags).register(registry));
        }

        private Counter shardCounter(String name, String description, Tags shardTags) {
            return register(Counter.builder(name).description(description).tags(shardTags).register(registry));
        }
    }
}
