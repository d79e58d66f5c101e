package dev.sluice.transform.internal;

import dev.sluice.stream.testing.ManualClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

class TickerSchedulerTest {

    private final ManualClock clock = new ManualClock();
    private final TickerScheduler scheduler = new TickerScheduler(clock, "test-timer");
    private final List<String> ran = new CopyOnWriteArrayList<>();

    @AfterEach
    void stop() {
        scheduler.shutdown();
    }

    @Test
    void schedule_runsActionsInDueOrderOnceTheTickerReachesThem() {
        scheduler.start();
        long now = clock.read();
        scheduler.schedule(now + 3_000, () -> ran.add("third"));
        scheduler.schedule(now + 1_000, () -> ran.add("first"));
        scheduler.schedule(now + 2_000, () -> ran.add("second"));
        scheduler.schedule(now + 2_000, () -> ran.add("second-b"));

        clock.advance(Duration.ofNanos(2_000));
        await().atMost(Duration.ofSeconds(10)).until(() -> ran.size() == 3);
        clock.advance(Duration.ofNanos(1_000));
        await().atMost(Duration.ofSeconds(10)).until(() -> ran.size() == 4);

        assertEquals(List.of("first", "second", "second-b", "third"), ran);
    }

    @Test
    void cancel_beforeDue_preventsTheAction() {
        scheduler.start();
        TickerScheduler.Task cancelled = scheduler.schedule(clock.read() + 10, () -> ran.add("cancelled"));
        scheduler.schedule(clock.read() + 20, () -> ran.add("kept"));
        cancelled.cancel();

        clock.advance(Duration.ofNanos(20));

        await().atMost(Duration.ofSeconds(10)).until(() -> ran.contains("kept"));
        assertEquals(List.of("kept"), ran);
    }

    @Test
    void schedule_whenActionThrows_keepsRunningLaterActions() {
        List<Throwable> reported = new CopyOnWriteArrayList<>();
        Thread.UncaughtExceptionHandler previous = Thread.getDefaultUncaughtExceptionHandler();
        Thread.setDefaultUncaughtExceptionHandler((thread, error) -> reported.add(error));
        try {
            scheduler.start();
            scheduler.schedule(clock.read(), () -> {
                throw new IllegalStateException("bug");
            });
            scheduler.schedule(clock.read() + 1, () -> ran.add("after"));
            clock.advance(Duration.ofNanos(1));

            await().dontCatchUncaughtExceptions().atMost(Duration.ofSeconds(10)).until(() -> ran.contains("after"));
            assertEquals("bug", reported.get(0).getMessage());
        } finally {
            Thread.setDefaultUncaughtExceptionHandler(previous);
        }
    }
}
