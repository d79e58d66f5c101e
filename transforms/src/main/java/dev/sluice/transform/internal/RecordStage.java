package dev.sluice.transform.internal;

/**
 * One built-in processing step: a record in, zero or more records out, or a failure for that record.
 *
 * <p>Design note: implementations are immutable and thread-safe (the runner applies one stage from several
 * threads at once). They report bad input through {@link StageOutput#fail}, never by throwing; an unexpected
 * {@code RuntimeException} is still caught by the chain and turned into {@code InternalFailure} for the one
 * record, so a defect cannot lose records or kill a runner thread.
 */
public interface RecordStage {

    /**
     * Processes one live item: emit it (changed in place) or derived items, emit nothing to drop it, or fail it.
     *
     * @param item the item; owned by the calling thread for the duration of the call
     * @param out where outputs and failures go
     */
    void apply(Item item, StageOutput out);

    /**
     * Returns whether this stage may emit more than one item per input.
     *
     * @return {@code true} for fan-out stages
     */
    default boolean fansOut() {
        return false;
    }
}
