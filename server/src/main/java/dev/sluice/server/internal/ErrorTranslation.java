package dev.sluice.server.internal;

import dev.sluice.delivery.DeliveryException;
import dev.sluice.stream.ErrorCode;
import dev.sluice.stream.StreamException;
import dev.sluice.transform.TransformException;

import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * Maps engine and delivery exceptions to the wire: AWS error name and HTTP status. Anything unexpected is an
 * {@code InternalFailureException} (Kinesis) with status 500; its message names the Java type so it can be found.
 */
final class ErrorTranslation {

    private ErrorTranslation() {
    }

    static ApiException translate(Throwable failure) {
        Throwable t = failure;
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        if (t instanceof ApiException api) {
            return api;
        }
        if (t instanceof StreamException stream) {
            ErrorCode code = stream.code();
            return switch (code) {
                case INTERNAL_FAILURE, ENGINE_CLOSED -> new ApiException(500, "InternalFailureException",
                        stream.getMessage(), stream);
                default -> new ApiException(400, code.exceptionName(), stream.getMessage(), stream);
            };
        }
        if (t instanceof DeliveryException delivery) {
            return switch (delivery.errorCode()) {
                case SERVICE_UNAVAILABLE -> new ApiException(503, "ServiceUnavailableException", delivery.getMessage(),
                        delivery);
                case VALIDATION -> new ApiException(400, "ValidationException", delivery.getMessage(), delivery);
                case STREAM_CLOSED -> new ApiException(400, "ResourceNotFoundException", delivery.getMessage(),
                        delivery);
                case INVALID_ARGUMENT -> new ApiException(400, "InvalidArgumentException", delivery.getMessage(),
                        delivery);
                default -> new ApiException(500, "ServiceUnavailableException", delivery.getMessage(), delivery);
            };
        }
        if (t instanceof TransformException transform) {
            return switch (transform.errorCode()) {
                case INVALID_ARGUMENT -> new ApiException(400, "InvalidArgumentException", transform.getMessage(),
                        transform);
                case RUNNER_CLOSED -> new ApiException(400, "ResourceNotFoundException", transform.getMessage(),
                        transform);
                default -> new ApiException(500, "InternalFailureException", transform.getMessage(), transform);
            };
        }
        return new ApiException(500, "InternalFailureException", "internal failure: " + t, t);
    }
}
