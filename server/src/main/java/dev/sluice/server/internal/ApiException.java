package dev.sluice.server.internal;

import java.util.Objects;

/**
 * A failed API call as the client sees it: HTTP status, AWS error name ({@code __type}) and message.
 *
 * <p>Design: the server's only exception for request failures; engine exceptions are translated into it at the
 * operation boundary ({@link ErrorTranslation}), so the HTTP layer never needs to know engine types.
 */
final class ApiException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final int status;
    private final String type;

    ApiException(int status, String type, String message) {
        this(status, type, message, null);
    }

    ApiException(int status, String type, String message, Throwable cause) {
        super(message, cause);
        this.status = status;
        this.type = Objects.requireNonNull(type, "type");
    }

    int status() {
        return status;
    }

    String type() {
        return type;
    }

    static ApiException serialization(String message) {
        return new ApiException(400, "SerializationException", message);
    }

    static ApiException validation(String message) {
        return new ApiException(400, "ValidationException", message);
    }

    static ApiException invalidArgument(String message) {
        return new ApiException(400, "InvalidArgumentException", message);
    }

    static ApiException resourceNotFound(String message) {
        return new ApiException(400, "ResourceNotFoundException", message);
    }

    static ApiException resourceInUse(String message) {
        return new ApiException(400, "ResourceInUseException", message);
    }

    static ApiException unknownOperation(String target) {
        return new ApiException(400, "UnknownOperationException", "unknown operation '" + target + "'");
    }

    @Override
    public String toString() {
        return type + " (" + status + "): " + getMessage();
    }
}
