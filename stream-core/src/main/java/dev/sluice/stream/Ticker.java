package dev.sluice.stream;

/**
 * A monotonic time source in nanoseconds, used for everything that measures elapsed time: throttling
 * token buckets, blocking deadlines, latency timers, buffering intervals.
 *
 * <p>Thread-safety: implementations must be safe to call from any thread.
 *
 * <p>Wall-clock time (arrival timestamps, retention, {@code AT_TIMESTAMP}, iterator expiry) comes from a
 * {@link java.time.Clock} instead. Tests inject {@link dev.sluice.stream.testing.ManualClock}, which is both.
 */
@FunctionalInterface
public interface Ticker {

    /**
     * Returns the current reading in nanoseconds. Only differences between two readings are meaningful.
     *
     * @return nanoseconds from an arbitrary origin; never decreases
     */
    long read();

    /**
     * Returns the system ticker, backed by {@link System#nanoTime()}.
     *
     * @return the system ticker
     */
    static Ticker system() {
        return System::nanoTime;
    }
}
