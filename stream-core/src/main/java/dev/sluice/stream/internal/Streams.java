package dev.sluice.stream.internal;

import dev.sluice.stream.CreateStreamRequest;
import dev.sluice.stream.ErrorCode;
import dev.sluice.stream.HashKeyRange;
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
 * all streams, so the writers stay balanced however streams come and go.
 */
final class Streams {

    private final ConcurrentHashMap<String, StreamState> streams = new ConcurrentHashMap<>();
    private final Clock clock;
    private final Ticker ticker;
    private final MeterRegistry registry;
    private final int writers;
    private final int shardQuota;
    private int nextWriter;
    private int openShards;

    Streams(Clock clock, Ticker ticker, MeterRegistry registry, int writers, int shardQuota) {
        this.clock = clock;
        this.ticker = ticker;
        this.registry = registry;
        this.writers = writers;
        this.shardQuota = shardQuota;
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
        StreamMetrics metrics = new StreamMetrics(registry, name);
        ShardState[] shards = new ShardState[count];
        long now = ticker.read();
        for (int i = 0; i < count; i++) {
            HashKeyRange range = new HashKeyRange(HashKeySpace.evenSplitStart(i, count), HashKeySpace.evenSplitEnd(i, count));
            ShardLog log = new InMemoryShardLog(i);
            StreamMetrics.ShardMetrics shardMetrics = metrics.shard(ShardState.shardId(i), log);
            ShardWriter writer = new ShardWriter(log, shardMetrics, request.shardLimits(), SequenceNumbers.FIRST_COUNTER, now);
            shards[i] = new ShardState(i, range, SequenceNumbers.FIRST_COUNTER, nextWriter, log, writer,
                    new ReadLimiter(request.shardLimits(), now), shardMetrics);
            nextWriter = (nextWriter + 1) % writers;
        }
        StreamState stream = new StreamState(name, ThreadLocalRandom.current().nextLong(), clock.instant(),
                request.retention(), request.shardLimits(), shards, metrics);
        streams.put(name, stream);
        openShards += count;
        return stream;
    }

    synchronized void delete(String name) {
        StreamState stream = require(name);
        stream.markDeleted();
        streams.remove(name);
        openShards -= stream.shards.length;
        stream.metrics.remove();
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

    private static StreamException notFound(String name) {
        return new StreamException(ErrorCode.RESOURCE_NOT_FOUND, "Stream " + name + " under account "
                + KinesisLimits.ACCOUNT_ID + " not found.");
    }
}
