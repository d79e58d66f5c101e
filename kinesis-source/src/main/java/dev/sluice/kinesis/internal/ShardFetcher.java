package dev.sluice.kinesis.internal;

/**
 * How the reader gets a shard's records: GetRecords polling or SubscribeToShard. Every method runs on the reader
 * thread.
 */
interface ShardFetcher {

    /** Runs once before any shard is read; may wait (enhanced fan-out finds or registers its consumer). */
    default void prepare() {
    }

    /** Starts the next read of an open shard that is due and has nothing in flight. */
    void fetch(ShardState shard);

    /** Called on every turn of the reader loop for a shard with a read in flight, with the ticker's time. */
    default void watch(ShardState shard, long nowNanos) {
    }

    /**
     * After a ResourceNotFoundException on a stream that still exists: whether this fetcher's own resource is
     * there too. Ends reading (by throwing) when it is gone for good.
     *
     * @return {@code false} when that could not be told now
     */
    default boolean stillThere(Throwable notFound) {
        return true;
    }

    /** Cancels what is in flight for the shard; the source is closing. */
    void cancel(ShardState shard);
}
