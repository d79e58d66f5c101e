package dev.sluice.stream;

import dev.sluice.stream.internal.KinesisLimits;
import dev.sluice.stream.internal.consumer.ConsumerRuntime;

import java.time.Duration;
import java.util.Objects;

/**
 * A consumer application (KCL, embedded, without DynamoDB): reads every shard of a stream and hands the records
 * to a {@link RecordProcessor}, shard by shard, in sequence order, with checkpoints that survive a restart.
 * Several applications (different names) read the same stream independently, each with its own position.
 *
 * <pre>{@code
 * try (ConsumerApplication app = ConsumerApplication.builder(engine)
 *         .applicationName("billing").streamName("orders")
 *         .initialPosition(ShardIteratorType.trimHorizon())
 *         .processor(input -> {
 *             input.records().forEach(record -> bill(record.dataBytes()));
 *             input.checkpointer().checkpoint();
 *         })
 *         .build()) {
 *     ...
 * }
 * }</pre>
 *
 * <p>Threads: {@code threads} library-owned threads ({@code sluice-consumer-<application>-<n>}, made by the engine's
 * thread factory; never more than the stream has open shards at start) cycle over the shards: each takes the shard
 * whose next read is due, reads it (Kinesis GetRecords, shared-throughput mode) and delivers the batch. Polling,
 * idle waits and back-offs run on the engine's ticker.
 *
 * <p>Positions: a shard with a checkpoint resumes after it ({@code AFTER_SEQUENCE_NUMBER}); a shard without one
 * starts at the initial position. Between checkpoints each record is delivered once; after a restart, records
 * after the last checkpoint are delivered again (at-least-once, as KCL).
 *
 * <p>Resharding (KCL's lease rule): a shard starts only after each of its parents has been processed to its end by
 * this application, so each partition key's records arrive in order across splits and merges. A parent has ended
 * when it was read to its end and {@link RecordProcessor#shutdown} with {@link ShutdownInput.Reason#SHARD_END}
 * returned (a throwing hook is retried like a failed batch); that is stored as the shard's checkpoint, so after a
 * restart ended shards are skipped. Children created while the application runs are picked up when their parents
 * end; a child of a parent this application read starts at {@code TRIM_HORIZON} unless it has a checkpoint. Under
 * {@link ShardIteratorType#latest()}, closed shards without a checkpoint are not read.
 *
 * <p>Failures: a processor that throws is handled by the {@link ConsumerExceptionHandler} (default:
 * {@link ConsumerExceptionHandler#retryForever()}). Throttled reads ({@code ProvisionedThroughputExceededException})
 * and other retryable read errors are retried with exponential back-off (100 ms doubling to 10 s on the ticker);
 * an expired iterator is replaced from the shard's position. Nothing is skipped.
 *
 * <p>Byte retention: the application registers itself as a reader of the stream named after it
 * ({@link StreamEngine#registerReader}) and reports its checkpoints, so under a lossless {@link OverflowPolicy} (the
 * default) the engine never drops records it has not checkpointed to make room; a processor that never checkpoints
 * therefore pushes back on producers once the limit is reached. A shard started at {@code LATEST} releases the records
 * before its start. Closing keeps the registration, so a restarted application loses nothing; retire an application for
 * good with {@link StreamEngine#deregisterReader}.
 *
 * <p>Metrics: a {@code MillisBehindLatest} gauge per shard in the engine's registry, tagged {@code application},
 * {@code stream} and {@code shard}: the lag reported by the shard's last read.
 *
 * <p>Records in the Kinesis Producer Library's aggregated format are de-aggregated: the processor receives each
 * user record as a {@link ConsumerRecord} with its sub-sequence number.
 *
 * <p>Thread-safety: {@link #close()} is safe from any thread, including a processor's.
 */
public final class ConsumerApplication implements AutoCloseable {

    /** Default {@link #close()} deadline for in-flight batches. */
    public static final Duration DEFAULT_CLOSE_TIMEOUT = Duration.ofSeconds(30);
    /** Most worker threads of one application. */
    public static final int MAX_THREADS = 64;

    private final ConsumerRuntime runtime;
    private final String applicationName;
    private final String streamName;

    private ConsumerApplication(ConsumerRuntime runtime, String applicationName, String streamName) {
        this.runtime = runtime;
        this.applicationName = applicationName;
        this.streamName = streamName;
    }

    /**
     * Starts a builder for an application reading from {@code engine}.
     *
     * @param engine the engine whose stream the application reads; its ticker, thread factory, meter registry and
     *               storage are used
     * @return a new builder
     */
    public static Builder builder(StreamEngine engine) {
        return new Builder(Objects.requireNonNull(engine, "engine"));
    }

    /**
     * Returns the application name.
     *
     * @return the name
     */
    public String applicationName() {
        return applicationName;
    }

    /**
     * Returns the stream the application reads.
     *
     * @return the stream name
     */
    public String streamName() {
        return streamName;
    }

    /** Stops, waiting up to {@link #DEFAULT_CLOSE_TIMEOUT} for in-flight batches: see {@link #close(Duration)}. */
    @Override
    public void close() {
        close(DEFAULT_CLOSE_TIMEOUT);
    }

    /**
     * Stops the application: no new reads start; batches being processed finish (threads still busy after
     * {@code timeout} are interrupted); then {@link RecordProcessor#shutdown} is called for each shard still being
     * read, on this thread, and may checkpoint. Afterwards checkpointers throw {@link IllegalStateException} and
     * the application's gauges are removed; an application of the same name may then be built again. Idempotent.
     *
     * @param timeout how long to wait for in-flight batches
     */
    public void close(Duration timeout) {
        runtime.close(Objects.requireNonNull(timeout, "timeout"));
    }

    /**
     * Configures and starts a {@link ConsumerApplication}. Validated at {@link #build()}, which names the option,
     * its range and the actual value when one is wrong.
     *
     * <p>Thread-safety: not thread-safe; use from one thread.
     */
    /** Default wait between reads of a shard in enhanced fan-out mode. */
    static final Duration FAN_OUT_POLL_INTERVAL = Duration.ofMillis(50);

    public static final class Builder {
        /** GetRecords' own limit per call. */
        private static final int MAX_RECORDS_LIMIT = 10_000;

        private final StreamEngine engine;
        private String applicationName;
        private String streamName;
        private ShardIteratorType initialPosition = ShardIteratorType.latest();
        private RecordProcessor processor;
        private ConsumerExceptionHandler exceptionHandler = ConsumerExceptionHandler.retryForever();
        private int threads = 2;
        private int maxRecords = MAX_RECORDS_LIMIT;
        private Duration pollInterval = Duration.ofSeconds(1);
        private boolean pollIntervalSet;
        private boolean enhancedFanOut;

        private Builder(StreamEngine engine) {
            this.engine = engine;
        }

        /**
         * The application's name (KCL application name): keys its checkpoints. Required.
         *
         * @param applicationName 1-128 characters of {@code [a-zA-Z0-9_.-]}, not {@code .} or {@code ..}
         * @return this builder
         */
        public Builder applicationName(String applicationName) {
            this.applicationName = Objects.requireNonNull(applicationName, "applicationName");
            return this;
        }

        /**
         * The stream to read. Required; it must exist when {@link #build()} is called.
         *
         * @param streamName the stream
         * @return this builder
         */
        public Builder streamName(String streamName) {
            this.streamName = Objects.requireNonNull(streamName, "streamName");
            return this;
        }

        /**
         * Where a shard without a checkpoint starts (KCL {@code InitialPositionInStream}). Default:
         * {@link ShardIteratorType#latest()}, as KCL.
         *
         * @param initialPosition {@link ShardIteratorType#trimHorizon()}, {@link ShardIteratorType#latest()} or
         *                        {@link ShardIteratorType#atTimestamp}
         * @return this builder
         */
        public Builder initialPosition(ShardIteratorType initialPosition) {
            this.initialPosition = Objects.requireNonNull(initialPosition, "initialPosition");
            return this;
        }

        /**
         * The record processor, shared by all shards. Required.
         *
         * @param processor the processor
         * @return this builder
         */
        public Builder processor(RecordProcessor processor) {
            this.processor = Objects.requireNonNull(processor, "processor");
            return this;
        }

        /**
         * The failure policy. Default: {@link ConsumerExceptionHandler#retryForever()}.
         *
         * @param exceptionHandler the handler
         * @return this builder
         */
        public Builder exceptionHandler(ConsumerExceptionHandler exceptionHandler) {
            this.exceptionHandler = Objects.requireNonNull(exceptionHandler, "exceptionHandler");
            return this;
        }

        /**
         * Number of worker threads. Default: 2.
         *
         * @param threads in [1, {@link #MAX_THREADS}]
         * @return this builder
         */
        public Builder threads(int threads) {
            this.threads = threads;
            return this;
        }

        /**
         * Most records per GetRecords call, and so per batch before de-aggregation (KCL {@code maxRecords}).
         * Default: 10,000.
         *
         * @param maxRecords in [1, 10,000]
         * @return this builder
         */
        public Builder maxRecords(int maxRecords) {
            this.maxRecords = maxRecords;
            return this;
        }

        /**
         * Enhanced fan-out (KCL's default): the application registers itself as a stream consumer named after it
         * (or reuses that registration) and reads each shard with its own 2 MiB/s instead of sharing the shard's
         * 2 MiB/s and 5 calls/s with polling readers. Its default {@link #pollInterval} drops to 50 ms, as there is
         * no call limit. Default: off (shared throughput).
         *
         * @param enhancedFanOut whether to use a registered consumer
         * @return this builder
         */
        public Builder enhancedFanOut(boolean enhancedFanOut) {
            this.enhancedFanOut = enhancedFanOut;
            return this;
        }

        /**
         * Wait between two reads of a shard (KCL {@code idleTimeBetweenReadsInMillis}), on the engine's ticker.
         * Polling applications share a shard's 5 GetRecords calls per second. Default: 1 second, as KCL.
         *
         * @param pollInterval in [PT0S, PT1M]
         * @return this builder
         */
        public Builder pollInterval(Duration pollInterval) {
            this.pollInterval = Objects.requireNonNull(pollInterval, "pollInterval");
            this.pollIntervalSet = true;
            return this;
        }

        /**
         * Validates the options and starts the application's threads.
         *
         * @return a running application
         * @throws StreamException {@link ErrorCode#INVALID_ARGUMENT} naming the option, its range and the actual value
         * @throws NullPointerException     if a required option is missing
         * @throws StreamException          {@link ErrorCode#RESOURCE_NOT_FOUND} if the stream does not exist,
         *                                  {@link ErrorCode#RESOURCE_IN_USE} if an application of this name already
         *                                  reads it in this engine (or a reader registration of that name has an open
         *                                  handle), {@link ErrorCode#ENGINE_CLOSED} if the engine is
         *                                  closed, {@link ErrorCode#INTERNAL_FAILURE} if stored checkpoints cannot
         *                                  be read
         */
        public ConsumerApplication build() {
            Objects.requireNonNull(applicationName, "applicationName is required");
            Objects.requireNonNull(streamName, "streamName is required");
            Objects.requireNonNull(processor, "processor is required");
            checkApplicationName(applicationName);
            KinesisLimits.checkStreamName(streamName);
            if (!(initialPosition instanceof ShardIteratorType.TrimHorizon
                    || initialPosition instanceof ShardIteratorType.Latest
                    || initialPosition instanceof ShardIteratorType.AtTimestamp)) {
                throw new StreamException(ErrorCode.INVALID_ARGUMENT, "initialPosition must be TRIM_HORIZON, LATEST or AT_TIMESTAMP but was "
                        + initialPosition.kinesisName());
            }
            if (threads < 1 || threads > MAX_THREADS) {
                throw new StreamException(ErrorCode.INVALID_ARGUMENT, "threads must be in [1, " + MAX_THREADS + "] but was " + threads);
            }
            if (maxRecords < 1 || maxRecords > MAX_RECORDS_LIMIT) {
                throw new StreamException(ErrorCode.INVALID_ARGUMENT, "maxRecords must be in [1, " + MAX_RECORDS_LIMIT + "] but was " + maxRecords);
            }
            if (pollInterval.isNegative() || pollInterval.compareTo(Duration.ofMinutes(1)) > 0) {
                throw new StreamException(ErrorCode.INVALID_ARGUMENT, "pollInterval must be in [PT0S, PT1M] but was " + pollInterval);
            }
            String consumerArn = null;
            Duration interval = pollInterval;
            if (enhancedFanOut) {
                consumerArn = engine.listStreamConsumers(streamName).stream()
                        .filter(c -> c.consumerName().equals(applicationName)).findFirst()
                        .orElseGet(() -> engine.registerStreamConsumer(streamName, applicationName)).consumerArn();
                interval = pollIntervalSet ? pollInterval : FAN_OUT_POLL_INTERVAL;
            }
            ConsumerRuntime runtime = new ConsumerRuntime(engine, engine.consumerEnvironment(),
                    new ConsumerRuntime.Settings(applicationName, streamName, initialPosition, processor,
                            exceptionHandler, threads, maxRecords, interval, consumerArn));
            return new ConsumerApplication(runtime, applicationName, streamName);
        }

        private static void checkApplicationName(String name) {
            boolean ok = !name.isEmpty() && name.length() <= 128 && !name.equals(".") && !name.equals("..");
            for (int i = 0; ok && i < name.length(); i++) {
                char c = name.charAt(i);
                ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                        || c == '_' || c == '.' || c == '-';
            }
            if (!ok) {
                throw new StreamException(ErrorCode.INVALID_ARGUMENT, "applicationName must be 1-128 characters of [a-zA-Z0-9_.-], "
                        + "not . or .., but was '" + name + "'");
            }
        }
    }
}
