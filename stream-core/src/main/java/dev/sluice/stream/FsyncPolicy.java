package dev.sluice.stream;

import java.time.Duration;
import java.util.Objects;

/**
 * When {@link Storage.Durable durable storage} forces written records to the storage device. Every policy
 * survives a crash of the process (an acknowledged record is in the memory-mapped file, which the operating
 * system keeps); the policies differ in what survives a power loss or a kernel crash.
 *
 * <p>Thread-safety: immutable.
 */
public sealed interface FsyncPolicy {

    /**
     * Never forces (the default): the operating system writes pages back on its own schedule (about 30 s
     * on Linux). Fastest; a power loss may lose the records of that window.
     *
     * @return the policy
     */
    static FsyncPolicy none() {
        return None.INSTANCE;
    }

    /**
     * Forces each writer batch before its puts are acknowledged: an acknowledged record survives a power
     * loss. Costs one fsync per batch per shard written (a disk does a few thousand per second), so batch
     * puts ({@code putRecords}, or many concurrent callers).
     *
     * @return the policy
     */
    static FsyncPolicy perBatch() {
        return PerBatch.INSTANCE;
    }

    /**
     * Forces every {@code period} on the engine's scheduler thread: a power loss loses at most about one
     * period of acknowledged records. Records are also forced when the engine closes.
     *
     * @param period in [1 ms, 1 h]
     * @return the policy
     * @throws StreamException {@link ErrorCode#INVALID_ARGUMENT} if {@code period} is out of range
     */
    static FsyncPolicy interval(Duration period) {
        return new Interval(period);
    }

    /** Never forces: see {@link #none()}. */
    record None() implements FsyncPolicy {
        static final None INSTANCE = new None();

        @Override
        public String toString() {
            return "none";
        }
    }

    /** Forces before acknowledging: see {@link #perBatch()}. */
    record PerBatch() implements FsyncPolicy {
        static final PerBatch INSTANCE = new PerBatch();

        @Override
        public String toString() {
            return "per batch";
        }
    }

    /**
     * Forces periodically: see {@link #interval(Duration)}.
     *
     * @param period how often, in [1 ms, 1 h]
     */
    record Interval(Duration period) implements FsyncPolicy {

        /** Shortest period: below it the policy is {@link #perBatch()} with extra steps. */
        public static final Duration MIN_PERIOD = Duration.ofMillis(1);
        /** Longest period: beyond it the operating system's own write-back comes first anyway. */
        public static final Duration MAX_PERIOD = Duration.ofHours(1);

        /**
         * Checks the period.
         *
         * @throws StreamException {@link ErrorCode#INVALID_ARGUMENT} if {@code period} is out of range
         */
        public Interval {
            Objects.requireNonNull(period, "period");
            if (period.compareTo(MIN_PERIOD) < 0 || period.compareTo(MAX_PERIOD) > 0) {
                throw new StreamException(ErrorCode.INVALID_ARGUMENT, "period must be in [" + MIN_PERIOD + ", " + MAX_PERIOD + "] but was " + period);
            }
        }

        @Override
        public String toString() {
            return "every " + period;
        }
    }
}
