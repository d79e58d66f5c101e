package dev.sluice.stream;

import dev.sluice.stream.internal.DirectMemory;
import dev.sluice.stream.internal.HashKeySpace;
import dev.sluice.stream.internal.EngineCore;
import dev.sluice.stream.internal.KinesisLimits;
import dev.sluice.stream.internal.consumer.ConsumerEnvironment;
import io.micrometer.core.instrument.MeterRegistry;

import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.Flow;
import java.util.concurrent.ThreadFactory;

/**
 * An in-process Kinesis Data Streams: streams of shards with Kinesis routing, sequence numbers, limits,
 * throttling, retention and errors. Built with {@link #builder()}.
 *
 * <p>Thread-safety: every method is safe to call from any number of threads. Puts from one thread to
 * one partition key are stored in call order. Futures of the asynchronous forms are completed on the
 * engine's completer thread: dependent stages that are not {@code *Async} run there, so keep them short
 * or hand them to your own executor.
 *
 * <p>Threads: a fixed number of writer threads ({@code sluice-stream-writer-<n>}), one completer thread
 * ({@code sluice-stream-completer}) and one scheduler thread ({@code sluice-stream-scheduler}), however many
 * streams and shards there are. {@link #close()}
 * drains accepted puts, then stops them; afterwards every method throws {@link ErrorCode#ENGINE_CLOSED}.
 *
 * <pre>{@code
 * try (StreamEngine engine = StreamEngine.builder().build()) {
 *     engine.createStream("orders", 4);
 *     PutRecordResult put = engine.putRecord("orders", "customer-42", bytes);
 *     String iterator = engine.getShardIterator("orders", put.shardId(), ShardIteratorType.trimHorizon());
 *     GetRecordsResult read = engine.getRecords(iterator);
 * }
 * }</pre>
 */
public final class StreamEngine implements AutoCloseable {

    /** Shards of a new on-demand stream ({@link CreateStreamRequest#onDemand}): 4 MiB/s and 4,000 records/s. */
    public static final int ON_DEMAND_INITIAL_SHARDS = 4;

    /** Kinesis's default quota of on-demand streams per account; more are refused with {@link ErrorCode#LIMIT_EXCEEDED}. */
    public static final int ON_DEMAND_STREAM_COUNT_LIMIT = 50;

    /** Default {@link #close()} drain deadline. */
    public static final Duration DEFAULT_CLOSE_TIMEOUT = Duration.ofSeconds(30);

    private final EngineCore core;
    /** Null until first asked for when the builder was given none: see {@link #storage()}. */
    private volatile Storage storage;
    private final ConsumerEnvironment consumerEnvironment;
    private final WaitStrategy waitStrategy;

    private StreamEngine(EngineCore core, Storage storage, ConsumerEnvironment consumerEnvironment,
                         WaitStrategy waitStrategy) {
        this.core = core;
        this.storage = storage;
        this.consumerEnvironment = consumerEnvironment;
        this.waitStrategy = waitStrategy;
    }

    /**
     * Starts a builder with the defaults: system clock and ticker, in-memory storage, {@link ThrottleMode#REJECT},
     * no meter registry (meters are no-ops), daemon threads, {@link WaitStrategy#PHASED_BACKOFF}.
     *
     * @return a new builder
     */
    public static Builder builder() {
        // With spare processors, what the first start does not need is read and set up beside it. On one or two a first
        // engine keeps both busy (its thread, the JIT compilers), so these would only take CPU from it: there the limit is
        // read when first needed and the engine's scheduler sets the MD5 up a second after build (see each class).
        if (Runtime.getRuntime().availableProcessors() > 2) {
            DirectMemory.prefetchLimit();
            HashKeySpace.startDigestSetUp();
        }
        return new Builder();
    }

    /**
     * Creates a stream with Kinesis defaults (24-hour retention, Kinesis shard limits).
     *
     * @param streamName 1-128 characters of {@code [a-zA-Z0-9_.-]}
     * @param shardCount at least 1
     * @throws StreamException {@link ErrorCode#RESOURCE_IN_USE} if it exists, {@link ErrorCode#LIMIT_EXCEEDED} over
     *                         the shard quota, {@link ErrorCode#VALIDATION} for a bad name or count
     */
    public void createStream(String streamName, int shardCount) {
        createStream(CreateStreamRequest.of(streamName, shardCount));
    }

    /**
     * Creates a stream; it is {@link StreamStatus#ACTIVE} when this returns.
     *
     * @param request name, shard count, retention, shard limits
     * @throws StreamException {@link ErrorCode#RESOURCE_IN_USE} if it exists, {@link ErrorCode#LIMIT_EXCEEDED} over
     *                         the engine's shard quota or, for an on-demand stream, beyond
     *                         {@link #ON_DEMAND_STREAM_COUNT_LIMIT} on-demand streams
     */
    public void createStream(CreateStreamRequest request) {
        core.createStream(Objects.requireNonNull(request, "request"));
    }

    /**
     * Deletes a stream and its records. Puts in flight to it fail with {@link ErrorCode#RESOURCE_NOT_FOUND};
     * its iterators stop working.
     *
     * @param streamName the stream
     * @throws StreamException {@link ErrorCode#RESOURCE_NOT_FOUND} if it does not exist
     */
    public void deleteStream(String streamName) {
        core.deleteStream(streamName);
    }

    /**
     * Describes a stream.
     *
     * @param streamName the stream
     * @return its summary
     * @throws StreamException {@link ErrorCode#RESOURCE_NOT_FOUND} if it does not exist
     */
    public StreamDescriptionSummary describeStreamSummary(String streamName) {
        return core.describeStreamSummary(streamName);
    }

    /**
     * Lists the streams.
     *
     * @return stream names in ascending order
     */
    public List<String> listStreams() {
        return core.listStreams();
    }

    /**
     * Lists a stream's shards, open and closed (closed ones until the stream is deleted), with their lineage.
     *
     * @param streamName the stream
     * @return its shards, by shard id; a stream never resharded lists them in hash key order
     * @throws StreamException {@link ErrorCode#RESOURCE_NOT_FOUND} if it does not exist
     */
    public List<Shard> listShards(String streamName) {
        return core.listShards(streamName);
    }

    /**
     * Kinesis SplitShard: closes an open shard and creates two children, {@code [start, newStartingHashKey - 1]}
     * and {@code [newStartingHashKey, end]}. Records put concurrently are either written to the parent (before
     * it closed) or to a child, never both and never lost; children's sequence numbers are greater than every
     * sequence number of the parent. The parent stays readable until its records expire. Returns once the
     * children accept records. With durable storage the lineage is in the stream's manifest and survives a restart.
     *
     * @param streamName         the stream
     * @param shardToSplit       an open shard's id
     * @param newStartingHashKey decimal hash key, above the shard's starting hash key and at most its ending one
     * @throws StreamException {@link ErrorCode#INVALID_ARGUMENT} for a key outside the shard's range, a closed
     *                         shard; {@link ErrorCode#VALIDATION} for an on-demand stream;
     *                         {@link ErrorCode#RESOURCE_NOT_FOUND} for an unknown stream or shard; {@link ErrorCode#LIMIT_EXCEEDED} over the shard quota
     */
    public void splitShard(String streamName, String shardToSplit, String newStartingHashKey) {
        core.splitShard(streamName, shardToSplit, newStartingHashKey);
    }

    /**
     * Kinesis MergeShards: closes two open shards with adjacent hash key ranges and creates one child covering
     * both, whose parent is {@code shardToMerge} and adjacent parent {@code adjacentShardToMerge}. Same
     * guarantees as {@link #splitShard}.
     *
     * @param streamName           the stream
     * @param shardToMerge         an open shard's id
     * @param adjacentShardToMerge an open shard whose range ends right before or starts right after the first's
     * @throws StreamException {@link ErrorCode#INVALID_ARGUMENT} for shards that are not adjacent or closed;
     *                         {@link ErrorCode#VALIDATION} for an on-demand stream; {@link ErrorCode#RESOURCE_NOT_FOUND} for an unknown stream or shard
     */
    public void mergeShards(String streamName, String shardToMerge, String adjacentShardToMerge) {
        core.mergeShards(streamName, shardToMerge, adjacentShardToMerge);
    }

    /**
     * Kinesis UpdateShardCount with {@code UNIFORM_SCALING}: leaves {@code targetShardCount} open shards of equal
     * size (hash key ranges within one key of each other, the layout of a stream created with that many shards),
     * reached as Kinesis does through SplitShard and MergeShards steps, some of which may create temporary shards
     * (for example 4 to 3 shards: merge, split, merge, split, merge). Every step closes its parents and records the
     * lineage ({@code parentShardId}, {@code adjacentParentShardId}), so a consumer that reads parents before
     * children reads every record once, in order per key. The quota check counts the most shards open at once
     * during the steps.
     *
     * @param streamName       the stream
     * @param targetShardCount in [ceil(open / 2), 2 * open], where open is the current open shard count
     * @throws StreamException {@link ErrorCode#LIMIT_EXCEEDED} for a target above double or below half the open
     *                         shard count or over the shard quota; {@link ErrorCode#INVALID_ARGUMENT} for a target
     *                         below 1; {@link ErrorCode#VALIDATION} for an on-demand stream; {@link ErrorCode#RESOURCE_NOT_FOUND} for an unknown stream
     */
    public void updateShardCount(String streamName, int targetShardCount) {
        core.updateShardCount(streamName, targetShardCount);
    }

    /**
     * Kinesis UpdateStreamMode. In {@link StreamMode#ON_DEMAND} the engine adds shards as the write rate grows, by
     * this rule (evaluated five times a second, measured on the engine's ticker, so a manual ticker drives it):
     * the rate producers <em>offer</em> (records and bytes accepted plus those throttled) is averaged over the
     * last 60 seconds; when it reaches 80 % of the open shards' capacity in records/s or bytes/s, the stream is
     * scaled uniformly to the shards needed for twice that rate (Kinesis sizes on-demand streams for double
     * their peak), by at most double the open count per step; the next step can come 60 seconds later. It never
     * scales down by itself. Users cannot reshard an on-demand stream ({@link ErrorCode#VALIDATION}), as in Kinesis.
     *
     * @param streamName the stream
     * @param streamMode the new mode
     * @throws StreamException {@link ErrorCode#RESOURCE_NOT_FOUND} for an unknown stream,
     *                         {@link ErrorCode#LIMIT_EXCEEDED} for a switch to on-demand beyond
     *                         {@link #ON_DEMAND_STREAM_COUNT_LIMIT} on-demand streams
     */
    public void updateStreamMode(String streamName, StreamMode streamMode) {
        core.updateStreamMode(streamName, streamMode);
    }

    /**
     * Kinesis UpdateMaxRecordSize: the largest record (data plus partition key) the stream takes from now on. Records up
     * to 10 MiB are stored, read by GetRecords (a call returns at least one record even when it alone exceeds the
     * call's 10 MiB), pushed by {@link #subscribeToShard} and handed to {@link ConsumerApplication}s like any other.
     * A record larger than one second of the shard's write limit passes when the shard's write capacity is unused
     * and then holds the shard's writes back until the limit has paid it off (Kinesis's burst for large records).
     * With durable storage the setting is in the stream's manifest.
     *
     * @param streamName         the stream
     * @param maxRecordSizeInKiB in [1024, 10240] (1 to 10 MiB); 1024 is the default of every stream
     * @throws StreamException {@link ErrorCode#VALIDATION} out of range, {@link ErrorCode#RESOURCE_NOT_FOUND} for an
     *                         unknown stream, {@link ErrorCode#RESOURCE_IN_USE} while the stream is
     *                         {@link StreamStatus#UPDATING}
     */
    public void updateMaxRecordSize(String streamName, int maxRecordSizeInKiB) {
        core.updateMaxRecordSize(streamName, maxRecordSizeInKiB);
    }

    /**
     * Kinesis UpdateStreamRecordDistributionStrategy: how new records choose their shard, from the next put on;
     * stored records keep their shards. {@link RecordDistributionStrategy#AUTO} spreads records evenly over the open
     * shards, one after the other, ignoring partition and explicit hash keys (on-demand streams only).
     *
     * @param streamName the stream
     * @param strategy   the strategy
     * @throws StreamException {@link ErrorCode#INVALID_ARGUMENT} for AUTO on a provisioned stream,
     *                         {@link ErrorCode#RESOURCE_NOT_FOUND} for an unknown stream,
     *                         {@link ErrorCode#RESOURCE_IN_USE} while the stream is {@link StreamStatus#UPDATING}
     */
    public void updateStreamRecordDistributionStrategy(String streamName, RecordDistributionStrategy strategy) {
        core.updateStreamRecordDistributionStrategy(streamName, strategy);
    }

    /**
     * Kinesis UpdateStreamWarmThroughput: scales an on-demand stream to the shards a write throughput needs (one per
     * MiB/s at Kinesis's shard limits, never fewer than {@value #ON_DEMAND_INITIAL_SHARDS}), up or down. Asynchronous:
     * the stream is {@link StreamStatus#UPDATING} when this returns (unless it already has those shards) and
     * {@link StreamStatus#ACTIVE} again once the engine's scheduler has taken the uniform-scaling steps, at most
     * doubling or halving the open shards per step; records can be put and read meanwhile.
     *
     * @param streamName          the stream
     * @param warmThroughputMiBps in [0, 10240] (10 GiBps, Kinesis's default limit per on-demand stream)
     * @return the target and the throughput the open shards take now
     * @throws StreamException {@link ErrorCode#INVALID_ARGUMENT} for a provisioned stream, {@link ErrorCode#VALIDATION}
     *                         for a negative value, {@link ErrorCode#LIMIT_EXCEEDED} above 10240 or beyond the shard
     *                         quota, {@link ErrorCode#RESOURCE_IN_USE} while an earlier update is scaling,
     *                         {@link ErrorCode#RESOURCE_NOT_FOUND} for an unknown stream
     */
    public WarmThroughput updateStreamWarmThroughput(String streamName, int warmThroughputMiBps) {
        return core.updateStreamWarmThroughput(streamName, warmThroughputMiBps);
    }

    /**
     * Kinesis PutRecord with {@code DryRun}: makes every check {@link #putRecord(PutRecordRequest)} makes (the
     * stream exists, the record fits its maximum record size) and writes nothing. Returns normally if the put would
     * have been accepted (Kinesis then answers {@code DryRunOperationException}; the server does).
     *
     * @param request the record
     * @throws StreamException as {@link #putRecord(PutRecordRequest)} would before writing
     */
    public void dryRunPutRecord(PutRecordRequest request) {
        core.dryRunPutRecord(request.streamName(), request.partitionKey(), request.dataUnsafe(),
                request.explicitHashKey().orElse(null), request.sequenceNumberForOrdering().orElse(null));
    }

    /**
     * Kinesis PutRecords with {@code DryRun}: makes every check {@link #putRecords} makes (1-500 entries, at most
     * 10 MiB together, each within the stream's maximum record size, the stream exists) and writes nothing.
     *
     * @param streamName the stream
     * @param records    the entries
     * @throws StreamException as {@link #putRecords} would before writing
     */
    public void dryRunPutRecords(String streamName, List<PutRecordsRequestEntry> records) {
        Batch batch = new Batch(records);
        core.dryRunPutRecords(streamName, batch.keys, batch.data, batch.explicitHashKeys);
    }

    /**
     * Kinesis AddTagsToStream: adds tags or overwrites their values. A stream has at most 50 tags.
     *
     * @param streamName the stream
     * @param tags       1-10 tags: keys of 1-128 characters not starting with {@code aws:}, values of 0-256
     * @throws StreamException {@link ErrorCode#VALIDATION} for a bad tag, {@link ErrorCode#INVALID_ARGUMENT} beyond
     *                         50 tags, {@link ErrorCode#RESOURCE_NOT_FOUND} for an unknown stream
     */
    public void addTagsToStream(String streamName, Map<String, String> tags) {
        core.addTagsToStream(streamName, tags);
    }

    /**
     * Kinesis ListTagsForStream.
     *
     * @param streamName the stream
     * @return its tags, sorted by key (read-only)
     * @throws StreamException {@link ErrorCode#RESOURCE_NOT_FOUND} for an unknown stream
     */
    public SortedMap<String, String> listTagsForStream(String streamName) {
        return core.listTagsForStream(streamName);
    }

    /**
     * Kinesis RemoveTagsFromStream; keys the stream does not have are ignored.
     *
     * @param streamName the stream
     * @param tagKeys    1-10 keys
     * @throws StreamException {@link ErrorCode#VALIDATION} for a bad key, {@link ErrorCode#RESOURCE_NOT_FOUND} for an
     *                         unknown stream
     */
    public void removeTagsFromStream(String streamName, Collection<String> tagKeys) {
        core.removeTagsFromStream(streamName, tagKeys);
    }

    /**
     * Kinesis StartStreamEncryption with {@code KMS}: recorded and reported by {@link #describeStreamSummary};
     * records are stored as given.
     *
     * @param streamName the stream
     * @param keyId      1-2048 characters (key id, ARN or alias)
     * @throws StreamException {@link ErrorCode#VALIDATION} for a bad key id
     */
    public void startStreamEncryption(String streamName, String keyId) {
        core.startStreamEncryption(streamName, keyId);
    }

    /**
     * Kinesis StopStreamEncryption.
     *
     * @param streamName the stream
     * @param keyId      the key the stream is encrypted with
     * @throws StreamException {@link ErrorCode#INVALID_ARGUMENT} if the stream is encrypted with another key
     */
    public void stopStreamEncryption(String streamName, String keyId) {
        core.stopStreamEncryption(streamName, keyId);
    }

    /**
     * Kinesis EnableEnhancedMonitoring: enables shard-level metrics on every shard of the stream, present and future.
     * Each enabled metric gets one Micrometer meter per shard, named {@link ShardLevelMetric#metricName()} and tagged
     * {@code stream} and {@code shard}; the setting survives a restart with durable storage. Enabling one already
     * enabled changes nothing.
     *
     * @param streamName the stream
     * @param metrics    at least one metric ({@link ShardLevelMetric#all()} for Kinesis {@code ALL})
     * @return the metrics enabled before and after the call
     * @throws StreamException {@link ErrorCode#RESOURCE_NOT_FOUND} for an unknown stream, {@link ErrorCode#VALIDATION}
     *                         for an empty set
     */
    public EnhancedMonitoringUpdate enableEnhancedMonitoring(String streamName, Set<ShardLevelMetric> metrics) {
        return core.enableEnhancedMonitoring(streamName, metrics);
    }

    /**
     * Kinesis DisableEnhancedMonitoring: disables shard-level metrics; their per-shard meters are removed from the
     * registry. The stream-level meters of the same names keep counting.
     *
     * @param streamName the stream
     * @param metrics    at least one metric ({@link ShardLevelMetric#all()} for Kinesis {@code ALL})
     * @return the metrics enabled before and after the call
     * @throws StreamException {@link ErrorCode#RESOURCE_NOT_FOUND} for an unknown stream, {@link ErrorCode#VALIDATION}
     *                         for an empty set
     */
    public EnhancedMonitoringUpdate disableEnhancedMonitoring(String streamName, Set<ShardLevelMetric> metrics) {
        return core.disableEnhancedMonitoring(streamName, metrics);
    }

    /**
     * The stream's enabled shard-level metrics (Kinesis DescribeStream {@code EnhancedMonitoring}).
     *
     * @param streamName the stream
     * @return the enabled metrics, in declaration order (read-only)
     * @throws StreamException {@link ErrorCode#RESOURCE_NOT_FOUND} for an unknown stream
     */
    public Set<ShardLevelMetric> enhancedMonitoring(String streamName) {
        return core.enhancedMonitoring(streamName);
    }

    /**
     * Kinesis TagResource: adds tags to a stream or a registered consumer, or overwrites their values. A stream's
     * tags are the ones {@link #addTagsToStream} sets; a consumer's are its own, kept with the stream (durable storage:
     * in its manifest) and dropped when it is deregistered.
     *
     * @param resourceArn a stream ARN or a consumer ARN ({@code <stream ARN>/consumer/<name>:<epoch seconds>})
     * @param tags        1-200 tags: keys of 1-128 characters not starting with {@code aws:}, values of 0-256
     * @throws StreamException {@link ErrorCode#VALIDATION} for a bad tag or count, {@link ErrorCode#LIMIT_EXCEEDED}
     *                         beyond 50 tags on the resource (nothing changes), {@link ErrorCode#RESOURCE_NOT_FOUND}
     *                         for an unknown stream or consumer, {@link ErrorCode#INVALID_ARGUMENT} for a malformed ARN
     *                         or a reserved key
     */
    public void tagResource(String resourceArn, Map<String, String> tags) {
        core.tagResource(resourceArn, tags);
    }

    /**
     * Kinesis UntagResource; keys the resource does not have are ignored.
     *
     * @param resourceArn a stream or consumer ARN
     * @param tagKeys     1-50 keys
     * @throws StreamException {@link ErrorCode#VALIDATION} for a bad key or count, {@link ErrorCode#RESOURCE_NOT_FOUND}
     *                         for an unknown resource, {@link ErrorCode#INVALID_ARGUMENT} for a malformed ARN
     */
    public void untagResource(String resourceArn, Collection<String> tagKeys) {
        core.untagResource(resourceArn, tagKeys);
    }

    /**
     * Kinesis ListTagsForResource.
     *
     * @param resourceArn a stream or consumer ARN
     * @return its tags, sorted by key (read-only)
     * @throws StreamException {@link ErrorCode#RESOURCE_NOT_FOUND} for an unknown resource,
     *                         {@link ErrorCode#INVALID_ARGUMENT} for a malformed ARN
     */
    public SortedMap<String, String> listTagsForResource(String resourceArn) {
        return core.listTagsForResource(resourceArn);
    }

    /**
     * Kinesis PutResourcePolicy: stores (replaces) the resource policy of a stream or consumer, verbatim, and keeps it
     * with the stream (durable storage: in its manifest). <strong>Sluice does not enforce resource policies</strong>:
     * every caller may do everything. The engine checks only that the document is not blank and at most 20,480
     * characters (a Sluice limit); the server checks that it is a JSON policy document.
     *
     * @param resourceArn a stream or consumer ARN
     * @param policy      the policy document
     * @throws StreamException {@link ErrorCode#INVALID_ARGUMENT} for a blank document or malformed ARN,
     *                         {@link ErrorCode#LIMIT_EXCEEDED} for a document that is too long,
     *                         {@link ErrorCode#RESOURCE_NOT_FOUND} for an unknown resource
     */
    public void putResourcePolicy(String resourceArn, String policy) {
        core.putResourcePolicy(resourceArn, policy);
    }

    /**
     * Kinesis GetResourcePolicy.
     *
     * @param resourceArn a stream or consumer ARN
     * @return the stored policy document as given, or empty if the resource has none
     * @throws StreamException {@link ErrorCode#RESOURCE_NOT_FOUND} for an unknown resource,
     *                         {@link ErrorCode#INVALID_ARGUMENT} for a malformed ARN
     */
    public Optional<String> getResourcePolicy(String resourceArn) {
        return core.getResourcePolicy(resourceArn);
    }

    /**
     * Kinesis DeleteResourcePolicy.
     *
     * @param resourceArn a stream or consumer ARN
     * @throws StreamException {@link ErrorCode#RESOURCE_NOT_FOUND} for an unknown resource or one without a policy,
     *                         {@link ErrorCode#INVALID_ARGUMENT} for a malformed ARN
     */
    public void deleteResourcePolicy(String resourceArn) {
        core.deleteResourcePolicy(resourceArn);
    }

    /**
     * Kinesis DescribeLimits: the shard quota, open shards, and on-demand streams against their quota of
     * {@value #ON_DEMAND_STREAM_COUNT_LIMIT} (enforced by {@link #createStream(CreateStreamRequest)} and
     * {@link #updateStreamMode}).
     *
     * @return a snapshot of the limits and usage
     */
    public AccountLimits describeLimits() {
        return core.describeLimits();
    }

    /**
     * Kinesis RegisterStreamConsumer: an enhanced fan-out consumer, which reads each shard with its own 2 MiB/s
     * (by {@link #subscribeToShard}, or by a {@link ConsumerApplication} built with {@code enhancedFanOut}).
     * It is {@link ConsumerStatus#ACTIVE} at once and survives a restart with durable storage.
     *
     * @param streamName   the stream
     * @param consumerName 1-128 characters of {@code [a-zA-Z0-9_.-]}, unique in the stream
     * @return the consumer, with its ARN
     * @throws StreamException {@link ErrorCode#RESOURCE_IN_USE} if the name is taken, {@link ErrorCode#LIMIT_EXCEEDED}
     *                         beyond 20 consumers, {@link ErrorCode#VALIDATION} for a bad name
     */
    public StreamConsumer registerStreamConsumer(String streamName, String consumerName) {
        return core.registerStreamConsumer(streamName, consumerName);
    }

    /**
     * Kinesis DescribeStreamConsumer by stream and consumer name.
     *
     * @param streamName   the stream
     * @param consumerName the consumer
     * @return the consumer
     * @throws StreamException {@link ErrorCode#RESOURCE_NOT_FOUND} for an unknown stream or consumer
     */
    public StreamConsumer describeStreamConsumer(String streamName, String consumerName) {
        return core.describeStreamConsumer(streamName, consumerName);
    }

    /**
     * Kinesis DescribeStreamConsumer by consumer ARN.
     *
     * @param consumerArn the consumer's ARN
     * @return the consumer
     * @throws StreamException {@link ErrorCode#RESOURCE_NOT_FOUND} for an unknown consumer,
     *                         {@link ErrorCode#INVALID_ARGUMENT} for a malformed ARN
     */
    public StreamConsumer describeStreamConsumer(String consumerArn) {
        return core.describeStreamConsumer(consumerArn);
    }

    /**
     * Kinesis ListStreamConsumers.
     *
     * @param streamName the stream
     * @return its consumers, in registration order
     */
    public List<StreamConsumer> listStreamConsumers(String streamName) {
        return core.listStreamConsumers(streamName);
    }

    /**
     * Kinesis DeregisterStreamConsumer; its live subscriptions end with {@link ErrorCode#RESOURCE_NOT_FOUND}.
     *
     * @param streamName   the stream
     * @param consumerName the consumer
     * @throws StreamException {@link ErrorCode#RESOURCE_NOT_FOUND} for an unknown stream or consumer
     */
    public void deregisterStreamConsumer(String streamName, String consumerName) {
        core.deregisterStreamConsumer(streamName, consumerName);
    }

    /**
     * Kinesis SubscribeToShard: pushes a shard's records to a registered consumer at up to its own 2 MiB/s, as
     * {@link Flow} signals on the engine's {@code sluice-stream-fanout} thread (keep {@code onNext} short). The
     * publisher takes one subscriber and sends events as it requests them; an event carries records and a
     * {@code continuationSequenceNumber}. Events without records are the last one of a closed shard and, while the
     * shard has nothing new, one every 5 seconds of the engine's clock (as Kinesis sends them, for checkpointing an
     * idle shard; none while a new shard that never had a record is read from its start, since no sequence number
     * lies before its first record). The subscription
     * completes after 5 minutes of the engine's clock (re-subscribe with
     * {@code afterSequenceNumber(continuationSequenceNumber)}), or after the event naming a closed shard's
     * children; it fails with {@link StreamException} if the consumer is deregistered, the stream deleted, a
     * newer subscription takes over, or the engine closes.
     *
     * @param consumerArn      a registered consumer's ARN
     * @param shardId          the shard
     * @param startingPosition where to start
     * @return a publisher of events
     * @throws StreamException {@link ErrorCode#RESOURCE_NOT_FOUND} for an unknown consumer, stream or shard;
     *                         {@link ErrorCode#RESOURCE_IN_USE} if the consumer subscribed to the shard less than
     *                         5 seconds ago
     */
    public Flow.Publisher<SubscribeToShardEvent> subscribeToShard(String consumerArn, String shardId,
                                                                 ShardIteratorType startingPosition) {
        return core.subscribeToShard(consumerArn, shardId, startingPosition);
    }

    /**
     * The stream name of a Kinesis stream ARN, for callers that accept ARNs where Kinesis does.
     *
     * @param streamArn {@code arn:aws:kinesis:<region>:<account>:stream/<name>}
     * @return the stream name
     * @throws StreamException {@link ErrorCode#INVALID_ARGUMENT} if it is not a stream ARN
     */
    public String streamNameFromArn(String streamArn) {
        return core.streamNameFromArn(streamArn);
    }

    /**
     * Lengthens a stream's retention.
     *
     * @param streamName the stream
     * @param retention  in [24 h, 8,760 h], not shorter than the current retention
     * @throws StreamException {@link ErrorCode#INVALID_ARGUMENT} if out of range or shorter than the current one
     */
    public void increaseStreamRetentionPeriod(String streamName, Duration retention) {
        core.increaseStreamRetentionPeriod(streamName, retention);
    }

    /**
     * Shortens a stream's retention; records older than the new period become unreadable at once.
     *
     * @param streamName the stream
     * @param retention  in [24 h, 8,760 h], not longer than the current retention
     * @throws StreamException {@link ErrorCode#INVALID_ARGUMENT} if out of range or longer than the current one
     */
    public void decreaseStreamRetentionPeriod(String streamName, Duration retention) {
        core.decreaseStreamRetentionPeriod(streamName, retention);
    }

    /**
     * Sets, changes or removes a stream's byte limit and its overflow policy (a Sluice extension, like Kafka's
     * {@code retention.bytes}; see {@link OverflowPolicy}). Under {@link OverflowPolicy#TRIM_OLDEST} a limit below what
     * the stream retains drops its oldest records at once; under a lossless policy the records readers have
     * checkpointed are dropped at once and puts are refused until the rest fits. On durable storage a stream keeps the
     * file size it was created with: one created without a byte limit drops records an hour of them at a time.
     *
     * @param streamName     the stream
     * @param retentionBytes in [{@value CreateStreamRequest#MIN_RETENTION_BYTES},
     *                       {@value CreateStreamRequest#MAX_RETENTION_BYTES}], or empty for no limit of its own
     * @param overflowPolicy what happens at the limit
     * @throws StreamException {@link ErrorCode#INVALID_ARGUMENT} for a limit out of range,
     *                         {@link ErrorCode#RESOURCE_NOT_FOUND} for an unknown stream
     */
    public void updateRetentionBytes(String streamName, OptionalLong retentionBytes, OverflowPolicy overflowPolicy) {
        core.updateRetentionBytes(streamName, retentionBytes, overflowPolicy);
    }

    /**
     * Registers a reader of a stream, so that under a lossless {@link OverflowPolicy} the engine never drops records it
     * has not checkpointed to make room (see {@link ReaderRegistration}); or, for a name already registered (a reader
     * that restarts), returns a new handle to that registration. With durable storage the registration survives a
     * restart. Consumer applications register themselves under their application name; enhanced fan-out consumers
     * take part through their subscriptions. Time retention still applies.
     *
     * @param streamName the stream
     * @param readerName 1-128 characters of {@code [a-zA-Z0-9_.-]}, unique among the stream's readers
     * @return the handle to report checkpoints through
     * @throws StreamException {@link ErrorCode#RESOURCE_NOT_FOUND} for an unknown stream, {@link ErrorCode#VALIDATION}
     *                         for a bad name, {@link ErrorCode#RESOURCE_IN_USE} if another open handle has the name
     */
    public ReaderRegistration registerReader(String streamName, String readerName) {
        return core.registerReader(streamName, readerName);
    }

    /**
     * Ends a reader's registration (also one left by a reader that is gone for good, or from before a restart): records
     * kept only for it may be dropped. Its open handle, if any, then fails with {@link ErrorCode#RESOURCE_NOT_FOUND}.
     *
     * @param streamName the stream
     * @param readerName the reader
     * @throws StreamException {@link ErrorCode#RESOURCE_NOT_FOUND} for an unknown stream or reader
     */
    public void deregisterReader(String streamName, String readerName) {
        core.deregisterReader(streamName, readerName);
    }

    /**
     * Lists a stream's registered readers, open handles or not.
     *
     * @param streamName the stream
     * @return reader names, in registration order
     * @throws StreamException {@link ErrorCode#RESOURCE_NOT_FOUND} for an unknown stream
     */
    public List<String> listReaders(String streamName) {
        return core.listReaders(streamName);
    }

    /**
     * Puts a record routed by its partition key and waits until it is stored.
     *
     * @param streamName   the stream
     * @param partitionKey 1-256 characters
     * @param data         the blob (copied)
     * @return its shard and sequence number
     * @throws StreamException see {@link #putRecord(PutRecordRequest)}
     */
    public PutRecordResult putRecord(String streamName, String partitionKey, byte[] data) {
        return putRecord(PutRecordRequest.of(streamName, partitionKey, data));
    }

    /**
     * Puts a record and waits until it is stored (readable) or refused.
     *
     * @param request the record
     * @return its shard and sequence number
     * @throws StreamException {@link ErrorCode#PROVISIONED_THROUGHPUT_EXCEEDED} if the shard is over its limits
     *                         (after waiting up to the block timeout in {@link ThrottleMode#BLOCK}), or a byte limit
     *                         has no room under a lossless {@link OverflowPolicy} (the message names the limit),
     *                         {@link ErrorCode#RESOURCE_NOT_FOUND} for an unknown stream,
     *                         {@link ErrorCode#INVALID_ARGUMENT} for a sequence number this engine did not issue
     */
    public PutRecordResult putRecord(PutRecordRequest request) {
        return core.putRecord(request.streamName(), request.partitionKey(), request.dataUnsafe(),
                request.explicitHashKey().orElse(null), request.sequenceNumberForOrdering().orElse(null));
    }

    /**
     * Puts a record without waiting.
     *
     * @param request the record
     * @return completes with its shard and sequence number, or exceptionally with a {@link StreamException}
     * @throws StreamException at once for an unknown stream or invalid arguments
     */
    public CompletableFuture<PutRecordResult> putRecordAsync(PutRecordRequest request) {
        return core.putRecordAsync(request.streamName(), request.partitionKey(), request.dataUnsafe(),
                request.explicitHashKey().orElse(null), request.sequenceNumberForOrdering().orElse(null));
    }

    /**
     * Puts up to 500 records (10 MiB) and waits for every outcome. Throttled entries fail individually
     * while the others are stored; this never throws for a partial failure.
     *
     * @param streamName the stream
     * @param records    1-500 entries, at most 10 MiB together, partition keys included
     * @return one outcome per entry, in request order
     * @throws StreamException {@link ErrorCode#VALIDATION} for the entry count, {@link ErrorCode#INVALID_ARGUMENT}
     *                         over 10 MiB, {@link ErrorCode#RESOURCE_NOT_FOUND} for an unknown stream
     */
    public PutRecordsResult putRecords(String streamName, List<PutRecordsRequestEntry> records) {
        Batch batch = new Batch(records);
        return core.putRecords(streamName, batch.keys, batch.data, batch.explicitHashKeys);
    }

    /**
     * Puts up to 500 records without waiting.
     *
     * @param streamName the stream
     * @param records    1-500 entries, at most 10 MiB together
     * @return completes with one outcome per entry, in request order
     * @throws StreamException at once, as {@link #putRecords(String, List)}
     */
    public CompletableFuture<PutRecordsResult> putRecordsAsync(String streamName, List<PutRecordsRequestEntry> records) {
        Batch batch = new Batch(records);
        return core.putRecordsAsync(streamName, batch.keys, batch.data, batch.explicitHashKeys);
    }

    /**
     * Returns a shard iterator, valid for 5 minutes.
     *
     * @param streamName the stream
     * @param shardId    the shard
     * @param type       where to start
     * @return an opaque iterator
     * @throws StreamException {@link ErrorCode#RESOURCE_NOT_FOUND} for an unknown stream or shard,
     *                         {@link ErrorCode#INVALID_ARGUMENT} for a sequence number of another shard
     */
    public String getShardIterator(String streamName, String shardId, ShardIteratorType type) {
        return core.getShardIterator(streamName, shardId, type);
    }

    /**
     * Reads up to 10,000 records (10 MiB) at an iterator.
     *
     * @param shardIterator from {@link #getShardIterator} or a previous result
     * @return the records and the next iterator
     * @throws StreamException see {@link #getRecords(String, int)}
     */
    public GetRecordsResult getRecords(String shardIterator) {
        return getRecords(shardIterator, KinesisLimits.MAX_GET_RECORDS_LIMIT);
    }

    /**
     * Reads records at an iterator, never more than 10 MiB.
     *
     * @param shardIterator from {@link #getShardIterator} or a previous result
     * @param limit         1-10,000 records
     * @return the records and the next iterator; on a shard closed by resharding and read to its end, no next
     *         iterator and the shard's children
     * @throws StreamException {@link ErrorCode#EXPIRED_ITERATOR} for an iterator older than 5 minutes,
     *                         {@link ErrorCode#PROVISIONED_THROUGHPUT_EXCEEDED} over the shard's read limits,
     *                         {@link ErrorCode#INVALID_ARGUMENT} for a bad limit or a garbled iterator,
     *                         {@link ErrorCode#RESOURCE_NOT_FOUND} if the stream was deleted
     */
    public GetRecordsResult getRecords(String shardIterator, int limit) {
        return core.getRecords(shardIterator, limit);
    }

    /**
     * Returns the storage this engine uses.
     *
     * @return the storage chosen in the builder; {@link Storage#inMemory()} if none was chosen
     */
    public Storage storage() {
        Storage chosen = storage;
        if (chosen == null) { // the default: its memory limit is read when first needed (see Builder#storage)
            chosen = Storage.inMemory();
            storage = chosen;
        }
        return chosen;
    }

    /**
     * Returns how this engine's writer threads wait for work.
     *
     * @return the strategy chosen in the builder; {@link WaitStrategy#PHASED_BACKOFF} if none was chosen
     */
    public WaitStrategy waitStrategy() {
        return waitStrategy;
    }

    /** What {@link ConsumerApplication}s of this engine share: ticker, threads, registry, checkpoints. */
    ConsumerEnvironment consumerEnvironment() {
        return consumerEnvironment;
    }

    /** Drains accepted puts for up to {@link #DEFAULT_CLOSE_TIMEOUT}, then stops. Idempotent. */
    @Override
    public void close() {
        close(DEFAULT_CLOSE_TIMEOUT);
    }

    /**
     * Drains accepted puts for up to {@code timeout}, failing what is left after it, then stops. Idempotent.
     *
     * @param timeout the drain deadline
     */
    public void close(Duration timeout) {
        core.close(Objects.requireNonNull(timeout, "timeout"));
    }

    private static final class Batch {
        final String[] keys;
        final byte[][] data;
        final String[] explicitHashKeys;

        Batch(List<PutRecordsRequestEntry> records) {
            Objects.requireNonNull(records, "records");
            int n = records.size();
            keys = new String[n];
            data = new byte[n][];
            String[] hashKeys = null;
            int i = 0;
            for (PutRecordsRequestEntry entry : records) {
                keys[i] = entry.partitionKey();
                data[i] = entry.dataUnsafe();
                if (entry.explicitHashKey().isPresent()) {
                    if (hashKeys == null) {
                        hashKeys = new String[n];
                    }
                    hashKeys[i] = entry.explicitHashKey().get();
                }
                i++;
            }
            explicitHashKeys = hashKeys;
        }
    }

    /**
     * Configures a {@link StreamEngine}. Validated at {@link #build()}, which names the option, its range
     * and the actual value when one is wrong.
     *
     * <p>Thread-safety: not thread-safe; use from one thread.
     */
    public static final class Builder {
        private Clock clock;
        private Ticker ticker;
        /**
         * {@code null}: {@link Storage#inMemory()}, whose memory limit (a share of the JVM's direct-memory limit, slow to
         * read in a fresh JVM) the engine reads when its first put needs it, not while it is built.
         */
        private Storage storage;
        private ThrottleMode throttleMode = ThrottleMode.REJECT;
        private MeterRegistry meterRegistry;
        private ThreadFactory threadFactory;
        private WaitStrategy waitStrategy = WaitStrategy.PHASED_BACKOFF;
        private int writerThreads = Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors() / 2));
        private int ringBufferSize = 16_384;
        private Duration blockTimeout = Duration.ofSeconds(30);
        private int shardQuota = KinesisLimits.DEFAULT_SHARD_QUOTA;
        private String region = "us-east-1";

        private Builder() {
        }

        /**
         * The AWS region named in stream and consumer ARNs ({@code arn:aws:kinesis:<region>:000000000000:...}).
         * Default: {@code us-east-1}.
         *
         * @param region a region name such as {@code eu-west-1}
         * @return this builder
         */
        public Builder region(String region) {
            this.region = Objects.requireNonNull(region, "region");
            return this;
        }

        /**
         * Gives the engine one time source for both wall time ({@link #clock}) and elapsed time ({@link #ticker}),
         * such as a {@link dev.sluice.stream.testing.ManualClock}. The one way to put an engine on virtual time.
         *
         * @param time the clock and ticker
         * @param <T>  a {@link Clock} that is also a {@link Ticker}
         * @return this builder
         */
        public <T extends Clock & Ticker> Builder time(T time) {
            Objects.requireNonNull(time, "time");
            this.clock = time;
            this.ticker = time;
            return this;
        }

        /**
         * Wall time: arrival timestamps, retention, {@code AT_TIMESTAMP}, iterator expiry. Default: system UTC. A
         * clock that is also a {@link Ticker} (a {@link dev.sluice.stream.testing.ManualClock}) is the ticker too,
         * unless {@link #ticker} sets another one: throttling never runs on the system ticker behind a manual clock.
         *
         * @param clock the clock
         * @return this builder
         */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * Elapsed time: throttling, block timeouts, latency. Default: the {@link #clock} if it is a {@link Ticker},
         * otherwise {@link Ticker#system()}. A ticker that is also a {@link Clock} is the wall clock too, unless
         * {@link #clock} sets another one.
         *
         * @param ticker the ticker
         * @return this builder
         */
        public Builder ticker(Ticker ticker) {
            this.ticker = Objects.requireNonNull(ticker, "ticker");
            return this;
        }

        /**
         * Where shards are kept. Default: {@link Storage#inMemory()}, which keeps at most 75 % of the JVM's direct
         * memory (see {@link Storage.InMemory}). With {@link Storage#durable durable storage},
         * {@link #build()} recovers the streams an earlier engine left in the directory, and {@link StreamEngine#close()}
         * releases the directory for the next one.
         *
         * @param storage the storage
         * @return this builder
         */
        public Builder storage(Storage storage) {
            this.storage = Objects.requireNonNull(storage, "storage");
            return this;
        }

        /**
         * What happens over a shard's limits. Default: {@link ThrottleMode#REJECT}, as Kinesis.
         *
         * @param throttleMode the mode
         * @return this builder
         */
        public Builder throttleMode(ThrottleMode throttleMode) {
            this.throttleMode = Objects.requireNonNull(throttleMode, "throttleMode");
            return this;
        }

        /**
         * Where meters are registered (Kinesis CloudWatch names, tagged {@code stream} and {@code shard}).
         * Default: none; the engine's meters are then no-ops and no gauge exists, so an engine no one observes loads
         * no Micrometer registry (a fifth or more of an engine's first start in a fresh JVM). Give a registry to read
         * them: a {@code SimpleMeterRegistry} to look at them in code, your monitoring system's otherwise. A registry's
         * pause detector costs time on every latency record; {@code NoPauseDetector} avoids it.
         *
         * @param meterRegistry the registry
         * @return this builder
         */
        public Builder meterRegistry(MeterRegistry meterRegistry) {
            this.meterRegistry = Objects.requireNonNull(meterRegistry, "meterRegistry");
            return this;
        }

        /**
         * Creates the engine's threads; the engine names them. Default: daemon threads.
         *
         * @param threadFactory the factory
         * @return this builder
         */
        public Builder threadFactory(ThreadFactory threadFactory) {
            this.threadFactory = Objects.requireNonNull(threadFactory, "threadFactory");
            return this;
        }

        /**
         * How writer threads wait for work. Default: {@link WaitStrategy#PHASED_BACKOFF}.
         *
         * @param waitStrategy the strategy
         * @return this builder
         */
        public Builder waitStrategy(WaitStrategy waitStrategy) {
            this.waitStrategy = Objects.requireNonNull(waitStrategy, "waitStrategy");
            return this;
        }

        /**
         * Number of writer threads, each the single writer of a fixed subset of all shards. Default: half the
         * available processors, between 1 and 4.
         *
         * @param writerThreads in [1, 64]
         * @return this builder
         */
        public Builder writerThreads(int writerThreads) {
            this.writerThreads = writerThreads;
            return this;
        }

        /**
         * Slots in the write ring; a full ring makes producers wait. Default: 16,384.
         *
         * @param ringBufferSize a power of two in [64, 2^24]
         * @return this builder
         */
        public Builder ringBufferSize(int ringBufferSize) {
            this.ringBufferSize = ringBufferSize;
            return this;
        }

        /**
         * How long a put or read waits for capacity in {@link ThrottleMode#BLOCK}. Default: 30 seconds.
         *
         * @param blockTimeout positive
         * @return this builder
         */
        public Builder blockTimeout(Duration blockTimeout) {
            this.blockTimeout = Objects.requireNonNull(blockTimeout, "blockTimeout");
            return this;
        }

        /**
         * Most open shards over all streams (Kinesis's account shard quota). Default: 500.
         *
         * @param shardQuota at least 1
         * @return this builder
         */
        public Builder shardQuota(int shardQuota) {
            this.shardQuota = shardQuota;
            return this;
        }

        /**
         * Validates the options and starts the engine's threads.
         *
         * @return a running engine, with the streams durable storage kept from an earlier engine
         * @throws StreamException {@link ErrorCode#INVALID_ARGUMENT} naming the option, its range and the actual value
         * @throws StreamException          for durable storage: {@link ErrorCode#INVALID_ARGUMENT} naming the missing
         *                                  JVM flags or dependency (see {@link Storage.Durable}),
         *                                  {@link ErrorCode#RESOURCE_IN_USE} if another engine uses the directory,
         *                                  {@link ErrorCode#INTERNAL_FAILURE} if it cannot be created or recovered
         */
        public StreamEngine build() {
            if (writerThreads < 1 || writerThreads > 64) {
                throw new StreamException(ErrorCode.INVALID_ARGUMENT, "writerThreads must be in [1, 64] but was " + writerThreads);
            }
            if (ringBufferSize < 64 || ringBufferSize > (1 << 24) || Integer.bitCount(ringBufferSize) != 1) {
                throw new StreamException(ErrorCode.INVALID_ARGUMENT, "ringBufferSize must be a power of two in [64, 16777216] but was " + ringBufferSize);
            }
            if (blockTimeout.isNegative() || blockTimeout.isZero()) {
                throw new StreamException(ErrorCode.INVALID_ARGUMENT, "blockTimeout must be > PT0S but was " + blockTimeout);
            }
            if (!isRegionName(region)) {
                throw new StreamException(ErrorCode.INVALID_ARGUMENT, "region must be an AWS region name such as us-east-1 but was '" + region + "'");
            }
            if (shardQuota < 1) {
                throw new StreamException(ErrorCode.INVALID_ARGUMENT, "shardQuota must be >= 1 but was " + shardQuota);
            }
            // One time source given through clock() or ticker() alone serves both (see their Javadoc).
            Clock clock = this.clock != null ? this.clock
                    : this.ticker instanceof Clock tickingClock ? tickingClock : Clock.systemUTC();
            Ticker ticker = this.ticker != null ? this.ticker
                    : this.clock instanceof Ticker clockTicker ? clockTicker : Ticker.system();
            MeterRegistry registry = meterRegistry; // null: no meters (see meterRegistry)
            ThreadFactory factory = threadFactory != null ? threadFactory : daemonThreads();
            Storage storage = this.storage; // null: the default in-memory storage, its limit read when first needed
            EngineCore core = new EngineCore(new EngineCore.Config(clock, ticker, throttleMode, registry, factory,
                    waitStrategy, writerThreads, ringBufferSize, blockTimeout, shardQuota, storage, region));
            return new StreamEngine(core, storage, new ConsumerEnvironment(ticker, registry, factory, storage, core::getRecords),
                    waitStrategy);
        }

        /**
         * Whether {@code name} matches {@code [a-z]{2}(-[a-z0-9]+)+}, as AWS region names do. By hand: compiling the
         * regular expression was a tenth of an engine's first start in a fresh JVM.
         */
        static boolean isRegionName(String name) {
            int n = name.length();
            if (n < 4 || !isLower(name.charAt(0)) || !isLower(name.charAt(1)) || name.charAt(2) != '-') {
                return false;
            }
            for (int i = 3; i < n; i++) {
                char c = name.charAt(i);
                if (c == '-' ? name.charAt(i - 1) == '-' || i == n - 1 : !isLower(c) && (c < '0' || c > '9')) {
                    return false;
                }
            }
            return true;
        }

        private static boolean isLower(char c) {
            return c >= 'a' && c <= 'z';
        }

        private static ThreadFactory daemonThreads() {
            ThreadFactory delegate = Executors.defaultThreadFactory();
            return runnable -> {
                Thread thread = delegate.newThread(runnable);
                thread.setDaemon(true);
                return thread;
            };
        }
    }
}
