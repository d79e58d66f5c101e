package dev.sluice.transform.internal;

import dev.sluice.transform.ErrorCode;
import dev.sluice.transform.ProcessingResponse;
import dev.sluice.transform.ProcessingResult;
import dev.sluice.transform.SourceRecord;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The records of one {@code submit} call and the future that answers it.
 *
 * <p>Design note: each record's results are set exactly once with a compare-and-set, so a batch that finishes
 * after a forced close (or a failure path racing a normal one) cannot duplicate or overwrite an outcome. The
 * write of a slot happens-before the decrement of {@link #remaining}, so whoever observes zero sees every slot.
 */
final class Submission {

    final List<SourceRecord> records;
    final CompletableFuture<ProcessingResponse> future = new CompletableFuture<>();
    private final AtomicReferenceArray<List<ProcessingResult>> slots;
    private final AtomicInteger remaining;

    Submission(List<SourceRecord> records) {
        this.records = records;
        this.slots = new AtomicReferenceArray<>(records.size());
        this.remaining = new AtomicInteger(records.size());
    }

    /** Sets the results of record {@code index} unless already set; returns whether this call set them. */
    boolean resolve(int index, List<ProcessingResult> results) {
        if (slots.compareAndSet(index, null, results)) {
            remaining.decrementAndGet();
            return true;
        }
        return false;
    }

    boolean isResolved() {
        return remaining.get() == 0;
    }

    /** Fails every record that has no results yet. */
    void failUnresolved(ErrorCode code, String problem) {
        for (int i = 0; i < records.size(); i++) {
            String id = records.get(i).recordId();
            resolve(i, List.of(new ProcessingResult.ProcessingFailed(id, code, "record '" + id + "': " + problem)));
        }
    }

    /** Completes the future with all results in record order. Call only once {@link #isResolved()}. */
    void complete() {
        List<ProcessingResult> all = new ArrayList<>(records.size());
        for (int i = 0; i < records.size(); i++) {
            all.addAll(slots.get(i));
        }
        future.complete(new ProcessingResponse(all));
    }
}
