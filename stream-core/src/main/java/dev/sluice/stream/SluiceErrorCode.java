package dev.sluice.stream;

/**
 * What every Sluice error code tells, whichever module's vocabulary it belongs to: the name AWS uses for the
 * failure, whether the same call can succeed if retried, and the HTTP status AWS answers an API call with when it
 * fails so. Implemented by the error code enums of each module, {@link ErrorCode} (Kinesis Data Streams),
 * {@code dev.sluice.transform.ErrorCode} (the Firehose Lambda contract and built-in processors) and
 * {@code dev.sluice.delivery.ErrorCode} (Firehose delivery), in the manner of Kafka's {@code Errors}.
 *
 * <p>Names follow AWS: an exception an API call throws ends in {@code Exception}
 * ({@code ProvisionedThroughputExceededException}, {@code InvalidArgumentException}); a per-record code in a batch
 * response or error output does not ({@code InternalFailure}, {@code Lambda.FunctionError}, {@code S3.AccessDenied}).
 * Where AWS has no name for a Sluice failure, Sluice's follows the same pattern.
 *
 * <p>Thread-safety: implementations are immutable.
 */
public interface SluiceErrorCode {

    /** HTTP status of a client error: the caller's request, argument or configuration is at fault, or throttling. */
    int HTTP_CLIENT_ERROR = 400;
    /** HTTP status of an internal failure (AWS {@code InternalFailureException}). */
    int HTTP_INTERNAL_ERROR = 500;
    /** HTTP status of a temporarily unavailable service (AWS {@code ServiceUnavailableException}). */
    int HTTP_SERVICE_UNAVAILABLE = 503;

    /**
     * Returns the name of the failure in AWS vocabulary, for example {@code ResourceNotFoundException} or
     * {@code Lambda.FunctionError}: what logs, meters, error output and the wire protocol say.
     *
     * @return the name; never {@code null}
     */
    String code();

    /**
     * Returns whether repeating the same call unchanged can succeed after a back-off.
     *
     * @return {@code true} for throttling and transient failures
     */
    boolean isRetryable();

    /**
     * Returns the HTTP status an AWS API call answers with when it fails with this error:
     * {@link #HTTP_CLIENT_ERROR} (the caller's mistake, or throttling), {@link #HTTP_INTERNAL_ERROR} or
     * {@link #HTTP_SERVICE_UNAVAILABLE}. The Sluice server answers with it; a 5xx goes on the wire as
     * {@code InternalFailureException} or {@code ServiceUnavailableException}.
     *
     * @return 400, 500 or 503
     */
    int httpStatus();
}
