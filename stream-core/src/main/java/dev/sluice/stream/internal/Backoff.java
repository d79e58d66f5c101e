package dev.sluice.stream.internal;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The one exponential back-off of Sluice: the first wait is {@code initial}, each further wait doubles, capped at
 * {@code max}, optionally with uniform jitter so that many retrying parties do not retry in lock-step. Used by
 * delivery writes (Firehose's ±15 % jitter), transform retries and consumer applications (no jitter: in-process).
 *
 * <p>Design note: immutable, thread-safe.
 */
public final class Backoff {

    /** Firehose's documented jitter, as a fraction of the wait. */
    public static final double FIREHOSE_JITTER = 0.15;

    private final long initialNanos;
    private final long maxNanos;
    private final double jitter;

    /**
     * Creates a back-off.
     *
     * @param initial the first wait; zero for none at all
     * @param max the cap
     * @param jitter the fraction of each wait drawn uniformly either way, in [0, 1)
     */
    public Backoff(Duration initial, Duration max, double jitter) {
        this.initialNanos = initial.toNanos();
        this.maxNanos = max.toNanos();
        this.jitter = jitter;
    }

    /**
     * The wait before retry number {@code attempt} (1 for the first retry).
     *
     * @param attempt at least 1
     * @return nanoseconds, jittered
     */
    public long delayNanos(int attempt) {
        if (initialNanos == 0) {
            return 0;
        }
        int shift = Math.min(Math.max(attempt, 1) - 1, 62);
        long base = initialNanos > (maxNanos >> shift) ? maxNanos : initialNanos << shift;
        base = Math.min(base, maxNanos);
        if (jitter == 0) {
            return base;
        }
        double factor = 1 + jitter * (2 * ThreadLocalRandom.current().nextDouble() - 1);
        return (long) (base * factor);
    }
}
