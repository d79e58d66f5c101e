package dev.sluice.delivery.internal;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The delivery stream's meters under Firehose's CloudWatch names, tagged {@code DeliveryStreamName}.
 *
 * <p>Design note: Micrometer meters are thread-safe. {@code <dest>.Success} and {@code BackupToS3.Success} are
 * distribution summaries of 1 (success) or 0 (failed attempt) per write attempt, so their mean is the success
 * ratio as in CloudWatch. {@code DataFreshness} gauges (seconds) read values the coordinator refreshes on each
 * loop. {@code PartitionCountExceeded} is 1 while the open-partition cap is turning records away and 0 otherwise,
 * as Firehose emits it.
 */
public final class DeliveryMeters {

    final Counter incomingRecords;
    final Counter incomingBytes;
    final Counter incomingPutRequests;
    final Counter throttledRecords;
    public final Counter deliveryRecords;
    public final Counter deliveryBytes;
    public final Counter deliveryObjects;
    public final DistributionSummary deliverySuccess;
    public final Counter succeedConversionRecords;
    public final Counter succeedConversionBytes;
    public final Counter failedConversionRecords;
    public final Counter failedConversionBytes;
    public final Counter backupRecords;
    public final Counter backupBytes;
    public final DistributionSummary backupSuccess;
    public final AtomicLong partitionCount = new AtomicLong();
    public final AtomicLong partitionCountExceeded = new AtomicLong();
    public final AtomicLong dataFreshnessMillis = new AtomicLong();
    final AtomicLong backupFreshnessMillis = new AtomicLong();

    DeliveryMeters(MeterRegistry registry, String stream, String destination) {
        Tags tags = Tags.of("DeliveryStreamName", stream);
        incomingRecords = registry.counter("IncomingRecords", tags);
        incomingBytes = registry.counter("IncomingBytes", tags);
        incomingPutRequests = registry.counter("IncomingPutRequests", tags);
        throttledRecords = registry.counter("ThrottledRecords", tags);
        deliveryRecords = registry.counter(destination + ".Records", tags);
        deliveryBytes = registry.counter(destination + ".Bytes", tags);
        deliveryObjects = registry.counter(destination + ".ObjectCount", tags);
        deliverySuccess = registry.summary(destination + ".Success", tags);
        succeedConversionRecords = registry.counter("SucceedConversion.Records", tags);
        succeedConversionBytes = registry.counter("SucceedConversion.Bytes", tags);
        failedConversionRecords = registry.counter("FailedConversion.Records", tags);
        failedConversionBytes = registry.counter("FailedConversion.Bytes", tags);
        backupRecords = registry.counter("BackupToS3.Records", tags);
        backupBytes = registry.counter("BackupToS3.Bytes", tags);
        backupSuccess = registry.summary("BackupToS3.Success", tags);
        Gauge.builder("PartitionCount", partitionCount, AtomicLong::get).tags(tags).register(registry);
        Gauge.builder("PartitionCountExceeded", partitionCountExceeded, AtomicLong::get).tags(tags).register(registry);
        Gauge.builder(destination + ".DataFreshness", dataFreshnessMillis, v -> v.get() / 1000.0).tags(tags)
                .baseUnit("seconds").register(registry);
        Gauge.builder("BackupToS3.DataFreshness", backupFreshnessMillis, v -> v.get() / 1000.0).tags(tags)
                .baseUnit("seconds").register(registry);
    }
}
