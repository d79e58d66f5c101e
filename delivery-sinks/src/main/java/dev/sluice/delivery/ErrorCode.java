package dev.sluice.delivery;

import dev.sluice.stream.SluiceErrorCode;

import java.util.Objects;

/**
 * Every error the delivery module reports, each with the exact name it carries in exceptions, logs, metrics and
 * the {@code errorCode} field of Firehose-style error output, and whether trying again can help.
 *
 * <p>Thread-safety: immutable.
 *
 * <p>Two groups: <b>API errors</b> thrown as {@link DeliveryException} by {@link DeliveryStream} calls and
 * reported in {@link PutRecordBatchResponseEntry} ({@code InvalidArgumentException}, {@code ValidationException},
 * {@code ServiceUnavailableException}, {@code ResourceNotFoundException}); and <b>record errors</b> written into
 * error-output envelopes when a record cannot be delivered ({@code DataFormatConversion.*},
 * {@code DynamicPartitioning.*}, {@code S3.*}, {@code HttpEndpoint.*}). Where Firehose documents a name Sluice uses
 * it; where it does not (a custom sink failing, a prefix that would escape a local bucket) the name follows the
 * same {@code Area.Reason} pattern.
 */
public enum ErrorCode implements SluiceErrorCode {

    /** A configuration value or argument is out of range. */
    INVALID_ARGUMENT("InvalidArgumentException", false, HTTP_CLIENT_ERROR),
    /** A request breaks an API constraint: record over 1,000 KiB, batch over 500 records or 4 MiB. */
    VALIDATION("ValidationException", false, HTTP_CLIENT_ERROR),
    /** The delivery stream cannot accept more records now (memory budget full); retry after a back-off. */
    SERVICE_UNAVAILABLE("ServiceUnavailableException", true, HTTP_SERVICE_UNAVAILABLE),
    /** The delivery stream is closed. */
    STREAM_CLOSED("ResourceNotFoundException", false, HTTP_CLIENT_ERROR),
    /** {@link DeliveryStream#flush(java.time.Duration)} timed out with records still not committed. */
    FLUSH_TIMEOUT("FlushTimeoutException", true, HTTP_SERVICE_UNAVAILABLE),
    /** The delivery stream's source cannot go on (its stream was deleted, its broker refused it). */
    SOURCE_FAILED("Source.Failed", false, HTTP_INTERNAL_ERROR),

    /** A record is not JSON, or not a JSON object, where record-format conversion needs one. */
    CONVERSION_MALFORMED_DATA("DataFormatConversion.MalformedData", false, HTTP_CLIENT_ERROR),
    /** A JSON value does not fit the schema type of its field, or a non-nullable field is missing. */
    CONVERSION_SCHEMA_MISMATCH("DataFormatConversion.SchemaMismatch", false, HTTP_CLIENT_ERROR),
    /** Firehose's active-partition limit was reached; the record went to the error output. */
    ACTIVE_PARTITIONS_LIMIT_EXCEEDED("DynamicPartitioning.ActivePartitionsLimitExceeded", false, HTTP_CLIENT_ERROR),
    /** The prefix names a partition key the record does not carry. */
    PARTITION_KEY_MISSING("DynamicPartitioning.PartitionKeyMissing", false, HTTP_CLIENT_ERROR),
    /** The evaluated prefix is over 512 characters or unsafe (control characters, {@code ..}, absolute). */
    INVALID_PREFIX("DynamicPartitioning.InvalidPrefix", false, HTTP_CLIENT_ERROR),
    /** The bucket refused the write for lack of permission. */
    S3_ACCESS_DENIED("S3.AccessDenied", true, HTTP_INTERNAL_ERROR),
    /** Any other failure of a bucket write (I/O error, full disk, server error). */
    S3_INTERNAL_ERROR("S3.InternalError", true, HTTP_INTERNAL_ERROR),
    /** The endpoint answered with a status other than 200, or a response that does not match the request. */
    HTTP_INVALID_RESPONSE("HttpEndpoint.InvalidResponseFromDestination", true, HTTP_INTERNAL_ERROR),
    /** The endpoint answered 413: the request is too large; permanent, never retried. */
    HTTP_REQUEST_TOO_LARGE("HttpEndpoint.RequestEntityTooLarge", false, HTTP_INTERNAL_ERROR),
    /** The endpoint could not be reached or did not answer in time. */
    HTTP_CONNECTION_FAILED("HttpEndpoint.ConnectionFailed", true, HTTP_INTERNAL_ERROR),
    /** A custom {@link Sink} threw something other than a {@link DeliveryException}. */
    SINK_FAILED("Sink.DeliveryFailed", true, HTTP_INTERNAL_ERROR),
    /** A defect inside Sluice; the records involved go to the error output rather than disappear. */
    INTERNAL_FAILURE("InternalFailure", true, HTTP_INTERNAL_ERROR);

    private final String code;
    private final boolean retryable;
    private final int httpStatus;

    ErrorCode(String code, boolean retryable, int httpStatus) {
        this.code = Objects.requireNonNull(code);
        this.retryable = retryable;
        this.httpStatus = httpStatus;
    }

    /**
     * Returns the external name, for example {@code ServiceUnavailableException} or {@code S3.AccessDenied}.
     *
     * @return the name; never {@code null}
     */
    @Override
    public String code() {
        return code;
    }

    /**
     * Returns whether repeating the same call or write can succeed; delivery retries only these.
     *
     * @return {@code true} for transient failures
     */
    @Override
    public boolean isRetryable() {
        return retryable;
    }

    /** {@inheritDoc} */
    @Override
    public int httpStatus() {
        return httpStatus;
    }

    /**
     * Returns {@link #code()}.
     *
     * @return the external name
     */
    @Override
    public String toString() {
        return code;
    }
}
