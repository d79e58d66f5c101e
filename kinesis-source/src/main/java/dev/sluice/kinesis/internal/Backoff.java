package dev.sluice.kinesis.internal;

import java.time.Duration;

/**
 * Exponential back-off: {@link #FIRST}, doubling on every consecutive failure, capped at {@link #MAX}; a success
 * resets it. No jitter: each source is one reader per stream, and tests on a manual ticker need exact waits.
 *
 * <p>Design note: confined to the reader thread.
 */
final class Backoff {

    /** One slot of Kinesis's 5 GetRecords calls per second per shard. */
    static final Duration FIRST = Duration.ofMillis(200);
    /** Kinesis throttles a shard for up to 5 seconds after a GetRecords call that returned 10 MiB. */
    static final Duration MAX = Duration.ofSeconds(5);

    private long nextNanos = FIRST.toNanos();
    private int failures;

    /** Returns the wait after one more failure, and doubles the next. */
    long next() {
        long wait = nextNanos;
        nextNanos = Math.min(MAX.toNanos(), nextNanos * 2);
        failures++;
        return wait;
    }

    /** Consecutive failures since the last {@link #reset}. */
    int failures() {
        return failures;
    }

    void reset() {
        nextNanos = FIRST.toNanos();
        failures = 0;
    }
}
