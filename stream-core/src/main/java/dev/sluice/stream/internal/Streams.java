package dev.sluice.stream.internal;

import dev.sluice.stream.CreateStreamRequest;
import dev.sluice.stream.ErrorCode;
import dev.sluice.stream.HashKeyRange;
import dev.sluice.stream.ShardLimits;
import dev.sluice.stream.StreamException;
import dev.sluice.stream.StreamMode;
import dev.sluice.stream.Ticker;
import io.micrometer.core.instrument.MeterRegistry;

import java.math.BigInteger;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.UnaryOperator;

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
    private final String region;
    private final EngineRetention engineRetention;
    private int nextWriter;
    private int openShards;

    Streams(Clock clock, Ticker ticker, MeterRegistry registry, int writers, int shardQuota, ShardStore store,
            String region, EngineRetention engineRetention) {
        this.region = region;
        this.engineRetention = engineRetention;
        this.clock = clock;
        this.ticker = ticker;
        this.registry = registry;
        this.writers = writers;
        this.shardQuota = shardQuota;
        this.store = store;
    }

    /**
     * Registers the streams the store kept from an earlier engine. Shards are rebuilt in index order, so a
     * child's parents are known: a closed shard ends at its log's tail (where its writer stopped), and a child's
     * first counter is one past its parents' last.
     */
    synchronized void recover() {
        long now = ticker.read();
        for (ShardStore.RecoveredStream recovered : store.recover()) {
            StreamManifest manifest = recovered.manifest();
            StreamMetrics metrics = new StreamMetrics(registry, manifest.name());
            ShardState[] shards = new ShardState[recovered.shards().size()];
            long[] lastCounters = new long[shards.length];
            for (int i = 0; i < shards.length; i++) {
                ShardStore.RecoveredShard shard = recovered.shards().get(i);
                StreamManifest.ShardEntry entry = manifest.shards().get(i);
                long first = SequenceNumbers.FIRST_COUNTER;
                for (Optional<String> parent : List.of(entry.parent(), entry.adjacentParent())) {
                    if (parent.isPresent()) {
                        first = Math.max(first, lastCounters[indexOf(manifest, parent.get(), i)] + 1);
                    }
                }
                long next = Math.max(first, shard.nextCounter());
                shards[i] = shard(i, entry.range(), shard.log(), metrics, manifest.limits(), first, next,
                        shard.lastArrivalMillis(), now, entry.parent(), entry.adjacentParent());
                lastCounters[i] = next - 1;
                if (entry.closed()) {
                    shards[i].writer.close(); // no writer thread runs yet
                    shards[i].close(next - 1);
                } else {
                    openShards++;
                }
            }
            StreamState stream = new StreamState(manifest.name(), Arns.stream(region, manifest.name()),
                    manifest.incarnation(), manifest.created(), manifest.retention(), manifest.limits(),
                    manifest.settings(), shards, metrics, engineRetention);
            stream.openedNanos = now;
            stream.records(manifest.records());
            // A warm throughput update the last engine did not finish scaling up for is resumed.
            stream.warmScaling = WarmThroughputScaler.unfinished(stream);
            streams.put(manifest.name(), stream);
        }
    }

    private static int indexOf(StreamManifest manifest, String shardId, int child) {
        int index = Integer.parseInt(shardId.substring("shardId-".length()));
        if (index < 0 || index >= child) {
            throw new StreamException(ErrorCode.INTERNAL_FAILURE, "the manifest of stream " + manifest.name()
                    + " names " + shardId + " as a parent of " + ShardState.shardId(child) + ", which is not an earlier shard");
        }
        return index;
    }

    synchronized StreamState create(CreateStreamRequest request) {
        String name = request.streamName();
        if (streams.containsKey(name)) {
            throw new StreamException(ErrorCode.RESOURCE_IN_USE, "Stream " + name + " under account "
                    + KinesisLimits.ACCOUNT_ID + " already exists.");
        }
        if (request.streamMode() == StreamMode.ON_DEMAND) {
            ResourceAdmin.checkOnDemandQuota(onDemandStreamCount(), name);
        }
        int count = request.shardCount();
        if (request.warmThroughputMiBps().isPresent()) { // pre-scaled at creation: Kinesis CreateStream WarmThroughputMiBps
            int mibps = request.warmThroughputMiBps().getAsInt();
            WarmThroughputScaler.checkTarget(name, mibps);
            count = Math.max(count, WarmThroughputScaler.shardsFor(mibps, request.shardLimits()));
        }
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
                ShardLog log = store.openLog(name, incarnation, i, request.retention(), request.retentionBytes().isPresent());
                shards[i] = shard(i, range, log, metrics, request.shardLimits(), SequenceNumbers.FIRST_COUNTER,
                        SequenceNumbers.FIRST_COUNTER, 0, now, Optional.empty(), Optional.empty());
            }
            StreamState stream = new StreamState(name, Arns.stream(region, name), incarnation, clock.instant(),
                    request.retention(), request.shardLimits(), StreamSettings.of(request.streamMode(),
                    request.retentionBytes(), request.overflowPolicy()), shards, metrics, engineRetention);
            stream.openedNanos = now;
            stream.records(new RecordSettings(request.maxRecordSizeInKiB(), request.recordDistributionStrategy(),
                    request.warmThroughputMiBps()));
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
                             long firstCounter, long nextCounter, long lastArrivalMillis, long nowNanos,
                             Optional<String> parent, Optional<String> adjacentParent) {
        StreamMetrics.ShardMetrics shardMetrics = metrics.shard(ShardState.shardId(index), log);
        ShardWriter writer = new ShardWriter(log, shardMetrics, limits, nextCounter, lastArrivalMillis, nowNanos);
        ShardState shard = new ShardState(index, range, firstCounter, nextWriter, log, writer,
                new ReadLimiter(limits, nowNanos), shardMetrics, parent, adjacentParent);
        nextWriter = (nextWriter + 1) % writers;
        return shard;
    }

    synchronized void delete(String name) {
        StreamState stream = require(name);
        stream.markDeleted();
        streams.remove(name);
        openShards -= stream.openShards().length;
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

    /**
     * Splits an open shard in two: {@code [start, newStartingHashKey - 1]} and {@code [newStartingHashKey, end]}.
     *
     * @param closer closes a shard through its writer (ordered with puts) and yields its last counter
     */
    synchronized void splitShard(String name, String shardId, String newStartingHashKey, ShardCloser closer) {
        StreamState stream = require(name);
        checkProvisioned(stream, "resharding");
        ShardState parent = openShard(stream, shardId);
        BigInteger key;
        try {
            key = new BigInteger(newStartingHashKey);
        } catch (NumberFormatException | NullPointerException e) {
            throw new StreamException(ErrorCode.INVALID_ARGUMENT, "newStartingHashKey must be a decimal integer but was '"
                    + (newStartingHashKey == null ? "null" : KinesisLimits.abbreviate(newStartingHashKey)) + "'");
        }
        HashKeyRange range = parent.hashKeyRange;
        if (key.compareTo(range.startingHashKey()) <= 0 || key.compareTo(range.endingHashKey()) > 0) {
            throw new StreamException(ErrorCode.INVALID_ARGUMENT, "NewStartingHashKey " + key + " must be in ("
                    + range.startingHashKey() + ", " + range.endingHashKey() + "] (strictly above the start of the hash key"
                    + " range of shard " + shardId + " in stream " + name + ", at most its end)");
        }
        checkCapacity(stream, 1, 2);
        split(stream, parent, key, closer);
    }

    /** Merges two open shards with adjacent hash key ranges into one. */
    synchronized void mergeShards(String name, String shardToMerge, String adjacentShardToMerge, ShardCloser closer) {
        StreamState stream = require(name);
        checkProvisioned(stream, "resharding");
        ShardState a = openShard(stream, shardToMerge);
        ShardState b = openShard(stream, adjacentShardToMerge);
        if (!adjacent(a, b)) {
            throw new StreamException(ErrorCode.INVALID_ARGUMENT, "Shards " + a.shardId + " " + range(a) + " and "
                    + b.shardId + " " + range(b) + " in stream " + name + " under account " + KinesisLimits.ACCOUNT_ID
                    + " are not adjacent: one range must end right before the other starts");
        }
        checkCapacity(stream, 0, 1);
        merge(stream, a, b, closer);
    }

    /**
     * Uniform scaling: the splits and merges of {@link UniformScaling} that leave {@code target} open shards of equal
     * size, each one committed (manifest) as SplitShard and MergeShards are.
     */
    synchronized void updateShardCount(String name, int target, ShardCloser closer) {
        StreamState stream = require(name);
        checkProvisioned(stream, "UpdateShardCount");
        scale(stream, target, closer);
    }

    /** On-demand scaling: uniform scaling of a stream in either mode, within the same limits. */
    synchronized void scaleOnDemand(StreamState stream, int target, ShardCloser closer) {
        if (streams.get(stream.name) == stream && stream.settings().mode() == StreamMode.ON_DEMAND) {
            scale(stream, target, closer);
        }
    }

    private void scale(StreamState stream, int target, ShardCloser closer) {
        String name = stream.name;
        int open = stream.openShards().length;
        if (target < 1) {
            throw new StreamException(ErrorCode.INVALID_ARGUMENT, "targetShardCount must be >= 1 but was " + target);
        }
        if (target > 2L * open) {
            throw new StreamException(ErrorCode.LIMIT_EXCEEDED, "UpdateShardCount cannot scale up over double your current"
                    + " open shard count. Current open shard count: " + open + " Target shard count: " + target
                    + " (stream " + name + ")");
        }
        if (2L * target < open) {
            throw new StreamException(ErrorCode.LIMIT_EXCEEDED, "UpdateShardCount cannot scale down below half your current"
                    + " open shard count. Current open shard count: " + open + " Target shard count: " + target
                    + " (stream " + name + ")");
        }
        UniformScaling.Plan plan = UniformScaling.plan(
                Arrays.stream(stream.openShards()).map(s -> s.hashKeyRange).toList(), target);
        checkCapacity(stream, plan.peakOpen() - open, plan.newShards());
        for (UniformScaling.Step step : plan.steps()) {
            if (step instanceof UniformScaling.Split s) {
                split(stream, UniformScaling.find(stream.openShards(), s.shard()), s.newStartingHashKey(), closer);
            } else if (step instanceof UniformScaling.Merge m) {
                merge(stream, UniformScaling.find(stream.openShards(), m.shard()),
                        UniformScaling.find(stream.openShards(), m.adjacentShard()), closer);
            }
        }
    }

    private void split(StreamState stream, ShardState parent, BigInteger key, ShardCloser closer) {
        HashKeyRange range = parent.hashKeyRange;
        int index = maxIndex(stream) + 1;
        Optional<String> parentId = Optional.of(parent.shardId);
        HashKeyRange lowRange = new HashKeyRange(range.startingHashKey(), key.subtract(BigInteger.ONE));
        HashKeyRange highRange = new HashKeyRange(key, range.endingHashKey());
        boolean byteLimited = stream.settings().retentionBytes().isPresent();
        ShardLog lowLog = store.openLog(stream.name, stream.incarnation, index, stream.retention(), byteLimited);
        ShardLog highLog = store.openLog(stream.name, stream.incarnation, index + 1, stream.retention(), byteLimited);
        commit(stream, List.of(parent), index, List.of(
                new StreamManifest.ShardEntry(lowRange, parentId, Optional.empty(), false),
                new StreamManifest.ShardEntry(highRange, parentId, Optional.empty(), false)));
        long last = close(stream, parent, closer);
        long now = ticker.read();
        ShardState low = shard(index, lowRange, lowLog, stream.metrics, stream.limits, last + 1, last + 1, 0, now,
                parentId, Optional.empty());
        ShardState high = shard(index + 1, highRange, highLog, stream.metrics, stream.limits, last + 1, last + 1, 0, now,
                parentId, Optional.empty());
        install(stream, List.of(parent), List.of(last), low, high);
        openShards += 1;
    }

    private void merge(StreamState stream, ShardState a, ShardState b, ShardCloser closer) {
        int index = maxIndex(stream) + 1;
        BigInteger start = a.hashKeyRange.startingHashKey().min(b.hashKeyRange.startingHashKey());
        BigInteger end = a.hashKeyRange.endingHashKey().max(b.hashKeyRange.endingHashKey());
        HashKeyRange range = new HashKeyRange(start, end);
        ShardLog log = store.openLog(stream.name, stream.incarnation, index, stream.retention(),
                stream.settings().retentionBytes().isPresent());
        commit(stream, List.of(a, b), index, List.of(
                new StreamManifest.ShardEntry(range, Optional.of(a.shardId), Optional.of(b.shardId), false)));
        long lastA = close(stream, a, closer);
        long lastB = close(stream, b, closer);
        long first = Math.max(lastA, lastB) + 1;
        ShardState child = shard(index, range, log, stream.metrics, stream.limits, first, first, 0,
                ticker.read(), Optional.of(a.shardId), Optional.of(b.shardId));
        install(stream, List.of(a, b), List.of(lastA, lastB), child);
        openShards -= 1;
    }

    /**
     * Saves the manifest of the resharded stream: the commit point (see {@link StreamManifest}). If it cannot be
     * saved, nothing changed: the children's logs, opened from {@code firstChild} on, are discarded.
     */
    private void commit(StreamState stream, List<ShardState> parents, int firstChild,
                        List<StreamManifest.ShardEntry> children) {
        try {
            store.save(StreamManifest.of(stream, stream.shards(), parents, children));
        } catch (RuntimeException e) {
            for (int i = 0; i < children.size(); i++) {
                try {
                    store.discardLog(stream.name, stream.incarnation, firstChild + i);
                } catch (RuntimeException cleanup) {
                    e.addSuppressed(cleanup);
                }
            }
            throw e;
        }
    }

    /**
     * Closes a shard through its writer and waits (uninterruptibly: once the close is in the ring, the children
     * must be installed or the parent's hash keys would have no open shard) for its last counter.
     */
    private static long close(StreamState stream, ShardState shard, ShardCloser closer) {
        try {
            return closer.close(shard).join();
        } catch (CompletionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof StreamException se) {
                throw se;
            }
            throw new StreamException(ErrorCode.INTERNAL_FAILURE, "closing shard " + shard.shardId + " of stream "
                    + stream.name + " for resharding failed: " + cause, cause);
        }
    }

    /**
     * Makes the children routable, then marks the parents closed: a reader that sees a parent closed finds its
     * children (volatile write of the snapshot before the volatile write of the ending counter).
     */
    private static void install(StreamState stream, List<ShardState> parents, List<Long> lastCounters,
                                ShardState... children) {
        ShardState[] current = stream.shards();
        ShardState[] all = Arrays.copyOf(current, current.length + children.length);
        System.arraycopy(children, 0, all, current.length, children.length);
        stream.topology(StreamState.Topology.of(all, parents));
        for (int i = 0; i < parents.size(); i++) {
            parents.get(i).close(lastCounters.get(i));
        }
    }

    private static void checkProvisioned(StreamState stream, String operation) {
        if (stream.settings().mode() == StreamMode.ON_DEMAND) {
            throw new StreamException(ErrorCode.VALIDATION, operation + " is not supported for stream " + stream.name
                    + " under account " + KinesisLimits.ACCOUNT_ID + ": it is in ON_DEMAND capacity mode, where the"
                    + " engine scales the shards; switch it to PROVISIONED first (UpdateStreamMode)");
        }
    }

    /** Replaces a stream's settings: saved to the manifest first, so a failed write changes nothing. */
    synchronized StreamSettings updateSettings(String name, UnaryOperator<StreamSettings> change) {
        StreamState stream = require(name);
        StreamSettings updated = change.apply(stream.settings());
        if (!updated.equals(stream.settings())) {
            store.save(StreamManifest.of(stream).withSettings(updated));
            stream.settings(updated);
        }
        return updated;
    }

    /**
     * Replaces a stream's record settings: saved to the manifest first, so a failed write changes nothing. Refused
     * while a warm throughput update scales the stream (Kinesis: the stream is UPDATING, ResourceInUseException).
     */
    synchronized RecordSettings updateRecords(String name, UnaryOperator<RecordSettings> change) {
        StreamState stream = require(name);
        if (stream.warmScaling) {
            throw new StreamException(ErrorCode.RESOURCE_IN_USE, "Stream " + name + " under account "
                    + KinesisLimits.ACCOUNT_ID + " is in UPDATING state (a warm throughput update is scaling it); retry"
                    + " once it is ACTIVE");
        }
        RecordSettings updated = change.apply(stream.records());
        if (!updated.equals(stream.records())) {
            store.save(StreamManifest.of(stream).withRecords(updated));
            stream.records(updated);
        }
        return updated;
    }

    /**
     * Kinesis UpdateStreamWarmThroughput: records the target and, if the open shard count differs from what it needs,
     * marks the stream UPDATING for the {@link WarmThroughputScaler} to reach it.
     */
    synchronized void updateWarmThroughput(String name, int mibps) {
        StreamState stream = require(name);
        if (stream.settings().mode() != StreamMode.ON_DEMAND) {
            throw new StreamException(ErrorCode.INVALID_ARGUMENT, "Stream " + name + " under account "
                    + KinesisLimits.ACCOUNT_ID + " is in PROVISIONED capacity mode; warm throughput is only for ON_DEMAND"
                    + " streams (UpdateStreamMode first)");
        }
        WarmThroughputScaler.checkTarget(name, mibps);
        int open = stream.openShards().length;
        int desired = WarmThroughputScaler.desiredShards(stream, mibps);
        if (desired > open && (long) openShards + desired - open > shardQuota) {
            throw new StreamException(ErrorCode.LIMIT_EXCEEDED, "This request would exceed the shard limit for the account "
                    + KinesisLimits.ACCOUNT_ID + ". Current limit: " + shardQuota + ". Number of open shards: " + openShards
                    + ". Shards requested: " + (desired - open) + " (warm throughput " + mibps + " MiBps for stream "
                    + name + ").");
        }
        updateRecords(name, records -> records.withWarmThroughputMiBps(mibps));
        stream.warmScaling = desired != open;
    }

    String region() {
        return region;
    }

    /** Open shards over all streams. */
    synchronized int openShardCount() {
        return openShards;
    }

    /** Most open shards over all streams. */
    int shardQuota() {
        return shardQuota;
    }

    /** Streams in on-demand mode now. */
    synchronized int onDemandStreamCount() {
        int count = 0;
        for (StreamState stream : streams.values()) {
            if (stream.settings().mode() == StreamMode.ON_DEMAND) {
                count++;
            }
        }
        return count;
    }

    /** Every stream now registered. */
    Collection<StreamState> all() {
        return streams.values();
    }

    private void checkCapacity(StreamState stream, int addedOpenShards, int newShards) {
        if ((long) openShards + addedOpenShards > shardQuota) {
            throw new StreamException(ErrorCode.LIMIT_EXCEEDED, "This request would exceed the shard limit for the account "
                    + KinesisLimits.ACCOUNT_ID + ". Current limit: " + shardQuota + ". Number of open shards: " + openShards
                    + ". Shards requested: " + addedOpenShards + ".");
        }
        if ((long) maxIndex(stream) + newShards > SequenceNumbers.MAX_SHARD_INDEX) {
            throw new StreamException(ErrorCode.LIMIT_EXCEEDED, "stream " + stream.name + " has used all shard indexes"
                    + " (at most " + (SequenceNumbers.MAX_SHARD_INDEX + 1) + " shards over its lifetime)");
        }
    }

    private static ShardState openShard(StreamState stream, String shardId) {
        ShardState shard = stream.shard(shardId);
        if (shard.isClosed()) {
            throw new StreamException(ErrorCode.INVALID_ARGUMENT, "Shard " + shardId + " in stream " + stream.name
                    + " under account " + KinesisLimits.ACCOUNT_ID + " is closed (already split or merged); only open"
                    + " shards can be resharded");
        }
        return shard;
    }

    private static boolean adjacent(ShardState a, ShardState b) {
        return a.hashKeyRange.endingHashKey().add(BigInteger.ONE).equals(b.hashKeyRange.startingHashKey())
                || b.hashKeyRange.endingHashKey().add(BigInteger.ONE).equals(a.hashKeyRange.startingHashKey());
    }

    private static String range(ShardState shard) {
        return "[" + shard.hashKeyRange.startingHashKey() + ", " + shard.hashKeyRange.endingHashKey() + "]";
    }

    private static int maxIndex(StreamState stream) {
        int max = -1;
        for (ShardState s : stream.shards()) {
            max = Math.max(max, s.index);
        }
        return max;
    }

    /** Closes a shard for resharding through its writer thread; see {@link WritePath#closeShard}. */
    @FunctionalInterface
    interface ShardCloser {
        CompletableFuture<Long> close(ShardState shard);
    }

    /** Releases the storage of expired records in every shard. */
    void expireRecords() {
        long now = clock.millis();
        for (StreamState stream : streams.values()) {
            long cutoff = now - stream.retention().toMillis();
            for (ShardState shard : stream.shards()) {
                stream.byteRetention.dropped(shard.log.expireBefore(cutoff), true);
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
