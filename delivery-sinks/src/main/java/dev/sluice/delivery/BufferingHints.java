package dev.sluice.delivery;

import java.time.Duration;
import java.util.Objects;

/**
 * Firehose's {@code BufferingHints}: a buffer is delivered once it holds {@code sizeBytes} of record data
 * (measured before compression and format conversion) or once its oldest record has waited {@code interval},
 * whichever comes first. The interval fires on idle buffers too.
 *
 * <p>Thread-safety: immutable.
 *
 * @param sizeBytes in [{@link #MIN_SIZE_BYTES}, {@link #MAX_SIZE_BYTES}]; Firehose's minimum is 1 MiB, Sluice allows
 *        down to one byte for embedded, low-latency use
 * @param interval in [PT0S, {@link #MAX_INTERVAL}], millisecond precision; zero delivers as soon as possible (at the
 *        end of each put or processed batch)
 */
public record BufferingHints(long sizeBytes, Duration interval) {

    /** Firehose's default size hint for S3 and HTTP endpoints (5 MiB). */
    public static final long DEFAULT_SIZE_BYTES = 5L << 20;
    /** Firehose's default interval hint (300 s). */
    public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(300);
    /** Smallest size hint: one byte (a buffer per record). */
    public static final long MIN_SIZE_BYTES = 1;
    /** Firehose's largest size hint for S3 (128 MiB). */
    public static final long MAX_SIZE_BYTES = 128L << 20;
    /** Firehose's largest interval hint (900 s). */
    public static final Duration MAX_INTERVAL = Duration.ofSeconds(900);

    /**
     * Validates.
     *
     * @throws DeliveryException {@link ErrorCode#INVALID_ARGUMENT} naming the field, its range and the value
     */
    public BufferingHints {
        if (sizeBytes < MIN_SIZE_BYTES || sizeBytes > MAX_SIZE_BYTES) {
            throw DeliveryException.invalidArgument("bufferingHints.sizeBytes must be in [" + MIN_SIZE_BYTES + ", "
                    + MAX_SIZE_BYTES + "] but was " + sizeBytes);
        }
        Objects.requireNonNull(interval, "interval");
        if (interval.isNegative() || interval.compareTo(MAX_INTERVAL) > 0) {
            throw DeliveryException.invalidArgument("bufferingHints.interval must be in [PT0S, " + MAX_INTERVAL
                    + "] but was " + interval);
        }
    }

    /**
     * Firehose's defaults: 5 MiB or 300 s.
     *
     * @return the default hints
     */
    public static BufferingHints defaults() {
        return new BufferingHints(DEFAULT_SIZE_BYTES, DEFAULT_INTERVAL);
    }
}
