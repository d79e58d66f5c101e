package dev.sluice.stream;

/**
 * Why a stream operation failed, with the exact name Amazon Kinesis Data Streams uses for the same failure, so
 * logs, metrics and the wire protocol all speak the same names. One of the Sluice vocabularies behind
 * {@link SluiceErrorCode}.
 *
 * <p>Thread-safety: immutable.
 */
public enum ErrorCode implements SluiceErrorCode {
    /** The stream, shard or consumer does not exist. */
    RESOURCE_NOT_FOUND("ResourceNotFoundException", false, HTTP_CLIENT_ERROR),
    /** The resource exists already, or is not in a state that allows the operation. */
    RESOURCE_IN_USE("ResourceInUseException", false, HTTP_CLIENT_ERROR),
    /** A parameter or configuration value is well-formed but not acceptable (out of range, wrong shard, too large). */
    INVALID_ARGUMENT("InvalidArgumentException", false, HTTP_CLIENT_ERROR),
    /** A parameter fails the API model's constraints (pattern, length, count). */
    VALIDATION("ValidationException", false, HTTP_CLIENT_ERROR),
    /** A quota was reached (shards, concurrent operations). */
    LIMIT_EXCEEDED("LimitExceededException", true, HTTP_CLIENT_ERROR),
    /** A shard's read or write limit was exceeded; retry after a back-off. */
    PROVISIONED_THROUGHPUT_EXCEEDED("ProvisionedThroughputExceededException", true, HTTP_CLIENT_ERROR),
    /** A shard iterator is older than 5 minutes; get a new one. */
    EXPIRED_ITERATOR("ExpiredIteratorException", false, HTTP_CLIENT_ERROR),
    /** A pagination token expired. */
    EXPIRED_NEXT_TOKEN("ExpiredNextTokenException", false, HTTP_CLIENT_ERROR),
    /** The caller is not allowed to perform the operation. */
    ACCESS_DENIED("AccessDeniedException", false, HTTP_CLIENT_ERROR),
    /**
     * Sluice failed internally; the message says what happened. As a per-entry PutRecords code Kinesis spells it
     * {@code InternalFailure}.
     */
    INTERNAL_FAILURE("InternalFailureException", true, HTTP_INTERNAL_ERROR),
    /**
     * The engine was closed. Kinesis has no such state; as for a transform runner or delivery stream that is closed,
     * the name is the one AWS gives a resource that is gone, {@code ResourceNotFoundException}.
     */
    ENGINE_CLOSED("ResourceNotFoundException", false, HTTP_CLIENT_ERROR);

    private final String code;
    private final boolean retryable;
    private final int httpStatus;

    ErrorCode(String code, boolean retryable, int httpStatus) {
        this.code = code;
        this.retryable = retryable;
        this.httpStatus = httpStatus;
    }

    /**
     * Returns the AWS exception name, e.g. {@code ProvisionedThroughputExceededException}.
     *
     * @return the name AWS uses in {@code __type} and in PutRecords entries
     */
    @Override
    public String code() {
        return code;
    }

    /**
     * Returns whether the same call may succeed if retried unchanged after a back-off.
     *
     * @return {@code true} for throttling and transient failures
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
}
