package dev.sluice.stream.testing;

import dev.sluice.stream.Ticker;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A clock and ticker that move only when a test tells them to, so throttling, retention, buffering
 * intervals and iterator expiry can be exercised without sleeping.
 *
 * <p>Thread-safety: safe for concurrent use; {@link #advance(Duration)} may be called from any thread
 * while library threads read the time. Wall time and ticker move together: advancing by one second
 * moves {@link #instant()} and {@link #read()} by exactly one second.
 *
 * <p>Auto-advance (as Kafka's {@code MockTime} auto-tick): with {@link #autoAdvance(Duration)} set, every reading
 * ({@link #read()}, {@link #instant()}, {@link #millis()}) returns the time and then moves it forward by the step,
 * so code that waits for time to pass (a deadline, a poll loop) makes progress without a test thread advancing it.
 *
 * <pre>{@code
 * ManualClock time = new ManualClock(Instant.parse("2026-01-01T00:00:00Z"));
 * StreamEngine engine = StreamEngine.builder().time(time).build();   // wall clock and ticker
 * time.advance(Duration.ofSeconds(1));
 * }</pre>
 */
public final class ManualClock extends Clock implements Ticker {

    private final AtomicLong nanos;
    /** The auto-advance step in nanoseconds, shared with {@link #withZone} views; 0 for none. */
    private final AtomicLong stepNanos;
    private final long originEpochNanos;
    private final ZoneId zone;

    /** Creates a manual clock at 2026-01-01T00:00:00Z in UTC. */
    public ManualClock() {
        this(Instant.parse("2026-01-01T00:00:00Z"));
    }

    /**
     * Creates a manual clock at the given instant, in UTC.
     *
     * @param start the initial wall time
     */
    public ManualClock(Instant start) {
        this(start, ZoneOffset.UTC, new AtomicLong(), new AtomicLong());
    }

    private ManualClock(Instant start, ZoneId zone, AtomicLong nanos, AtomicLong stepNanos) {
        Objects.requireNonNull(start, "start");
        this.originEpochNanos = Math.addExact(Math.multiplyExact(start.getEpochSecond(), 1_000_000_000L), start.getNano());
        this.zone = Objects.requireNonNull(zone, "zone");
        this.nanos = nanos;
        this.stepNanos = stepNanos;
    }

    /**
     * Moves wall time and the ticker forward.
     *
     * @param duration how far to move; must not be negative
     * @throws IllegalArgumentException if {@code duration} is negative
     */
    public void advance(Duration duration) {
        Objects.requireNonNull(duration, "duration");
        if (duration.isNegative()) {
            throw new IllegalArgumentException("duration must be >= PT0S but was " + duration);
        }
        nanos.addAndGet(duration.toNanos());
    }

    /**
     * Makes every later reading move the time forward by {@code step} after returning it; {@code PT0S} turns
     * auto-advance off (the default). Applies to this clock and its {@link #withZone} views.
     *
     * @param step how far each reading moves the time; must not be negative
     * @return this clock
     * @throws IllegalArgumentException if {@code step} is negative
     */
    public ManualClock autoAdvance(Duration step) {
        Objects.requireNonNull(step, "step");
        if (step.isNegative()) {
            throw new IllegalArgumentException("step must be >= PT0S but was " + step);
        }
        stepNanos.set(step.toNanos());
        return this;
    }

    /** The time now, then moved forward by the auto-advance step. */
    private long tick() {
        long step = stepNanos.get();
        return step == 0 ? nanos.get() : nanos.getAndAdd(step);
    }

    /** {@inheritDoc} */
    @Override
    public long read() {
        return tick();
    }

    /** {@inheritDoc} */
    @Override
    public Instant instant() {
        long epochNanos = originEpochNanos + tick();
        return Instant.ofEpochSecond(Math.floorDiv(epochNanos, 1_000_000_000L), Math.floorMod(epochNanos, 1_000_000_000L));
    }

    /** {@inheritDoc} */
    @Override
    public long millis() {
        return Math.floorDiv(originEpochNanos + tick(), 1_000_000L);
    }

    /** {@inheritDoc} */
    @Override
    public ZoneId getZone() {
        return zone;
    }

    /**
     * Returns a view of this clock in another zone; it shares this clock's time.
     *
     * @param zone the zone
     * @return a clock reading the same instant in {@code zone}
     */
    @Override
    public Clock withZone(ZoneId zone) {
        return new ManualClock(instantAtZero(), zone, nanos, stepNanos);
    }

    private Instant instantAtZero() {
        return Instant.ofEpochSecond(Math.floorDiv(originEpochNanos, 1_000_000_000L), Math.floorMod(originEpochNanos, 1_000_000_000L));
    }
}
