package dev.sluice.stream;

/**
 * A stream's status, as Kinesis reports it. Sluice creates and deletes synchronously, so a stream that
 * can be described is {@link #ACTIVE}; the other values exist for wire compatibility.
 *
 * <p>Thread-safety: immutable.
 */
public enum StreamStatus {
    /** Being created. */
    CREATING,
    /** Readable and writable. */
    ACTIVE,
    /** Being resharded or reconfigured; still readable and writable. */
    UPDATING,
    /** Being deleted. */
    DELETING
}
