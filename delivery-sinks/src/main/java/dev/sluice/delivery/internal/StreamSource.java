package dev.sluice.delivery.internal;

import dev.sluice.delivery.DeliveryException;
import dev.sluice.delivery.PutRecordBatchResponseEntry;
import dev.sluice.stream.ErrorCode;
import dev.sluice.stream.GetRecordsResult;
import dev.sluice.stream.Shard;
import dev.sluice.stream.ShardIteratorType;
import dev.sluice.stream.StreamEngine;
import dev.sluice.stream.StreamException;
import dev.sluice.stream.StreamRecord;
import dev.sluice.transform.SourceRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Reads a stream-core stream into a delivery stream with exactly-once output.
 *
 * <p>Design note: one reader thread ({@code sluice-delivery-<name>-source}) polls every shard in turn with its own
 * iterator and hands each batch to {@link DeliveryCore#put} with the records' Kinesis metadata. The coordinator groups
 * each shard's records into {@link Segment}s and calls back here (on the coordinator thread): {@link #sealed} makes
 * the segment's range durable as an intent before any of its objects is written; {@link #committed} advances the
 * shard's checkpoint over the longest prefix of committed segments and drops their intents. Objects are named from
 * (shard, first and last sequence number, configuration version) and created only if absent. After a crash, reading
 * resumes after the checkpoint and {@link #forcedLast} makes the first segments end exactly where the recorded
 * intents end, so the replay produces the same object names: those already written are found and counted once,
 * the missing ones are written, and nothing is written twice or skipped. This relies on the processing chain being
 * deterministic and the configuration (prefix, format, version) unchanged; change the version when it changes.
 *
 * <p>Reads that are throttled back off for {@link #THROTTLE_BACKOFF}; an expired iterator is renewed after the last
 * record handed over; a put refused for lack of memory re-reads from the same position later.
 */
public final class StreamSource implements Segment.Listener {

    static final Duration THROTTLE_BACKOFF = Duration.ofMillis(200);
    static final int READ_LIMIT = 1_000;
    private static final Logger LOG = LoggerFactory.getLogger(StreamSource.class);

    private final DeliveryCore core;
    private final StreamEngine engine;
    private final String streamName;
    private final ShardCheckpoints checkpoints;
    private final Duration pollInterval;
    private final List<ShardReader> shards = new ArrayList<>();
    private final Thread thread;
    private volatile boolean running = true;

    /** Reader-side and coordinator-side state of one shard; each field is confined as commented. */
    private static final class ShardReader {
        final String shardId;
        // Reader thread only.
        String iterator;
        String lastHandedOver;
        long nextPollNanos;
        boolean finished;
        // Coordinator thread only (after construction).
        Optional<String> checkpoint;
        final List<String[]> intents;
        final ArrayDeque<String> replayEnds = new ArrayDeque<>();
        final ArrayDeque<Segment> sealed = new ArrayDeque<>();
        final java.util.Set<Segment> committed = new java.util.HashSet<>();

        ShardReader(String shardId, ShardCheckpoints.State state) {
            this.shardId = shardId;
            this.checkpoint = state.checkpoint();
            this.intents = new ArrayList<>(state.intents());
            for (String[] intent : state.intents()) {
                replayEnds.add(intent[1]);
            }
            this.lastHandedOver = state.checkpoint().orElse(null);
        }
    }

    /**
     * Loads the checkpoints; call {@link #start()} to begin reading.
     *
     * @param core the delivery stream's machinery
     * @param engine the stream engine
     * @param streamName the source stream
     * @param stateDirectory where checkpoints and intents are kept
     * @param deliveryStreamName for the thread name
     * @param pollInterval the wait when no shard had new records
     */
    public StreamSource(DeliveryCore core, StreamEngine engine, String streamName, Path stateDirectory,
                        String deliveryStreamName, Duration pollInterval) {
        this.core = core;
        this.engine = engine;
        this.streamName = streamName;
        this.checkpoints = new ShardCheckpoints(stateDirectory);
        this.pollInterval = pollInterval;
        for (Shard shard : engine.listShards(streamName)) {
            shards.add(new ShardReader(shard.shardId(), checkpoints.load(shard.shardId())));
        }
        this.thread = new Thread(this::read, "sluice-delivery-" + deliveryStreamName + "-source");
        this.thread.setDaemon(true);
    }

    /** Starts the reader thread. */
    public void start() {
        thread.start();
    }

    /**
     * Stops reading; records already handed over are delivered by the delivery stream's close.
     *
     * @throws InterruptedException if interrupted while waiting for the reader
     */
    public void stop() throws InterruptedException {
        running = false;
        LockSupport.unpark(thread);
        thread.join(TimeUnit.SECONDS.toMillis(30));
    }

    private void read() {
        while (running) {
            boolean progressed = false;
            for (ShardReader shard : shards) {
                if (!running) {
                    return;
                }
                if (shard.finished || System.nanoTime() - shard.nextPollNanos < 0) {
                    continue;
                }
                try {
                    progressed |= poll(shard);
                } catch (StreamException e) {
                    if (e.code() == ErrorCode.EXPIRED_ITERATOR) {
                        shard.iterator = null;
                    } else if (e.code() == ErrorCode.PROVISIONED_THROUGHPUT_EXCEEDED) {
                        shard.nextPollNanos = System.nanoTime() + THROTTLE_BACKOFF.toNanos();
                    } else if (e.code() == ErrorCode.ENGINE_CLOSED || e.code() == ErrorCode.RESOURCE_NOT_FOUND) {
                        LOG.warn("stream source {}: stopped reading: {}", streamName, e.toString());
                        return;
                    } else {
                        LOG.warn("stream source {} shard {}: read failed, retrying: {}", streamName, shard.shardId,
                                e.toString());
                        shard.nextPollNanos = System.nanoTime() + THROTTLE_BACKOFF.toNanos();
                    }
                } catch (DeliveryException e) {
                    if (core.isClosed()) {
                        return;
                    }
                    LOG.warn("stream source {} shard {}: hand-over failed, re-reading: {}", streamName,
                            shard.shardId, e.toString());
                    shard.iterator = null;
                }
            }
            if (!progressed && running) {
                LockSupport.parkNanos(pollInterval.toNanos());
            }
        }
    }

    private boolean poll(ShardReader shard) {
        if (shard.iterator == null) {
            ShardIteratorType position = shard.lastHandedOver == null ? ShardIteratorType.trimHorizon()
                    : ShardIteratorType.afterSequenceNumber(shard.lastHandedOver);
            shard.iterator = engine.getShardIterator(streamName, shard.shardId, position);
        }
        GetRecordsResult result = engine.getRecords(shard.iterator, READ_LIMIT);
        if (result.nextShardIterator().isEmpty()) {
            shard.finished = true;
        }
        List<StreamRecord> records = result.records();
        if (records.isEmpty()) {
            shard.iterator = result.nextShardIterator().orElse(null);
            return false;
        }
        List<byte[]> data = new ArrayList<>(records.size());
        List<SourceRecord.KinesisRecordMetadata> metadata = new ArrayList<>(records.size());
        for (StreamRecord record : records) {
            data.add(record.dataBytes());
            metadata.add(new SourceRecord.KinesisRecordMetadata(shard.shardId, record.partitionKey(),
                    record.approximateArrivalTimestamp(), record.sequenceNumber(), 0));
        }
        List<PutRecordBatchResponseEntry> entries = core.put(data, metadata, this);
        if (!entries.get(0).isSuccessful()) {
            // All-or-nothing: the batch was refused for lack of memory; read it again later.
            shard.iterator = null;
            shard.nextPollNanos = System.nanoTime() + THROTTLE_BACKOFF.toNanos();
            return false;
        }
        shard.lastHandedOver = records.get(records.size() - 1).sequenceNumber();
        shard.iterator = result.nextShardIterator().orElse(null);
        return true;
    }

    private ShardReader shard(String shardId) {
        for (ShardReader shard : shards) {
            if (shard.shardId.equals(shardId)) {
                return shard;
            }
        }
        throw new IllegalStateException("unknown shard " + shardId);
    }

    @Override
    public Optional<String> forcedLast(String shardId) {
        return Optional.ofNullable(shard(shardId).replayEnds.poll());
    }

    @Override
    public void sealed(Segment segment) {
        ShardReader shard = shard(segment.shardId);
        shard.sealed.add(segment);
        if (segment.forcedLast.isEmpty()) {
            shard.intents.add(new String[] {segment.firstSequenceNumber, segment.lastSequenceNumber});
            checkpoints.store(shard.shardId, new ShardCheckpoints.State(shard.checkpoint, shard.intents));
        }
    }

    @Override
    public void committed(Segment segment) {
        ShardReader shard = shard(segment.shardId);
        shard.committed.add(segment);
        boolean advanced = false;
        while (!shard.sealed.isEmpty() && shard.committed.remove(shard.sealed.peek())) {
            Segment done = shard.sealed.poll();
            shard.checkpoint = Optional.of(done.lastSequenceNumber);
            shard.intents.removeIf(i -> i[0].equals(done.firstSequenceNumber) && i[1].equals(done.lastSequenceNumber));
            advanced = true;
        }
        if (advanced) {
            checkpoints.store(shard.shardId, new ShardCheckpoints.State(shard.checkpoint, shard.intents));
        }
    }
}
