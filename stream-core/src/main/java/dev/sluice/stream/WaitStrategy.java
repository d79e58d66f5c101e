package dev.sluice.stream;

/**
 * How the engine's writer threads wait for work. A trade of latency against idle CPU.
 *
 * <p>Thread-safety: immutable.
 */
public enum WaitStrategy {
    /**
     * Spin for up to 10 microseconds after the last work, then yield for up to 1 millisecond, then park on a
     * lock (the default): no CPU once idle for a millisecond, and at 1,000 or more puts per second no wake-up
     * cost, because work arrives before the thread parks.
     */
    PHASED_BACKOFF,
    /** Park on a lock as soon as there is no work: least CPU, but every wake-up costs tens of microseconds. */
    BLOCKING,
    /** Spin briefly, then yield, then park for short periods: low idle CPU, lower wake-up latency. */
    SLEEPING,
    /** Spin, then yield the CPU: low latency, one busy core per writer thread while idle. */
    YIELDING,
    /** Spin without pause: lowest latency, burns one core per writer thread at all times. */
    BUSY_SPIN
}
