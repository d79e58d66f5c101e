package dev.sluice.transform;

import dev.sluice.stream.SluiceErrorCode;

import java.util.Objects;

/**
 * Every error the transforms module reports, each with the exact name it carries in logs, metrics and
 * Firehose-style error output ({@code errorCode} of a {@code processing-failed} record) and whether trying
 * again can help.
 *
 * <p>Thread-safety: immutable.
 *
 * <p>Three groups:
 * <ul>
 *   <li><b>Invocation failures</b> ({@link #FUNCTION_ERROR} through {@link #JSON_PROCESSING}): the
 *       {@link TransformFunction} as a whole misbehaved. The runner retries the invocation; once retries are
 *       exhausted every record of that invocation becomes {@link ProcessingResult.ProcessingFailed} with the
 *       code of the last attempt. {@code Lambda.FunctionError}, {@code Lambda.MissingRecordId},
 *       {@code Lambda.DuplicatedRecordId} and {@code Lambda.JsonProcessingException} are the names Firehose
 *       uses. Firehose has no separate names for a timed-out invocation or an id the function invented (it
 *       reports {@code Lambda.FunctionError} and {@code Lambda.MissingRecordId}); Sluice reports
 *       {@code Lambda.InvokeTimeout} and {@code Lambda.UnknownRecordId} so the cause is visible.</li>
 *   <li><b>Record failures</b> ({@link #PROCESSING_FAILED_STATUS}, {@link #INVALID_OTF_METADATA} and the
 *       {@code Processor.*} codes): one record could not be processed; deterministic, so never retried.
 *       Firehose documents no name for a record whose {@code otfMetadata} is malformed; Sluice reports
 *       {@code Lambda.InvalidOtfMetadata} for it, naming the field.</li>
 *   <li><b>API errors</b> ({@link #INTERNAL_FAILURE}, {@link #RUNNER_CLOSED}, {@link #INVALID_ARGUMENT}),
 *       carried by {@link TransformException} or, for records a closing runner had to abandon, by
 *       {@code ProcessingFailed}.</li>
 * </ul>
 */
public enum ErrorCode implements SluiceErrorCode {

    /** The function threw, or returned {@code null} or a response containing {@code null}. */
    FUNCTION_ERROR("Lambda.FunctionError", true, HTTP_INTERNAL_ERROR),
    /** The function did not return within the runner's invocation timeout. */
    INVOKE_TIMEOUT("Lambda.InvokeTimeout", true, HTTP_INTERNAL_ERROR),
    /** The response lacked the result for at least one record id of the request. */
    MISSING_RECORD_ID("Lambda.MissingRecordId", true, HTTP_INTERNAL_ERROR),
    /** The response held more than one result for the same record id. */
    DUPLICATED_RECORD_ID("Lambda.DuplicatedRecordId", true, HTTP_INTERNAL_ERROR),
    /** The response held a result for a record id that was not in the request. */
    UNKNOWN_RECORD_ID("Lambda.UnknownRecordId", true, HTTP_INTERNAL_ERROR),
    /** A Firehose-JSON handler's response was not valid JSON or did not follow the response shape. */
    JSON_PROCESSING("Lambda.JsonProcessingException", true, HTTP_INTERNAL_ERROR),

    /** The function itself returned {@code ProcessingFailed} for the record. */
    PROCESSING_FAILED_STATUS("Lambda.ProcessingFailedStatus", false, HTTP_CLIENT_ERROR),
    /**
     * The function returned {@code Ok} for the record with a {@code metadata.otfMetadata} that is not an object of
     * strings ({@code destinationDatabaseName}, {@code destinationTableName}, {@code operation}).
     */
    INVALID_OTF_METADATA("Lambda.InvalidOtfMetadata", false, HTTP_CLIENT_ERROR),
    /** The record is not the JSON a built-in processor expected (syntax error, not an object, trailing data). */
    MALFORMED_JSON("Processor.MalformedJson", false, HTTP_CLIENT_ERROR),
    /** The record's bytes are not valid UTF-8 where a built-in processor needed text. */
    INVALID_UTF8("Processor.InvalidUtf8", false, HTTP_CLIENT_ERROR),
    /** The record is not valid CSV, or a line has a different number of fields than the header. */
    MALFORMED_CSV("Processor.MalformedCsv", false, HTTP_CLIENT_ERROR),
    /** The record is not gzip data, is truncated or corrupt, or decompresses beyond the size guard. */
    DECOMPRESSION_FAILED("Processor.DecompressionFailed", false, HTTP_CLIENT_ERROR),
    /** The record is not a CloudWatch Logs subscription message. */
    MALFORMED_CLOUDWATCH_LOGS("Processor.MalformedCloudWatchLogs", false, HTTP_CLIENT_ERROR),
    /** A JQ partition-key query failed on the record or did not yield exactly one scalar. */
    METADATA_EXTRACTION_FAILED("Processor.MetadataExtractionFailed", false, HTTP_CLIENT_ERROR),
    /** A JQ filter predicate failed on the record or did not yield exactly one value. */
    FILTER_FAILED("Processor.FilterFailed", false, HTTP_CLIENT_ERROR),
    /** The event-time field is missing or does not match the configured format. */
    EVENT_TIME_EXTRACTION_FAILED("Processor.EventTimeExtractionFailed", false, HTTP_CLIENT_ERROR),

    /** A defect inside Sluice; the records involved fail rather than disappear. */
    INTERNAL_FAILURE("InternalFailure", true, HTTP_INTERNAL_ERROR),
    /** The runner is closed, or closed before the record finished processing. */
    RUNNER_CLOSED("ResourceNotFoundException", false, HTTP_CLIENT_ERROR),
    /** A configuration value or argument is out of range. */
    INVALID_ARGUMENT("InvalidArgumentException", false, HTTP_CLIENT_ERROR);

    private final String code;
    private final boolean retryable;
    private final int httpStatus;

    ErrorCode(String code, boolean retryable, int httpStatus) {
        this.code = Objects.requireNonNull(code);
        this.retryable = retryable;
        this.httpStatus = httpStatus;
    }

    /**
     * Returns the name used in error output, logs and metrics, for example {@code Lambda.MissingRecordId}.
     *
     * @return the external name; never {@code null}
     */
    @Override
    public String code() {
        return code;
    }

    /**
     * Returns whether repeating the same call can succeed. The runner retries exactly the invocation failures.
     *
     * @return {@code true} for transient or invocation-level failures
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
