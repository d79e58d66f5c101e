package dev.sluice.delivery.internal.buffer;

import dev.sluice.delivery.internal.encode.EarlyEncoding;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One open buffer: the items of one partition (or one error-output type, or the backup) waiting to become an
 * object.
 *
 * <p>Design note: confined to the coordinator thread. {@code epoch} is the smallest flush epoch of its items, so a
 * pending {@code flush()} knows whether it must wait for this buffer.
 */
public final class Buffer {

    public enum Kind { DATA, ERROR, BACKUP }

    /**
     * What identifies a buffer.
     *
     * @param kind data, error output or backup
     * @param segment the exactly-once segment, or {@code null} for direct put
     * @param values partition-key values (data) or the error output type (error)
     * @param timePrefix the evaluated prefix when prefixes use event time, else empty
     */
    record Id(Kind kind, Segment segment, List<String> values, String timePrefix) {
    }

    final Id id;
    final List<Item> items = new ArrayList<>();
    long openedTick;
    long epoch;
    final Map<String, String> keys;
    final Instant eventTime;
    long bytes;
    Instant oldestArrival;
    /** A data buffer's object encoded while it fills, once it is large enough; {@code null} before or without. */
    EarlyEncoding early;

    Buffer(Id id, long openedTick, long epoch, Map<String, String> keys, Instant eventTime) {
        this.id = id;
        this.openedTick = openedTick;
        this.epoch = epoch;
        this.keys = keys;
        this.eventTime = eventTime;
    }

    /** Restarts the buffer's interval after a failed seal, so sealing is tried again one interval later. */
    void reopen(long now) {
        openedTick = now;
    }

    void add(Item item, long itemEpoch) {
        items.add(item);
        epoch = Math.min(epoch, itemEpoch);
        bytes += item.data.length;
        if (oldestArrival == null || item.input.arrival.isBefore(oldestArrival)) {
            oldestArrival = item.input.arrival;
        }
    }
}
