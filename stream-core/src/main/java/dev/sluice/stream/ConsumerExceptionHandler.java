package dev.sluice.stream;

/**
 * The one policy for failures of a {@link ConsumerApplication} (Disruptor {@code ExceptionHandler}): what happens
 * when a {@link RecordProcessor} throws, and where a shard that stops for good is reported. A shard never loses its
 * place: a retried batch is delivered again with the same records, and a stopped shard keeps its last checkpoint.
 *
 * <p>Retries wait on the engine's ticker: 100 ms after the first failure, doubling up to 10 s.
 *
 * <p>Thread-safety: called from the application's threads, concurrently for different shards; an implementation
 * shared between shards must be thread-safe. Exceptions it throws stop the shard.
 */
@FunctionalInterface
public interface ConsumerExceptionHandler {

    /** What to do with a batch whose processing threw. */
    enum Action {
        /** Deliver the same batch again after an exponential back-off. */
        RETRY,
        /** Stop processing the shard; the application's other shards go on. */
        STOP_SHARD
    }

    /**
     * Decides what happens after {@link RecordProcessor#processRecords} threw. Also called, with the action
     * ignored, when {@link RecordProcessor#shutdown} throws.
     *
     * @param failure the application, shard, attempt and exception
     * @return the action
     */
    Action onProcessorFailure(ConsumerFailure failure);

    /**
     * Reports a shard that stopped because reading it failed for good (the stream was deleted, the engine closed,
     * another non-retryable {@link StreamException}, or an unexpected failure outside the processor). Throttling and
     * other retryable read errors never come here: they are retried after a back-off. The shard's checkpoint is
     * kept. Default: nothing.
     *
     * @param failure the application, shard and the cause
     */
    default void onShardStopped(ConsumerFailure failure) {
    }

    /**
     * The default policy: retry every failed batch, forever, with back-off; nothing is skipped.
     *
     * @return a handler that always answers {@link Action#RETRY}
     */
    static ConsumerExceptionHandler retryForever() {
        return failure -> Action.RETRY;
    }

    /**
     * Stop a shard at its first processor failure.
     *
     * @return a handler that always answers {@link Action#STOP_SHARD}
     */
    static ConsumerExceptionHandler stopShard() {
        return failure -> Action.STOP_SHARD;
    }
}
