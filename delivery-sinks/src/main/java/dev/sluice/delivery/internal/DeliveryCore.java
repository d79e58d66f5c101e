package dev.sluice.delivery.internal;

import dev.sluice.delivery.internal.buffer.Coordinator;
import dev.sluice.delivery.internal.buffer.InputRecord;
import dev.sluice.delivery.internal.buffer.MemoryBudget;
import dev.sluice.delivery.internal.buffer.Partitioner;
import dev.sluice.delivery.internal.buffer.Segment;
import dev.sluice.delivery.internal.encode.LineEncoder;
import dev.sluice.delivery.internal.encode.ObjectEncoder;
import dev.sluice.delivery.internal.encode.ParquetEncoder;
import dev.sluice.delivery.Compression;
import dev.sluice.delivery.DeliveryException;
import dev.sluice.delivery.DeliveryStats;
import dev.sluice.delivery.ErrorCode;
import dev.sluice.delivery.OutputFormat;
import dev.sluice.delivery.PutRecordBatchResponse;
import dev.sluice.delivery.PutRecordBatchResponseEntry;
import dev.sluice.transform.ProcessingResponse;
import dev.sluice.transform.Processor;
import dev.sluice.transform.SourceRecord;
import dev.sluice.transform.TransformRunner;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The machinery behind {@code DeliveryStream}: admission (limits, memory budget), processing through a
 * {@link TransformRunner}, the hand-over to the {@link Coordinator}, flush and close.
 *
 * <p>Design note: thread-safe. Admission and submission happen under one lock so that records enter processing in
 * the order their ids were assigned, and the chain {@code tail} orders the hand-over of processed batches to the
 * coordinator after every earlier batch's hand-over; a flush marker appended to the same chain therefore reaches
 * the coordinator after every record accepted before the flush. Threads: the coordinator
 * ({@code sluice-delivery-<stream>-0}) and {@code deliveryThreads} encoding/writing threads
 * ({@code sluice-delivery-<stream>-<n>}, n from 1), plus the transform runner's own threads when a processor is set.
 */
public final class DeliveryCore {

    /**
     * What a source's accepted record is answered with: sources never see record ids, so none is built for them
     * (building one per record was a tenth of the stream source's thread).
     */
    private static final PutRecordBatchResponseEntry SOURCE_ACCEPTED = new PutRecordBatchResponseEntry.Success("");

    private final Settings settings;
    private final DeliveryMeters meters;
    private final MemoryBudget budget;
    private final Coordinator coordinator;
    private final ThreadPoolExecutor workers;
    private final Optional<TransformRunner> runner;
    private final ReentrantLock admission = new ReentrantLock();
    private final LongAdder incomingRecords = new LongAdder();
    private final LongAdder incomingBytes = new LongAdder();
    private final String idPrefix;
    private CompletableFuture<Void> tail = CompletableFuture.completedFuture(null);
    private long sequence;
    private volatile boolean closed;
    private final java.util.concurrent.atomic.AtomicReference<DeliveryException> sourceFailure =
            new java.util.concurrent.atomic.AtomicReference<>();

    /**
     * Starts the threads.
     *
     * @param settings the validated configuration
     */
    public DeliveryCore(Settings settings) {
        this.settings = settings;
        this.meters = new DeliveryMeters(settings.registry(), settings.name(), settings.sink().metricsPrefix());
        this.budget = new MemoryBudget(settings.memoryBudgetBytes(), settings.ticker());
        AtomicInteger n = new AtomicInteger();
        this.workers = new ThreadPoolExecutor(settings.deliveryThreads(), settings.deliveryThreads(), 0,
                TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
                    Thread t = new Thread(r, "sluice-delivery-" + settings.name() + "-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        // A sink that reads its content as Parquet of its own layout (an Iceberg table) gets it encoded here, while
        // buffers fill, instead of the stream's output format.
        ObjectEncoder data = encoder(settings.format(), settings.compression());
        Optional<dev.sluice.delivery.Sink.ParquetContent> own = settings.sink().parquetContent();
        if (own.isPresent()) {
            data = new SinkContent(new ParquetEncoder(own.get().conversion(), own.get().parquetSchema()),
                    data.extension());
        }
        ObjectEncoder errors = LineEncoder.jsonLines(settings.compression());
        ObjectEncoder backup = new LineEncoder(new byte[0], false, settings.compression());
        this.coordinator = new Coordinator(settings, workers::execute, meters, budget, data, errors, backup);
        this.runner = processor(settings).map(p -> TransformRunner.builder()
                .name(settings.name())
                .processor(p)
                .bufferInterval(Duration.ZERO)
                .numberOfRetries(settings.processingRetries())
                .invocationTimeout(settings.processingTimeout())
                .retryBackoff(settings.retryBackoff().compareTo(TransformRunner.MAX_RETRY_BACKOFF) > 0
                        ? TransformRunner.MAX_RETRY_BACKOFF : settings.retryBackoff())
                .ticker(settings.ticker())
                .meterRegistry(settings.registry())
                .build());
        this.idPrefix = Long.toString(ThreadLocalRandom.current().nextLong() & 0xffffffffL, 36) + "-";
        coordinator.start();
    }

    private static Optional<Processor> processor(Settings settings) {
        if (settings.eventTime().isEmpty()) {
            return settings.processor();
        }
        Settings.EventTime eventTime = settings.eventTime().get();
        Processor stage = Processor.eventTime(eventTime.field(), eventTime.format(),
                Map.of(Partitioner.EVENT_TIME_KEY, "uuuu-MM-dd'T'HH:mm:ss.SSSX"));
        return Optional.of(settings.processor().map(p -> Processor.chain(p, stage)).orElse(stage));
    }

    /**
     * The encoding of a sink's own {@code parquetContent}, under the object names the stream's output format gives
     * (a sink's exactly-once keys must not change with how its content is encoded).
     */
    private record SinkContent(ObjectEncoder parquet, String extension) implements ObjectEncoder {
        @Override
        public Encoded encode(java.util.List<dev.sluice.delivery.internal.buffer.Item> items, String objectName)
                throws java.io.IOException {
            return parquet.encode(items, objectName);
        }

        @Override
        public Incremental incremental() {
            return parquet.incremental();
        }

        @Override
        public String contentType() {
            return parquet.contentType();
        }
    }

    private static ObjectEncoder encoder(OutputFormat format, Compression compression) {
        if (format instanceof OutputFormat.Parquet parquet) {
            return new ParquetEncoder(parquet.conversion());
        }
        if (format instanceof OutputFormat.JsonLines) {
            return LineEncoder.jsonLines(compression);
        }
        return new LineEncoder(((OutputFormat.Raw) format).delimiterBytes(), false, compression);
    }

    /**
     * Firehose's PutRecordBatch after the request-level checks: records over {@code maxRecordBytes} fail alone
     * ({@link ErrorCode#VALIDATION}), the others are admitted together.
     *
     * @param records the records; each is copied
     * @param maxRecordBytes the per-record limit
     * @return the response, one entry per record in order
     */
    public PutRecordBatchResponse putBatch(List<byte[]> records, int maxRecordBytes) {
        PutRecordBatchResponseEntry[] entries = new PutRecordBatchResponseEntry[records.size()];
        List<byte[]> accepted = new ArrayList<>(records.size());
        List<Integer> positions = new ArrayList<>(records.size());
        for (int i = 0; i < records.size(); i++) {
            byte[] record = records.get(i);
            if (record.length > maxRecordBytes) {
                entries[i] = new PutRecordBatchResponseEntry.Failure(ErrorCode.VALIDATION, "record " + i + " is "
                        + record.length + " bytes but Firehose allows at most " + maxRecordBytes
                        + " per record (delivery stream " + settings.name() + ")");
            } else {
                accepted.add(record.clone());
                positions.add(i);
            }
        }
        if (!accepted.isEmpty()) {
            List<PutRecordBatchResponseEntry> results = put(accepted, null, null, settings.putTimeout(),
                    Integer.MAX_VALUE);
            for (int i = 0; i < results.size(); i++) {
                entries[positions.get(i)] = results.get(i);
            }
        }
        int failed = 0;
        for (PutRecordBatchResponseEntry entry : entries) {
            if (!entry.isSuccessful()) {
                failed++;
            }
        }
        return new PutRecordBatchResponse(failed, List.of(entries));
    }

    /**
     * Admits a batch: reserves memory (waiting up to the put timeout), assigns record ids and hands the records to
     * processing. Sizes were validated by the caller.
     *
     * @param records the payloads; the arrays are kept, so callers pass copies
     * @param kinesis per-record stream metadata, or {@code null} for direct put
     * @param segments the source partition's segment listener, or {@code null}
     * @param maxWait how long to wait for memory
     * @param maxRecordBytes records over this size are accepted but go straight to the error output (a source's
     *        record cannot be refused alone without stalling its partition)
     * @return one entry per record; for a source's records ({@code kinesis} given) a success carries no record id
     */
    public List<PutRecordBatchResponseEntry> put(List<byte[]> records, List<SourceRecord.KinesisRecordMetadata> kinesis,
                                          Segment.Listener segments, Duration maxWait, int maxRecordBytes) {
        checkOpen();
        long total = 0;
        for (byte[] record : records) {
            total += record.length;
        }
        meters.incomingPutRequests.increment();
        long deadline = settings.ticker().read() + maxWait.toNanos();
        boolean reserved;
        try {
            reserved = budget.acquire(total, deadline);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DeliveryException(ErrorCode.SERVICE_UNAVAILABLE, "interrupted while waiting for buffer memory"
                    + " in delivery stream " + settings.name(), e);
        }
        if (!reserved) {
            meters.throttledRecords.increment(records.size());
            String message = "delivery stream " + settings.name() + " is over its memory budget of "
                    + budget.limit() + " bytes for " + maxWait + "; slow down and retry";
            List<PutRecordBatchResponseEntry> failures = new ArrayList<>(records.size());
            for (int i = 0; i < records.size(); i++) {
                failures.add(new PutRecordBatchResponseEntry.Failure(ErrorCode.SERVICE_UNAVAILABLE, message));
            }
            return failures;
        }
        List<PutRecordBatchResponseEntry> entries = new ArrayList<>(records.size());
        List<InputRecord> inputs = new ArrayList<>(records.size());
        admission.lock();
        try {
            if (closed) {
                budget.release(total);
                throw closedException();
            }
            java.time.Instant arrival = settings.clock().instant();
            long arrivalTick = settings.ticker().read();
            for (int i = 0; i < records.size(); i++) {
                Optional<SourceRecord.KinesisRecordMetadata> meta = kinesis == null ? Optional.empty()
                        : Optional.of(kinesis.get(i));
                InputRecord input = new InputRecord(++sequence, idPrefix, kinesis == null ? arrival
                        : kinesis.get(i).approximateArrivalTimestamp(), arrivalTick, records.get(i), meta);
                if (records.get(i).length > maxRecordBytes) {
                    input.rejection = "record is " + records.get(i).length + " bytes but a delivery stream takes at"
                            + " most " + maxRecordBytes + " per record"
                            + meta.map(m -> " (" + m.shardId() + " at " + m.sequenceNumber() + ")").orElse("");
                }
                inputs.add(input);
                entries.add(kinesis == null ? new PutRecordBatchResponseEntry.Success(input.recordId())
                        : SOURCE_ACCEPTED);
            }
            incomingRecords.add(records.size());
            incomingBytes.add(total);
            meters.incomingRecords.increment(records.size());
            meters.incomingBytes.increment(total);
            if (runner.isEmpty()) {
                coordinator.post(() -> coordinator.accept(inputs, null, segments));
            } else {
                List<SourceRecord> sourceRecords = new ArrayList<>(inputs.size());
                for (InputRecord input : inputs) {
                    if (input.rejection == null) {
                        sourceRecords.add(input.toSourceRecord());
                    }
                }
                if (sourceRecords.isEmpty()) {
                    tail = tail.thenRun(() -> coordinator.post(() -> coordinator.accept(inputs, null, segments)));
                } else {
                    CompletableFuture<ProcessingResponse> processed = runner.get().submit(sourceRecords);
                    tail = tail.thenCombine(processed, (ignored, response) -> {
                        coordinator.post(() -> coordinator.accept(inputs, response, segments));
                        return null;
                    });
                }
            }
        } finally {
            admission.unlock();
        }
        return entries;
    }

    /**
     * Waits until every record accepted before the call is final.
     *
     * @param timeout real-time limit
     * @throws DeliveryException {@link ErrorCode#FLUSH_TIMEOUT} with the number of pending records,
     *         {@link ErrorCode#STREAM_CLOSED} after close, {@link ErrorCode#SOURCE_FAILED} after the drain when the
     *         source has stopped
     */
    public void flush(Duration timeout) {
        checkOpen();
        drain(timeout);
        DeliveryException failure = sourceFailure.get();
        if (failure != null) {
            throw new DeliveryException(ErrorCode.SOURCE_FAILED, "delivery stream " + settings.name()
                    + " stopped reading its source; every record read before is final: " + failure.getMessage(),
                    failure);
        }
    }

    /**
     * Runs {@code event} on the coordinator thread after every batch accepted before the call has reached it, so it
     * sees those records in their buffers.
     */
    public void postInOrder(Runnable event) {
        admission.lock();
        try {
            tail = tail.thenRun(() -> coordinator.post(event));
        } finally {
            admission.unlock();
        }
    }

    public Settings settings() {
        return settings;
    }

    public Coordinator coordinator() {
        return coordinator;
    }

    /** Records the source's failure: flushes report it from now on; logged once. */
    public void sourceFailed(DeliveryException failure) {
        if (sourceFailure.compareAndSet(null, failure)) {
            org.slf4j.LoggerFactory.getLogger(DeliveryCore.class).error("delivery stream {}: its source stopped;"
                    + " records read before are still delivered: {}", settings.name(), failure.toString());
        }
    }

    private void drain(Duration timeout) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        postInOrder(() -> coordinator.flush(done));
        try {
            done.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            throw new DeliveryException(ErrorCode.FLUSH_TIMEOUT, "flush of delivery stream " + settings.name()
                    + " did not complete within " + timeout + ": " + stats().pendingRecords()
                    + " records are still being delivered or retried; they are kept, call flush again", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DeliveryException(ErrorCode.FLUSH_TIMEOUT, "interrupted while flushing delivery stream "
                    + settings.name(), e);
        } catch (ExecutionException e) {
            throw new DeliveryException(ErrorCode.INTERNAL_FAILURE, "flush of delivery stream " + settings.name()
                    + " failed", e.getCause());
        }
    }

    /**
     * Stops accepting, drains for up to {@code timeout}, then stops the threads. Idempotent.
     *
     * @param timeout how long to drain
     * @return the pending records abandoned (0 after a complete drain)
     */
    public long close(Duration timeout) {
        admission.lock();
        try {
            if (closed) {
                return 0;
            }
            closed = true;
        } finally {
            admission.unlock();
        }
        long abandoned = 0;
        try {
            drain(timeout);
        } catch (DeliveryException e) {
            abandoned = stats().pendingRecords();
            org.slf4j.LoggerFactory.getLogger(DeliveryCore.class).error("delivery stream {} closed with {} records"
                    + " not delivered after {}", settings.name(), abandoned, timeout);
        }
        runner.ifPresent(r -> r.close(Duration.ZERO));
        try {
            coordinator.stop();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        workers.shutdownNow();
        closeQuietly(settings.sink());
        if (settings.errorSink() != settings.sink()) {
            closeQuietly(settings.errorSink());
        }
        if (settings.backupSink() != settings.sink() && settings.backupSink() != settings.errorSink()) {
            closeQuietly(settings.backupSink());
        }
        return abandoned;
    }

    private void closeQuietly(dev.sluice.delivery.Sink sink) {
        try {
            sink.close();
        } catch (RuntimeException e) {
            org.slf4j.LoggerFactory.getLogger(DeliveryCore.class).warn("delivery stream {}: closing sink {} failed",
                    settings.name(), sink, e);
        }
    }

    /**
     * Returns the counters.
     *
     * @return a snapshot
     */
    public DeliveryStats stats() {
        return coordinator.stats(incomingRecords.sum(), incomingBytes.sum());
    }

    /**
     * Whether {@link #close} has begun.
     *
     * @return whether closed
     */
    public boolean isClosed() {
        return closed;
    }

    private void checkOpen() {
        if (closed) {
            throw closedException();
        }
    }

    private DeliveryException closedException() {
        return new DeliveryException(ErrorCode.STREAM_CLOSED, "delivery stream " + settings.name() + " is closed");
    }
}
