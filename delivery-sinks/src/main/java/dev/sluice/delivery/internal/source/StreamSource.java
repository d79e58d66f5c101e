package dev.sluice.delivery.internal.source;

import dev.sluice.delivery.CheckpointStore;
import dev.sluice.delivery.DeliveryException;
import dev.sluice.delivery.DeliverySource;
import dev.sluice.delivery.ErrorCode;
import dev.sluice.delivery.SourceContext;
import dev.sluice.delivery.SourceEntry;
import dev.sluice.stream.GetRecordsResult;
import dev.sluice.stream.ReaderRegistration;
import dev.sluice.stream.Shard;
import dev.sluice.stream.ShardIteratorType;
import dev.sluice.stream.StreamEngine;
import dev.sluice.stream.StreamException;
import dev.sluice.stream.StreamRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.LockSupport;

/**
 * Reads a stream of Sluice's own engine into a delivery stream, following the stream's topology as it reshards.
 *
 * <p>Design note: one reader thread ({@code sluice-source-stream-<stream>}) polls every readable shard in turn with
 * its own iterator. A shard becomes readable when each of its parents (parent and adjacent parent) is finished, that
 * is read to its end with every record handed over, or is not listed at all: the rule of Kinesis consumers, which
 * keeps a key's records in order across splits and merges. Shards are listed at start and again whenever a shard
 * reaches its end (every split, merge, shard-count update and on-demand step closes a shard first), plus every
 * {@link #RELIST_INTERVAL} of the delivery stream's ticker. The same rule holds after a restart: a parent resumes
 * after its checkpoint and its children wait until it is read to its end again. A shard is a partition of the
 * {@link DeliverySource} contract; its position is the sequence number.
 *
 * <p>Retention: the source registers with the engine as a reader ({@link StreamEngine#registerReader}) and reports a
 * shard's checkpoint each time it is stored, that is after the objects up to it are committed, and a shard read to
 * its end once its last record is committed; under a lossless overflow policy the engine keeps what this delivery
 * stream has not yet delivered. Closing keeps the registration, so a restarted delivery stream loses nothing.
 *
 * <p>Failures: a throttled read backs off for {@link #THROTTLE_BACKOFF}; an expired iterator is renewed after the
 * last record handed over; a put refused for lack of memory re-reads from the same position later; a stream that
 * is deleted, or an engine that is closed, stops the reader and is reported through {@link SourceContext#failed}.
 * Times are read from the context's ticker.
 */
public final class StreamSource implements DeliverySource {

    static final Duration THROTTLE_BACKOFF = Duration.ofMillis(200);
    static final Duration RELIST_INTERVAL = Duration.ofSeconds(10);
    static final int READ_LIMIT = 1_000;
    private static final Duration PUT_WAIT = Duration.ofMillis(200);
    private static final Logger LOG = LoggerFactory.getLogger(StreamSource.class);

    private final StreamEngine engine;
    private final String streamName;
    private final String readerName;
    private final CheckpointStore store;
    /** The engine's registration of this reader: what the lossless overflow policies keep records for. */
    private volatile ReaderRegistration registration;
    /** Shards read to their end, with their last record handed over (absent for an empty shard). */
    private final Map<String, Optional<String>> ended = new ConcurrentHashMap<>();
    /** Each shard's last stored checkpoint. */
    private final Map<String, String> stored = new ConcurrentHashMap<>();
    private final Duration pollInterval;
    /** Where a shard without a checkpoint starts: its first record at or after this instant, else TRIM_HORIZON. */
    private final Optional<java.time.Instant> startingAt;
    /** Reader thread only, in listing order. */
    private final Map<String, ShardReader> shards = new LinkedHashMap<>();
    private final Thread thread;
    private SourceContext context;
    private long nextListNanos;
    private boolean relist = true;
    private volatile boolean running = true;

    /** One shard's reading state; confined to the reader thread. */
    private static final class ShardReader {
        final Shard shard;
        boolean opened;
        String iterator;
        String lastHandedOver;
        long nextPollNanos;
        boolean finished;

        ShardReader(Shard shard) {
            this.shard = shard;
        }
    }

    /**
     * Binds the source; {@link #start} begins reading.
     *
     * @param engine the engine holding the stream
     * @param streamName the stream
     * @param readerName the name this source registers under with the engine ({@code delivery-<delivery stream>})
     * @param store where shard checkpoints are kept
     * @param pollInterval the real-time wait when no shard had new records
     */
    public StreamSource(StreamEngine engine, String streamName, String readerName, CheckpointStore store,
                        Duration pollInterval) {
        this(engine, streamName, readerName, store, pollInterval, Optional.empty());
    }

    /**
     * Binds the source; {@link #start} begins reading.
     *
     * @param engine the engine holding the stream
     * @param streamName the stream
     * @param readerName the name this source registers under with the engine ({@code delivery-<delivery stream>})
     * @param store where shard checkpoints are kept
     * @param pollInterval the real-time wait when no shard had new records
     * @param startingAt where a shard without a checkpoint starts: {@code AT_TIMESTAMP} of this instant (records
     *        that arrived earlier are never read), or {@code TRIM_HORIZON} when empty
     */
    public StreamSource(StreamEngine engine, String streamName, String readerName, CheckpointStore store,
                        Duration pollInterval, Optional<java.time.Instant> startingAt) {
        this.startingAt = startingAt;
        this.engine = engine;
        this.streamName = streamName;
        this.readerName = readerName;
        this.store = new Reporting(store);
        this.pollInterval = pollInterval;
        this.thread = new Thread(this::read, "sluice-source-stream-" + streamName);
        this.thread.setDaemon(true);
    }

    @Override
    public CheckpointStore checkpointStore() {
        return store;
    }

    @Override
    public void start(SourceContext context) {
        this.context = context;
        try {
            engine.listShards(streamName);
            registration = engine.registerReader(streamName, readerName);
        } catch (StreamException e) {
            throw new DeliveryException(ErrorCode.INVALID_ARGUMENT, "stream '" + streamName + "' cannot be read: "
                    + e.getMessage(), e);
        }
        thread.start();
    }

    @Override
    public void close(Duration timeout) {
        running = false;
        LockSupport.unpark(thread);
        if (thread.isAlive() && Thread.currentThread() != thread) {
            try {
                thread.join(Math.max(1, timeout.toMillis()));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (thread.isAlive()) {
                LOG.warn("stream source {}: reader did not stop within {}", streamName, timeout);
            }
        }
        ReaderRegistration handle = registration;
        if (handle != null) {
            // Keeps the registration and its checkpoints: a restarted delivery stream resumes where this one stopped.
            handle.close();
        }
    }

    /**
     * The source's store, reporting every stored checkpoint to the engine so that records are released only once
     * their objects are committed, and a shard read to its end once its last record is.
     */
    private final class Reporting implements CheckpointStore {
        private final CheckpointStore delegate;

        Reporting(CheckpointStore delegate) {
            this.delegate = delegate;
        }

        @Override
        public Checkpoint load(String partition) {
            Checkpoint checkpoint = delegate.load(partition);
            checkpoint.position().ifPresent(position -> {
                stored.put(partition, position);
                report(partition, position);
            });
            return checkpoint;
        }

        @Override
        public void store(String partition, Checkpoint checkpoint) {
            delegate.store(partition, checkpoint);
            checkpoint.position().ifPresent(position -> {
                stored.put(partition, position);
                report(partition, position);
            });
            endIfCommitted(partition);
        }

        @Override
        public String toString() {
            return delegate.toString();
        }
    }

    private void report(String shardId, String position) {
        ReaderRegistration handle = registration;
        if (handle == null) {
            return;
        }
        try {
            handle.checkpoint(shardId, position);
        } catch (StreamException | IllegalStateException e) {
            // The stream was deleted, or the handle closed: the reader loop reports a deleted stream.
            LOG.debug("stream source {}: checkpoint of {} not reported: {}", streamName, shardId, e.toString());
        }
    }

    /** A shard read to its end whose last record is committed (or that had none) is released whole. */
    private void endIfCommitted(String shardId) {
        Optional<String> last = ended.get(shardId);
        ReaderRegistration handle = registration;
        if (last == null || handle == null || (last.isPresent() && !last.get().equals(stored.get(shardId)))) {
            return;
        }
        try {
            handle.shardEnded(shardId);
        } catch (StreamException | IllegalStateException e) {
            LOG.debug("stream source {}: end of {} not reported: {}", streamName, shardId, e.toString());
        }
    }

    @Override
    public String description() {
        return "stream " + streamName;
    }

    private void read() {
        try {
            while (running) {
                boolean progressed = false;
                if (relist || context.nanoTime() - nextListNanos >= 0) {
                    discover();
                }
                for (ShardReader shard : List.copyOf(shards.values())) {
                    if (!running) {
                        return;
                    }
                    if (shard.finished || !readable(shard) || context.nanoTime() - shard.nextPollNanos < 0) {
                        continue;
                    }
                    progressed |= pollSafely(shard);
                }
                if (!progressed && running && !relist) {
                    LockSupport.parkNanos(pollInterval.toNanos());
                }
            }
        } catch (StopReading stop) {
            // running is false, or the failure was reported
        } catch (RuntimeException | Error e) {
            context.failed(new DeliveryException(ErrorCode.SOURCE_FAILED, "stream source " + streamName
                    + " failed: " + e, e));
        }
    }

    /** Ends the reader loop. */
    private static final class StopReading extends RuntimeException {
        private static final long serialVersionUID = 1L;

        StopReading() {
            super(null, null, false, false);
        }
    }

    private void discover() {
        relist = false;
        nextListNanos = context.nanoTime() + RELIST_INTERVAL.toNanos();
        List<Shard> listed;
        try {
            listed = engine.listShards(streamName);
        } catch (StreamException e) {
            stopOn(e);
            return;
        }
        for (Shard shard : listed) {
            shards.computeIfAbsent(shard.shardId(), id -> new ShardReader(shard));
        }
    }

    private boolean readable(ShardReader reader) {
        if (reader.opened) {
            return true;
        }
        if (!parentFinished(reader.shard.parentShardId()) || !parentFinished(reader.shard.adjacentParentShardId())) {
            return false;
        }
        Optional<String> resume = context.open(reader.shard.shardId());
        reader.lastHandedOver = resume.orElse(null);
        reader.opened = true;
        return true;
    }

    private boolean parentFinished(Optional<String> parentId) {
        if (parentId.isEmpty()) {
            return true;
        }
        ShardReader parent = shards.get(parentId.get());
        return parent == null || parent.finished;
    }

    private boolean pollSafely(ShardReader shard) {
        try {
            return poll(shard);
        } catch (StreamException e) {
            switch (e.code()) {
                case EXPIRED_ITERATOR -> shard.iterator = null;
                case PROVISIONED_THROUGHPUT_EXCEEDED -> shard.nextPollNanos = context.nanoTime()
                        + THROTTLE_BACKOFF.toNanos();
                case ENGINE_CLOSED, RESOURCE_NOT_FOUND -> stopOn(e);
                default -> {
                    LOG.warn("stream source {} shard {}: read failed, retrying: {}", streamName,
                            shard.shard.shardId(), e.toString());
                    shard.iterator = null;
                    shard.nextPollNanos = context.nanoTime() + THROTTLE_BACKOFF.toNanos();
                }
            }
            return false;
        } catch (DeliveryException e) {
            if (e.errorCode() == ErrorCode.STREAM_CLOSED) {
                throw new StopReading();
            }
            throw e;
        }
    }

    private void stopOn(StreamException e) {
        if (running) {
            context.failed(new DeliveryException(ErrorCode.SOURCE_FAILED, "stream " + streamName
                    + " can no longer be read (" + e.code().code() + ": " + e.getMessage() + ")", e));
        }
        running = false;
        throw new StopReading();
    }

    private boolean poll(ShardReader shard) {
        if (shard.iterator == null) {
            ShardIteratorType position = shard.lastHandedOver != null
                    ? ShardIteratorType.afterSequenceNumber(shard.lastHandedOver)
                    : startingAt.map(ShardIteratorType::atTimestamp).orElseGet(ShardIteratorType::trimHorizon);
            shard.iterator = engine.getShardIterator(streamName, shard.shard.shardId(), position);
        }
        GetRecordsResult result = engine.getRecords(shard.iterator, READ_LIMIT);
        List<StreamRecord> records = result.records();
        if (!records.isEmpty()) {
            List<SourceEntry> entries = new ArrayList<>(records.size());
            for (StreamRecord record : records) {
                entries.add(new SourceEntry(record.sequenceNumber(), Optional.of(record.partitionKey()),
                        record.approximateArrivalTimestamp(), record.dataBytes()));
            }
            if (!context.put(shard.shard.shardId(), entries, PUT_WAIT)) {
                // Over the memory budget: read the same records again later.
                shard.iterator = null;
                shard.nextPollNanos = context.nanoTime() + THROTTLE_BACKOFF.toNanos();
                return false;
            }
            shard.lastHandedOver = records.get(records.size() - 1).sequenceNumber();
        }
        if (result.nextShardIterator().isEmpty()) {
            shard.finished = true;
            shard.iterator = null;
            relist = true;
            ended.put(shard.shard.shardId(), Optional.ofNullable(shard.lastHandedOver));
            endIfCommitted(shard.shard.shardId());
            return true;
        }
        shard.iterator = result.nextShardIterator().get();
        return !records.isEmpty();
    }
}
