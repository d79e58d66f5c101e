package dev.sluice.stream;

import java.util.Objects;

/**
 * The exception every Sluice stream operation throws, a {@link SluiceException}. {@link #errorCode()} tells what
 * failed in Kinesis vocabulary; the message names the stream, shard or sequence number, the limit, and the actual
 * value.
 *
 * <p>Thread-safety: immutable.
 */
public class StreamException extends SluiceException {

    private static final long serialVersionUID = 1L;

    private final ErrorCode code;

    /**
     * Creates an exception.
     *
     * @param code    what failed
     * @param message what failed, for which resource, the limit, and what to do
     */
    public StreamException(ErrorCode code, String message) {
        this(code, message, null);
    }

    /**
     * Creates an exception with a cause.
     *
     * @param code    what failed
     * @param message what failed, for which resource, the limit, and what to do
     * @param cause   the underlying failure, or {@code null}
     */
    public StreamException(ErrorCode code, String message, Throwable cause) {
        super(message, cause);
        this.code = Objects.requireNonNull(code, "code");
    }

    /**
     * Returns what failed.
     *
     * @return the error code, carrying the AWS exception name
     */
    @Override
    public ErrorCode errorCode() {
        return code;
    }

    /**
     * Returns what failed: the same as {@link #errorCode()}, under its earlier name.
     *
     * @return the error code
     */
    public ErrorCode code() {
        return code;
    }
}
