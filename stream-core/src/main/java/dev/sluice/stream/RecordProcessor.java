package dev.sluice.stream;

/**
 * Processes the records of a {@link ConsumerApplication} (KCL {@code ShardRecordProcessor}).
 *
 * <p>Thread-safety: one instance serves every shard of the application. It is called from the application's
 * threads ({@code sluice-consumer-<application>-<n>}), concurrently for different shards but never concurrently for
 * the same shard; calls for one shard happen one after another, each seeing the effects of the previous one.
 * {@link #shutdown(ShutdownInput)} for {@link ShutdownInput.Reason#REQUESTED} runs on the thread that calls
 * {@link ConsumerApplication#close()}, after every in-flight batch has finished.
 *
 * <p>Exceptions thrown by either method go to the application's {@link ConsumerExceptionHandler}; the shard keeps
 * its place.
 */
@FunctionalInterface
public interface RecordProcessor {

    /**
     * Processes one batch of a shard's records, in sequence order. A batch that throws is delivered again
     * (same records) if the handler says {@link ConsumerExceptionHandler.Action#RETRY}.
     *
     * @param input the records, the shard, its lag and a checkpointer
     */
    void processRecords(ProcessRecordsInput input);

    /**
     * Called once per shard when the application stops reading it: on {@link ConsumerApplication#close()} or at
     * the end of a closed shard. May checkpoint. Default: nothing.
     *
     * @param input the shard, the reason and a checkpointer
     */
    default void shutdown(ShutdownInput input) {
    }
}
