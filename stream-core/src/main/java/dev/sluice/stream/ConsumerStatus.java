package dev.sluice.stream;

/**
 * The status of a registered enhanced fan-out consumer. Sluice registers and deregisters synchronously, so a
 * consumer that can be described is {@link #ACTIVE}; the other values exist for wire compatibility.
 *
 * <p>Thread-safety: immutable.
 */
public enum ConsumerStatus {
    /** Being registered. */
    CREATING,
    /** Can subscribe to shards. */
    ACTIVE,
    /** Being deregistered. */
    DELETING
}
