package dev.sluice.stream.internal;

import dev.sluice.stream.ErrorCode;
import dev.sluice.stream.ShardLimits;
import dev.sluice.stream.StreamDescriptionSummary;
import dev.sluice.stream.StreamException;
import dev.sluice.stream.StreamMode;
import dev.sluice.stream.StreamStatus;
import dev.sluice.stream.WarmThroughput;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

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

    /** Up to this many open shards, {@link #route} counts instead of searching (shards are sorted by start). */
    private static final int LINEAR_ROUTE_SHARDS = 8;

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
    /**
     * Kinesis StreamId, derived from the name and incarnation (which the manifest keeps), see {@link #streamId(String,
     * long)}; computed when first described, since SHA-256 set-up cost a stream's creation several milliseconds in a
     * fresh JVM. Racing threads compute the same value.
     */
    private volatile String streamId;
    /**
     * Records routed by {@code AUTO} so far: the next one goes to open shard {@code count mod open}. One atomic add
     * per put call (a batch takes a range), no lock; under contention only the add is shared.
     */
    final AtomicLong autoRouted = new AtomicLong();
    /** Whether a warm throughput update is scaling the stream (status UPDATING); see {@link WarmThroughputScaler}. */
    volatile boolean warmScaling;
    private volatile RecordSettings records = RecordSettings.DEFAULTS;
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

    /** This stream's Kinesis StreamId. */
    String streamId() {
        String id = streamId;
        if (id == null) {
            id = streamId(name, incarnation);
            streamId = id;
        }
        return id;
    }

    /**
     * Kinesis StreamId ({@code [a-z0-9]{20}-[a-z0-9]{3}}): the SHA-256 of the name and incarnation in base 36. The
     * incarnation is random per creation and kept in the manifest, so the id is stable across restarts and differs
     * between a stream and a later one of the same name.
     */
    static String streamId(String name, long incarnation) {
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
        byte[] digest = sha.digest((name + '\n' + incarnation).getBytes(StandardCharsets.UTF_8));
        String base36 = new BigInteger(1, digest).toString(36); // 256 bits: up to 50 digits
        String padded = "0".repeat(Math.max(0, 23 - base36.length())) + base36;
        return padded.substring(0, 20) + '-' + padded.substring(20, 23);
    }

    /** The record settings; read by every put. */
    RecordSettings records() {
        return records;
    }

    /** Replaces the record settings; only under the control plane's lock, after the manifest holds them. */
    void records(RecordSettings records) {
        this.records = records;
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
            // Loops rather than a stream and comparator lambdas: this runs in every createStream, also the first of a
            // JVM, where a stream pipeline loaded some 20 classes and spun as many lambda forms.
            ShardState[] sortedAll = all.clone();
            Arrays.sort(sortedAll, ShardOrder.BY_INDEX);
            ShardState[] open = new ShardState[sortedAll.length];
            int n = 0;
            for (ShardState shard : sortedAll) {
                if (!shard.isClosed() && !closing.contains(shard)) {
                    open[n++] = shard;
                }
            }
            open = Arrays.copyOf(open, n);
            Arrays.sort(open, ShardOrder.BY_STARTING_HASH_KEY);
            return new Topology(sortedAll, open);
        }
    }

    /** The orders of {@link Topology}'s arrays. */
    private enum ShardOrder implements Comparator<ShardState> {
        BY_INDEX {
            @Override
            public int compare(ShardState a, ShardState b) {
                return Integer.compare(a.index, b.index);
            }
        },
        BY_STARTING_HASH_KEY {
            @Override
            public int compare(ShardState a, ShardState b) {
                return a.hashKeyRange.startingHashKey().compareTo(b.hashKeyRange.startingHashKey());
            }
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
        if (shards.length <= LINEAR_ROUTE_SHARDS) {
            // Count the shards starting at or before the key: no branch on the key's random bits, which a binary
            // search mispredicts about once a step (a tenth of a 100-byte put's caller-side work in profiles).
            int index = 0;
            for (int i = 1; i < shards.length; i++) {
                ShardState s = shards[i];
                index += HashKeySpace.compare(s.startHigh, s.startLow, high, low) <= 0 ? 1 : 0;
            }
            return shards[index];
        }
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
        RecordSettings record = records;
        int open = topology.open().length;
        Optional<WarmThroughput> warm = current.mode() != StreamMode.ON_DEMAND ? Optional.empty()
                : Optional.of(new WarmThroughput(record.warmThroughputMiBps(), WarmThroughputScaler.currentMiBps(this, open)));
        return new StreamDescriptionSummary(name, arn, warmScaling ? StreamStatus.UPDATING : StreamStatus.ACTIVE,
                current.mode(), retention, created, open, current.consumers().size(), current.encryption(),
                current.keyId(), limits, current.retentionBytes(), current.overflowPolicy(), streamId(),
                record.maxRecordSizeInKiB(), record.recordDistributionStrategy(), warm);
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
