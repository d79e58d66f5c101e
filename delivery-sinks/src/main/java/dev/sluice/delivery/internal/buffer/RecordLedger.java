package dev.sluice.delivery.internal.buffer;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Where every accepted record ended up: the counters behind {@code DeliveryStats}, the memory to give back, and the
 * moment a record's exactly-once segment is complete.
 *
 * <p>Design note: written by the coordinator thread only; the counters are atomics so that {@code stats()} can read
 * them from any thread. A record is classified exactly once, when its last derived item is final: error output if
 * any part failed, delivered if any part was delivered, dropped otherwise; or released, when its source partition
 * was given up before it was sealed.
 */
final class RecordLedger {

    enum Outcome { DELIVERED, DROPPED, ERROR_OUTPUT }

    final AtomicLong delivered = new AtomicLong();
    final AtomicLong dropped = new AtomicLong();
    final AtomicLong errorOutput = new AtomicLong();
    final AtomicLong released = new AtomicLong();
    final AtomicLong deliveredObjects = new AtomicLong();
    final AtomicLong errorObjects = new AtomicLong();
    final AtomicLong backedUp = new AtomicLong();
    /** Budget bytes of records that became final, returned to the budget once per loop turn. */
    private long releasable;

    /** One of the record's items is final. */
    void itemFinal(InputRecord input, Outcome outcome) {
        if (input.discarded) {
            return;
        }
        if (outcome == Outcome.ERROR_OUTPUT) {
            input.anyFailed = true;
        } else if (outcome == Outcome.DELIVERED) {
            input.anyDelivered = true;
        }
        if (--input.remaining > 0) {
            return;
        }
        if (input.anyFailed) {
            errorOutput.incrementAndGet();
        } else if (input.anyDelivered) {
            delivered.incrementAndGet();
        } else {
            dropped.incrementAndGet();
        }
        releasable += input.budgetBytes;
        Segment segment = input.segment;
        if (segment != null && --segment.pendingInputs == 0 && segment.sealed) {
            segment.listener.committed(segment);
        }
    }

    /** The record goes back to its source partition unsealed: never final here. */
    void discard(InputRecord input) {
        if (input.discarded) {
            return;
        }
        input.discarded = true;
        input.remaining = 0;
        releasable += input.budgetBytes;
        released.incrementAndGet();
    }

    /** Returns the memory freed since the last call. */
    long takeReleasable() {
        long bytes = releasable;
        releasable = 0;
        return bytes;
    }
}
