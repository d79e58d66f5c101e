package dev.sluice.stream.internal;

import dev.sluice.stream.RecordDistributionStrategy;

import java.util.OptionalInt;

/**
 * A stream's settings for the records it takes (the 2026 Kinesis record-path settings): the largest record, how
 * records choose their shard, and the warm throughput an on-demand stream is scaled for. An immutable value, kept
 * apart from {@link StreamSettings} because every put reads it: the control plane replaces it whole under its lock
 * after saving it to the manifest, and puts read the current one from a volatile field.
 *
 * @param maxRecordSizeInKiB         Kinesis MaxRecordSizeInKiB, in [1024, 10240]
 * @param recordDistributionStrategy Kinesis RecordDistributionStrategy
 * @param warmThroughputMiBps        Kinesis warm throughput target, if one was set
 */
record RecordSettings(int maxRecordSizeInKiB, RecordDistributionStrategy recordDistributionStrategy,
                      OptionalInt warmThroughputMiBps) {

    /** Kinesis's defaults: 1 MiB records, partition-key routing, no warm throughput. */
    static final RecordSettings DEFAULTS = new RecordSettings(KinesisLimits.MIN_MAX_RECORD_SIZE_KIB,
            RecordDistributionStrategy.USER_PARTITION_KEY, OptionalInt.empty());

    RecordSettings withMaxRecordSizeInKiB(int kib) {
        return new RecordSettings(kib, recordDistributionStrategy, warmThroughputMiBps);
    }

    RecordSettings withRecordDistributionStrategy(RecordDistributionStrategy strategy) {
        return new RecordSettings(maxRecordSizeInKiB, strategy, warmThroughputMiBps);
    }

    RecordSettings withWarmThroughputMiBps(int mibps) {
        return new RecordSettings(maxRecordSizeInKiB, recordDistributionStrategy, OptionalInt.of(mibps));
    }
}
