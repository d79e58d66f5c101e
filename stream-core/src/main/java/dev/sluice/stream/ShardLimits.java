package dev.sluice.stream;

import dev.sluice.stream.internal.KinesisLimits;

/**
 * Per-shard throughput limits of a stream. {@link #KINESIS} holds the Kinesis values and is the default;
 * a stream may be created with others, for example to model a design with different quotas.
 *
 * <p>Thread-safety: immutable.
 *
 * @param writeBytesPerSecond   bytes per second a shard accepts, partition keys included (Kinesis: 1 MiB)
 * @param writeRecordsPerSecond records per second a shard accepts (Kinesis: 1,000)
 * @param readBytesPerSecond    bytes per second GetRecords returns from a shard (Kinesis: 2 MiB)
 * @param readCallsPerSecond    GetRecords calls per second on a shard (Kinesis: 5)
 */
public record ShardLimits(long writeBytesPerSecond, int writeRecordsPerSecond, long readBytesPerSecond,
                          int readCallsPerSecond) {

    /** Largest byte rate a limit may be set to: 4 GiB/s (far beyond any real shard; keeps throttling arithmetic exact). */
    public static final long MAX_BYTES_PER_SECOND = 4L << 30;

    /** The Kinesis Data Streams limits: 1 MiB/s and 1,000 records/s in, 2 MiB/s and 5 calls/s out. */
    public static final ShardLimits KINESIS = new ShardLimits(KinesisLimits.SHARD_WRITE_BYTES_PER_SECOND,
            KinesisLimits.SHARD_WRITE_RECORDS_PER_SECOND, KinesisLimits.SHARD_READ_BYTES_PER_SECOND,
            KinesisLimits.SHARD_READ_CALLS_PER_SECOND);

    /**
     * Validates the limits.
     *
     * @throws StreamException {@link ErrorCode#INVALID_ARGUMENT} if a limit is not positive or above {@link #MAX_BYTES_PER_SECOND}, or the
     *                                  write byte limit is below the 1 MiB largest record (such a shard could
     *                                  never accept one)
     */
    public ShardLimits {
        if (writeBytesPerSecond < KinesisLimits.MAX_RECORD_BYTES || writeBytesPerSecond > MAX_BYTES_PER_SECOND) {
            throw new StreamException(ErrorCode.INVALID_ARGUMENT, "writeBytesPerSecond must be in [" + KinesisLimits.MAX_RECORD_BYTES
                    + " (one maximum-size record), " + MAX_BYTES_PER_SECOND + "] but was " + writeBytesPerSecond);
        }
        positive("writeRecordsPerSecond", writeRecordsPerSecond);
        if (readBytesPerSecond < 1 || readBytesPerSecond > MAX_BYTES_PER_SECOND) {
            throw new StreamException(ErrorCode.INVALID_ARGUMENT, "readBytesPerSecond must be in [1, " + MAX_BYTES_PER_SECOND + "] but was "
                    + readBytesPerSecond);
        }
        positive("readCallsPerSecond", readCallsPerSecond);
    }

    private static void positive(String field, int value) {
        if (value < 1) {
            throw new StreamException(ErrorCode.INVALID_ARGUMENT, field + " must be >= 1 but was " + value);
        }
    }
}
