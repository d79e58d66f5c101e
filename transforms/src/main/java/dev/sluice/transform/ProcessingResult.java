package dev.sluice.transform;

import java.nio.ByteBuffer;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The outcome for one record id: Firehose's {@code result} of {@code Ok}, {@code Dropped} or
 * {@code ProcessingFailed}.
 *
 * <p>Thread-safety: all cases are immutable.
 *
 * <p>{@code Ok} and {@code Dropped} count as successfully processed; {@code ProcessingFailed} records belong
 * in the error output with their original data.
 */
public sealed interface ProcessingResult {

    /**
     * Returns the record id this result answers.
     *
     * @return the id; never blank
     */
    String recordId();

    /**
     * The record was transformed.
     *
     * <p>Thread-safety: immutable; {@link #data()} returns a fresh read-only view each call.
     *
     * @param recordId the record id; not blank
     * @param data the transformed payload; copied
     * @param partitionKeys dynamic-partitioning keys (Firehose {@code metadata.partitionKeys}); copied; empty
     *        when none
     * @param otfMetadata the record's table and operation for an Iceberg destination (Firehose
     *        {@code metadata.otfMetadata}); empty when none (the common case)
     */
    record Ok(String recordId, ByteBuffer data, Map<String, String> partitionKeys, Optional<OtfMetadata> otfMetadata)
            implements ProcessingResult {

        /**
         * Validates and copies.
         *
         * @throws NullPointerException if a component, key or value is {@code null}
         * @throws TransformException {@link ErrorCode#INVALID_ARGUMENT} if {@code recordId} is blank
         */
        public Ok {
            recordId = requireId(recordId);
            data = ReadOnlyBytes.copyOf(data, "data");
            partitionKeys = Map.copyOf(partitionKeys);
            Objects.requireNonNull(otfMetadata, "otfMetadata");
        }

        /**
         * Creates a result with partition keys and without otfMetadata.
         *
         * @param recordId the record id
         * @param data the transformed payload; copied
         * @param partitionKeys the keys; copied
         */
        public Ok(String recordId, ByteBuffer data, Map<String, String> partitionKeys) {
            this(recordId, data, partitionKeys, Optional.empty());
        }

        /**
         * Creates a result without partition keys.
         *
         * @param recordId the record id
         * @param data the transformed payload; copied
         */
        public Ok(String recordId, byte[] data) {
            this(recordId, ReadOnlyBytes.copyOf(data, "data"), Map.of());
        }

        /**
         * Creates a result with partition keys.
         *
         * @param recordId the record id
         * @param data the transformed payload; copied
         * @param partitionKeys the keys; copied
         */
        public Ok(String recordId, byte[] data, Map<String, String> partitionKeys) {
            this(recordId, ReadOnlyBytes.copyOf(data, "data"), partitionKeys);
        }

        /**
         * Returns this result with the record's table and operation for an Iceberg destination, as a Firehose
         * Lambda returns them in {@code metadata.otfMetadata}.
         *
         * @param metadata the table and operation; not {@code null}
         * @return a new result with the same id, data and partition keys
         */
        public Ok withOtfMetadata(OtfMetadata metadata) {
            return new Ok(recordId, data, partitionKeys, Optional.of(metadata));
        }

        /**
         * Returns a read-only view of the transformed payload, positioned at its start.
         *
         * @return a new view
         */
        @Override
        public ByteBuffer data() {
            return data.duplicate();
        }

        /**
         * Returns a short description without the payload bytes.
         *
         * @return a description
         */
        @Override
        public String toString() {
            return "Ok[recordId=" + recordId + ", data=" + ReadOnlyBytes.describe(data)
                    + ", partitionKeys=" + partitionKeys
                    + (otfMetadata.isPresent() ? ", otfMetadata=" + otfMetadata.get() : "") + "]";
        }
    }

    /**
     * The record was dropped on purpose (filtered out, a control message, nothing left after splitting).
     *
     * <p>Thread-safety: immutable.
     *
     * @param recordId the record id; not blank
     */
    record Dropped(String recordId) implements ProcessingResult {

        /**
         * Validates.
         *
         * @throws NullPointerException if {@code recordId} is {@code null}
         * @throws TransformException {@link ErrorCode#INVALID_ARGUMENT} if {@code recordId} is blank
         */
        public Dropped {
            recordId = requireId(recordId);
        }
    }

    /**
     * The record could not be processed.
     *
     * <p>Thread-safety: immutable.
     *
     * @param recordId the record id; not blank
     * @param errorCode why; {@link ErrorCode#PROCESSING_FAILED_STATUS} when a function reports the failure
     * @param errorMessage what went wrong with which record; not {@code null}
     */
    record ProcessingFailed(String recordId, ErrorCode errorCode, String errorMessage) implements ProcessingResult {

        /**
         * Validates.
         *
         * @throws NullPointerException if a component is {@code null}
         * @throws TransformException {@link ErrorCode#INVALID_ARGUMENT} if {@code recordId} is blank
         */
        public ProcessingFailed {
            recordId = requireId(recordId);
            Objects.requireNonNull(errorCode, "errorCode");
            Objects.requireNonNull(errorMessage, "errorMessage");
        }

        /**
         * Creates the result a function returns for a record it could not process, with
         * {@link ErrorCode#PROCESSING_FAILED_STATUS}.
         *
         * @param recordId the record id
         * @param errorMessage what went wrong
         */
        public ProcessingFailed(String recordId, String errorMessage) {
            this(recordId, ErrorCode.PROCESSING_FAILED_STATUS, errorMessage);
        }
    }

    private static String requireId(String recordId) {
        Objects.requireNonNull(recordId, "recordId");
        if (recordId.isBlank()) {
            throw TransformException.invalidArgument("recordId must not be blank but was '" + recordId + "'");
        }
        return recordId;
    }
}
