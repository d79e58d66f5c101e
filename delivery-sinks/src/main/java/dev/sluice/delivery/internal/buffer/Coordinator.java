package dev.sluice.delivery.internal.buffer;

import dev.sluice.delivery.internal.DeliveryMeters;
import dev.sluice.delivery.internal.Settings;
import dev.sluice.delivery.internal.encode.EarlyEncoding;
import dev.sluice.delivery.internal.encode.ObjectEncoder;
import dev.sluice.delivery.internal.encode.ParquetEncoder;
import dev.sluice.delivery.internal.sink.ObjectWrites;
import dev.sluice.delivery.internal.sink.ObjectJob;
import dev.sluice.delivery.internal.sink.ObjectNames;
import dev.sluice.delivery.internal.sink.PrefixTemplate;
import dev.sluice.delivery.internal.source.SourcePartition;
import dev.sluice.delivery.DeliveryException;
import dev.sluice.delivery.DeliveryStats;
import dev.sluice.delivery.ErrorCode;
import dev.sluice.delivery.SinkObject;
import dev.sluice.delivery.SinkOutcome;
import dev.sluice.delivery.SinkResult;
import dev.sluice.transform.ProcessingResponse;
import dev.sluice.transform.ProcessingResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The delivery loop: routing of processed records to per-partition buffers and exactly-once segments, sealing by
 * size, interval, memory pressure and flush, naming each sealed buffer's object, the outcomes of its writes, source
 * partitions given up or drained, and the loop itself. Two parts live beside it: {@link RecordLedger} (where every
 * record ended up) and {@link ObjectWrites} (dispatch and retry on the delivery threads).
 *
 * <p>Design note: everything here runs on one thread, {@code sluice-delivery-<stream>-0}; other threads talk to it
 * only through {@link #post}. That single-writer rule is what keeps the accounting simple: an item becomes final
 * exactly once, in {@link RecordLedger#itemFinal}, and a record when its last item does. Time-based work
 * (intervals, retry back-off, put deadlines) reads the injected ticker; while anything is timed the loop re-reads it
 * at least every {@link #TICK_NANOS} of real time, so a manual clock drives it in tests.
 *
 * <p>Flush: see {@link FlushEpochs}. A flush marker seals every open buffer; error envelopes of items that fail
 * later keep their object's epoch and are sealed as soon as a flush waits for them.
 *
 * <p>Failures: a destination write that fails is retried until the retry duration, then its records go to the error
 * output as envelopes; error-output and backup writes are retried for ever (Firehose blocks the same way), so a
 * record is never dropped silently. Anything thrown by sink code is caught and treated as a failed attempt; anything
 * thrown while sealing keeps the records (error output for data, the buffer kept for the others).
 */
public final class Coordinator {

    static final long TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(2);
    static final long IDLE_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
    /** Ticker time between retries of a refused checkpoint store (see {@link #checkpointUnstored}). */
    static final long CHECKPOINT_RETRY_NANOS = TimeUnit.MILLISECONDS.toNanos(500);
    private static final Logger LOG = LoggerFactory.getLogger(Coordinator.class);
    private static final PrefixTemplate FALLBACK_ERROR_PREFIX = PrefixTemplate.errorPrefix("errorOutputPrefix", "");
    private static final PrefixTemplate FALLBACK_BACKUP_PREFIX = PrefixTemplate.backupPrefix("");

    private final Settings settings;
    private final DeliveryMeters meters;
    private final MemoryBudget budget;
    private final ObjectEncoder dataEncoder;
    /** The data sink encodes through {@code Sink.parquetContent} and takes the records its conversion rejects. */
    private final boolean sinkTakesFailures;
    private final ObjectEncoder errorEncoder;
    private final ObjectEncoder backupEncoder;
    private final Partitioner partitioner;
    private final Segments segments;
    private final long intervalNanos;
    private final LinkedBlockingQueue<Runnable> events = new LinkedBlockingQueue<>();
    private final Map<Buffer.Id, Buffer> open = new LinkedHashMap<>();
    private final FlushEpochs epochs = new FlushEpochs();
    private final Thread thread;
    private int dataPartitions;
    private volatile boolean stopping;
    /** Source partitions whose moved checkpoint the store refused; coordinator thread only. */
    private final Set<SourcePartition> unstoredCheckpoints = new LinkedHashSet<>();
    private long nextCheckpointRetry;

    private final RecordLedger ledger = new RecordLedger();
    private final ObjectWrites writes;
    /**
     * Bytes of the data objects sealed and not yet written (nor given up to the error output, nor taken by an
     * asynchronous sink): what a source's read-ahead is bounded by ({@link #awaitSealedDataBelow}). Guarded by
     * {@link #sealedDataLock}; changed on this thread and, when a sink takes an object, on its delivery thread.
     */
    private long sealedDataBytes;
    /**
     * Bytes of the data objects an asynchronous sink took and has not completed (an Iceberg table's objects waiting
     * for their commit): bounded for sources by an allowance of their own ({@link #awaitSealedDataBelow}). Guarded by
     * {@link #sealedDataLock}.
     */
    private long inSinkBytes;
    private final Object sealedDataLock = new Object();
    private final Executor deliveryThreads;
    /** Drains waiting for their partitions' sealed segments to be committed. */
    private final List<Drain> drains = new ArrayList<>();

    private record Drain(List<SourcePartition> partitions, CompletableFuture<Void> done) {
    }

    /**
     * Creates the loop; {@link #start} starts its thread.
     *
     * @param deliveryThreads runs object writes
     */
    public Coordinator(Settings settings, Executor deliveryThreads, DeliveryMeters meters, MemoryBudget budget,
                ObjectEncoder dataEncoder, ObjectEncoder errorEncoder, ObjectEncoder backupEncoder) {
        this.settings = settings;
        this.deliveryThreads = deliveryThreads;
        this.writes = new ObjectWrites(settings.name(), deliveryThreads, new ObjectWrites.Outcomes() {
            @Override
            public void committed(ObjectJob job, SinkOutcome outcome) {
                post(() -> Coordinator.this.committed(job, outcome));
            }

            @Override
            public void failed(ObjectJob job, Throwable cause) {
                post(() -> Coordinator.this.failed(job, cause));
            }

            @Override
            public void inSink(ObjectJob job) {
                if (job.kind == Buffer.Kind.DATA) {
                    takenBySink(job);
                }
            }
        }, settings.retryBackoff(), settings.retryDuration());
        this.meters = meters;
        this.budget = budget;
        this.dataEncoder = dataEncoder;
        this.sinkTakesFailures = settings.sink().parquetContent().isPresent();
        this.errorEncoder = errorEncoder;
        this.backupEncoder = backupEncoder;
        this.segments = new Segments(settings.bufferSizeBytes());
        this.partitioner = new Partitioner(settings.prefix(), settings.eventTime().isPresent());
        this.intervalNanos = settings.bufferInterval().toNanos();
        this.thread = new Thread(this::loop, "sluice-delivery-" + settings.name() + "-0");
        this.thread.setDaemon(true);
    }

    /** The record counters, readable from any thread. */
    public DeliveryStats stats(long incomingRecords, long incomingBytes) {
        return new DeliveryStats(incomingRecords, incomingBytes, ledger.delivered.get(), ledger.dropped.get(),
                ledger.errorOutput.get(), ledger.deliveredObjects.get(), ledger.errorObjects.get(),
                ledger.backedUp.get(), ledger.released.get());
    }

    public void start() {
        thread.start();
    }

    public void post(Runnable event) {
        events.add(event);
    }

    /** Ends the loop once its queue is empty; close calls it after draining (or giving up on) the records. */
    public void stop() throws InterruptedException {
        stopping = true;
        post(() -> { });
        thread.join(TimeUnit.SECONDS.toMillis(10));
    }

    // ----- inputs

    /** Accepts processed records (direct put or stream); {@code response} is null when there is no processor. */
    public void accept(List<InputRecord> inputs, ProcessingResponse response, Segment.Listener listener) {
        if (listener instanceof SourcePartition partition && partition.released) {
            for (InputRecord input : inputs) {
                ledger.discard(input);
            }
            return;
        }
        if (settings.backupPrefix().isPresent()) {
            for (InputRecord input : inputs) {
                Buffer.Id id = new Buffer.Id(Buffer.Kind.BACKUP, null, List.of(), "");
                add(id, new Item(input, input.raw, Map.of()), Map.of(), null);
            }
        }
        if (response == null) {
            for (InputRecord input : inputs) {
                segments.assign(input, listener);
                input.remaining = 1;
                if (input.rejection != null) {
                    toError(new Item(input, input.raw, Map.of()), ErrorEnvelopes.PROCESSING_FAILED, 1,
                            ErrorCode.VALIDATION.code(), input.rejection, epochs.current(), List.of());
                } else {
                    route(new Item(input, input.raw, Map.of()));
                }
            }
        } else {
            List<InputRecord> owners = InputRecord.owners(inputs, response);
            for (InputRecord input : inputs) {
                segments.assign(input, listener);
                if (input.remaining == 0) {
                    input.remaining = 1;
                    boolean rejected = input.rejection != null;
                    toError(new Item(input, input.raw, Map.of()), ErrorEnvelopes.PROCESSING_FAILED, 1,
                            (rejected ? ErrorCode.VALIDATION : ErrorCode.INTERNAL_FAILURE).code(),
                            rejected ? input.rejection : "processing returned no result for record " + input.recordId(),
                            epochs.current(), List.of());
                }
            }
            for (int i = 0; i < owners.size(); i++) {
                InputRecord owner = owners.get(i);
                if (owner == null) {
                    LOG.error("delivery stream {}: processing returned unknown record id {}; ignored",
                            settings.name(), response.records().get(i).recordId());
                    continue;
                }
                ProcessingResult result = response.records().get(i);
                if (result instanceof ProcessingResult.Ok ok) {
                    ByteBuffer view = ok.data();
                    byte[] data = new byte[view.remaining()];
                    view.get(data);
                    budget.add(data.length);
                    owner.budgetBytes += data.length;
                    route(new Item(owner, data, ok.partitionKeys(), ok.otfMetadata().orElse(null)));
                } else if (result instanceof ProcessingResult.Dropped) {
                    ledger.itemFinal(owner, RecordLedger.Outcome.DROPPED);
                } else if (result instanceof ProcessingResult.ProcessingFailed failed) {
                    int attempts = failed.errorCode().isRetryable() ? settings.processingRetries() + 1 : 1;
                    toError(new Item(owner, owner.raw, Map.of()), ErrorEnvelopes.PROCESSING_FAILED, attempts,
                            failed.errorCode().code(), failed.errorMessage(), epochs.current(), List.of());
                }
            }
        }
        for (InputRecord input : inputs) {
            Segment segment = input.segment;
            if (segment != null && segments.complete(segment)) {
                sealSegment(segment);
            }
        }
        sealErrorsIfWaited();
    }

    private void route(Item item) {
        Partitioner.Partition partition;
        try {
            partition = partitioner.partition(item);
        } catch (DeliveryException e) {
            toError(item, ErrorEnvelopes.PROCESSING_FAILED, 1, e.errorCode().code(), e.getMessage(), epochs.current(),
                    List.of());
            return;
        }
        Buffer.Id id = new Buffer.Id(Buffer.Kind.DATA, item.input.segment, partition.values(), partition.timePrefix());
        if (!open.containsKey(id)) {
            if (dataPartitions >= settings.maxActivePartitions()) {
                meters.partitionCountExceeded.set(1);
                toError(item, ErrorEnvelopes.PROCESSING_FAILED, 1, ErrorCode.ACTIVE_PARTITIONS_LIMIT_EXCEEDED.code(),
                        "The number of active partitions has exceeded the configured limit of "
                                + settings.maxActivePartitions(), epochs.current(), List.of());
                return;
            }
            try {
                partitioner.check(item, partition);
            } catch (DeliveryException e) {
                toError(item, ErrorEnvelopes.PROCESSING_FAILED, 1, e.errorCode().code(), e.getMessage(),
                        epochs.current(), List.of());
                return;
            }
        }
        add(id, item, item.partitionKeys, partition.eventTime());
    }

    private void add(Buffer.Id id, Item item, Map<String, String> keys, Instant eventTime) {
        Buffer buffer = open.get(id);
        if (buffer == null) {
            buffer = new Buffer(id, item.input.arrivalTick, epochs.current(), keys, eventTime);
            open.put(id, buffer);
            if (id.segment() != null) {
                id.segment().buffers.add(buffer);
            }
            if (id.kind() == Buffer.Kind.DATA) {
                dataPartitions++;
                meters.partitionCount.set(dataPartitions);
            }
        }
        buffer.add(item, epochs.current());
        if (id.kind() == Buffer.Kind.DATA && buffer.items.size() >= EarlyEncoding.PART_ITEMS) {
            encodeEarly(buffer);
        }
        if (id.segment() == null && buffer.bytes >= settings.bufferSizeBytes()) {
            seal(buffer);
        }
    }

    /** Hands a large data buffer's new items to the delivery threads, to be encoded before it is sealed. */
    private void encodeEarly(Buffer buffer) {
        if (buffer.early == null) {
            buffer.early = EarlyEncoding.start(dataEncoder, deliveryThreads);
            if (buffer.early == null) {
                return;
            }
        }
        buffer.early.offer(buffer.items);
    }

    /** The buffer's early encoding will not be used: its records went elsewhere or were discarded. */
    private static void abandonEarly(Buffer buffer) {
        if (buffer.early != null) {
            buffer.early.abandon();
            buffer.early = null;
        }
    }

    /**
     * Puts an error envelope for {@code failed} into the error buffer of its type. {@code origin} (the partition
     * values of the object it failed in) keeps exactly-once error objects of one segment apart. Never seals except by
     * size: callers that reroute a batch call {@link #sealErrorsIfWaited} once afterwards.
     */
    private void toError(Item failed, String type, int attempts, String code, String message, long itemEpoch,
                         List<String> origin) {
        byte[] envelope = ErrorEnvelopes.envelope(type, failed.input, failed.data, attempts, code, message,
                settings.clock().instant());
        budget.add(envelope.length);
        failed.input.budgetBytes += envelope.length;
        Segment segment = failed.input.segment;
        List<String> values = new ArrayList<>(1 + origin.size());
        values.add(type);
        if (segment != null) {
            values.addAll(origin);
        }
        Buffer.Id id = new Buffer.Id(Buffer.Kind.ERROR, segment, List.copyOf(values), "");
        Buffer buffer = open.get(id);
        if (buffer == null) {
            buffer = new Buffer(id, settings.ticker().read(), itemEpoch, Map.of(), null);
            open.put(id, buffer);
            if (segment != null) {
                segment.buffers.add(buffer);
            }
        }
        buffer.add(new Item(failed.input, envelope, Map.of()), itemEpoch);
        if (segment == null && buffer.bytes >= settings.bufferSizeBytes()) {
            seal(buffer);
        }
    }

    /** Seals error buffers that belong to sealed segments or that a pending flush waits for. */
    private void sealErrorsIfWaited() {
        for (Buffer buffer : List.copyOf(open.values())) {
            if (buffer.id.kind() != Buffer.Kind.ERROR) {
                continue;
            }
            Segment segment = buffer.id.segment();
            if ((segment != null && segment.sealed) || (segment == null && epochs.waitingFor(buffer.epoch))) {
                seal(buffer);
            }
        }
    }

    // ----- sealing

    /**
     * Seals a segment: stores it as pending, then seals its buffers. When the store throws (a full disk, a fenced
     * Kafka commit) nothing of the segment is written: it stays open, its records stay buffered, and sealing is
     * tried again one buffer interval later (or the partition is released and its records discarded).
     *
     * @return whether the segment is sealed
     */
    private boolean sealSegment(Segment segment) {
        if (segment.sealed) {
            return true;
        }
        try {
            segment.listener.sealed(segment);
        } catch (RuntimeException e) {
            segment.openedTick = settings.ticker().read();
            LOG.warn("delivery stream {}: segment {} of {} records not sealed, its state could not be stored;"
                    + " the records stay buffered and sealing is retried in {}: {}", settings.name(),
                    segment.objectId(), segment.pendingInputs, settings.bufferInterval(), e.toString());
            return false;
        }
        segment.sealed = true;
        for (Buffer buffer : List.copyOf(segment.buffers)) {
            if (open.get(buffer.id) == buffer) {
                seal(buffer);
            }
        }
        if (segment.pendingInputs == 0) {
            segment.listener.committed(segment);
        }
        return true;
    }

    private void seal(Buffer buffer) {
        open.remove(buffer.id);
        if (buffer.id.kind() == Buffer.Kind.DATA) {
            dataPartitions--;
            meters.partitionCount.set(dataPartitions);
            if (dataPartitions < settings.maxActivePartitions()) {
                meters.partitionCountExceeded.set(0);
            }
        }
        if (buffer.items.isEmpty()) {
            return;
        }
        try {
            dispatchSealed(buffer);
            abandonEarly(buffer);
        } catch (RuntimeException e) {
            abandonEarly(buffer);
            // Whatever naming or job set-up throws, the sealed records must not vanish with the buffer: data goes to
            // the error output, error-output and backup items are buffered again and retried an interval later.
            LOG.error("delivery stream {}: sealing a {} buffer of {} records failed", settings.name(),
                    buffer.id.kind(), buffer.items.size(), e);
            if (buffer.id.kind() == Buffer.Kind.DATA) {
                for (Item item : buffer.items) {
                    toError(item, ErrorEnvelopes.PROCESSING_FAILED, 1, ErrorCode.INTERNAL_FAILURE.code(),
                            e.toString(), buffer.epoch, buffer.id.values());
                }
                sealErrorsIfWaited();
            } else {
                buffer.reopen(settings.ticker().read());
                open.put(buffer.id, buffer);
            }
        }
    }

    /** Names the sealed buffer's object and hands it to a delivery thread. */
    private void dispatchSealed(Buffer buffer) {
        Segment segment = buffer.id.segment();
        Instant time = buffer.eventTime != null ? buffer.eventTime : buffer.oldestArrival;
        PrefixTemplate template;
        String errorType = null;
        ObjectEncoder encoder;
        dev.sluice.delivery.Sink sink;
        switch (buffer.id.kind()) {
            case DATA:
                template = settings.prefix();
                encoder = dataEncoder;
                sink = settings.sink();
                break;
            case ERROR:
                template = settings.errorOutputPrefix();
                errorType = buffer.id.values().get(0);
                encoder = errorEncoder;
                sink = settings.errorSink();
                break;
            default:
                template = settings.backupPrefix().orElseThrow();
                encoder = backupEncoder;
                sink = settings.backupSink();
        }
        String id;
        java.util.function.Supplier<String> random;
        if (segment != null) {
            String discriminator = buffer.id.values().isEmpty() && buffer.id.timePrefix().isEmpty() ? ""
                    : "-" + Integer.toHexString((buffer.id.values() + "|" + buffer.id.timePrefix()).hashCode());
            id = segment.objectId() + discriminator;
            String seed = id;
            random = () -> ObjectNames.randomString(seed);
            time = buffer.eventTime != null ? buffer.eventTime : segment.firstArrival;
        } else {
            id = ObjectNames.randomId();
            random = ObjectNames::randomString;
        }
        String prefix;
        try {
            prefix = template.evaluate(buffer.keys, time, errorType, random);
        } catch (DeliveryException e) {
            if (buffer.id.kind() == Buffer.Kind.DATA) {
                for (Item item : buffer.items) {
                    toError(item, ErrorEnvelopes.PROCESSING_FAILED, 1, e.errorCode().code(), e.getMessage(),
                            buffer.epoch, buffer.id.values());
                }
                sealErrorsIfWaited();
                return;
            }
            // Error-output and backup prefixes are checked at build(), so this is a bug or a time that cannot be
            // formatted; the records still need a home, so they go under the default prefix rather than nowhere.
            LOG.error("delivery stream {}: {} prefix failed ({}); writing {} records under the default prefix",
                    settings.name(), buffer.id.kind() == Buffer.Kind.ERROR ? "error-output" : "backup",
                    e.getMessage(), buffer.items.size());
            template = buffer.id.kind() == Buffer.Kind.ERROR ? FALLBACK_ERROR_PREFIX : FALLBACK_BACKUP_PREFIX;
            prefix = template.evaluate(buffer.keys, time, errorType, random);
        }
        Instant nameTime = segment != null ? segment.firstArrival : buffer.oldestArrival;
        String name = ObjectNames.name(settings.name(), settings.version(), nameTime, id,
                settings.fileExtension().orElse(encoder.extension()));
        ObjectJob job = new ObjectJob(buffer.id.kind(), prefix + name, name, List.copyOf(buffer.items), buffer.epoch,
                ObjectNames.requestId(prefix + name),
                segment != null, buffer.oldestArrival, sink, encoder, segment, buffer.id.values(),
                settings.ticker().read());
        job.sinkTakesFailures = sinkTakesFailures && buffer.id.kind() == Buffer.Kind.DATA;
        job.early = buffer.early;
        buffer.early = null;
        epochs.started(job.epoch);
        if (job.kind == Buffer.Kind.DATA) {
            job.sealedBytes = buffer.bytes;
            synchronized (sealedDataLock) {
                sealedDataBytes += job.sealedBytes;
            }
        }
        writes.submit(job, settings.ticker().read());
    }

    // ----- outcomes of writes (coordinator thread; attempts run in ObjectWrites on the delivery threads)

    private void committed(ObjectJob job, SinkOutcome outcome) {
        SinkResult result = outcome.result();
        ObjectEncoder.Encoded encoded = job.encoded;
        long bytes = encoded.bytes().remaining();
        switch (job.kind) {
            case DATA:
                dataObjectDone(job);
                countConversions(job);
                for (ObjectEncoder.Rejected rejected : encoded.rejected()) {
                    if (job.sinkTakesFailures) {
                        // The sink committed them (SinkObject.conversionFailures) to its own error output.
                        ledger.itemFinal(rejected.item().input, RecordLedger.Outcome.ERROR_OUTPUT);
                    } else {
                        toError(rejected.item(), ErrorEnvelopes.FORMAT_CONVERSION_FAILED, 1,
                                rejected.errorCode().code(), rejected.errorMessage(), job.epoch, job.values);
                    }
                }
                // Records the sink sent to its own error output (indexes into SinkObject.records(), which lists the
                // written items in order) are error output; the rest are delivered.
                java.util.BitSet failedRecords = outcome.failedRecords();
                List<Item> written = encoded.written();
                int failedWritten = failedRecords.get(0, written.size()).cardinality();
                if (!written.isEmpty()) {
                    meters.deliverySuccess.record(1);
                    meters.deliveryObjects.increment();
                    meters.deliveryBytes.increment(bytes);
                    meters.deliveryRecords.increment(written.size() - failedWritten);
                    ledger.deliveredObjects.incrementAndGet();
                }
                for (int i = 0; i < written.size(); i++) {
                    ledger.itemFinal(written.get(i).input, failedRecords.get(i) ? RecordLedger.Outcome.ERROR_OUTPUT
                            : RecordLedger.Outcome.DELIVERED);
                }
                break;
            case ERROR:
                ledger.errorObjects.incrementAndGet();
                for (Item item : job.items) {
                    ledger.itemFinal(item.input, RecordLedger.Outcome.ERROR_OUTPUT);
                }
                break;
            default:
                meters.backupSuccess.record(1);
                meters.backupRecords.increment(job.items.size());
                meters.backupBytes.increment(bytes);
                ledger.backedUp.addAndGet(job.items.size());
        }
        writes.succeeded(job);
        if (result == SinkResult.ALREADY_EXISTS) {
            LOG.info("delivery stream {}: object {} already existed; counted once", settings.name(), job.key);
        }
        epochs.finished(job.epoch);
        sealErrorsIfWaited();
    }

    /** A data object is written or given up: its bytes no longer hold back the sources. Any thread; idempotent. */
    private void dataObjectDone(ObjectJob job) {
        synchronized (sealedDataLock) {
            sealedDataBytes -= job.sealedBytes;
            job.sealedBytes = 0;
            inSinkBytes -= job.inSinkBytes;
            job.inSinkBytes = 0;
            sealedDataLock.notifyAll();
        }
    }

    /**
     * Delivery thread: an asynchronous sink took a data object (its commit is under way, the thread is free): its
     * bytes move from the sealed total to the in-sink one. A no-op when its outcome came first.
     */
    private void takenBySink(ObjectJob job) {
        synchronized (sealedDataLock) {
            sealedDataBytes -= job.sealedBytes;
            inSinkBytes += job.sealedBytes;
            job.inSinkBytes += job.sealedBytes;
            job.sealedBytes = 0;
            sealedDataLock.notifyAll();
        }
    }

    /** A data object the sink failed waits for its retry, which needs a delivery thread again: it counts as sealed. */
    private void backFromSink(ObjectJob job) {
        synchronized (sealedDataLock) {
            inSinkBytes -= job.inSinkBytes;
            sealedDataBytes += job.inSinkBytes;
            job.sealedBytes += job.inSinkBytes;
            job.inSinkBytes = 0;
        }
    }

    /**
     * Source thread: waits until the data objects sealed and not yet written hold fewer than {@code limit} bytes,
     * so that a source behind a slow destination leaves its records in the stream (or Kafka) instead of reading
     * them into the heap ahead of the writes, and until the objects an asynchronous sink holds (waiting for their
     * commits) are below their own allowance. Only sources wait here; direct put is bounded by the memory budget.
     *
     * @param limit the bytes of sealed, unwritten data objects at which sources stop reading
     * @param inSinkLimit the bytes of data objects an asynchronous sink holds at which sources stop reading
     * @param maxWaitNanos how long to wait, in real time (a source that gets {@code false} reads again later)
     * @return whether both are below their limits
     */
    public boolean awaitSealedDataBelow(long limit, long inSinkLimit, long maxWaitNanos) throws InterruptedException {
        long deadline = System.nanoTime() + maxWaitNanos;
        synchronized (sealedDataLock) {
            while (sealedDataBytes >= limit || inSinkBytes >= inSinkLimit) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                TimeUnit.NANOSECONDS.timedWait(sealedDataLock, left);
            }
            return true;
        }
    }

    private void countConversions(ObjectJob job) {
        if (job.conversionsCounted || !(dataEncoder instanceof ParquetEncoder)) {
            return;
        }
        job.conversionsCounted = true;
        long okBytes = 0;
        for (Item item : job.encoded.written()) {
            okBytes += item.data.length;
        }
        meters.succeedConversionRecords.increment(job.encoded.written().size());
        meters.succeedConversionBytes.increment(okBytes);
        for (ObjectEncoder.Rejected rejected : job.encoded.rejected()) {
            meters.failedConversionRecords.increment();
            meters.failedConversionBytes.increment(rejected.item().data.length);
        }
    }

    private void failed(ObjectJob job, Throwable t) {
        if (job.kind == Buffer.Kind.BACKUP) {
            meters.backupSuccess.record(0);
        } else if (job.kind == Buffer.Kind.DATA) {
            meters.deliverySuccess.record(0);
        }
        if (writes.retry(job, t, settings.ticker().read())) {
            if (job.kind == Buffer.Kind.DATA) {
                backFromSink(job);
            }
            return;
        }
        if (job.kind == Buffer.Kind.DATA) {
            dataObjectDone(job);
        }
        ObjectEncoder.Encoded encoded = job.encoded;
        if (encoded != null) {
            countConversions(job);
            for (ObjectEncoder.Rejected rejected : encoded.rejected()) {
                toError(rejected.item(), ErrorEnvelopes.FORMAT_CONVERSION_FAILED, 1, rejected.errorCode().code(),
                        rejected.errorMessage(), job.epoch, job.values);
            }
        }
        String code = ObjectWrites.errorCode(t).code();
        String message = ObjectWrites.message(t);
        for (Item item : encoded != null ? encoded.written() : job.items) {
            toError(item, job.sink.errorOutputType(), job.attempts, code, message, job.epoch, job.values);
        }
        epochs.finished(job.epoch);
        sealErrorsIfWaited();
    }

    // ----- source partitions

    /**
     * Coordinator thread: a partition's checkpoint moved but its store was refused (a Kafka commit during a group
     * rebalance, a full disk). Its objects are committed under deterministic names, so nothing is lost, but if no
     * later segment moves the checkpoint again, the store would stay behind the delivered records until the next
     * owner rebuilds them; so the store is retried every {@link #CHECKPOINT_RETRY_NANOS} of ticker time until it is
     * accepted or the partition is released, and a drain waits for it.
     *
     * @param partition the partition with a refused store
     */
    public void checkpointUnstored(SourcePartition partition) {
        if (unstoredCheckpoints.isEmpty()) {
            nextCheckpointRetry = settings.ticker().read() + CHECKPOINT_RETRY_NANOS;
        }
        unstoredCheckpoints.add(partition);
    }

    private void retryCheckpoints(long now) {
        if (unstoredCheckpoints.isEmpty() || now - nextCheckpointRetry < 0) {
            return;
        }
        unstoredCheckpoints.removeIf(SourcePartition::retryStore);
        nextCheckpointRetry = now + CHECKPOINT_RETRY_NANOS;
    }

    /**
     * Gives a source partition up: its segments that are not sealed are discarded with their records (the next
     * owner reads them again); sealed ones finish, and the retired ledger ignores them.
     */
    public void release(SourcePartition partition) {
        partition.released = true;
        segments.forget(partition.partition);
        for (Buffer buffer : List.copyOf(open.values())) {
            Segment segment = buffer.id.segment();
            if (segment == null || segment.listener != partition || segment.sealed) {
                continue;
            }
            open.remove(buffer.id);
            abandonEarly(buffer);
            if (buffer.id.kind() == Buffer.Kind.DATA) {
                dataPartitions--;
                meters.partitionCount.set(dataPartitions);
            }
            for (Item item : buffer.items) {
                ledger.discard(item.input);
            }
        }
        checkDrains();
    }

    /** Seals the partitions' open segments (not those being rebuilt) and completes {@code done} once committed. */
    public void drain(List<SourcePartition> partitions, CompletableFuture<Void> done) {
        for (SourcePartition partition : partitions) {
            Segment segment = segments.openSegment(partition.partition);
            if (segment != null && segment.listener == partition && segment.forcedLast.isEmpty()) {
                sealSegment(segment);
            }
        }
        sealErrorsIfWaited();
        drains.add(new Drain(List.copyOf(partitions), done));
        checkDrains();
    }

    private void checkDrains() {
        if (drains.isEmpty()) {
            return;
        }
        drains.removeIf(drain -> {
            for (SourcePartition partition : drain.partitions) {
                if (!partition.released && !partition.settled()) {
                    return false;
                }
                Segment segment = segments.openSegment(partition.partition);
                if (!partition.released && segment != null && segment.listener == partition && !segment.sealed
                        && segment.forcedLast.isEmpty() && segment.pendingInputs > 0) {
                    return false;
                }
            }
            drain.done.complete(null);
            return true;
        });
    }

    // ----- flush

    public void flush(CompletableFuture<Void> done) {
        for (Buffer buffer : List.copyOf(open.values())) {
            if (buffer.id.segment() == null) {
                seal(buffer);
            } else if (buffer.id.segment().forcedLast.isEmpty()) {
                sealSegment(buffer.id.segment());
            }
        }
        epochs.flush(done);
        completeWaiters();
    }

    private void completeWaiters() {
        long oldestBuffered = Long.MAX_VALUE;
        for (Buffer buffer : open.values()) {
            oldestBuffered = Math.min(oldestBuffered, buffer.epoch);
        }
        epochs.complete(oldestBuffered);
    }

    // ----- loop

    private void loop() {
        try {
            while (true) {
                boolean timed = !open.isEmpty() || writes.hasRetries() || !unstoredCheckpoints.isEmpty();
                Runnable event = events.poll(timed ? TICK_NANOS : IDLE_NANOS, TimeUnit.NANOSECONDS);
                int handled = 0;
                while (event != null) {
                    runSafely(event);
                    if (++handled >= 10_000) {
                        break;
                    }
                    event = events.poll();
                }
                long releasable = ledger.takeReleasable();
                if (releasable > 0) {
                    budget.release(releasable);
                }
                long now = settings.ticker().read();
                checkIntervals(now);
                writes.runDue(now);
                retryCheckpoints(now);
                checkPressure();
                completeWaiters();
                checkDrains();
                updateFreshness();
                if (stopping && events.isEmpty()) {
                    return;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void runSafely(Runnable event) {
        try {
            event.run();
        } catch (RuntimeException | Error e) {
            LOG.error("delivery stream {}: internal failure in the delivery loop", settings.name(), e);
        }
    }

    private void checkIntervals(long now) {
        if (open.isEmpty()) {
            return;
        }
        for (Buffer buffer : List.copyOf(open.values())) {
            if (open.get(buffer.id) != buffer) {
                continue;
            }
            Segment segment = buffer.id.segment();
            if (segment == null) {
                if (now - buffer.openedTick >= intervalNanos) {
                    seal(buffer);
                }
            } else if (segment.forcedLast.isEmpty() && !segment.sealed
                    && (now - segment.openedTick >= intervalNanos || segment.bytes >= settings.bufferSizeBytes())) {
                sealSegment(segment);
            }
        }
    }

    private void checkPressure() {
        while (!open.isEmpty() && budget.underPressure()) {
            Buffer largest = null;
            for (Buffer buffer : open.values()) {
                if (buffer.id.segment() != null && buffer.id.segment().forcedLast.isPresent()) {
                    continue;
                }
                if (largest == null || buffer.bytes > largest.bytes) {
                    largest = buffer;
                }
            }
            if (largest == null) {
                return;
            }
            if (largest.id.segment() != null) {
                if (!sealSegment(largest.id.segment())) {
                    return;
                }
            } else {
                seal(largest);
            }
        }
    }

    private void updateFreshness() {
        Instant oldest = null;
        for (Buffer buffer : open.values()) {
            if (buffer.id.kind() == Buffer.Kind.DATA && (oldest == null || buffer.oldestArrival.isBefore(oldest))) {
                oldest = buffer.oldestArrival;
            }
        }
        long age = oldest == null ? 0 : Math.max(0, settings.clock().millis() - oldest.toEpochMilli());
        meters.dataFreshnessMillis.set(age);
    }

}
