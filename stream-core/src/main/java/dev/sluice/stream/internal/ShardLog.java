package dev.sluice.stream.internal;

/**
 * The storage seam: one shard's append-only record log, on the heap ({@link InMemoryShardLog}) or in a
 * Chronicle Queue ({@link DurableShardLog}); a {@link ShardStore} makes them.
 *
 * <p>Threading contract: {@link #append} and {@link #publish} are called only by the shard's single
 * writer thread. Every other method may be called from any thread at any time. Records become visible
 * to readers at {@link #publish()}, all at once, never partially.
 */
interface ShardLog {

    /**
     * Appends a record, invisible to readers until {@link #publish()}.
     *
     * @param sequence      sequence counter, greater than every earlier one in this log
     * @param arrivalMillis arrival time in epoch millis, not less than every earlier one
     * @param partitionKey  the key, UTF-8 encoded
     * @param data          the blob (the log copies what it keeps)
     */
    void append(long sequence, long arrivalMillis, byte[] partitionKey, byte[] data);

    /** Makes every appended record visible to readers. */
    void publish();

    /**
     * Reads visible records in order.
     *
     * @param fromSequence      first sequence counter to return (records with smaller counters are skipped)
     * @param fromArrivalMillis first arrival time to return (older records are skipped); retention is
     *                          applied by passing the retention cut-off here
     * @param limit             at most this many records
     * @param maxBytes          at most this many data + key bytes, but always at least one record if any
     * @return what was read
     */
    ShardRead read(long fromSequence, long fromArrivalMillis, int limit, long maxBytes);

    /**
     * Returns the last visible sequence counter.
     *
     * @return the counter, or -1 if the log holds no visible record
     */
    long lastSequence();

    /**
     * Releases storage of records that arrived before the cut-off. Records are released in whole
     * blocks, so some expired records may stay stored (never readable) until their block expires.
     *
     * @param cutoffMillis arrival time before which records are expired
     */
    void expireBefore(long cutoffMillis);

    /**
     * Returns the bytes held for retained records (data and keys).
     *
     * @return bytes currently held
     */
    long retainedBytes();

    /**
     * Returns the number of records held.
     *
     * @return records currently held, expired ones in a partly expired block included
     */
    long retainedRecords();

    /**
     * Returns the bytes the log's files use on disk.
     *
     * @return bytes on disk; 0 for a log kept in memory
     */
    default long diskBytes() {
        return 0;
    }
}
