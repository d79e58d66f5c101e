package dev.sluice.stream.internal;

import dev.sluice.stream.CreateStreamRequest;
import dev.sluice.stream.ErrorCode;
import dev.sluice.stream.HashKeyRange;
import dev.sluice.stream.ShardLimits;
import dev.sluice.stream.StreamException;
import dev.sluice.stream.Ticker;
import io.micrometer.core.instrument.MeterRegistry;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The control plane: which streams exist, their shards and retention.
 *
 * <p>Design note: lookups (every put and read) are lock-free reads of a concurrent map; changes are
 * serialised by {@code this}, as they are rare. Shards are assigned to writer threads round-robin across
 * all streams, so the writers stay balanced however streams come and go. Shard logs come from the
 * {@link ShardStore}, which also keeps what must outlive the engine (durable storage): streams it recovers at
 * start-up are registered as if just created, each shard's writer continuing after its newest record.
 */
final class Streams {

    private final ConcurrentHashMap<String, StreamState> streams = new ConcurrentHashMap<>();
    private final Clock clock;
    private final Ticker ticker;
    private final MeterRegistry registry;
    private final int writers;
    private final int shardQuota;
    private final ShardStore store;
    private int nextWriter;
    private int openShards;

    Streams(Clock clock, Ticker ticker, MeterRegistry registry, int writers, int shardQuota, ShardStore store) {
        this.clock = clock;
        this.ticker = ticker;
        this.registry = registry;
        this.writers = writers;
        this.shardQuota = shardQuota;
        this.store = store;
    }

    /** Registers the streams the store kept from an earlier engine. */
    synchronized void recover() {
        long now = ticker.read();
        for (ShardStore.RecoveredStream recovered : store.recover()) {
            StreamManifest manifest = recovered.manifest();
            StreamMetrics metrics = new StreamMetrics(registry, manifest.name());
            ShardState[] shards = new ShardState[recovered.shards().size()];
            for (int i = 0; i < shards.length; i++) {
                ShardStore.RecoveredShard shard = recovered.shards().get(i);
                shards[i] = shard(i, manifest.shardRanges().get(i), shard.log(), metrics, manifest.limits(),
                        shard.nextCounter(), shard.lastArrivalMillis(), now);
            }
            streams.put(manifest.name(), new StreamState(manifest.name(), manifest.incarnation(), manifest.created(),
                    manifest.retention(), manifest.limits(), shards, metrics));
            openShards += shards.length;
        }
    }

    synchronized StreamState create(CreateStreamRequest request) {
        String name = request.streamName();
        if (streams.containsKey(name)) {
            throw new StreamException(ErrorCode.RESOURCE_IN_USE, "Stream " + name + " under account "
                    + KinesisLimits.ACCOUNT_ID + " already exists.");
        }
        int count = request.shardCount();
        if ((long) openShards + count > shardQuota) {
            throw new StreamException(ErrorCode.LIMIT_EXCEEDED, "This request would exceed the shard limit for the account "
                    + KinesisLimits.ACCOUNT_ID + ". Current limit: " + shardQuota + ". Number of open shards: " + openShards
                    + ". Shards requested: " + count + ".");
        }
        if (count - 1 > SequenceNumbers.MAX_SHARD_INDEX) {
            throw new StreamException(ErrorCode.LIMIT_EXCEEDED, "shardCount must be <= "
                    + (SequenceNumbers.MAX_SHARD_INDEX + 1) + " but was " + count);
        }
        long incarnation = ThreadLocalRandom.current().nextLong();
        StreamMetrics metrics = new StreamMetrics(registry, name);
        ShardState[] shards = new ShardState[count];
        long now = ticker.read();
        try {
            for (int i = 0; i < count; i++) {
                HashKeyRange range = new HashKeyRange(HashKeySpace.evenSplitStart(i, count), HashKeySpace.evenSplitEnd(i, count));
                ShardLog log = store.openLog(name, incarnation, i, request.retention());
                shards[i] = shard(i, range, log, metrics, request.shardLimits(), SequenceNumbers.FIRST_COUNTER, 0, now);
            }
            StreamState stream = new StreamState(name, incarnation, clock.instant(), request.retention(),
                    request.shardLimits(), shards, metrics);
            store.save(StreamManifest.of(stream));
            streams.put(name, stream);
            openShards += count;
            return stream;
        } catch (RuntimeException e) {
            metrics.remove();
            try {
                store.delete(name, incarnation);
            } catch (RuntimeException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
    }

    private ShardState shard(int index, HashKeyRange range, ShardLog log, StreamMetrics metrics, ShardLimits limits,
                             long nextCounter, long lastArrivalMillis, long nowNanos) {
        StreamMetrics.ShardMetrics shardMetrics = metrics.shard(ShardState.shardId(index), log);
        ShardWriter writer = new ShardWriter(log, shardMetrics, limits, nextCounter, lastArrivalMillis, nowNanos);
        ShardState shard = new ShardState(index, range, SequenceNumbers.FIRST_COUNTER, nextWriter, log, writer,
                new ReadLimiter(limits, nowNanos), shardMetrics);
        nextWriter = (nextWriter + 1) % writers;
        return shard;
    }

    synchronized void delete(String name) {
        StreamState stream = require(name);
        stream.markDeleted();
        streams.remove(name);
        openShards -= stream.shards.length;
        stream.metrics.remove();
        store.delete(name, stream.incarnation);
    }

    StreamState require(String name) {
        StreamState stream = streams.get(name);
        if (stream == null) {
            KinesisLimits.checkStreamName(name);
            throw notFound(name);
        }
        return stream;
    }

    /** Resolves an iterator's stream, refusing one deleted or re-created since the iterator was issued. */
    StreamState require(String name, long incarnation) {
        StreamState stream = streams.get(name);
        if (stream == null || stream.incarnation != incarnation) {
            throw notFound(name);
        }
        return stream;
    }

    List<String> list() {
        List<String> names = new ArrayList<>(streams.keySet());
        names.sort(null);
        return names;
    }

    synchronized void increaseRetention(String name, Duration retention) {
        StreamState stream = require(name);
        KinesisLimits.checkRetention("retentionPeriod", retention);
        if (retention.compareTo(stream.retention()) < 0) {
            throw new StreamException(ErrorCode.INVALID_ARGUMENT, "Requested retention period (" + retention
                    + ") for stream " + name + " can not be shorter than existing retention period (" + stream.retention()
                    + "). Use DecreaseRetentionPeriod API.");
        }
        store.save(StreamManifest.of(stream).withRetention(retention)); // on disk first: a failed write changes nothing
        stream.retention(retention);
    }

    synchronized void decreaseRetention(String name, Duration retention) {
        StreamState stream = require(name);
        KinesisLimits.checkRetention("retentionPeriod", retention);
        if (retention.compareTo(stream.retention()) > 0) {
            throw new StreamException(ErrorCode.INVALID_ARGUMENT, "Requested retention period (" + retention
                    + ") for stream " + name + " can not be longer than existing retention period (" + stream.retention()
                    + "). Use IncreaseRetentionPeriod API.");
        }
        store.save(StreamManifest.of(stream).withRetention(retention)); // on disk first: a failed write changes nothing
        stream.retention(retention);
    }

    /** Releases the storage of expired records in every shard. */
    void expireRecords() {
        long now = clock.millis();
        for (StreamState stream : streams.values()) {
            long cutoff = now - stream.retention().toMillis();
            for (ShardState shard : stream.shards) {
                shard.log.expireBefore(cutoff);
            }
        }
    }

    /** Forces written records to the storage device (the interval fsync policy). */
    void syncLogs() {
        store.sync();
    }

    /** Closes the store; called once, after the writers stopped. */
    synchronized void close() {
        store.close();
    }

    private static StreamException notFound(String name) {
        return new StreamException(ErrorCode.RESOURCE_NOT_FOUND, "Stream " + name + " under account "
                + KinesisLimits.ACCOUNT_ID + " not found.");
    }
}
