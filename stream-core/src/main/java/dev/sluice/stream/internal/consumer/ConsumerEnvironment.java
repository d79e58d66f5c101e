package dev.sluice.stream.internal.consumer;

import dev.sluice.stream.ErrorCode;
import dev.sluice.stream.GetRecordsResult;
import dev.sluice.stream.Storage;
import dev.sluice.stream.StreamException;
import dev.sluice.stream.Ticker;
import io.micrometer.core.instrument.MeterRegistry;

import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ThreadFactory;

/**
 * What consumer applications share with the engine that runs them: its ticker, meter registry and thread factory,
 * its storage (which decides where checkpoints live), the in-memory checkpoints that outlive one application, and
 * the names of the applications running now.
 *
 * <p>Design note: one instance per engine. In-memory checkpoints live here, not in an application, so an
 * application closed and built again on the same engine resumes where it checkpointed. Only one application of a
 * given name may read a stream at a time (there are no leases to share shards between workers).
 *
 * <p>Thread-safety: safe for concurrent use.
 */
public final class ConsumerEnvironment {

    private final Ticker ticker;
    private final MeterRegistry meterRegistry;
    private final ThreadFactory threadFactory;
    private final Storage storage;
    private final FanOutReader fanOutReader;
    private final ConcurrentMap<String, ConcurrentMap<String, String>> inMemoryCheckpoints = new ConcurrentHashMap<>();
    private final Set<String> running = ConcurrentHashMap.newKeySet();

    /**
     * Creates the environment of one engine.
     *
     * @param ticker        the engine's ticker
     * @param meterRegistry the engine's registry; null if it has none (then applications register no meters)
     * @param threadFactory the engine's thread factory
     * @param storage       the engine's storage
     * @param fanOutReader  GetRecords charged to a registered consumer's own budget
     */
    public ConsumerEnvironment(Ticker ticker, MeterRegistry meterRegistry, ThreadFactory threadFactory, Storage storage,
                               FanOutReader fanOutReader) {
        this.fanOutReader = fanOutReader;
        this.ticker = ticker;
        this.meterRegistry = meterRegistry;
        this.threadFactory = threadFactory;
        this.storage = storage;
    }

    /** GetRecords for an enhanced fan-out consumer: its own 2 MiB/s per shard, no call limit. */
    @FunctionalInterface
    public interface FanOutReader {
        /**
         * Reads at an iterator, charged to the consumer.
         *
         * @param shardIterator the iterator
         * @param limit         most records
         * @param consumerArn   the registered consumer
         * @return what GetRecords returns
         */
        GetRecordsResult getRecords(String shardIterator, int limit, String consumerArn);
    }

    FanOutReader fanOutReader() {
        return fanOutReader;
    }

    Ticker ticker() {
        return ticker;
    }

    /** The engine's registry; null if it has none. */
    MeterRegistry meterRegistry() {
        return meterRegistry;
    }

    ThreadFactory threadFactory() {
        return threadFactory;
    }

    CheckpointStore checkpointStore(String applicationName, String streamName) {
        if (storage instanceof Storage.Durable durable) {
            Path file = durable.dataDirectory().resolve("consumers").resolve(applicationName).resolve(streamName)
                    .resolve("checkpoints.properties");
            return new FileCheckpointStore(file);
        }
        return new InMemoryCheckpointStore(inMemoryCheckpoints.computeIfAbsent(key(applicationName, streamName),
                k -> new ConcurrentHashMap<>()));
    }

    void register(String applicationName, String streamName) {
        if (!running.add(key(applicationName, streamName))) {
            throw new StreamException(ErrorCode.RESOURCE_IN_USE, "consumer application " + applicationName
                    + " is already reading stream " + streamName + " in this engine; close it first or use another name");
        }
    }

    void unregister(String applicationName, String streamName) {
        running.remove(key(applicationName, streamName));
    }

    private static String key(String applicationName, String streamName) {
        return applicationName + '\u0000' + streamName;
    }
}
