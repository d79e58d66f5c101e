package dev.sluice.stream.internal.consumer;

import dev.sluice.stream.ConsumerExceptionHandler;
import dev.sluice.stream.RecordProcessor;
import dev.sluice.stream.Shard;
import dev.sluice.stream.ShardIteratorType;
import dev.sluice.stream.ShutdownInput;
import dev.sluice.stream.StreamEngine;
import dev.sluice.stream.Ticker;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The machinery of one {@link dev.sluice.stream.ConsumerApplication}: one {@link ShardConsumer} per shard, the
 * {@link ConsumerWorkers} that run them, the checkpoint store and the lag gauges.
 *
 * <p>Lifecycle: the constructor registers the application name (one reader per application and stream in an
 * engine), loads the checkpoints, registers a {@code MillisBehindLatest} gauge per shard (tags {@code application},
 * {@code stream}, {@code shard}; KCL's metric name) and starts the threads. {@link #close(Duration)} stops the
 * threads after their current step, calls each shard's shutdown hook on the closing thread (checkpoints still
 * accepted), then refuses checkpoints, removes the gauges and releases the name. Shards are listed once, at start:
 * shards created later by resharding are not picked up.
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
                           int maxRecords, Duration pollInterval) {
    }

    private final Settings settings;
    private final StreamEngine engine;
    private final ConsumerEnvironment environment;
    private final List<ShardConsumer> shards = new ArrayList<>();
    private final List<Meter> meters = new ArrayList<>();
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
        try {
            CheckpointStore store = environment.checkpointStore(settings.applicationName(), settings.streamName());
            Map<String, String> checkpoints = store.load();
            for (Shard shard : listed) {
                String shardId = shard.shardId();
                ShardConsumer consumer = new ShardConsumer(this, shardId, new ShardCheckpointer(
                        settings.applicationName(), shardId, store, checkpointsOpen, checkpoints.get(shardId)));
                shards.add(consumer);
                meters.add(Gauge.builder("MillisBehindLatest", consumer.millisBehindLatest(), Number::doubleValue)
                        .description("How far the application's last read of the shard was behind its newest record")
                        .baseUnit("milliseconds")
                        .tag("application", settings.applicationName())
                        .tag("stream", settings.streamName())
                        .tag("shard", shardId)
                        .register(environment.meterRegistry()));
            }
        } catch (RuntimeException e) {
            releaseResources();
            throw e;
        }
        this.workers = new ConsumerWorkers(settings.applicationName(), Math.min(settings.threads(), shards.size()),
                environment.threadFactory(), environment.ticker(), shards);
        workers.start();
    }

    Settings settings() {
        return settings;
    }

    StreamEngine engine() {
        return engine;
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
            for (ShardConsumer shard : shards) {
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

    private void releaseResources() {
        checkpointsOpen.set(false);
        meters.forEach(environment.meterRegistry()::remove);
        environment.unregister(settings.applicationName(), settings.streamName());
    }
}
