package dev.sluice.stream;

/**
 * What a stream does when a put would take the bytes it retains over a byte limit: the stream's own
 * {@link CreateStreamRequest#retentionBytes() retentionBytes}, or, with in-memory storage, the engine's
 * {@link Storage.InMemory#maxRetainedBytes() maxRetainedBytes} shared by all its streams. A Sluice extension:
 * Kinesis retains by time only. Time retention applies under every policy.
 *
 * <p>Bytes are the records' data plus partition keys, as {@code IncomingBytes} counts them. Records are dropped a
 * whole storage unit at a time, oldest first: in memory a block (at most 1,024 records or about 1 MiB), on disk a
 * file (an hour of records, or a minute for a stream created with {@code retentionBytes}). The unit a shard is
 * writing into is never dropped. A reader whose position was dropped continues at the trim horizon, as after expiry.
 *
 * <p>Readers that must not lose records register with {@link StreamEngine#registerReader} and checkpoint; consumer
 * applications and enhanced fan-out consumers do it themselves. Readers that do not register are not protected.
 *
 * <p>Thread-safety: immutable.
 */
public enum OverflowPolicy {
    /**
     * Lossy, like Kafka's {@code retention.bytes}: the stream's oldest records are dropped to make room, whether or
     * not anyone read them, and the put succeeds. A stream's retained bytes stay within its limit plus the unit each
     * shard is writing into. At the engine's memory limit, when its own oldest records are not enough, a put is
     * refused as under {@link #REJECT}.
     */
    TRIM_OLDEST,
    /**
     * Lossless (the default): only records that every registered reader has checkpointed are dropped; when that is not
     * enough, the put fails with {@link ErrorCode#PROVISIONED_THROUGHPUT_EXCEEDED} (retryable) naming the limit, and
     * within a PutRecords call only that shard's entries from that one on fail. Bytes not yet checkpointed by every
     * registered reader never exceed the limit (to within one PutRecords call per writer thread).
     */
    REJECT,
    /**
     * Lossless: as {@link #REJECT}, but the put waits for room (readers checkpointing, time retention expiring records)
     * up to the engine's {@linkplain StreamEngine.Builder#blockTimeout block timeout}, then fails as under
     * {@link #REJECT}. Entries for one shard keep their order.
     */
    BLOCK
}
