package dev.sluice.stream.internal;

/**
 * A ring slot: one writer thread's part of a {@link PutOperation}. Every writer thread sees every slot
 * and handles only those addressed to it; the addressee clears the references so a reused slot does not
 * keep a finished operation's data alive.
 */
final class PutEvent {
    int writer;
    PutOperation operation;
    /** Entry indexes for this writer, or {@code null} for all entries of the operation. */
    int[] entries;
    /** A resharding close of one of the writer's shards instead of records, or {@code null}. */
    ShardClose close;
}
