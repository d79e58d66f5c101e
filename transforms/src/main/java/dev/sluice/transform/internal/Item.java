package dev.sluice.transform.internal;

import dev.sluice.transform.OtfMetadata;
import dev.sluice.transform.ProcessingResult;
import dev.sluice.transform.SourceRecord.KinesisRecordMetadata;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A record moving through a processor chain.
 *
 * <p>Design note: mutable and confined to one thread at a time (the thread running its chain); hand-off
 * between runner threads happens through the executor, which gives the needed happens-before edges. A 1:1
 * stage replaces {@link #data} in place and re-emits the same item, so the common path allocates nothing but
 * the new payload. Once {@link #terminal} is set the item is finished (dropped or failed) and later stages
 * skip it, keeping its position so results come out in input order.
 */
public final class Item {

    final String recordId;
    /** Index of the submitted record this item descends from, within its batch. */
    final int source;
    final Instant arrival;
    final Optional<KinesisRecordMetadata> metadata;
    byte[] data;
    /** {@code null} until a stage adds a key. */
    Map<String, String> partitionKeys;
    /** The function's otfMetadata; {@code null} when it returned none (the common case). */
    OtfMetadata otfMetadata;
    /** {@code null} while the item is live. */
    ProcessingResult terminal;

    Item(String recordId, int source, Instant arrival, Optional<KinesisRecordMetadata> metadata, byte[] data) {
        this.recordId = Objects.requireNonNull(recordId);
        this.source = source;
        this.arrival = Objects.requireNonNull(arrival);
        this.metadata = Objects.requireNonNull(metadata);
        this.data = Objects.requireNonNull(data);
    }

    /**
     * Creates the {@code index}-th record split from this one, with id {@code <recordId>.<index>}, the same
     * arrival time, metadata, partition keys and otfMetadata.
     */
    Item derive(int index, byte[] derivedData) {
        Item child = new Item(recordId + "." + index, source, arrival, metadata, derivedData);
        if (partitionKeys != null) {
            child.partitionKeys = new LinkedHashMap<>(partitionKeys);
        }
        child.otfMetadata = otfMetadata;
        return child;
    }

    void putPartitionKey(String key, String value) {
        if (partitionKeys == null) {
            partitionKeys = new LinkedHashMap<>(4);
        }
        partitionKeys.put(key, value);
    }

    /** The id the results report for this item. */
    public String recordId() {
        return recordId;
    }

    @Override
    public String toString() {
        return "Item[" + recordId + ", " + data.length + " bytes" + (terminal == null ? "" : ", " + terminal) + "]";
    }
}
