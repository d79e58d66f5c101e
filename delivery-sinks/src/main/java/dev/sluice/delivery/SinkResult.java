package dev.sluice.delivery;

/**
 * What a successful {@link Sink#write} did.
 *
 * <p>Thread-safety: immutable.
 */
public enum SinkResult {
    /** The object was committed by this write. */
    CREATED,
    /**
     * A create-if-absent write found the key already committed (an earlier attempt, before a crash, wrote it); the
     * records count as delivered, once.
     */
    ALREADY_EXISTS
}
