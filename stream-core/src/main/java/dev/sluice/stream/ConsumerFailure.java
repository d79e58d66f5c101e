package dev.sluice.stream;

import java.util.Objects;

/**
 * A failure reported to a {@link ConsumerExceptionHandler}.
 *
 * <p>Thread-safety: immutable.
 *
 * @param applicationName the consumer application
 * @param streamName      its stream
 * @param shardId         the shard being processed
 * @param attempt         how many times in a row this batch has failed, from 1
 * @param cause           what the processor threw, or the {@link StreamException} that stopped the shard
 */
public record ConsumerFailure(String applicationName, String streamName, String shardId, int attempt,
                              Throwable cause) {

    /** Checks that no component is null and the attempt is positive. */
    public ConsumerFailure {
        Objects.requireNonNull(applicationName, "applicationName");
        Objects.requireNonNull(streamName, "streamName");
        Objects.requireNonNull(shardId, "shardId");
        if (attempt < 1) {
            throw new IllegalArgumentException("attempt must be >= 1 but was " + attempt);
        }
        Objects.requireNonNull(cause, "cause");
    }
}
