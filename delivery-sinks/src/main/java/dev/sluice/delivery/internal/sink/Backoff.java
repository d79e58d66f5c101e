package dev.sluice.delivery.internal.sink;

import java.util.concurrent.ThreadLocalRandom;

/**
 * Firehose's retry backoff: the first wait is {@code initial}, each further wait doubles, capped at {@code max},
 * each with +/-15 % uniform jitter so that many failing objects do not retry in lock-step.
 *
 * <p>Design note: immutable, thread-safe.
 */
public final class Backoff {

    /** Firehose's documented jitter, as a fraction of the wait. */
    static final double JITTER = 0.15;

    private final long initialNanos;
    private final long maxNanos;

    public Backoff(long initialNanos, long maxNanos) {
        this.initialNanos = initialNanos;
        this.maxNanos = maxNanos;
    }

    /**
     * The wait before retry number {@code attempt} (1 for the first retry).
     *
     * @param attempt at least 1
     * @return nanoseconds, jittered
     */
    public long delayNanos(int attempt) {
        int shift = Math.min(attempt - 1, 40);
        long base = initialNanos;
        for (int i = 0; i < shift && base < maxNanos; i++) {
            base *= 2;
        }
        base = Math.min(base, maxNanos);
        double factor = 1 + JITTER * (2 * ThreadLocalRandom.current().nextDouble() - 1);
        return (long) (base * factor);
    }
}
