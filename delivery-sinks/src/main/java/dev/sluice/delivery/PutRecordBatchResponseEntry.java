package dev.sluice.delivery;

import java.util.Objects;

/**
 * The outcome of one record of a {@link DeliveryStream#putRecordBatch} call: Firehose's
 * {@code PutRecordBatchResponseEntry}, either {@link Success} or {@link Failure}.
 *
 * <p>Thread-safety: immutable.
 */
public sealed interface PutRecordBatchResponseEntry {

    /**
     * Tells whether the record was accepted.
     *
     * @return {@code true} for {@link Success}
     */
    default boolean isSuccessful() {
        return this instanceof Success;
    }

    /**
     * The record was accepted.
     *
     * @param recordId the id the stream gave it (Firehose's {@code RecordId})
     */
    record Success(String recordId) implements PutRecordBatchResponseEntry {
        /** Validates. */
        public Success {
            Objects.requireNonNull(recordId, "recordId");
        }
    }

    /**
     * The record was not accepted; the caller may retry it when {@code errorCode.isRetryable()}.
     *
     * @param errorCode {@link ErrorCode#SERVICE_UNAVAILABLE} when the memory budget stayed full for the block
     *        timeout, {@link ErrorCode#VALIDATION} for a record over the size limit
     * @param errorMessage what failed
     */
    record Failure(ErrorCode errorCode, String errorMessage) implements PutRecordBatchResponseEntry {
        /** Validates. */
        public Failure {
            Objects.requireNonNull(errorCode, "errorCode");
            Objects.requireNonNull(errorMessage, "errorMessage");
        }
    }
}
