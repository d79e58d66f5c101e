package dev.sluice.stream;

import java.util.OptionalInt;

/**
 * Kinesis WarmThroughputObject: the write throughput an on-demand stream is scaled for, in MiB per second.
 *
 * <p>Thread-safety: immutable; a snapshot.
 *
 * @param targetMiBps  the throughput set with {@link StreamEngine#updateStreamWarmThroughput} or at creation, if any
 * @param currentMiBps the throughput the open shards take now: their count times each shard's write limit in MiB/s
 */
public record WarmThroughput(OptionalInt targetMiBps, int currentMiBps) {

    /**
     * Validates the values.
     *
     * @throws IllegalArgumentException for a negative value
     */
    public WarmThroughput {
        if (targetMiBps == null) {
            throw new NullPointerException("targetMiBps");
        }
        if (targetMiBps.orElse(0) < 0 || currentMiBps < 0) {
            throw new IllegalArgumentException("targetMiBps and currentMiBps must be >= 0 but were " + targetMiBps
                    + " and " + currentMiBps);
        }
    }
}
