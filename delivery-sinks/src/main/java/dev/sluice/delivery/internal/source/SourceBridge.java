package dev.sluice.delivery.internal.source;

import dev.sluice.delivery.internal.DeliveryCore;
import dev.sluice.delivery.internal.Settings;
import dev.sluice.delivery.CheckpointStore;
import dev.sluice.delivery.DeliveryException;
import dev.sluice.delivery.DeliveryStream;
import dev.sluice.delivery.ErrorCode;
import dev.sluice.delivery.PutRecordBatchResponseEntry;
import dev.sluice.delivery.SourceContext;
import dev.sluice.delivery.SourceEntry;
import dev.sluice.transform.SourceRecord;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The {@link SourceContext} a delivery stream gives its source.
 *
 * <p>Design note: thread-safe. Partition state lives in {@link SourcePartition}s on the coordinator thread; this class
 * keeps only which ledger is current for each open partition and the last position accepted for it. Open loads a
 * fresh ledger on the caller's thread (it reaches the coordinator with the partition's first batch). Drain and
 * release travel to the coordinator through {@link DeliveryCore#postInOrder}, behind every batch accepted before
 * them, so a release discards exactly the records handed over before it, and a later open starts a new ledger.
 */
public final class SourceBridge implements SourceContext {

    /** Sealed, unwritten data objects (full buffers) per delivery thread before a source stops reading. */
    static final long READ_AHEAD_OBJECTS = 2;
    /**
     * Data objects (full buffers) per delivery thread that an asynchronous sink may hold, waiting for their commits,
     * before a source stops reading: objects that wait for a shared commit (an Iceberg table's commits start at least
     * its minimum commit interval apart) must not stall the source, or the commits would share nothing.
     */
    static final long IN_SINK_OBJECTS = 2 * READ_AHEAD_OBJECTS;

    private final DeliveryCore core;
    private final CheckpointStore store;
    private final Settings settings;
    private final Map<String, SourcePartition> open = new ConcurrentHashMap<>();
    private final Map<String, String> lastAccepted = new ConcurrentHashMap<>();
    /**
     * Per partition, completed when the coordinator has taken the partition's last accepted batch into its buffers:
     * the next read waits for it, so that a source is never more than one batch ahead of the coordinator and the
     * read-ahead bound sees every object that batch sealed.
     */
    private final Map<String, CompletableFuture<Void>> lastReached = new ConcurrentHashMap<>();

    /**
     * Binds a source's store to a delivery stream.
     *
     * @param core the delivery stream's machinery
     * @param store the source's checkpoint store
     */
    public SourceBridge(DeliveryCore core, CheckpointStore store) {
        this.core = core;
        this.store = store;
        this.settings = core.settings();
    }

    @Override
    public Optional<String> open(String partition) {
        if (partition == null || partition.isEmpty() || partition.length() > 256) {
            throw new DeliveryException(ErrorCode.INVALID_ARGUMENT, "partition must be 1 to 256 characters but was "
                    + (partition == null ? "null" : "'" + partition + "'"));
        }
        if (open.containsKey(partition)) {
            String last = lastAccepted.get(partition);
            return last != null ? Optional.of(last) : open.get(partition).checkpoint();
        }
        // Loaded on the caller's thread: a source whose store needs its own thread (Kafka's consumer) can open
        // partitions without waiting for the coordinator, which may itself be waiting for that store.
        SourcePartition state = new SourcePartition(partition, store, core.coordinator()::checkpointUnstored);
        open.put(partition, state);
        return state.checkpoint();
    }

    /**
     * Bytes of sealed data objects not yet written at which a source stops reading: {@link #READ_AHEAD_OBJECTS}
     * full buffers per delivery thread, so the threads always have an object to write next while the source's
     * records wait in the stream (or Kafka), not in the heap, behind a slow destination. Measured with
     * {@code IcebergDeliveryHarness}: reading up to the whole memory budget ahead spent a large share of the run in
     * young-generation pauses copying records that were waiting for their writes.
     */
    private long readAheadBytes() {
        return READ_AHEAD_OBJECTS * settings.deliveryThreads() * settings.bufferSizeBytes();
    }

    /** Bytes of data objects an asynchronous sink holds at which a source stops reading: {@link #IN_SINK_OBJECTS}. */
    private long inSinkBytes() {
        return IN_SINK_OBJECTS * settings.deliveryThreads() * settings.bufferSizeBytes();
    }

    @Override
    public boolean put(String partition, List<SourceEntry> records, Duration maxWait) {
        SourcePartition state = open.get(partition);
        if (state == null) {
            throw new DeliveryException(ErrorCode.INVALID_ARGUMENT, "partition " + partition + " is not open in"
                    + " delivery stream " + settings.name() + "; call open first");
        }
        if (records.isEmpty()) {
            return true;
        }
        List<byte[]> data = new ArrayList<>(records.size());
        List<SourceRecord.KinesisRecordMetadata> metadata = new ArrayList<>(records.size());
        for (int i = 0; i < records.size(); i++) {
            SourceEntry entry = records.get(i);
            data.add(entry.data());
            metadata.add(new SourceRecord.KinesisRecordMetadata(partition, entry.key().orElse(""),
                    entry.timestamp(), entry.position(), 0));
        }
        Duration wait = maxWait.compareTo(settings.putTimeout()) < 0 ? maxWait : settings.putTimeout();
        long waitStart = System.nanoTime();
        try {
            CompletableFuture<Void> previous = lastReached.get(partition);
            if (previous != null) {
                try {
                    previous.get(wait.toNanos(), TimeUnit.NANOSECONDS);
                } catch (TimeoutException behind) {
                    return false;
                } catch (ExecutionException impossible) {
                    // Only ever completed normally.
                }
            }
            long waited = System.nanoTime() - waitStart;
            if (!core.coordinator().awaitSealedDataBelow(readAheadBytes(), inSinkBytes(),
                    Math.max(0, wait.toNanos() - waited))) {
                return false;
            }
        } catch (InterruptedException e) {
            // As an interrupted wait for memory in core.put: the source learns why, not just "later".
            Thread.currentThread().interrupt();
            throw new DeliveryException(ErrorCode.SERVICE_UNAVAILABLE, "interrupted while waiting for the"
                    + " destination of delivery stream " + settings.name() + " to catch up", e);
        }
        // One maxWait in all: what waiting for the destination left of it goes to waiting for memory.
        Duration left = wait.minusNanos(Math.min(wait.toNanos(), System.nanoTime() - waitStart));
        List<PutRecordBatchResponseEntry> results = core.put(data, metadata, state, left,
                DeliveryStream.MAX_RECORD_BYTES);
        if (!results.get(0).isSuccessful()) {
            return false;
        }
        lastAccepted.put(partition, records.get(records.size() - 1).position());
        CompletableFuture<Void> reached = new CompletableFuture<>();
        core.postInOrder(() -> reached.complete(null));
        lastReached.put(partition, reached);
        return true;
    }

    @Override
    public boolean drain(Collection<String> partitions, Duration timeout) {
        List<SourcePartition> states = new ArrayList<>();
        for (String partition : partitions) {
            SourcePartition state = open.get(partition);
            if (state != null) {
                states.add(state);
            }
        }
        if (states.isEmpty()) {
            return true;
        }
        CompletableFuture<Void> done = new CompletableFuture<>();
        core.postInOrder(() -> core.coordinator().drain(states, done));
        try {
            done.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (ExecutionException e) {
            throw new DeliveryException(ErrorCode.INTERNAL_FAILURE, "draining " + partitions + " failed",
                    e.getCause());
        }
    }

    @Override
    public void release(Collection<String> partitions) {
        for (String partition : partitions) {
            SourcePartition state = open.remove(partition);
            lastAccepted.remove(partition);
            lastReached.remove(partition);
            if (state != null) {
                core.postInOrder(() -> core.coordinator().release(state));
            }
        }
    }

    @Override
    public void failed(DeliveryException failure) {
        core.sourceFailed(failure);
    }

    @Override
    public long nanoTime() {
        return settings.ticker().read();
    }
}
