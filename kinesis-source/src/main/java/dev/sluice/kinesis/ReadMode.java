package dev.sluice.kinesis;

import dev.sluice.delivery.DeliveryException;
import dev.sluice.delivery.ErrorCode;

import java.time.Duration;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * How a {@link KinesisSource} reads its shards: {@link Polling} (GetRecords, sharing each shard's 2 MiB/s and
 * 5 calls/s with every other polling consumer of the stream) or {@link EnhancedFanOut} (SubscribeToShard over
 * HTTP/2 with a registered consumer, which gets its own 2 MiB/s per shard).
 *
 * <p>Thread-safety: immutable.
 */
public sealed interface ReadMode permits ReadMode.Polling, ReadMode.EnhancedFanOut {

    /** Kinesis GetRecords: at most 10,000 records per call. */
    int MAX_LIMIT = 10_000;
    /** Wait between GetRecords calls on a shard that is caught up (KCL waits about as long). */
    Duration DEFAULT_IDLE_INTERVAL = Duration.ofSeconds(1);
    /** Kinesis allows 5 GetRecords calls per second per shard: calls to one shard are at least 200 ms apart. */
    Duration MIN_IDLE_INTERVAL = Duration.ofMillis(200);
    /** Well inside the 5-minute lifetime of a Kinesis shard iterator, so an idle shard keeps its iterator. */
    Duration MAX_IDLE_INTERVAL = Duration.ofMinutes(1);

    /**
     * GetRecords polling with Kinesis's largest batch and a one-second idle interval.
     *
     * @return the mode
     */
    static Polling polling() {
        return new Polling(MAX_LIMIT, DEFAULT_IDLE_INTERVAL);
    }

    /**
     * GetRecords polling.
     *
     * @param limit records per GetRecords call, in [1, {@value #MAX_LIMIT}]
     * @param idleInterval wait between calls on a shard that returned everything it had, in
     *        [{@link #MIN_IDLE_INTERVAL}, {@link #MAX_IDLE_INTERVAL}]
     * @return the mode
     * @throws DeliveryException {@code InvalidArgumentException} naming the value out of range
     */
    static Polling polling(int limit, Duration idleInterval) {
        return new Polling(limit, idleInterval);
    }

    /**
     * Enhanced fan-out through the consumer {@code consumerName}, registered on the stream if it is not yet.
     *
     * @param consumerName Kinesis's ConsumerName: 1 to 128 characters of {@code [a-zA-Z0-9_.-]}
     * @return the mode
     * @throws DeliveryException {@code InvalidArgumentException} for an invalid name
     */
    static EnhancedFanOut enhancedFanOut(String consumerName) {
        return new EnhancedFanOut(consumerName);
    }

    /**
     * GetRecords polling. A shard is polled again at once (but not within 200 ms of the previous call) while its
     * response says it is behind ({@code MillisBehindLatest > 0}), and after {@code idleInterval} once it is caught
     * up.
     *
     * @param limit records per GetRecords call, in [1, {@value #MAX_LIMIT}]
     * @param idleInterval wait between calls on a caught-up shard, in [{@link #MIN_IDLE_INTERVAL},
     *        {@link #MAX_IDLE_INTERVAL}]
     */
    record Polling(int limit, Duration idleInterval) implements ReadMode {

        /**
         * Validates.
         *
         * @throws DeliveryException {@code InvalidArgumentException} naming the value out of range
         */
        public Polling {
            if (limit < 1 || limit > MAX_LIMIT) {
                throw new DeliveryException(ErrorCode.INVALID_ARGUMENT, "readMode.limit must be in [1, "
                        + MAX_LIMIT + "] but was " + limit);
            }
            Objects.requireNonNull(idleInterval, "idleInterval");
            if (idleInterval.compareTo(MIN_IDLE_INTERVAL) < 0 || idleInterval.compareTo(MAX_IDLE_INTERVAL) > 0) {
                throw new DeliveryException(ErrorCode.INVALID_ARGUMENT, "readMode.idleInterval must be in ["
                        + MIN_IDLE_INTERVAL + ", " + MAX_IDLE_INTERVAL + "] but was " + idleInterval);
            }
        }
    }

    /**
     * Enhanced fan-out: the consumer is looked up with DescribeStreamConsumer and registered with
     * RegisterStreamConsumer when missing, then each shard is read with SubscribeToShard. A subscription ends after
     * 5 minutes (Kinesis's rule) or at the end of a closed shard; the source subscribes again right after the last
     * record it handed over. The consumer is left registered when the source closes (Kinesis bills registered
     * consumers: deregister it yourself when you no longer need it).
     *
     * @param consumerName 1 to 128 characters of {@code [a-zA-Z0-9_.-]}
     */
    record EnhancedFanOut(String consumerName) implements ReadMode {

        private static final Pattern NAME = Pattern.compile("[a-zA-Z0-9_.-]{1,128}");

        /**
         * Validates.
         *
         * @throws DeliveryException {@code InvalidArgumentException} for an invalid name
         */
        public EnhancedFanOut {
            Objects.requireNonNull(consumerName, "consumerName");
            if (!NAME.matcher(consumerName).matches()) {
                throw new DeliveryException(ErrorCode.INVALID_ARGUMENT, "readMode.consumerName must be 1 to 128"
                        + " characters of [a-zA-Z0-9_.-] but was '" + consumerName + "'");
            }
        }
    }
}
