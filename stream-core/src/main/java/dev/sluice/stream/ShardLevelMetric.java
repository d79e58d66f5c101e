package dev.sluice.stream;

import java.util.Collection;
import java.util.EnumSet;
import java.util.Set;

/**
 * Kinesis enhanced (shard-level) monitoring metrics, as EnableEnhancedMonitoring names them. A stream's enabled set
 * decides which per-shard Micrometer meters exist: each enabled metric has one meter per shard, tagged
 * {@code stream} and {@code shard} and named {@link #metricName()}; a disabled one has none. Stream-level meters of
 * the same names (tagged {@code stream} only) always exist, as in CloudWatch.
 *
 * <p>Kinesis's {@code ALL} is not a constant here: it is {@link #all()}.
 *
 * <p>Thread-safety: an enum, immutable.
 */
public enum ShardLevelMetric {
    /** Bytes put to the shard, partition keys included. */
    INCOMING_BYTES("IncomingBytes"),
    /** Records put to the shard. */
    INCOMING_RECORDS("IncomingRecords"),
    /** Bytes read from the shard. */
    OUTGOING_BYTES("OutgoingBytes"),
    /** Records read from the shard. */
    OUTGOING_RECORDS("OutgoingRecords"),
    /** Records refused by the shard's write limits. */
    WRITE_PROVISIONED_THROUGHPUT_EXCEEDED("WriteProvisionedThroughputExceeded"),
    /** Reads refused by the shard's read limits. */
    READ_PROVISIONED_THROUGHPUT_EXCEEDED("ReadProvisionedThroughputExceeded"),
    /** Age of the last record returned by each GetRecords call on the shard, in milliseconds. */
    ITERATOR_AGE_MILLISECONDS("IteratorAgeMilliseconds");

    /** Kinesis's name for every shard-level metric at once. */
    public static final String ALL_METRIC_NAME = "ALL";

    private final String metricName;

    ShardLevelMetric(String metricName) {
        this.metricName = metricName;
    }

    /**
     * The Kinesis (CloudWatch) metric name, also the Micrometer meter name.
     *
     * @return for example {@code IncomingBytes}
     */
    public String metricName() {
        return metricName;
    }

    /**
     * Every shard-level metric (Kinesis {@code ALL}).
     *
     * @return a new mutable set of all constants
     */
    public static Set<ShardLevelMetric> all() {
        return EnumSet.allOf(ShardLevelMetric.class);
    }

    /**
     * Parses Kinesis metric names; {@code ALL} stands for every metric.
     *
     * @param metricNames names such as {@code IncomingBytes} or {@code ALL}
     * @return the metrics named
     * @throws StreamException {@link ErrorCode#INVALID_ARGUMENT} naming an unknown metric
     */
    public static Set<ShardLevelMetric> fromMetricNames(Collection<String> metricNames) {
        Set<ShardLevelMetric> metrics = EnumSet.noneOf(ShardLevelMetric.class);
        for (String name : metricNames) {
            if (ALL_METRIC_NAME.equals(name)) {
                metrics.addAll(all());
                continue;
            }
            ShardLevelMetric found = null;
            for (ShardLevelMetric metric : values()) {
                if (metric.metricName.equals(name)) {
                    found = metric;
                }
            }
            if (found == null) {
                throw new StreamException(ErrorCode.INVALID_ARGUMENT, "'" + name + "' is not a shard-level metric; use"
                        + " IncomingBytes, IncomingRecords, OutgoingBytes, OutgoingRecords, WriteProvisionedThroughputExceeded,"
                        + " ReadProvisionedThroughputExceeded, IteratorAgeMilliseconds or ALL");
            }
            metrics.add(found);
        }
        return metrics;
    }
}
