package dev.sluice.stream;

import java.time.Instant;
import java.util.Objects;

/**
 * An enhanced fan-out consumer registered with {@link StreamEngine#registerStreamConsumer}. It reads each shard
 * with its own 2 MiB/s, pushed by {@link StreamEngine#subscribeToShard}.
 *
 * <p>Thread-safety: immutable.
 *
 * @param consumerName              its name, unique in the stream
 * @param consumerArn               {@code arn:aws:kinesis:<region>:<account>:stream/<stream>/consumer/<name>:<epoch seconds>}
 * @param consumerStatus            its status
 * @param consumerCreationTimestamp when it was registered
 * @param streamArn                 its stream's ARN
 */
public record StreamConsumer(String consumerName, String consumerArn, ConsumerStatus consumerStatus,
                             Instant consumerCreationTimestamp, String streamArn) {

    /** Checks that no component is null. */
    public StreamConsumer {
        Objects.requireNonNull(consumerName, "consumerName");
        Objects.requireNonNull(consumerArn, "consumerArn");
        Objects.requireNonNull(consumerStatus, "consumerStatus");
        Objects.requireNonNull(consumerCreationTimestamp, "consumerCreationTimestamp");
        Objects.requireNonNull(streamArn, "streamArn");
    }
}
