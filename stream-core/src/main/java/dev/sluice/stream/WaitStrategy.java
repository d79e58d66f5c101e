package dev.sluice.stream;

/**
 * How the engine's writer threads wait for work. A trade of latency against idle CPU.
 *
 * <p>Thread-safety: immutable.
 */
public enum WaitStrategy {
    /** Park on a lock until work arrives (the default): no CPU while idle, wake-up costs microseconds. */
    BLOCKING,
    /** Spin briefly, then yield, then park for short periods: low idle CPU, lower wake-up latency. */
    SLEEPING,
    /** Spin, then yield the CPU: low latency, one busy core per writer thread while idle. */
    YIELDING,
    /** Spin without pause: lowest latency, burns one core per writer thread at all times. */
    BUSY_SPIN
}
