package dev.sluice.stream;

import java.util.Objects;

/**
 * The outcome of one entry of a PutRecords call: either {@link Success} or {@link Failure}.
 *
 * <p>Thread-safety: immutable.
 */
public sealed interface PutRecordsResultEntry {

    /**
     * Tells whether the entry was written.
     *
     * @return {@code true} for {@link Success}
     */
    default boolean isSuccessful() {
        return this instanceof Success;
    }

    /**
     * The entry was written.
     *
     * @param shardId        the shard that holds it
     * @param sequenceNumber its sequence number
     */
    record Success(String shardId, String sequenceNumber) implements PutRecordsResultEntry {
        /** Checks that no component is null. */
        public Success {
            Objects.requireNonNull(shardId, "shardId");
            Objects.requireNonNull(sequenceNumber, "sequenceNumber");
        }
    }

    /**
     * The entry was not written; the caller may retry it.
     *
     * @param errorCode    {@link ErrorCode#PROVISIONED_THROUGHPUT_EXCEEDED} or {@link ErrorCode#INTERNAL_FAILURE}
     *                     as in Kinesis (Kinesis spells the latter {@code InternalFailure} in entries), or
     *                     {@link ErrorCode#RESOURCE_NOT_FOUND} if the stream was deleted meanwhile
     * @param errorMessage what failed, naming the shard and stream
     */
    record Failure(ErrorCode errorCode, String errorMessage) implements PutRecordsResultEntry {
        /** Checks that no component is null. */
        public Failure {
            Objects.requireNonNull(errorCode, "errorCode");
            Objects.requireNonNull(errorMessage, "errorMessage");
        }
    }
}
