package dev.sluice.stream;

import java.util.Collections;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;

/**
 * The outcome of {@link StreamEngine#enableEnhancedMonitoring} or {@link StreamEngine#disableEnhancedMonitoring}, as
 * Kinesis returns it: the stream's shard-level metrics before the call and after it.
 *
 * <p>Thread-safety: immutable.
 *
 * @param streamName the stream
 * @param streamArn  the stream's ARN
 * @param current    the metrics enabled before the call
 * @param desired    the metrics enabled after the call (the change is applied when the call returns)
 */
public record EnhancedMonitoringUpdate(String streamName, String streamArn, Set<ShardLevelMetric> current,
                                       Set<ShardLevelMetric> desired) {

    /** Checks presence and copies the sets, which iterate in declaration order. */
    public EnhancedMonitoringUpdate {
        Objects.requireNonNull(streamName, "streamName");
        Objects.requireNonNull(streamArn, "streamArn");
        current = Collections.unmodifiableSet(current.isEmpty() ? EnumSet.noneOf(ShardLevelMetric.class) : EnumSet.copyOf(current));
        desired = Collections.unmodifiableSet(desired.isEmpty() ? EnumSet.noneOf(ShardLevelMetric.class) : EnumSet.copyOf(desired));
    }
}
