package dev.sluice.transform.internal;

import dev.sluice.transform.ErrorCode;
import dev.sluice.transform.ProcessingResult;

import java.util.List;

/**
 * Collects what one stage produced for one input item, so a failure discards any partial output and the
 * input fails as a whole.
 *
 * <p>Design note: one instance per chain pass, reused item after item by a single thread. {@link #begin}
 * remembers where the item's outputs start in the next list; {@link #fail} truncates back to that mark and
 * appends the failed item in its place.
 */
public final class StageOutput {

    private List<Item> next;
    private Item current;
    private int mark;
    private boolean failed;

    void begin(Item item, List<Item> nextItems) {
        this.current = item;
        this.next = nextItems;
        this.mark = nextItems.size();
        this.failed = false;
    }

    /** Appends an output of the current item (the item itself after an in-place change, or a derived one). */
    public void emit(Item output) {
        if (!failed) {
            next.add(output);
        }
    }

    /**
     * Fails the current item. The message is prefixed with the record id.
     *
     * @param item the item being processed
     * @param code the record-level code
     * @param problem what is wrong with the data, without the record id
     */
    public void fail(Item item, ErrorCode code, String problem) {
        if (failed) {
            return;
        }
        failed = true;
        next.subList(mark, next.size()).clear();
        item.terminal = new ProcessingResult.ProcessingFailed(item.recordId, code,
                "record '" + item.recordId + "': " + problem);
        next.add(item);
    }

    /** Drops the current item when the stage emitted nothing and did not fail. */
    void end() {
        if (!failed && next.size() == mark) {
            current.terminal = new ProcessingResult.Dropped(current.recordId);
            next.add(current);
        }
        current = null;
    }
}
