package dev.sluice.delivery;

import dev.sluice.stream.SluiceException;

import java.util.Objects;

/**
 * The exception the delivery module throws, a {@link SluiceException}: invalid configuration, a rejected put, a
 * closed stream, a flush that timed out, or (thrown by a {@link Sink}) a failed write with a chosen
 * {@link ErrorCode}.
 *
 * <p>Thread-safety: immutable after construction.
 *
 * <p>A {@link Sink} throws it to say whether a write may be retried: {@link #isRetryable()} false (for example
 * {@link ErrorCode#HTTP_REQUEST_TOO_LARGE}) sends the records to the error output at once.
 */
public class DeliveryException extends SluiceException {

    private static final long serialVersionUID = 1L;

    private final ErrorCode errorCode;

    /**
     * Creates an exception.
     *
     * @param errorCode what failed; not {@code null}
     * @param message what failed, for which stream, object or record, the limit, and what to do
     */
    public DeliveryException(ErrorCode errorCode, String message) {
        super(message, null);
        this.errorCode = Objects.requireNonNull(errorCode, "errorCode");
    }

    /**
     * Creates an exception with a cause.
     *
     * @param errorCode what failed; not {@code null}
     * @param message what failed, for which stream, object or record, the limit, and what to do
     * @param cause the underlying failure
     */
    public DeliveryException(ErrorCode errorCode, String message, Throwable cause) {
        super(message, cause);
        this.errorCode = Objects.requireNonNull(errorCode, "errorCode");
    }

    /**
     * Returns the error code.
     *
     * @return the code; never {@code null}
     */
    @Override
    public ErrorCode errorCode() {
        return errorCode;
    }

    static DeliveryException invalidArgument(String message) {
        return new DeliveryException(ErrorCode.INVALID_ARGUMENT, message);
    }
}
