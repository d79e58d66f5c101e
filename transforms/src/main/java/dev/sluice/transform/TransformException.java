package dev.sluice.transform;

import dev.sluice.stream.SluiceException;

import java.util.Objects;

/**
 * The exception the transforms module throws, a {@link SluiceException}: invalid configuration, a closed runner, or
 * (when thrown by a {@link TransformFunction}) an invocation failure with a chosen {@link ErrorCode}.
 *
 * <p>Thread-safety: immutable after construction.
 *
 * <p>Record-level problems are never thrown: they come back as {@link ProcessingResult.ProcessingFailed}.
 */
public class TransformException extends SluiceException {

    private static final long serialVersionUID = 1L;

    private final ErrorCode errorCode;

    /**
     * Creates an exception.
     *
     * @param errorCode what failed; not {@code null}
     * @param message what failed, for what, the limit, and what to do
     */
    public TransformException(ErrorCode errorCode, String message) {
        super(message, null);
        this.errorCode = Objects.requireNonNull(errorCode, "errorCode");
    }

    /**
     * Creates an exception with a cause.
     *
     * @param errorCode what failed; not {@code null}
     * @param message what failed, for what, the limit, and what to do
     * @param cause the underlying failure
     */
    public TransformException(ErrorCode errorCode, String message, Throwable cause) {
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

    static TransformException invalidArgument(String message) {
        return new TransformException(ErrorCode.INVALID_ARGUMENT, message);
    }
}
