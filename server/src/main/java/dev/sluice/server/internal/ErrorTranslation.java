package dev.sluice.server.internal;

import dev.sluice.stream.SluiceErrorCode;
import dev.sluice.stream.SluiceException;

import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * Maps failures to the wire: AWS error name and HTTP status. One rule for every module's {@link SluiceException}
 * (streams, transforms, delivery), by its code: a client error (400) goes out under the code's AWS name; a 500 as
 * {@code InternalFailureException} and a 503 as {@code ServiceUnavailableException}, the names AWS APIs throw.
 * Anything else is an {@code InternalFailureException} with status 500; its message names the Java type so it can
 * be found.
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
        if (t instanceof SluiceException sluice) {
            SluiceErrorCode code = sluice.errorCode();
            return switch (code.httpStatus()) {
                case SluiceErrorCode.HTTP_CLIENT_ERROR -> new ApiException(400, code.code(), sluice.getMessage(), sluice);
                case SluiceErrorCode.HTTP_SERVICE_UNAVAILABLE -> new ApiException(503, "ServiceUnavailableException",
                        sluice.getMessage(), sluice);
                default -> new ApiException(500, "InternalFailureException", sluice.getMessage(), sluice);
            };
        }
        return new ApiException(500, "InternalFailureException", "internal failure: " + t, t);
    }
}
