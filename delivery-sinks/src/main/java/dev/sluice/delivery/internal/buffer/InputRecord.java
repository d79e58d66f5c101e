package dev.sluice.delivery.internal.buffer;

import dev.sluice.transform.ProcessingResponse;
import dev.sluice.transform.ProcessingResult;
import dev.sluice.transform.SourceRecord;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One accepted input record and the bookkeeping that decides where it ended up.
 *
 * <p>Design note: identity, payload and metadata are immutable and published to the coordinator thread through its
 * event queue. The outcome fields ({@code remaining}, {@code anyFailed}, {@code anyDelivered}) are touched only by
 * the coordinator thread. {@code remaining} is the number of derived {@link Item}s (after fan-out) not yet final;
 * when it reaches zero the record is classified exactly once: error output if any part failed, delivered if any part
 * was delivered, dropped otherwise.
 */
public final class InputRecord {

    final long seq;
    /** The delivery stream's id prefix; the id is the prefix and {@code seq} in base 36, built when first asked. */
    private final String idPrefix;
    /** Built on first use by any thread; racing builders write equal strings, which are safely published. */
    private String recordId;
    final Instant arrival;
    /** The ticker reading at admission: buffer intervals count from here. */
    final long arrivalTick;
    final byte[] raw;
    final Optional<SourceRecord.KinesisRecordMetadata> kinesis;
    /** The exactly-once segment this record belongs to (set by the coordinator), or {@code null}. */
    Segment segment;

    int remaining;
    boolean anyFailed;
    boolean anyDelivered;
    /** Why the record goes straight to the error output without processing (over the size limit), or null. */
    public String rejection;
    /** Given back to its source partition unsealed (the partition was released): never final here. */
    boolean discarded;
    long budgetBytes;

    public InputRecord(long seq, String idPrefix, Instant arrival, long arrivalTick, byte[] raw,
                Optional<SourceRecord.KinesisRecordMetadata> kinesis) {
        this.arrivalTick = arrivalTick;
        this.seq = seq;
        this.idPrefix = idPrefix;
        this.arrival = arrival;
        this.raw = raw;
        this.kinesis = kinesis;
        this.budgetBytes = raw.length;
    }

    /**
     * The record's id: unique within the delivery stream, given to direct-put callers and transforms. Built lazily:
     * records from a source are never asked for theirs unless a transform or an error message needs it.
     *
     * @return the id
     */
    public String recordId() {
        String id = recordId;
        if (id == null) {
            id = idPrefix + Long.toString(seq, 36);
            recordId = id;
        }
        return id;
    }

    /**
     * Maps each processing result to the input it answers ({@code id} or a fan-out {@code id.n}), counting the
     * results per input in {@link #remaining}.
     *
     * @return the owner of each result, in result order; {@code null} for an id that matches no input
     */
    static List<InputRecord> owners(List<InputRecord> inputs, ProcessingResponse response) {
        Map<String, InputRecord> byId = new HashMap<>(inputs.size() * 2);
        for (InputRecord input : inputs) {
            byId.put(input.recordId(), input);
        }
        List<InputRecord> owners = new ArrayList<>(response.records().size());
        for (ProcessingResult result : response.records()) {
            String id = result.recordId();
            int dot = id.indexOf('.');
            InputRecord owner = byId.get(dot < 0 ? id : id.substring(0, dot));
            owners.add(owner);
            if (owner != null) {
                owner.remaining++;
            }
        }
        return owners;
    }

    public SourceRecord toSourceRecord() {
        return new SourceRecord(recordId(), arrival, java.nio.ByteBuffer.wrap(raw), kinesis);
    }
}
