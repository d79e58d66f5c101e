package dev.sluice.delivery.internal.sink;

import dev.sluice.delivery.internal.buffer.Buffer;
import dev.sluice.delivery.internal.buffer.Item;
import dev.sluice.delivery.internal.buffer.Segment;
import dev.sluice.delivery.internal.encode.EarlyEncoding;
import dev.sluice.delivery.internal.encode.ObjectEncoder;
import dev.sluice.delivery.Sink;
import dev.sluice.delivery.SinkObject;
import dev.sluice.transform.OtfMetadata;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A sealed buffer on its way to a sink: its key, its items, and its retry state.
 *
 * <p>Design note: the key and request id are fixed at sealing, so every retry writes the same object. The encoded
 * bytes are computed once, on a delivery thread, and reused by retries; the field is written by the delivery thread
 * that encodes and read by later attempts, with the executor queue and the coordinator's event queue providing the
 * happens-before edges. Retry state is touched only by the coordinator thread.
 */
public final class ObjectJob {

    public final Buffer.Kind kind;
    public final String key;
    final String name;
    public final List<Item> items;
    public final long epoch;
    final String requestId;
    final boolean createIfAbsent;
    final Instant oldestArrival;
    public final Sink sink;
    final ObjectEncoder encoder;
    final Segment segment;
    public final List<String> values;
    final long sealedTick;

    /** The object encoded while its buffer filled, used by the first attempt; {@code null} without or after. */
    public EarlyEncoding early;
    public ObjectEncoder.Encoded encoded;
    /** Set at dispatch: the sink receives the encoder's rejected items ({@code SinkObject.conversionFailures}). */
    public boolean sinkTakesFailures;
    public int attempts;
    public long firstAttemptTick;
    public boolean conversionsCounted;
    /**
     * The buffer bytes this data object counts in the coordinator's sealed-data total; guarded by the coordinator's
     * sealed-data lock.
     */
    public long sealedBytes;
    /**
     * The buffer bytes this data object counts in the coordinator's total of objects an asynchronous sink holds
     * (moved there from {@link #sealedBytes} when the sink takes it); guarded by the coordinator's sealed-data lock.
     */
    public long inSinkBytes;

    public ObjectJob(Buffer.Kind kind, String key, String name, List<Item> items, long epoch, String requestId,
              boolean createIfAbsent, Instant oldestArrival, Sink sink, ObjectEncoder encoder, Segment segment,
              List<String> values, long sealedTick) {
        this.kind = kind;
        this.key = key;
        this.name = name;
        this.items = items;
        this.epoch = epoch;
        this.requestId = requestId;
        this.createIfAbsent = createIfAbsent;
        this.oldestArrival = oldestArrival;
        this.sink = sink;
        this.encoder = encoder;
        this.segment = segment;
        this.values = values;
        this.sealedTick = sealedTick;
    }

    /**
     * Encodes the items once (on the first attempt) and returns what the sink receives, or {@code null} when every
     * item was rejected by the encoder and there is nothing to write. Runs on a delivery thread.
     */
    public SinkObject encode() throws IOException {
        if (encoded == null) {
            EarlyEncoding started = early;
            early = null;
            if (started != null) {
                encoded = started.finish(items);
            }
            if (encoded == null) {
                encoded = encoder.encode(items, name);
            }
        }
        List<SinkObject.ConversionFailure> failures = List.of();
        if (sinkTakesFailures && !encoded.rejected().isEmpty()) {
            failures = new ArrayList<>(encoded.rejected().size());
            for (ObjectEncoder.Rejected rejected : encoded.rejected()) {
                failures.add(new SinkObject.ConversionFailure(java.nio.ByteBuffer.wrap(rejected.item().data),
                        rejected.errorCode().code(), rejected.errorMessage()));
            }
        }
        if (encoded.written().isEmpty() && failures.isEmpty()) {
            return null;
        }
        List<Item> written = encoded.written();
        boolean otf = false;
        for (Item item : written) {
            if (item.otfMetadata != null) {
                otf = true;
                break;
            }
        }
        return new SinkObject(key, encoded.bytes(), encoder.contentType(), new RecordViews(written),
                requestId, createIfAbsent, oldestArrival, otf ? otfMetadata(written) : List.of(), failures);
    }

    /** One entry per item, for objects where at least one item has otfMetadata (never on the common path). */
    private static List<Optional<OtfMetadata>> otfMetadata(List<Item> items) {
        List<Optional<OtfMetadata>> metadata = new ArrayList<>(items.size());
        for (Item item : items) {
            metadata.add(Optional.ofNullable(item.otfMetadata));
        }
        return metadata;
    }
}
