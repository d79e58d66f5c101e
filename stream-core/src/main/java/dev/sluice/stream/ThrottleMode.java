package dev.sluice.stream;

/**
 * What happens when a put or a read exceeds a shard's limits.
 *
 * <p>Thread-safety: immutable.
 */
public enum ThrottleMode {
    /**
     * As Kinesis does (the default): the put or GetRecords call fails with
     * {@link ErrorCode#PROVISIONED_THROUGHPUT_EXCEEDED}; inside PutRecords only the throttled entries fail
     * while the others succeed.
     */
    REJECT,
    /**
     * Back-pressure: the call waits until the shard has capacity, up to the engine's block timeout, then
     * fails with {@link ErrorCode#PROVISIONED_THROUGHPUT_EXCEEDED}. Within one PutRecords call, entries for a
     * shard keep their order: once one waits, the later ones for that shard wait behind it.
     */
    BLOCK,
    /**
     * No throughput limits are enforced; for benchmarks of the engine itself. Byte limits (a stream's
     * {@link CreateStreamRequest#retentionBytes() retentionBytes}, in-memory storage's memory limit) still are.
     */
    OFF
}
