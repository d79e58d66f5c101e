package dev.sluice.stream;

/**
 * Server-side encryption of a stream, as Kinesis reports it. Sluice accepts and reports the setting; records
 * are stored as given (encryption at rest is the file system's business here).
 *
 * <p>Thread-safety: immutable.
 */
public enum EncryptionType {
    /** Not encrypted. */
    NONE,
    /** Encrypted with an AWS KMS key. */
    KMS
}
