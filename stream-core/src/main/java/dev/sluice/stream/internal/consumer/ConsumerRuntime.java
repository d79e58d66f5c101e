package dev.sluice.stream.internal.consumer;

import dev.sluice.stream.ChildShard;
import dev.sluice.stream.ConsumerExceptionHandler;
import dev.sluice.stream.ErrorCode;
import dev.sluice.stream.ReaderRegistration;
import dev.sluice.stream.RecordProcessor;
import dev.sluice.stream.Shard;
import dev.sluice.stream.ShardIteratorType;
import dev.sluice.stream.ShutdownInput;
import dev.sluice.stream.StreamEngine;
import dev.sluice.stream.StreamException;
import dev.sluice.stream.Ticker;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

/**
 * The machinery of one {@link dev.sluice.stream.ConsumerApplication}: one {@link ShardConsumer} per shard, the
 * {@link ConsumerWorkers} that run them, the checkpoint store and the lag gauges.
 *
 * <p>Lifecycle: the constructor registers the application name (one reader per application and stream in an
 * engine), loads the checkpoints, registers a {@code MillisBehindLatest} gauge per shard (tags {@code application},
 * {@code stream}, {@code shard}; KCL's metric name) and starts the threads. {@link #close(Duration)} stops the
 * threads after their current step, calls each shard's shutdown hook on the closing thread (checkpoints still
 * accepted), then refuses checkpoints, removes the gauges and releases the name.
 *
 * <p>Resharding (KCL's lease rule): a shard starts only once each of its parents has ended for this application,
 * so per-partition-key order holds across splits and merges. A shard has ended when it was read to its end and the
 * processor's {@code shutdown(SHARD_END)} returned; its checkpoint is then {@link ShardCheckpointer#SHARD_END}, so
 * after a restart it is skipped and its children start. At start the shards are listed once: ended shards are
 * skipped; closed shards without a checkpoint are skipped under {@code LATEST} (they hold nothing after "now", as
 * in KCL); parents absent from the listing (deleted) do not hold children back; every other shard starts or waits
 * in {@link #waiting}. Shards created later are discovered from the child shards of the final read of their
 * parent ({@link #shardEnded}), wait the same way and join the running workers when released. A shard with a
 * parent ended by this application starts at {@code TRIM_HORIZON} unless it has a checkpoint: every record of a
 * child follows its parents' records. A closed parent whose records have all expired reads as empty with no next
 * iterator, so it ends at once and releases its children. A parent that stops (non-retryable failure,
 * {@code STOP_SHARD}) never ends: its children wait until a restart reads it again.
 *
 * <p>Byte retention: the application registers itself as a reader of the stream under its application name
 * ({@link StreamEngine#registerReader}) and reports every checkpoint it stores, the ended and skipped shards, and,
 * for a shard started at {@code LATEST}, that the records before its start are not needed; so a lossless stream never
 * drops what the application has not checkpointed. Closing releases the handle and keeps the registration.
 *
 * <p>Memory ordering: {@link #waiting}, {@link #ended}, {@link #skipped}, {@link #known}, {@link #parentsOf},
 * {@link #shards} and {@link #meters} are guarded by {@code this}; workers call {@link #shardEnded} while holding only their shard.
 *
 * <p>Thread-safety: {@link #close(Duration)} is idempotent and safe from any thread.
 */
public final class ConsumerRuntime {

    /**
     * Validated settings of an application.
     *
     * @param applicationName   name, used in thread names, meter tags and the checkpoint path
     * @param streamName        the stream
     * @param initialPosition   where a shard without a checkpoint starts
     * @param processor         the processor
     * @param exceptionHandler  the failure policy
     * @param threads           worker threads
     * @param maxRecords        GetRecords limit per call
     * @param pollInterval      wait between two reads of a shard
     */
    public record Settings(String applicationName, String streamName, ShardIteratorType initialPosition,
                           RecordProcessor processor, ConsumerExceptionHandler exceptionHandler, int threads,
                           int maxRecords, Duration pollInterval, String consumerArn) {
    }

    private final Settings settings;
    private final StreamEngine engine;
    private final ConsumerEnvironment environment;
    private final CheckpointStore store;
    private ReaderRegistration reader;
    /** Started shards, in start order. */
    private final List<ShardConsumer> shards = new ArrayList<>();
    private final List<Meter> meters = new ArrayList<>();
    /** Shards not started yet, with the parents they still wait for. */
    private final Map<String, Set<String>> waiting = new LinkedHashMap<>();
    /** Shards this application processed to their end (SHARD_END), in this run or before. */
    private final Set<String> ended = new HashSet<>();
    /** Closed shards not read under {@code LATEST}; they do not hold their children back. */
    private final Set<String> skipped = new HashSet<>();
    /** Every shard id seen: listed at start or discovered as a child. */
    private final Set<String> known = new HashSet<>();
    /** Parents by shard id, as listed or as reported with the child. */
    private final Map<String, List<String>> parentsOf = new HashMap<>();
    private final AtomicBoolean checkpointsOpen = new AtomicBoolean(true);
    private final AtomicBoolean closed = new AtomicBoolean();
    private final ConsumerWorkers workers;

    /**
     * Starts an application.
     *
     * @param engine      the engine to read
     * @param environment the engine's consumer environment
     * @param settings    validated settings
     * @throws dev.sluice.stream.StreamException {@code RESOURCE_NOT_FOUND} for an unknown stream,
     *                                           {@code RESOURCE_IN_USE} if the application already reads it,
     *                                           {@code INTERNAL_FAILURE} if stored checkpoints cannot be read
     */
    public ConsumerRuntime(StreamEngine engine, ConsumerEnvironment environment, Settings settings) {
        this.settings = settings;
        this.engine = engine;
        this.environment = environment;
        List<Shard> listed = engine.listShards(settings.streamName());
        environment.register(settings.applicationName(), settings.streamName());
        List<ShardConsumer> initial;
        try {
            this.reader = engine.registerReader(settings.streamName(), settings.applicationName());
            this.store = new ReportingStore(environment.checkpointStore(settings.applicationName(), settings.streamName()));
            synchronized (this) {
                Map<String, String> checkpoints = store.load();
                checkpoints.forEach(this::report);
                listed.forEach(shard -> known.add(shard.shardId()));
                for (Shard shard : listed) {
                    String checkpoint = checkpoints.get(shard.shardId());
                    if (ShardCheckpointer.SHARD_END.equals(checkpoint)) {
                        ended.add(shard.shardId());
                    } else if (checkpoint == null && shard.sequenceNumberRange().endingSequenceNumber().isPresent()
                            && settings.initialPosition() instanceof ShardIteratorType.Latest) {
                        skipped.add(shard.shardId());
                        report(shard.shardId(), ShardCheckpointer.SHARD_END); // never read: nothing of it is needed
                    }
                }
                for (Shard shard : listed) {
                    if (!ended.contains(shard.shardId()) && !skipped.contains(shard.shardId())) {
                        List<String> parents = Stream.concat(shard.parentShardId().stream(),
                                shard.adjacentParentShardId().stream()).toList();
                        parentsOf.put(shard.shardId(), parents);
                        // a parent missing from the listing was deleted: nothing of it is left to read first
                        waiting.put(shard.shardId(), stillRunning(parents.stream().filter(known::contains).toList()));
                    }
                }
                initial = release(checkpoints);
            }
        } catch (RuntimeException e) {
            releaseResources();
            throw e;
        }
        int open = (int) listed.stream().filter(s -> s.sequenceNumberRange().endingSequenceNumber().isEmpty()).count();
        this.workers = new ConsumerWorkers(settings.applicationName(), Math.max(1, Math.min(settings.threads(), open)),
                environment.threadFactory(), environment.ticker(), initial);
        workers.start();
    }

    /** The parents of a shard that have neither ended nor been skipped. */
    private Set<String> stillRunning(List<String> parents) {
        Set<String> running = new HashSet<>(parents);
        running.removeAll(ended);
        running.removeAll(skipped);
        return running;
    }

    /** Starts (creates consumers and gauges for) every waiting shard with no running parent; caller holds the lock. */
    private List<ShardConsumer> release(Map<String, String> checkpoints) {
        List<ShardConsumer> released = new ArrayList<>();
        for (Iterator<Map.Entry<String, Set<String>>> it = waiting.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, Set<String>> entry = it.next();
            if (!entry.getValue().isEmpty()) {
                continue;
            }
            it.remove();
            String shardId = entry.getKey();
            ShardConsumer consumer = new ShardConsumer(this, shardId, new ShardCheckpointer(settings.applicationName(),
                    shardId, store, checkpointsOpen, checkpoints.get(shardId)), startingPosition(shardId));
            shards.add(consumer);
            released.add(consumer);
            if (environment.meterRegistry() == null) {
                continue; // the engine has no registry: no one could read the gauge
            }
            meters.add(Gauge.builder("MillisBehindLatest", consumer.millisBehindLatest(), Number::doubleValue)
                    .description("How far the application's last read of the shard was behind its newest record")
                    .baseUnit("milliseconds")
                    .tag("application", settings.applicationName())
                    .tag("stream", settings.streamName())
                    .tag("shard", shardId)
                    .register(environment.meterRegistry()));
        }
        return released;
    }

    /** Where a shard without a checkpoint starts: after a parent this application read, at its beginning. */
    private ShardIteratorType startingPosition(String shardId) {
        return parentsOf.getOrDefault(shardId, List.of()).stream().anyMatch(ended::contains)
                ? ShardIteratorType.trimHorizon() : settings.initialPosition();
    }

    /**
     * Called by a worker when a shard was processed to its end: records it, learns its children and starts those
     * whose parents have all ended.
     *
     * @param shardId  the shard that ended
     * @param children its children, from the final GetRecords result
     */
    void shardEnded(String shardId, List<ChildShard> children) {
        List<ShardConsumer> released;
        synchronized (this) {
            if (closed.get()) {
                return; // the ended marker is stored; the children start after a restart
            }
            ended.add(shardId);
            for (ChildShard child : children) {
                parentsOf.putIfAbsent(child.shardId(), child.parentShards());
                if (known.add(child.shardId())) {
                    waiting.put(child.shardId(), stillRunning(child.parentShards()));
                }
            }
            waiting.values().forEach(parents -> parents.remove(shardId));
            released = release(store.load());
        }
        for (ShardConsumer consumer : released) {
            if (!workers.add(consumer)) {
                synchronized (this) {
                    shards.remove(consumer); // closing: never started, so it gets no shutdown call
                }
            }
        }
    }

    Settings settings() {
        return settings;
    }

    StreamEngine engine() {
        return engine;
    }

    ConsumerEnvironment.FanOutReader fanOutReader() {
        return environment.fanOutReader();
    }

    Ticker ticker() {
        return environment.ticker();
    }

    /**
     * Stops the application: lets in-flight steps finish (up to {@code timeout}), calls the shutdown hooks, stops
     * accepting checkpoints. Idempotent.
     *
     * @param timeout how long to wait for in-flight batches before interrupting their threads
     */
    public void close(Duration timeout) {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            Set<ShardConsumer> stillRunning = workers.stop(timeout);
            List<ShardConsumer> started;
            synchronized (this) {
                started = List.copyOf(shards);
            }
            for (ShardConsumer shard : started) {
                if (!shard.finished() && !stillRunning.contains(shard)) {
                    shard.shutdown(ShutdownInput.Reason.REQUESTED);
                }
            }
        } finally {
            releaseResources();
        }
    }

    /**
     * Returns whether {@link #close(Duration)} was called.
     *
     * @return {@code true} once closing started
     */
    public boolean isClosed() {
        return closed.get();
    }

    /**
     * Tells the engine what the application no longer needs ({@link ShardCheckpointer#SHARD_END}: the whole shard). A
     * registration that is gone (stream deleted, reader deregistered) has nothing left to protect, so that is ignored.
     */
    void report(String shardId, String sequenceNumber) {
        ReaderRegistration registration = reader;
        if (registration == null) {
            return;
        }
        try {
            if (ShardCheckpointer.SHARD_END.equals(sequenceNumber)) {
                registration.shardEnded(shardId);
            } else {
                registration.checkpoint(shardId, sequenceNumber);
            }
        } catch (StreamException e) {
            if (e.code() != ErrorCode.RESOURCE_NOT_FOUND) {
                throw e;
            }
        }
    }

    /** The checkpoint store, reporting each stored checkpoint to the application's reader registration. */
    private final class ReportingStore implements CheckpointStore {
        private final CheckpointStore stored;

        ReportingStore(CheckpointStore stored) {
            this.stored = stored;
        }

        @Override
        public Map<String, String> load() {
            return stored.load();
        }

        @Override
        public void save(String shardId, String sequenceNumber) {
            stored.save(shardId, sequenceNumber);
            report(shardId, sequenceNumber);
        }
    }

    private void releaseResources() {
        checkpointsOpen.set(false);
        if (reader != null) {
            reader.close();
        }
        if (environment.meterRegistry() != null) {
            meters.forEach(environment.meterRegistry()::remove);
        }
        environment.unregister(settings.applicationName(), settings.streamName());
    }
}
