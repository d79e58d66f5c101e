package dev.sluice.stream;

/**
 * Why an operation failed, with the exact name Amazon Kinesis Data Streams uses for the same failure, so
 * logs, metrics and the wire protocol all speak the same names.
 *
 * <p>Thread-safety: immutable.
 */
public enum ErrorCode {
    /** The stream, shard or consumer does not exist. */
    RESOURCE_NOT_FOUND("ResourceNotFoundException", false),
    /** The resource exists already, or is not in a state that allows the operation. */
    RESOURCE_IN_USE("ResourceInUseException", false),
    /** A parameter is well-formed but not acceptable (out of range, wrong shard, too large a request). */
    INVALID_ARGUMENT("InvalidArgumentException", false),
    /** A parameter fails the API model's constraints (pattern, length, count). */
    VALIDATION("ValidationException", false),
    /** A quota was reached (shards, concurrent operations). */
    LIMIT_EXCEEDED("LimitExceededException", true),
    /** A shard's read or write limit was exceeded; retry after a back-off. */
    PROVISIONED_THROUGHPUT_EXCEEDED("ProvisionedThroughputExceededException", true),
    /** A shard iterator is older than 5 minutes; get a new one. */
    EXPIRED_ITERATOR("ExpiredIteratorException", false),
    /** A pagination token expired. */
    EXPIRED_NEXT_TOKEN("ExpiredNextTokenException", false),
    /** The caller is not allowed to perform the operation. */
    ACCESS_DENIED("AccessDeniedException", false),
    /** Sluice failed internally; the message says what happened. Per-entry PutRecords code {@code InternalFailure}. */
    INTERNAL_FAILURE("InternalFailureException", true),
    /**
     * The engine was closed. Not a Kinesis error (a service does not close); reported on the wire as
     * {@code InternalFailureException}.
     */
    ENGINE_CLOSED("EngineClosedException", false);

    private final String exceptionName;
    private final boolean retryable;

    ErrorCode(String exceptionName, boolean retryable) {
        this.exceptionName = exceptionName;
        this.retryable = retryable;
    }

    /**
     * Returns the AWS exception name, e.g. {@code ProvisionedThroughputExceededException}.
     *
     * @return the name AWS uses in {@code __type} and in PutRecords entries
     */
    public String exceptionName() {
        return exceptionName;
    }

    /**
     * Returns whether the same call may succeed if retried unchanged after a back-off.
     *
     * @return {@code true} for throttling and transient failures
     */
    public boolean isRetryable() {
        return retryable;
    }
}
