package dev.sluice.stream;

/**
 * The root of every exception Sluice throws: {@link StreamException} (streams), {@code TransformException}
 * (transforms) and {@code DeliveryException} (delivery). Unchecked. Catch it to handle any Sluice failure alike;
 * {@link #errorCode()} tells what failed in AWS vocabulary and {@link #isRetryable()} whether trying again can
 * help, in the manner of Kafka's {@code KafkaException} and {@code RetriableException}.
 *
 * <p>Configuration errors follow one rule in every module: an invalid builder option or argument fails with the
 * module's exception and the code {@code InvalidArgumentException} (when {@code build()} or the factory method
 * runs), its message naming the option, the allowed range and the actual value; a missing required value is a
 * {@link NullPointerException} naming it.
 *
 * <p>Thread-safety: immutable.
 */
public abstract class SluiceException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /**
     * Creates an exception.
     *
     * @param message what failed, for which resource, the limit, and what to do
     * @param cause   the underlying failure, or {@code null}
     */
    protected SluiceException(String message, Throwable cause) {
        super(message, cause);
    }

    /**
     * Returns what failed.
     *
     * @return the error code, carrying the AWS name; never {@code null}
     */
    public abstract SluiceErrorCode errorCode();

    /**
     * Returns whether the same call may succeed if retried after a back-off.
     *
     * @return {@code errorCode().isRetryable()}
     */
    public boolean isRetryable() {
        return errorCode().isRetryable();
    }

    /** Returns {@code "<AWS name>: <message>"}. */
    @Override
    public String toString() {
        return errorCode().code() + ": " + getMessage();
    }
}
