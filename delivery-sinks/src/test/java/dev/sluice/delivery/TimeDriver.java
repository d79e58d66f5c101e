package dev.sluice.delivery;

import dev.sluice.stream.testing.ManualClock;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;

/** Moves a manual clock forward by {@code step} every millisecond of real time until closed. */
final class TimeDriver implements AutoCloseable {

    private final Thread thread;

    private TimeDriver(ManualClock clock, Duration step) {
        thread = new Thread(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                clock.advance(step);
                LockSupport.parkNanos(1_000_000);
            }
        }, "test-time-driver");
        thread.setDaemon(true);
        thread.start();
    }

    static TimeDriver start(ManualClock clock, Duration step) {
        return new TimeDriver(clock, step);
    }

    @Override
    public void close() throws InterruptedException {
        thread.interrupt();
        thread.join();
    }
}
