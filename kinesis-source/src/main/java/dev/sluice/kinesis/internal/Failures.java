package dev.sluice.kinesis.internal;

import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.kinesis.model.ExpiredIteratorException;
import software.amazon.awssdk.services.kinesis.model.ExpiredNextTokenException;
import software.amazon.awssdk.services.kinesis.model.KmsThrottlingException;
import software.amazon.awssdk.services.kinesis.model.LimitExceededException;
import software.amazon.awssdk.services.kinesis.model.ProvisionedThroughputExceededException;
import software.amazon.awssdk.services.kinesis.model.ResourceInUseException;
import software.amazon.awssdk.services.kinesis.model.ResourceNotFoundException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;

/**
 * Sorts what a Kinesis call failed with into what the reader does about it.
 *
 * <p>Design note: the AWS exception names decide, as Kinesis documents them per operation. I/O errors, timeouts
 * and 5xx answers are retried with back-off, so a network outage delays reading but never ends it; refusals
 * (access denied, a disabled key, an invalid argument such as a checkpoint from another stream) and exceptions
 * that are neither the service's nor the transport's (defects) end reading with a reported failure.
 */
final class Failures {

    /** What the reader does. */
    enum Kind {
        /** ProvisionedThroughputExceeded, LimitExceeded, KMSThrottling: back off and try again. */
        THROTTLED,
        /** The shard iterator is older than 5 minutes: get a new one after the last record handed over. */
        EXPIRED_ITERATOR,
        /** A ListShards NextToken is older than 300 seconds: list again from the start. */
        EXPIRED_NEXT_TOKEN,
        /** The stream, shard or consumer does not exist (any more): find out which. */
        NOT_FOUND,
        /** ResourceInUse: another subscription of the consumer to the shard, or a stream being updated. */
        IN_USE,
        /** The call was cancelled because the source is closing. */
        CANCELLED,
        /** I/O, timeouts, server errors: back off and try again. */
        TRANSIENT,
        /** Access denied, an invalid argument, a disabled key: reading cannot go on. */
        PERMANENT
    }

    private Failures() {
    }

    /** Strips the future wrappers an SDK failure arrives in. */
    static Throwable unwrap(Throwable t) {
        Throwable cause = t;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException)
                && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }

    static Kind classify(Throwable failure) {
        Throwable t = unwrap(failure);
        if (t instanceof CancellationException) {
            return Kind.CANCELLED;
        }
        if (t instanceof ProvisionedThroughputExceededException || t instanceof LimitExceededException
                || t instanceof KmsThrottlingException) {
            return Kind.THROTTLED;
        }
        if (t instanceof ExpiredIteratorException) {
            return Kind.EXPIRED_ITERATOR;
        }
        if (t instanceof ExpiredNextTokenException) {
            return Kind.EXPIRED_NEXT_TOKEN;
        }
        if (t instanceof ResourceNotFoundException) {
            return Kind.NOT_FOUND;
        }
        if (t instanceof ResourceInUseException) {
            return Kind.IN_USE;
        }
        if (t instanceof AwsServiceException service) {
            // 4xx answers other than the ones above are refusals (AccessDenied, InvalidArgument, Validation,
            // KMS*, UnrecognizedClient); throttling codes the SDK recognises and 5xx are worth retrying.
            if (service.isThrottlingException()) {
                return Kind.THROTTLED;
            }
            int status = service.statusCode();
            return status >= 400 && status < 500 ? Kind.PERMANENT : Kind.TRANSIENT;
        }
        return transport(t) ? Kind.TRANSIENT : Kind.PERMANENT;
    }

    /**
     * Whether a failure came from the transport: the SDK wraps I/O errors and timeouts in SdkClientException, but an
     * event stream (SubscribeToShard) may end with the bare IOException or a Netty timeout. Anything else is a
     * defect, not weather.
     */
    private static boolean transport(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof SdkClientException || t instanceof IOException || t instanceof UncheckedIOException
                    || t instanceof TimeoutException || t.getClass().getSimpleName().endsWith("TimeoutException")) {
                return true;
            }
        }
        return false;
    }

    /** {@code ErrorCode: message} for an AWS error, the exception otherwise. */
    static String describe(Throwable failure) {
        Throwable t = unwrap(failure);
        if (t instanceof AwsServiceException service && service.awsErrorDetails() != null
                && service.awsErrorDetails().errorCode() != null) {
            return service.awsErrorDetails().errorCode() + ": " + service.awsErrorDetails().errorMessage();
        }
        return String.valueOf(t);
    }
}
