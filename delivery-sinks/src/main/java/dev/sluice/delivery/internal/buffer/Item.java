package dev.sluice.delivery.internal.buffer;

import dev.sluice.transform.OtfMetadata;

import java.util.Map;

/**
 * One processed record on its way to an object: destination data, error-output envelope or backup copy.
 *
 * <p>Design note: immutable. Owned by the coordinator thread while buffered and by one delivery thread while its
 * object is encoded and written; the hand-over goes through the executor's queue.
 */
public final class Item {

    final InputRecord input;
    public final byte[] data;
    final Map<String, String> partitionKeys;
    /** The transformation's otfMetadata (Iceberg table and operation); {@code null} when none (the common case). */
    public final OtfMetadata otfMetadata;

    Item(InputRecord input, byte[] data, Map<String, String> partitionKeys) {
        this(input, data, partitionKeys, null);
    }

    Item(InputRecord input, byte[] data, Map<String, String> partitionKeys, OtfMetadata otfMetadata) {
        this.input = input;
        this.data = data;
        this.partitionKeys = partitionKeys;
        this.otfMetadata = otfMetadata;
    }
}
