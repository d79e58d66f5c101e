package dev.sluice.stream.internal;

import dev.sluice.stream.ErrorCode;
import dev.sluice.stream.ShardLimits;
import dev.sluice.stream.StreamDescriptionSummary;
import dev.sluice.stream.StreamException;
import dev.sluice.stream.StreamStatus;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One stream: its configuration, its shards and its meters.
 *
 * <p>Thread-safety: the shards are an immutable {@link Topology} snapshot (every shard ever created, open and
 * closed, for lookups; the open ones sorted by starting hash key, for routing) in a volatile field that the
 * control plane replaces under its lock when it reshards, so a put routes on one consistent snapshot without
 * locking. Retention and the deleted flag are volatile and changed only under the control plane's lock.
 * {@code incarnation} tells a deleted stream from a new one of the same name, so iterators of the old one are
 * refused.
 */
final class StreamState {

    final String name;
    final long incarnation;
    final Instant created;
    final ShardLimits limits;
    final StreamMetrics metrics;
    final String arn;
    /** Byte retention: retained bytes, byte limit, registered readers. */
    final StreamRetention byteRetention;
    /** Per registered consumer and shard, the consumer's own read budget (enhanced fan-out). */
    final ConcurrentHashMap<String, ReadLimiter> fanOutBudgets = new ConcurrentHashMap<>();
    /** Ticker time at which this engine opened the stream (created or recovered); set before it is published. */
    long openedNanos;
    private volatile StreamSettings settings;
    private volatile Topology topology;
    private volatile Duration retention;
    private volatile boolean deleted;

    StreamState(String name, String arn, long incarnation, Instant created, Duration retention, ShardLimits limits,
                StreamSettings settings, ShardState[] shards, StreamMetrics metrics, EngineRetention engineRetention) {
        this.name = name;
        this.arn = arn;
        this.settings = settings;
        this.incarnation = incarnation;
        this.created = created;
        this.retention = retention;
        this.limits = limits;
        this.topology = Topology.of(shards, List.of());
        this.metrics = metrics;
        metrics.enhancedMonitoring(settings.resources().shardLevelMetrics());
        this.byteRetention = new StreamRetention(this, engineRetention, metrics);
        byteRetention.configure(settings);
        byteRetention.readers().restore(settings.readers());
        byteRetention.seed();
    }

    /**
     * An immutable view of a stream's shards.
     *
     * @param all  every shard, open and closed, by index
     * @param open the open shards, sorted by starting hash key; their ranges cover the hash key space
     */
    record Topology(ShardState[] all, ShardState[] open) {

        /** A topology of {@code all}, where the already closed shards and {@code closing} are not open. */
        static Topology of(ShardState[] all, List<ShardState> closing) {
            ShardState[] sortedAll = all.clone();
            Arrays.sort(sortedAll, Comparator.comparingInt(s -> s.index));
            ShardState[] open = Arrays.stream(sortedAll).filter(s -> !s.isClosed() && !closing.contains(s))
                    .sorted((a, b) -> a.hashKeyRange.startingHashKey().compareTo(b.hashKeyRange.startingHashKey()))
                    .toArray(ShardState[]::new);
            return new Topology(sortedAll, open);
        }
    }

    /** Every shard, open and closed, by index. */
    ShardState[] shards() {
        return topology.all();
    }

    /** The open shards, sorted by starting hash key. */
    ShardState[] openShards() {
        return topology.open();
    }

    /** Replaces the shards; only under the control plane's lock. */
    void topology(Topology topology) {
        this.topology = topology;
    }

    /**
     * The open shard whose hash key range holds the key (the last one starting at or before it), in a given
     * snapshot of {@link #openShards()}. A call routing several entries must use one snapshot
     * for all: entries of one partition key routed on different snapshots could land on a closing parent and on
     * its child, and the child's would be written first.
     */
    static ShardState route(ShardState[] shards, long high, long low) {
        int lo = 0;
        int hi = shards.length - 1;
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            ShardState s = shards[mid];
            if (HashKeySpace.compare(s.startHigh, s.startLow, high, low) <= 0) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        return shards[lo];
    }

    ShardState shard(String shardId) {
        for (ShardState s : topology.all()) {
            if (s.shardId.equals(shardId)) {
                return s;
            }
        }
        throw new StreamException(ErrorCode.RESOURCE_NOT_FOUND, "Shard " + shardId + " in stream " + name
                + " under account " + KinesisLimits.ACCOUNT_ID + " does not exist");
    }

    ShardState shard(int index) {
        for (ShardState s : topology.all()) {
            if (s.index == index) {
                return s;
            }
        }
        throw new StreamException(ErrorCode.RESOURCE_NOT_FOUND, "Shard " + ShardState.shardId(index) + " in stream "
                + name + " under account " + KinesisLimits.ACCOUNT_ID + " does not exist");
    }

    /** A registered consumer's own read budget on a shard (enhanced fan-out), made on first use. */
    ReadLimiter fanOutBudget(StreamSettings.RegisteredConsumer consumer, ShardState shard, long nowNanos) {
        return fanOutBudgets.computeIfAbsent(consumer.name() + '/' + consumer.created().getEpochSecond() + '/' + shard.index,
                k -> ReadLimiter.fanOut(limits, nowNanos));
    }

    /** Forgets a deregistered consumer's budgets. */
    void dropFanOutBudgets(StreamSettings.RegisteredConsumer consumer) {
        String prefix = consumer.name() + '/' + consumer.created().getEpochSecond() + '/';
        fanOutBudgets.keySet().removeIf(key -> key.startsWith(prefix));
    }

    StreamSettings settings() {
        return settings;
    }

    /** Replaces the settings; only under the control plane's lock, after the manifest holds them. */
    void settings(StreamSettings settings) {
        this.settings = settings;
        byteRetention.configure(settings);
        metrics.enhancedMonitoring(settings.resources().shardLevelMetrics());
    }

    Duration retention() {
        return retention;
    }

    void retention(Duration retention) {
        this.retention = retention;
    }

    boolean isDeleted() {
        return deleted;
    }

    void markDeleted() {
        deleted = true;
        byteRetention.release();
    }

    StreamDescriptionSummary describe() {
        StreamSettings current = settings;
        return new StreamDescriptionSummary(name, arn, StreamStatus.ACTIVE, current.mode(), retention, created,
                topology.open().length, current.consumers().size(), current.encryption(), current.keyId(), limits,
                current.retentionBytes(), current.overflowPolicy());
    }

    /** The shards whose parent or adjacent parent is {@code parent}, by index. */
    List<ShardState> children(ShardState parent) {
        List<ShardState> children = new ArrayList<>(2);
        for (ShardState s : topology.all()) {
            if (s.parentShardId.filter(parent.shardId::equals).isPresent()
                    || s.adjacentParentShardId.filter(parent.shardId::equals).isPresent()) {
                children.add(s);
            }
        }
        return children;
    }
}
