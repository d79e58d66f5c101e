package dev.sluice.stream.internal;

import dev.sluice.stream.AccountLimits;
import dev.sluice.stream.CreateStreamRequest;
import dev.sluice.stream.EnhancedMonitoringUpdate;
import dev.sluice.stream.ShardLevelMetric;
import dev.sluice.stream.EncryptionType;
import dev.sluice.stream.StreamConsumer;
import dev.sluice.stream.StreamMode;
import dev.sluice.stream.SubscribeToShardEvent;
import dev.sluice.stream.ErrorCode;
import dev.sluice.stream.FsyncPolicy;
import dev.sluice.stream.GetRecordsResult;
import dev.sluice.stream.PutRecordResult;
import dev.sluice.stream.PutRecordsResult;
import dev.sluice.stream.OverflowPolicy;
import dev.sluice.stream.ReaderRegistration;
import dev.sluice.stream.RecordDistributionStrategy;
import dev.sluice.stream.WarmThroughput;
import dev.sluice.stream.Shard;
import dev.sluice.stream.ShardIteratorType;
import dev.sluice.stream.Storage;
import dev.sluice.stream.StreamDescriptionSummary;
import dev.sluice.stream.StreamException;
import dev.sluice.stream.ThrottleMode;
import dev.sluice.stream.Ticker;
import dev.sluice.stream.WaitStrategy;
import io.micrometer.core.instrument.MeterRegistry;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.Flow;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The engine behind {@link dev.sluice.stream.StreamEngine}: wires the control plane, the write ring, the
 * read path and the scheduler thread, and owns their lifecycle.
 *
 * <p>Threads: {@code writerThreads} writer threads ({@code sluice-stream-writer-<n>}); one completer thread
 * ({@code sluice-stream-completer}) that builds the results of asynchronous puts and completes their futures,
 * so writers only write (building 500 sequence-number strings per batch was half a writer's time); and one
 * scheduler thread ({@code sluice-stream-scheduler}) that releases expired records' memory every second, checks the
 * byte limits for early warnings every second ({@link EngineRetention#check()}), re-submits throttled puts in BLOCK
 * mode, and with durable storage under an interval fsync policy also forces the shard files. Nothing else; the count does not depend on the number of streams or shards. Synchronous puts
 * build their results on the caller's thread.
 *
 * <p>Storage: the {@link ShardStore} is chosen from {@link Storage} before any thread starts. Durable storage
 * is reached only through {@link DurableShardStore#open}, so an in-memory engine never loads a Chronicle class.
 */
public final class EngineCore {

    /**
     * Engine configuration, validated by the public builder. {@code meterRegistry} is null when none was given (the
     * meters are no-ops); {@code storage} is null for the default in-memory storage, whose memory limit is read when
     * first needed (see {@link EngineRetention#limit()}).
     */
    public record Config(Clock clock, Ticker ticker, ThrottleMode throttleMode, MeterRegistry meterRegistry,
                         ThreadFactory threadFactory, WaitStrategy waitStrategy, int writerThreads, int ringBufferSize,
                         Duration blockTimeout, int shardQuota, Storage storage, String region) {
    }

    private static final Duration RETENTION_SWEEP_PERIOD = Duration.ofSeconds(1);
    /** How long after an engine is built its scheduler starts setting up the JDK's MD5 (see {@link HashKeySpace}). */
    private static final Duration DIGEST_SET_UP_DELAY = Duration.ofSeconds(1);
    /** About 2 microseconds of spinning, then up to 50 yields, before a synchronous put parks. */
    private static final int AWAIT_SPINS = 200;
    private static final int AWAIT_YIELDS = 50;

    private final Ticker ticker;
    private final Streams streams;
    private final WriteRing ring;
    private final WritePath writes;
    private final ReadPath reads;
    private final FanOut fanOut;
    private final Clock clock;
    private final ScheduledThreadPoolExecutor scheduler;
    private final ScheduledFuture<?> digestSetUp;
    private final ThreadPoolExecutor completer;
    private final EngineRetention retention;
    private final AtomicBoolean closed = new AtomicBoolean();

    /**
     * Starts an engine.
     *
     * @param config validated configuration
     * @throws StreamException if durable storage cannot be used (JVM flags, dependency, directory) or recovered
     */
    public EngineCore(Config config) {
        this.ticker = config.ticker();
        this.clock = config.clock();
        ShardStore store = config.storage() instanceof Storage.Durable durable
                ? DurableShardStore.open(durable, config.clock())
                : new InMemoryShardStore();
        this.retention = new EngineRetention(config.storage(), config.meterRegistry());
        this.streams = new Streams(config.clock(), config.ticker(), config.meterRegistry(), config.writerThreads(),
                config.shardQuota(), store, config.region(), retention);
        retention.streams(streams::all);
        try {
            streams.recover();
        } catch (RuntimeException e) {
            retention.close();
            try {
                store.close();
            } catch (RuntimeException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
        this.scheduler = new ScheduledThreadPoolExecutor(1, runnable -> {
            Thread thread = config.threadFactory().newThread(runnable);
            thread.setName("sluice-stream-scheduler");
            return thread;
        });
        scheduler.setRemoveOnCancelPolicy(true);
        if (store instanceof InMemoryShardStore memory) {
            memory.pages().refillOn(scheduler); // full-size pages are allocated (faulted in) here, not on writers
        }
        // On one or two processors the JDK's MD5 is set up once the first start is over (puts hash without it until then).
        // Cancelled on close: a delayed one-shot task would otherwise hold up the scheduler's shutdown until it ran.
        this.digestSetUp = scheduler.schedule(HashKeySpace::startDigestSetUp, DIGEST_SET_UP_DELAY.toNanos(),
                TimeUnit.NANOSECONDS);
        this.completer = new ThreadPoolExecutor(1, 1, 0, TimeUnit.NANOSECONDS, new LinkedBlockingQueue<>(), runnable -> {
            Thread thread = config.threadFactory().newThread(runnable);
            thread.setName("sluice-stream-completer");
            return thread;
        });
        this.ring = new WriteRing(config.writerThreads(), config.ringBufferSize(), config.threadFactory(),
                config.waitStrategy(), config.ticker(), config.clock(), config.throttleMode());
        this.writes = new WritePath(streams, ring, scheduler, config.ticker(), config.throttleMode(), config.blockTimeout());
        this.reads = new ReadPath(streams, config.clock(), config.ticker(), config.throttleMode(), config.blockTimeout());
        this.fanOut = new FanOut(streams, reads, config.clock(), config.ticker(), config.throttleMode(), config.threadFactory());
        long period = RETENTION_SWEEP_PERIOD.toNanos();
        scheduler.scheduleWithFixedDelay(this::expireRecords, period, period, TimeUnit.NANOSECONDS);
        scheduler.scheduleWithFixedDelay(() -> survive(retention::check), period, period, TimeUnit.NANOSECONDS);
        OnDemandScaler scaler = new OnDemandScaler(streams, config.ticker(), writes::closeShard);
        long every = OnDemandScaler.EVALUATION_PERIOD.toNanos();
        scheduler.scheduleWithFixedDelay(() -> survive(scaler::evaluate), every, every, TimeUnit.NANOSECONDS);
        WarmThroughputScaler warm = new WarmThroughputScaler(streams, writes::closeShard);
        scheduler.scheduleWithFixedDelay(() -> survive(warm::evaluate), every, every, TimeUnit.NANOSECONDS);
        if (config.storage() instanceof Storage.Durable durable && durable.fsyncPolicy() instanceof FsyncPolicy.Interval interval) {
            long syncEvery = interval.period().toNanos();
            scheduler.scheduleWithFixedDelay(this::syncLogs, syncEvery, syncEvery, TimeUnit.NANOSECONDS);
        }
    }

    /** Creates a stream. */
    public void createStream(CreateStreamRequest request) {
        ensureOpen();
        streams.create(request);
    }

    /** Deletes a stream. */
    public void deleteStream(String streamName) {
        ensureOpen();
        streams.delete(streamName);
    }

    /** Describes a stream. */
    public StreamDescriptionSummary describeStreamSummary(String streamName) {
        ensureOpen();
        return streams.require(streamName).describe();
    }

    /** Lists stream names in ascending order. */
    public List<String> listStreams() {
        ensureOpen();
        return streams.list();
    }

    /** Lists a stream's shards, open and closed, by index. */
    public List<Shard> listShards(String streamName) {
        ensureOpen();
        List<Shard> shards = new ArrayList<>();
        for (ShardState shard : streams.require(streamName).shards()) {
            shards.add(shard.describe());
        }
        return shards;
    }

    /** Splits a shard. */
    public void splitShard(String streamName, String shardToSplit, String newStartingHashKey) {
        ensureOpen();
        streams.splitShard(streamName, shardToSplit, newStartingHashKey, writes::closeShard);
    }

    /** Merges two adjacent shards. */
    public void mergeShards(String streamName, String shardToMerge, String adjacentShardToMerge) {
        ensureOpen();
        streams.mergeShards(streamName, shardToMerge, adjacentShardToMerge, writes::closeShard);
    }

    /** Scales the open shard count uniformly. */
    public void updateShardCount(String streamName, int targetShardCount) {
        ensureOpen();
        streams.updateShardCount(streamName, targetShardCount, writes::closeShard);
    }

    /** Switches the capacity mode; refuses an on-demand stream beyond the account's on-demand quota. */
    public void updateStreamMode(String streamName, StreamMode mode) {
        ensureOpen();
        Objects.requireNonNull(mode, "streamMode");
        streams.updateSettings(streamName, settings -> {
            if (mode == StreamMode.ON_DEMAND && settings.mode() != StreamMode.ON_DEMAND) {
                ResourceAdmin.checkOnDemandQuota(streams.onDemandStreamCount(), streamName);
            }
            return settings.withMode(mode);
        });
    }

    // Resource-level operations of the 2026 API: enhanced monitoring, TagResource, resource policies, limits
    // (the rules and the work are in ResourceAdmin).

    /** Enables shard-level metrics; returns the set before and after. */
    public EnhancedMonitoringUpdate enableEnhancedMonitoring(String streamName, Set<ShardLevelMetric> metrics) {
        ensureOpen();
        return ResourceAdmin.changeMonitoring(streams, streamName, metrics, true);
    }

    /** Disables shard-level metrics; returns the set before and after. */
    public EnhancedMonitoringUpdate disableEnhancedMonitoring(String streamName, Set<ShardLevelMetric> metrics) {
        ensureOpen();
        return ResourceAdmin.changeMonitoring(streams, streamName, metrics, false);
    }

    /** The enabled shard-level metrics. */
    public Set<ShardLevelMetric> enhancedMonitoring(String streamName) {
        ensureOpen();
        return streams.require(streamName).settings().resources().shardLevelMetrics();
    }

    /** TagResource on a stream or consumer ARN. */
    public void tagResource(String resourceArn, Map<String, String> tags) {
        ensureOpen();
        ResourceAdmin.tag(streams, resourceArn, tags);
    }

    /** UntagResource on a stream or consumer ARN; absent keys are ignored. */
    public void untagResource(String resourceArn, Collection<String> tagKeys) {
        ensureOpen();
        ResourceAdmin.untag(streams, resourceArn, tagKeys);
    }

    /** ListTagsForResource on a stream or consumer ARN. */
    public SortedMap<String, String> listTagsForResource(String resourceArn) {
        ensureOpen();
        return ResourceAdmin.tags(streams, resourceArn);
    }

    /** PutResourcePolicy on a stream or consumer ARN: stored verbatim. */
    public void putResourcePolicy(String resourceArn, String policy) {
        ensureOpen();
        ResourceAdmin.checkPolicy(policy);
        ResourceAdmin.changePolicy(streams, resourceArn, Optional.of(policy));
    }

    /** GetResourcePolicy on a stream or consumer ARN. */
    public Optional<String> getResourcePolicy(String resourceArn) {
        ensureOpen();
        return ResourceAdmin.policy(streams, resourceArn);
    }

    /** DeleteResourcePolicy on a stream or consumer ARN; RESOURCE_NOT_FOUND if it has none. */
    public void deleteResourcePolicy(String resourceArn) {
        ensureOpen();
        ResourceAdmin.deletePolicy(streams, resourceArn);
    }

    /** DescribeLimits. */
    public AccountLimits describeLimits() {
        ensureOpen();
        return new AccountLimits(streams.shardQuota(), streams.openShardCount(), streams.onDemandStreamCount(),
                ResourceAdmin.ON_DEMAND_STREAM_LIMIT);
    }

    /** Kinesis UpdateMaxRecordSize. */
    public void updateMaxRecordSize(String streamName, int maxRecordSizeInKiB) {
        ensureOpen();
        KinesisLimits.checkMaxRecordSizeInKiB(maxRecordSizeInKiB);
        streams.updateRecords(streamName, records -> records.withMaxRecordSizeInKiB(maxRecordSizeInKiB));
    }

    /** Kinesis UpdateStreamRecordDistributionStrategy. */
    public void updateStreamRecordDistributionStrategy(String streamName, RecordDistributionStrategy strategy) {
        ensureOpen();
        if (strategy == null) {
            throw new StreamException(ErrorCode.VALIDATION, "recordDistributionStrategy must not be null");
        }
        streams.updateRecords(streamName, records -> {
            StreamMode mode = streams.require(streamName).settings().mode();
            if (strategy == RecordDistributionStrategy.AUTO && mode != StreamMode.ON_DEMAND) {
                throw new StreamException(ErrorCode.INVALID_ARGUMENT, "RecordDistributionStrategy AUTO is only for"
                        + " ON_DEMAND streams; stream " + streamName + " under account " + KinesisLimits.ACCOUNT_ID
                        + " is " + mode);
            }
            return records.withRecordDistributionStrategy(strategy);
        });
    }

    /** Kinesis UpdateStreamWarmThroughput; returns the stream's warm throughput once the update is accepted. */
    public WarmThroughput updateStreamWarmThroughput(String streamName, int warmThroughputMiBps) {
        ensureOpen();
        streams.updateWarmThroughput(streamName, warmThroughputMiBps);
        return streams.require(streamName).describe().warmThroughput().orElseThrow();
    }

    /** PutRecord with DryRun: validates, writes nothing. */
    public void dryRunPutRecord(String streamName, String key, byte[] data, String explicitHashKey,
                                String sequenceNumberForOrdering) {
        ensureOpen();
        writes.dryRunPutRecord(streamName, key, data, explicitHashKey, sequenceNumberForOrdering);
    }

    /** PutRecords with DryRun: validates, writes nothing. */
    public void dryRunPutRecords(String streamName, String[] keys, byte[][] data, String[] explicitHashKeys) {
        ensureOpen();
        writes.dryRunPutRecords(streamName, keys, data, explicitHashKeys);
    }

    /** Adds or overwrites tags. */
    public void addTagsToStream(String streamName, Map<String, String> tags) {
        ensureOpen();
        StreamAdmin.checkTagsToAdd(tags);
        streams.updateSettings(streamName, settings -> {
            Map<String, String> merged = new TreeMap<>(settings.tags());
            merged.putAll(tags);
            StreamAdmin.checkTagCount(streamName, merged.size());
            return settings.withTags(merged);
        });
    }

    /** Lists tags, sorted by key. */
    public SortedMap<String, String> listTagsForStream(String streamName) {
        ensureOpen();
        return streams.require(streamName).settings().tags();
    }

    /** Removes tags; absent keys are ignored. */
    public void removeTagsFromStream(String streamName, Collection<String> tagKeys) {
        ensureOpen();
        StreamAdmin.checkTagKeysToRemove(tagKeys);
        streams.updateSettings(streamName, settings -> {
            Map<String, String> remaining = new TreeMap<>(settings.tags());
            tagKeys.forEach(remaining::remove);
            return settings.withTags(remaining);
        });
    }

    /** Records KMS encryption with a key. */
    public void startStreamEncryption(String streamName, String keyId) {
        ensureOpen();
        StreamAdmin.checkKeyId(keyId);
        streams.updateSettings(streamName, settings -> settings.withEncryption(EncryptionType.KMS, Optional.of(keyId)));
    }

    /** Records that encryption stopped. */
    public void stopStreamEncryption(String streamName, String keyId) {
        ensureOpen();
        StreamAdmin.checkKeyId(keyId);
        streams.updateSettings(streamName, settings -> {
            if (settings.encryption() == EncryptionType.KMS && !settings.keyId().orElse("").equals(keyId)) {
                throw new StreamException(ErrorCode.INVALID_ARGUMENT, "stream " + streamName + " is encrypted with key "
                        + settings.keyId().orElse("") + ", not with " + keyId);
            }
            return settings.withEncryption(EncryptionType.NONE, Optional.empty());
        });
    }

    /** Registers an enhanced fan-out consumer. */
    public StreamConsumer registerStreamConsumer(String streamName, String consumerName) {
        ensureOpen();
        StreamAdmin.checkConsumerName(consumerName);
        Instant created = Instant.ofEpochSecond(clock.instant().getEpochSecond());
        StreamSettings updated = streams.updateSettings(streamName, settings -> {
            if (settings.consumer(consumerName).isPresent()) {
                throw new StreamException(ErrorCode.RESOURCE_IN_USE, "Consumer " + consumerName + " under stream "
                        + streamName + " already exists for account " + KinesisLimits.ACCOUNT_ID + ".");
            }
            if (settings.consumers().size() >= StreamAdmin.MAX_CONSUMERS) {
                throw new StreamException(ErrorCode.LIMIT_EXCEEDED, "Stream " + streamName + " already has "
                        + StreamAdmin.MAX_CONSUMERS + " registered consumers (the Kinesis limit per stream); deregister one first");
            }
            return settings.withConsumer(new StreamSettings.RegisteredConsumer(consumerName, created));
        });
        return StreamAdmin.describe(streams.require(streamName), updated.consumer(consumerName).orElseThrow());
    }

    /** Describes a registered consumer by stream and name. */
    public StreamConsumer describeStreamConsumer(String streamName, String consumerName) {
        ensureOpen();
        StreamState stream = streams.require(streamName);
        return StreamAdmin.describe(stream, StreamAdmin.consumer(stream, consumerName));
    }

    /** Describes a registered consumer by ARN. */
    public StreamConsumer describeStreamConsumer(String consumerArn) {
        ensureOpen();
        StreamState stream = streams.require(Arns.consumer(consumerArn)[0]);
        return StreamAdmin.describe(stream, ReadPath.registeredConsumer(stream, consumerArn));
    }

    /** Lists registered consumers in registration order. */
    public List<StreamConsumer> listStreamConsumers(String streamName) {
        ensureOpen();
        StreamState stream = streams.require(streamName);
        List<StreamConsumer> list = new ArrayList<>();
        for (StreamSettings.RegisteredConsumer c : stream.settings().consumers()) {
            list.add(StreamAdmin.describe(stream, c));
        }
        return list;
    }

    /** Deregisters a consumer; its subscriptions end with ResourceNotFoundException. */
    public void deregisterStreamConsumer(String streamName, String consumerName) {
        ensureOpen();
        StreamState stream = streams.require(streamName);
        StreamSettings.RegisteredConsumer gone = StreamAdmin.consumer(stream, consumerName);
        streams.updateSettings(streamName, settings -> {
            StreamAdmin.consumer(streams.require(streamName), consumerName);
            return settings.withoutConsumer(consumerName);
        });
        stream.dropFanOutBudgets(gone);
        stream.byteRetention.readers().removeFanOut(consumerName);
    }

    /** Registers a reader, or attaches a handle to an existing registration. */
    public ReaderRegistration registerReader(String streamName, String readerName) {
        ensureOpen();
        KinesisLimits.checkName("readerName", readerName);
        StreamState stream = streams.require(streamName);
        Readers readers = stream.byteRetention.readers();
        boolean known = readers.isRegistered(readerName);
        ReaderHandle handle = readers.open(readerName, reader -> new ReaderHandle(stream, reader, this::deregisterReader));
        if (!known) {
            try {
                streams.updateSettings(streamName, settings -> settings.withReader(readerName)); // durable: in the manifest
            } catch (RuntimeException e) {
                readers.remove(readerName);
                throw e;
            }
        }
        return handle;
    }

    /** Ends a reader's registration. */
    public void deregisterReader(String streamName, String readerName) {
        ensureOpen();
        KinesisLimits.checkName("readerName", readerName);
        StreamState stream = streams.require(streamName);
        if (!stream.settings().readers().contains(readerName) && !stream.byteRetention.readers().isRegistered(readerName)) {
            throw new StreamException(ErrorCode.RESOURCE_NOT_FOUND, "reader " + readerName + " of stream " + streamName
                    + " is not registered");
        }
        streams.updateSettings(streamName, settings -> settings.withoutReader(readerName));
        stream.byteRetention.readers().remove(readerName);
    }

    /** Names of a stream's registered readers, in registration order. */
    public List<String> listReaders(String streamName) {
        ensureOpen();
        return streams.require(streamName).settings().readers();
    }

    /** Sets or removes a stream's byte limit and its overflow policy; drops what the policy allows at once. */
    public void updateRetentionBytes(String streamName, OptionalLong retentionBytes, OverflowPolicy overflowPolicy) {
        ensureOpen();
        Objects.requireNonNull(retentionBytes, "retentionBytes");
        Objects.requireNonNull(overflowPolicy, "overflowPolicy");
        KinesisLimits.checkRetentionBytes(retentionBytes);
        streams.updateSettings(streamName, settings -> settings.withByteRetention(retentionBytes, overflowPolicy));
        streams.require(streamName).byteRetention.enforce();
    }

    /** Subscribes a registered consumer to a shard. */
    public Flow.Publisher<SubscribeToShardEvent> subscribeToShard(String consumerArn, String shardId,
                                                                 ShardIteratorType startingPosition) {
        ensureOpen();
        return fanOut.subscribe(consumerArn, shardId, startingPosition);
    }

    /** GetRecords charged to a registered consumer's own budget. */
    public GetRecordsResult getRecords(String shardIterator, int limit, String consumerArn) {
        ensureOpen();
        GetRecordsResult result = reads.getRecords(shardIterator, limit, consumerArn);
        // The consumer claims the shard up to where it read (byte retention under a lossless policy: Readers).
        IteratorToken token = IteratorToken.decode(shardIterator);
        long readThrough = result.nextShardIterator().map(next -> IteratorToken.decode(next).fromSequence() - 1)
                .orElse(Readers.ALL);
        StreamState stream = streams.require(token.stream(), token.incarnation());
        String consumerName = Arns.consumer(consumerArn)[1];
        if (stream.settings().consumer(consumerName).isPresent()) {
            stream.byteRetention.readers().fanOutRead(consumerName, token.shardIndex(), Math.max(Readers.NOTHING, readThrough));
        }
        return result;
    }

    /** The stream name in a stream ARN. */
    public String streamNameFromArn(String streamArn) {
        return Arns.streamName(streamArn);
    }

    /** Lengthens retention. */
    public void increaseStreamRetentionPeriod(String streamName, Duration retention) {
        ensureOpen();
        streams.increaseRetention(streamName, retention);
    }

    /** Shortens retention. */
    public void decreaseStreamRetentionPeriod(String streamName, Duration retention) {
        ensureOpen();
        streams.decreaseRetention(streamName, retention);
    }

    /** Puts one record and waits for its outcome. */
    public PutRecordResult putRecord(String streamName, String key, byte[] data, String explicitHashKey,
                                     String sequenceNumberForOrdering) {
        ensureOpen();
        long start = ticker.read();
        return writes.recordResult(await(writes.putRecord(streamName, key, data, explicitHashKey, sequenceNumberForOrdering)), start);
    }

    /** Puts one record; the future completes with its outcome. */
    public CompletableFuture<PutRecordResult> putRecordAsync(String streamName, String key, byte[] data,
                                                             String explicitHashKey, String sequenceNumberForOrdering) {
        ensureOpen();
        long start = ticker.read();
        CompletableFuture<PutRecordResult> result = new CompletableFuture<>();
        writes.putRecord(streamName, key, data, explicitHashKey, sequenceNumberForOrdering).thenAcceptAsync(op -> {
            try {
                result.complete(writes.recordResult(op, start));
            } catch (StreamException e) {
                result.completeExceptionally(e);
            }
        }, completer);
        return result;
    }

    /** Puts a batch and waits for its per-entry outcomes. */
    public PutRecordsResult putRecords(String streamName, String[] keys, byte[][] data, String[] explicitHashKeys) {
        ensureOpen();
        long start = ticker.read();
        return writes.recordsResult(await(writes.putRecords(streamName, keys, data, explicitHashKeys)), start);
    }

    /** Puts a batch; the future completes with its per-entry outcomes. */
    public CompletableFuture<PutRecordsResult> putRecordsAsync(String streamName, String[] keys, byte[][] data,
                                                               String[] explicitHashKeys) {
        ensureOpen();
        long start = ticker.read();
        return writes.putRecords(streamName, keys, data, explicitHashKeys)
                .thenApplyAsync(op -> writes.recordsResult(op, start), completer);
    }

    /** Returns a shard iterator. */
    public String getShardIterator(String streamName, String shardId, ShardIteratorType type) {
        ensureOpen();
        return reads.getShardIterator(streamName, shardId, type);
    }

    /** Reads records at an iterator. */
    public GetRecordsResult getRecords(String shardIterator, int limit) {
        ensureOpen();
        return reads.getRecords(shardIterator, limit);
    }

    /**
     * Refuses new work, drains accepted puts, stops the threads. Idempotent.
     *
     * @param timeout how long to wait for draining before failing what is left
     */
    public void close(Duration timeout) {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        writes.close();
        fanOut.close();
        ring.close(timeout);
        digestSetUp.cancel(false);
        // Order matters: waiting BLOCK retries fail once the scheduler stops, and every completion they and
        // the drained ring produce still reaches the completer before it stops.
        stop(scheduler, timeout);
        stop(completer, timeout);
        retention.close();
        streams.close(); // after the writers: forces (per the fsync policy) and unmaps the shard files
    }

    private static void stop(ThreadPoolExecutor executor, Duration timeout) {
        executor.shutdown();
        try {
            if (!executor.awaitTermination(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
                executor.shutdownNow();
            }
        } catch (InterruptedException e) {
            executor.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    private void expireRecords() {
        try {
            streams.expireRecords();
        } catch (RuntimeException e) {
            // A failed sweep only delays releasing memory; readers already skip expired records. The next
            // sweep retries. The thread must survive, so this is reported to the thread's handler.
            Thread.currentThread().getUncaughtExceptionHandler().uncaughtException(Thread.currentThread(), e);
        }
    }

    /** Tests: the engine's byte retention (warnings, totals). */
    EngineRetention retention() {
        return retention;
    }

    private static void survive(Runnable task) {
        try {
            task.run();
        } catch (RuntimeException e) {
            // The periodic task runs again; the scheduler thread must survive.
            Thread.currentThread().getUncaughtExceptionHandler().uncaughtException(Thread.currentThread(), e);
        }
    }

    private void syncLogs() {
        try {
            streams.syncLogs();
        } catch (RuntimeException e) {
            // A failed force is recorded by the shard, which then refuses records; the thread must survive.
            Thread.currentThread().getUncaughtExceptionHandler().uncaughtException(Thread.currentThread(), e);
        }
    }

    private void ensureOpen() {
        if (closed.get()) {
            throw new StreamException(ErrorCode.ENGINE_CLOSED, "the stream engine is closed");
        }
    }

    /**
     * Waits for a put. Spins briefly, then yields, then parks: a writer that is awake answers in a few
     * microseconds, less than parking and being unparked costs; yielding keeps a spinning caller from
     * taking the core the writer needs when threads outnumber cores.
     */
    private static PutOperation await(CompletableFuture<PutOperation> future) {
        for (int spin = 0; spin < AWAIT_SPINS && !future.isDone(); spin++) {
            Thread.onSpinWait();
        }
        for (int yield = 0; yield < AWAIT_YIELDS && !future.isDone(); yield++) {
            Thread.yield();
        }
        try {
            return future.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StreamException(ErrorCode.INTERNAL_FAILURE, "interrupted while waiting for the put to be acknowledged;"
                    + " the record may or may not have been written", e);
        } catch (ExecutionException e) {
            throw new StreamException(ErrorCode.INTERNAL_FAILURE, "the put failed inside the engine: " + e.getCause(), e.getCause());
        }
    }
}
