package dev.sluice.stream;

import java.time.Instant;
import java.util.Objects;

/**
 * Where a shard iterator starts, mirroring Kinesis {@code ShardIteratorType} exactly. Each case carries
 * only the value it needs.
 *
 * <p>Thread-safety: immutable.
 */
public sealed interface ShardIteratorType {

    /**
     * Returns the Kinesis name of this type, e.g. {@code AT_SEQUENCE_NUMBER}.
     *
     * @return the name used on the wire
     */
    String kinesisName();

    /**
     * The oldest record still retained.
     *
     * @return the position
     */
    static ShardIteratorType trimHorizon() {
        return TrimHorizon.INSTANCE;
    }

    /**
     * Just after the newest record: only records written after the iterator was obtained.
     *
     * @return the position
     */
    static ShardIteratorType latest() {
        return Latest.INSTANCE;
    }

    /**
     * The record with this sequence number, or the first one after it if it is gone.
     *
     * @param sequenceNumber a sequence number of the same shard
     * @return the position
     */
    static ShardIteratorType atSequenceNumber(String sequenceNumber) {
        return new AtSequenceNumber(sequenceNumber);
    }

    /**
     * The first record after this sequence number.
     *
     * @param sequenceNumber a sequence number of the same shard
     * @return the position
     */
    static ShardIteratorType afterSequenceNumber(String sequenceNumber) {
        return new AfterSequenceNumber(sequenceNumber);
    }

    /**
     * The first record whose approximate arrival timestamp is at or after this instant.
     *
     * @param timestamp the instant
     * @return the position
     */
    static ShardIteratorType atTimestamp(Instant timestamp) {
        return new AtTimestamp(timestamp);
    }

    /** {@code TRIM_HORIZON}. */
    record TrimHorizon() implements ShardIteratorType {
        static final TrimHorizon INSTANCE = new TrimHorizon();

        @Override
        public String kinesisName() {
            return "TRIM_HORIZON";
        }
    }

    /** {@code LATEST}. */
    record Latest() implements ShardIteratorType {
        static final Latest INSTANCE = new Latest();

        @Override
        public String kinesisName() {
            return "LATEST";
        }
    }

    /**
     * {@code AT_SEQUENCE_NUMBER}.
     *
     * @param sequenceNumber the first sequence number to return
     */
    record AtSequenceNumber(String sequenceNumber) implements ShardIteratorType {
        /** Checks that the sequence number is present. */
        public AtSequenceNumber {
            Objects.requireNonNull(sequenceNumber, "sequenceNumber");
        }

        @Override
        public String kinesisName() {
            return "AT_SEQUENCE_NUMBER";
        }
    }

    /**
     * {@code AFTER_SEQUENCE_NUMBER}.
     *
     * @param sequenceNumber the sequence number to start after
     */
    record AfterSequenceNumber(String sequenceNumber) implements ShardIteratorType {
        /** Checks that the sequence number is present. */
        public AfterSequenceNumber {
            Objects.requireNonNull(sequenceNumber, "sequenceNumber");
        }

        @Override
        public String kinesisName() {
            return "AFTER_SEQUENCE_NUMBER";
        }
    }

    /**
     * {@code AT_TIMESTAMP}.
     *
     * @param timestamp the earliest approximate arrival timestamp to return
     */
    record AtTimestamp(Instant timestamp) implements ShardIteratorType {
        /** Checks that the timestamp is present. */
        public AtTimestamp {
            Objects.requireNonNull(timestamp, "timestamp");
        }

        @Override
        public String kinesisName() {
            return "AT_TIMESTAMP";
        }
    }
}
