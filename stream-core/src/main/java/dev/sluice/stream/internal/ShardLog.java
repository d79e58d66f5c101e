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
     * @return what was released, {@link Dropped#NOTHING} if nothing
     */
    Dropped expireBefore(long cutoffMillis);

    /**
     * Returns the oldest unit of storage (a block in memory, a file on disk) that the writer has moved past: what
     * {@link #trimOldest} would drop next.
     *
     * @return the unit, or {@code null} if every record is in the unit being written
     */
    Dropped oldestTrimmable();

    /**
     * Drops the oldest unit that the writer has moved past, if its newest record's counter is at most
     * {@code maxLastSequence}. Readers positioned in it continue at the next retained record.
     *
     * @param maxLastSequence the newest counter the unit may hold ({@link Long#MAX_VALUE}: any)
     * @return what was dropped, {@link Dropped#NOTHING} if nothing
     */
    Dropped trimOldest(long maxLastSequence);

    /**
     * Returns the bytes (data and keys) of retained records whose counter is at most {@code sequence}: what a reader
     * that processed the shard up to {@code sequence} no longer needs.
     *
     * @param sequence a sequence counter
     * @return bytes, at most {@link #retainedBytes()}
     */
    long retainedBytesThrough(long sequence);

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

    /**
     * A unit of storage, or a sum of units, released or about to be.
     *
     * @param records           records in it
     * @param bytes             data and key bytes of those records
     * @param firstArrivalMillis arrival time of its oldest record (for choosing the oldest unit)
     * @param lastSequence      counter of its newest record
     */
    record Dropped(long records, long bytes, long firstArrivalMillis, long lastSequence) {

        /** Nothing released. */
        static final Dropped NOTHING = new Dropped(0, 0, Long.MAX_VALUE, -1);

        boolean isEmpty() {
            return records == 0 && bytes == 0;
        }

        /** The sum of two releases. */
        Dropped plus(Dropped other) {
            return other.isEmpty() ? this : isEmpty() ? other : new Dropped(records + other.records, bytes + other.bytes,
                    Math.min(firstArrivalMillis, other.firstArrivalMillis), Math.max(lastSequence, other.lastSequence));
        }
    }
}
