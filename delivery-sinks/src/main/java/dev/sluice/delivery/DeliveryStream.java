package dev.sluice.delivery;

import dev.sluice.delivery.internal.DeliveryCore;
import dev.sluice.delivery.internal.Settings;
import dev.sluice.delivery.internal.sink.PrefixTemplate;
import dev.sluice.delivery.internal.source.SourceBridge;
import dev.sluice.delivery.internal.source.StreamSource;
import dev.sluice.stream.StreamEngine;
import dev.sluice.stream.Ticker;
import dev.sluice.transform.Processor;
import dev.sluice.transform.TransformRunner;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A Firehose-style delivery stream: records in (direct put), processed by an optional {@link Processor} chain,
 * buffered per dynamic partition by size and interval, encoded (raw, JSON lines or Parquet; compressed), and
 * committed as objects to a {@link Sink} with retries, error output and metrics.
 *
 * <p>Thread-safety: thread-safe; {@link #putRecord}, {@link #putRecordBatch}, {@link #flush()} and
 * {@link #stats()} may be called from any number of threads. The stream owns its threads:
 * {@code sluice-delivery-<name>-0} (buffers, timers, bookkeeping) and {@code sluice-delivery-<name>-<n>} for
 * {@code n} in {@code 1..deliveryThreads} (encoding and sink writes, so sink code runs there), plus the transform
 * runner's {@code sluice-transform-<name>-*} threads when a processor is set. All are daemon threads and end in
 * {@link #close()}.
 *
 * <p><b>Guarantee.</b> Every accepted record ends in exactly one of: delivered to the destination, dropped by a
 * transform, or written to the error output as a Firehose error envelope ({@code processing-failed},
 * {@code format-conversion-failed}, the sink's type such as {@code http-endpoint-failed} or {@code s3-failed}).
 * {@link #stats()} counts them, so {@code incoming == delivered + dropped + errorOutput} once the stream is
 * flushed. Destination writes are retried with exponential backoff and jitter for the retry duration before their
 * records go to the error output; error-output writes are retried until they succeed, as in Firehose, so a
 * destination and error output that both refuse writes hold records (and memory) rather than lose them.
 * Delivery is at-least-once: a write that failed after the destination stored it is written again.
 *
 * <p><b>Metrics</b> (Micrometer, Firehose's CloudWatch names, tag {@code DeliveryStreamName}):
 * {@code IncomingRecords}, {@code IncomingBytes}, {@code IncomingPutRequests}, {@code ThrottledRecords},
 * {@code <Sink.metricsPrefix()>.{Records,Bytes,ObjectCount,Success,DataFreshness}} (for example
 * {@code DeliveryToS3.*}, {@code DeliveryToHttpEndpoint.*}), {@code SucceedConversion.*},
 * {@code FailedConversion.*}, {@code PartitionCount}, {@code PartitionCountExceeded}, {@code BackupToS3.*}, and
 * the transform runner's {@code ExecuteProcessing.*} and {@code SucceedProcessing.*}.
 *
 * <pre>{@code
 * try (DeliveryStream clicks = DeliveryStream.builder()
 *         .name("clicks")
 *         .sink(Sink.localBucket(Path.of("/data/bucket")))
 *         .prefix("clicks/customer=!{partitionKeyFromQuery:customer}/!{timestamp:yyyy/MM/dd}/")
 *         .processor(Processor.metadataExtraction(Map.of("customer", ".customer_id")))
 *         .outputFormat(OutputFormat.parquet(ParquetConversion.fromAvscFile(Path.of("click.avsc"))))
 *         .bufferingHints(new BufferingHints(64 << 20, Duration.ofSeconds(60)))
 *         .build()) {
 *     clicks.putRecord(json);
 *     clicks.flush();
 * }
 * }</pre>
 */
public final class DeliveryStream implements AutoCloseable {

    /** Firehose's PutRecord limit: 1,000 KiB per record. */
    public static final int MAX_RECORD_BYTES = 1000 * 1024;
    /** Firehose's PutRecordBatch limit: 500 records per call. */
    public static final int MAX_BATCH_RECORDS = 500;
    /** Firehose's PutRecordBatch limit: 4 MiB per call. */
    public static final long MAX_BATCH_BYTES = 4L << 20;
    /** Firehose's default limit of active dynamic partitions. */
    public static final int DEFAULT_MAX_ACTIVE_PARTITIONS = 500;
    /** Default global memory budget across all buffers and in-flight objects (256 MiB). */
    public static final long DEFAULT_MEMORY_BUDGET_BYTES = 256L << 20;
    /** Default wait for memory before a put fails with {@code ServiceUnavailableException}. */
    public static final Duration DEFAULT_PUT_TIMEOUT = Duration.ofSeconds(30);
    /** Firehose's first retry wait (1 s, doubling, +/-15 % jitter, capped at 2 minutes). */
    public static final Duration DEFAULT_RETRY_BACKOFF = Duration.ofSeconds(1);
    /** Firehose's longest retry window (24 h, S3). */
    public static final Duration MAX_RETRY_DURATION = Duration.ofHours(24);
    /**
     * What a source's re-delivery window needs beyond the retry duration (5 min): the time from an object's commit to
     * the checkpoint that passes it, with room to spare. See {@link Sink#redeliveryWindow()}.
     */
    public static final Duration REDELIVERY_MARGIN = Duration.ofMinutes(5);
    /** Default number of encoding/writing threads. */
    public static final int DEFAULT_DELIVERY_THREADS = 2;
    /** Default {@link #close()} drain deadline. */
    public static final Duration DEFAULT_CLOSE_TIMEOUT = Duration.ofSeconds(30);
    /** Default {@link #flush()} deadline. */
    public static final Duration DEFAULT_FLUSH_TIMEOUT = Duration.ofMinutes(5);

    /** How long the stream source waits when no shard had new records. */
    public static final Duration SOURCE_POLL_INTERVAL = Duration.ofMillis(50);

    private final String name;
    private final DeliveryCore core;
    private final Optional<DeliverySource> source;

    private DeliveryStream(String name, DeliveryCore core, Optional<DeliverySource> source) {
        this.name = name;
        this.core = core;
        this.source = source;
    }

    /**
     * Returns a builder with Firehose's defaults.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Firehose's {@code PutRecord}: accepts one record, waiting up to the put timeout while the memory budget is
     * full.
     *
     * @param data the record, at most {@link #MAX_RECORD_BYTES}; copied
     * @return the record id
     * @throws DeliveryException {@link ErrorCode#VALIDATION} over the size limit,
     *         {@link ErrorCode#SERVICE_UNAVAILABLE} when the budget stayed full, {@link ErrorCode#STREAM_CLOSED}
     */
    public String putRecord(byte[] data) {
        Objects.requireNonNull(data, "data");
        checkDirectPut();
        checkRecord(0, data);
        PutRecordBatchResponseEntry entry = core.putBatch(List.of(data), MAX_RECORD_BYTES).requestResponses().get(0);
        if (entry instanceof PutRecordBatchResponseEntry.Failure failure) {
            throw new DeliveryException(failure.errorCode(), failure.errorMessage());
        }
        return ((PutRecordBatchResponseEntry.Success) entry).recordId();
    }

    /**
     * Firehose's {@code PutRecordBatch}: accepts up to 500 records (4 MiB), reporting each record's outcome. It does
     * not throw on partial failure: records over the size limit, or all records when the memory budget stayed full
     * for the put timeout, come back as {@link PutRecordBatchResponseEntry.Failure}.
     *
     * @param records the records; each copied
     * @return one entry per record, in order, and the failed count
     * @throws DeliveryException {@link ErrorCode#VALIDATION} for more than 500 records or more than 4 MiB,
     *         {@link ErrorCode#STREAM_CLOSED}
     */
    public PutRecordBatchResponse putRecordBatch(List<byte[]> records) {
        Objects.requireNonNull(records, "records");
        checkDirectPut();
        if (records.size() > MAX_BATCH_RECORDS) {
            throw new DeliveryException(ErrorCode.VALIDATION, "putRecordBatch accepts at most " + MAX_BATCH_RECORDS
                    + " records but got " + records.size() + " for delivery stream " + name);
        }
        long total = 0;
        for (byte[] record : records) {
            total += Objects.requireNonNull(record, "record").length;
        }
        if (total > MAX_BATCH_BYTES) {
            throw new DeliveryException(ErrorCode.VALIDATION, "putRecordBatch accepts at most " + MAX_BATCH_BYTES
                    + " bytes but got " + total + " for delivery stream " + name);
        }
        return core.putBatch(records, MAX_RECORD_BYTES);
    }

    /**
     * Delivers everything accepted before this call and waits, up to {@link #DEFAULT_FLUSH_TIMEOUT}, until each of
     * those records is final (delivered, dropped or committed to the error output).
     *
     * @throws DeliveryException {@link ErrorCode#FLUSH_TIMEOUT} if records are still pending (retrying) at the
     *         deadline; they are kept and delivery continues
     */
    public void flush() {
        flush(DEFAULT_FLUSH_TIMEOUT);
    }

    /**
     * Delivers everything accepted before this call and waits until each of those records is final.
     *
     * @param timeout real-time limit; positive
     * @throws DeliveryException {@link ErrorCode#FLUSH_TIMEOUT} if records are still pending at the deadline
     */
    public void flush(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        core.flush(timeout);
    }

    /**
     * Returns where the accepted records are.
     *
     * @return a snapshot of the counters
     */
    public DeliveryStats stats() {
        return core.stats();
    }

    /**
     * Returns the delivery stream name.
     *
     * @return the name
     */
    public String name() {
        return name;
    }

    /** Closes with {@link #DEFAULT_CLOSE_TIMEOUT}. */
    @Override
    public void close() {
        close(DEFAULT_CLOSE_TIMEOUT);
    }

    /**
     * Stops the source (if any), stops accepting records, delivers what is buffered, waits for it to be final, then
     * stops the threads and closes the sinks, all within {@code timeout} of real time. Records still pending at the
     * deadline are abandoned and logged (their count stays visible in {@link #stats()}). Idempotent; afterwards
     * puts throw {@link ErrorCode#STREAM_CLOSED}.
     *
     * @param timeout how long to drain; not negative
     */
    public void close(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        long deadline = System.nanoTime() + timeout.toNanos();
        source.ifPresent(s -> s.close(timeout));
        core.close(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
    }

    private void checkDirectPut() {
        if (source.isPresent()) {
            throw new DeliveryException(ErrorCode.INVALID_ARGUMENT, "delivery stream " + name + " reads from "
                    + source.get().description() + "; direct put is not allowed (as in Firehose with a Kinesis"
                    + " source)");
        }
    }

    private void checkRecord(int index, byte[] record) {
        if (record.length > MAX_RECORD_BYTES) {
            throw new DeliveryException(ErrorCode.VALIDATION, "record " + index + " is " + record.length
                    + " bytes but Firehose allows at most " + MAX_RECORD_BYTES + " per record (delivery stream "
                    + name + ")");
        }
    }

    /**
     * Configures a {@link DeliveryStream}; {@link #build()} validates every value and names the first bad one.
     *
     * <p>Thread-safety: not thread-safe; use from one thread.
     */
    public static final class Builder {

        private String name;
        private int version = 1;
        private Clock clock = Clock.systemUTC();
        private Ticker ticker = Ticker.system();
        private MeterRegistry meterRegistry;
        private Sink sink;
        private Sink errorOutputSink;
        private String prefix = "";
        private String errorOutputPrefix = "";
        private String backupPrefix;
        private Sink backupSink;
        private OutputFormat outputFormat = OutputFormat.raw();
        private Compression compression = Compression.UNCOMPRESSED;
        private String fileExtension;
        private BufferingHints bufferingHints = BufferingHints.defaults();
        private Duration retryDuration;
        private Duration retryBackoff = DEFAULT_RETRY_BACKOFF;
        private long memoryBudgetBytes = DEFAULT_MEMORY_BUDGET_BYTES;
        private int maxActivePartitions = DEFAULT_MAX_ACTIVE_PARTITIONS;
        private int deliveryThreads = DEFAULT_DELIVERY_THREADS;
        private Duration putTimeout = DEFAULT_PUT_TIMEOUT;
        private Processor processor;
        private int processingRetries = TransformRunner.DEFAULT_NUMBER_OF_RETRIES;
        private Duration processingTimeout = TransformRunner.DEFAULT_INVOCATION_TIMEOUT;
        private Settings.EventTime eventTime;
        private StreamEngine sourceEngine;
        private String sourceStream;
        private Path sourceState;
        private Instant sourceStartingAt;
        private DeliverySource source;

        private Builder() {
        }

        /**
         * Reads a stream-core stream instead of accepting direct puts (Firehose's Kinesis source), with
         * exactly-once output, which Firehose does not offer. Each shard's records are grouped into segments;
         * every object of a segment is named from (shard, first and last sequence number, {@link #version}) and
         * created only if absent, and the shard's checkpoint, kept in {@code stateDirectory}, advances only after
         * the segment's objects (error output included) are committed. After a crash the stream resumes after the
         * checkpoints and rebuilds interrupted segments with the same boundaries, so the destination gets neither
         * duplicates nor gaps. Requirements: a deterministic processing chain, an unchanged configuration for a
         * given version, and a sink that honours {@link SinkObject#createIfAbsent()} (both built-in bucket sinks
         * do). Buffering hints apply per shard segment.
         *
         * <p>The delivery stream registers with the engine as reader {@code delivery-<name>} and reports each shard's
         * checkpoint once the objects up to it are committed, so under a lossless overflow policy the engine keeps
         * what has not been delivered (and pushes back on producers at the stream's byte limit) instead of dropping
         * it. Closing keeps the registration for the next start; remove a delivery stream for good with
         * {@code engine.deregisterReader(stream, "delivery-" + name)}.
         *
         * @param engine the engine holding the stream
         * @param streamName the stream; must exist
         * @param stateDirectory where per-shard checkpoints are kept; created if missing
         * @return this builder
         */
        public Builder kinesisStreamSource(StreamEngine engine, String streamName, Path stateDirectory) {
            this.sourceEngine = engine;
            this.sourceStream = streamName;
            this.sourceState = stateDirectory;
            this.sourceStartingAt = null;
            this.source = null;
            return this;
        }

        /**
         * As {@link #kinesisStreamSource(StreamEngine, String, Path)}, but a shard without a checkpoint starts at its
         * first record that arrived at or after {@code startingAt} ({@code AT_TIMESTAMP}) instead of
         * {@code TRIM_HORIZON}: records already in the stream are not delivered (a Kinesis channel's "no backfill").
         * Pass the same instant on every start of the same delivery stream, so an interrupted first segment is
         * rebuilt from the same records.
         *
         * @param engine the engine holding the stream
         * @param streamName the stream; must exist
         * @param stateDirectory where per-shard checkpoints are kept; created if missing
         * @param startingAt the earliest arrival time delivered
         * @return this builder
         */
        public Builder kinesisStreamSource(StreamEngine engine, String streamName, Path stateDirectory,
                                           Instant startingAt) {
            kinesisStreamSource(engine, streamName, stateDirectory);
            this.sourceStartingAt = Objects.requireNonNull(startingAt, "startingAt");
            return this;
        }

        /**
         * Reads from {@code source} instead of accepting direct puts, with the exactly-once output described at
         * {@link #kinesisStreamSource} and the ownership rules of {@link DeliverySource}: an Apache Kafka topic or an
         * Amazon Kinesis stream (their own modules), or your own source. The delivery stream starts the source in
         * {@link #build()} and closes it first in {@link DeliveryStream#close}.
         *
         * @param source the source
         * @return this builder
         */
        public Builder source(DeliverySource source) {
            this.source = Objects.requireNonNull(source, "source");
            this.sourceEngine = null;
            return this;
        }

        /**
         * Sets the delivery stream name (required): object names start with it, threads and meters carry it.
         *
         * @param name 1 to 64 characters of {@code [a-zA-Z0-9_.-]}
         * @return this builder
         */
        public Builder name(String name) {
            this.name = name;
            return this;
        }

        /**
         * Sets the delivery stream version, the {@code <version>} in object names (Firehose's
         * {@code DeliveryStreamVersion}); bump it when the configuration changes. Default 1.
         *
         * @param version at least 1
         * @return this builder
         */
        public Builder version(int version) {
            this.version = version;
            return this;
        }

        /**
         * Sets the wall clock for arrival timestamps, prefixes and object names. Default UTC system clock.
         *
         * @param clock the clock
         * @return this builder
         */
        public Builder clock(Clock clock) {
            this.clock = clock;
            return this;
        }

        /**
         * Sets the ticker for buffer intervals, retry backoff and put timeouts. Default {@link Ticker#system()};
         * tests pass a {@code ManualClock} (also as {@link #clock}).
         *
         * @param ticker the ticker
         * @return this builder
         */
        public Builder ticker(Ticker ticker) {
            this.ticker = ticker;
            return this;
        }

        /**
         * Sets where meters are registered. Default: a private registry.
         *
         * @param registry the registry
         * @return this builder
         */
        public Builder meterRegistry(MeterRegistry registry) {
            this.meterRegistry = registry;
            return this;
        }

        /**
         * Sets the destination (required), for example {@link Sink#localBucket}.
         *
         * @param sink the sink; the stream closes it
         * @return this builder
         */
        public Builder sink(Sink sink) {
            this.sink = sink;
            return this;
        }

        /**
         * Sets where error output goes. Default: the destination when it {@linkplain Sink#storesObjects() stores
         * objects}; required otherwise (an HTTP endpoint needs a bucket for its failed records, as in Firehose).
         *
         * @param sink a bucket sink
         * @return this builder
         */
        public Builder errorOutputSink(Sink sink) {
            this.errorOutputSink = sink;
            return this;
        }

        /**
         * Sets the destination prefix with Firehose's expressions. Default {@code ""}, which (like any prefix without
         * a timestamp or partition-key expression) becomes {@code yyyy/MM/dd/HH/} of the oldest record's arrival.
         *
         * @param prefix the prefix
         * @return this builder
         */
        public Builder prefix(String prefix) {
            this.prefix = prefix;
            return this;
        }

        /**
         * Sets the error-output prefix. Default {@code ""}: {@code <error-output-type>/yyyy/MM/dd/HH/}. A prefix
         * without {@code !{firehose:error-output-type}} gets {@code <type>/} appended, so types never mix.
         *
         * @param prefix the prefix
         * @return this builder
         */
        public Builder errorOutputPrefix(String prefix) {
            this.errorOutputPrefix = prefix;
            return this;
        }

        /**
         * Turns on source-record backup (Firehose's {@code S3BackupMode=Enabled}): every raw input record, before
         * processing, is also written under this prefix. Default: off.
         *
         * @param prefix the backup prefix; {@code ""} means {@code yyyy/MM/dd/HH/} under {@code backup/}
         * @return this builder
         */
        public Builder sourceRecordBackup(String prefix) {
            this.backupPrefix = prefix;
            return this;
        }

        /**
         * Sets where the backup goes. Default: the error-output sink.
         *
         * @param sink a bucket sink
         * @return this builder
         */
        public Builder backupSink(Sink sink) {
            this.backupSink = sink;
            return this;
        }

        /**
         * Sets the output format. Default {@link OutputFormat#raw()} (Firehose's: no delimiter).
         *
         * @param format the format
         * @return this builder
         */
        public Builder outputFormat(OutputFormat format) {
            this.outputFormat = format;
            return this;
        }

        /**
         * Sets the output compression for raw and JSON-lines objects and the error output. Default
         * {@link Compression#UNCOMPRESSED}. Parquet uses {@link ParquetConversion#compression()} instead.
         *
         * @param compression the compression
         * @return this builder
         */
        public Builder compression(Compression compression) {
            this.compression = compression;
            return this;
        }

        /**
         * Overrides the file extension of destination objects (Firehose's {@code FileExtension}). Default: from the
         * format and compression ({@code .parquet}, {@code .gz}, ...).
         *
         * @param extension starting with {@code .}, for example {@code .json.gz}; or {@code ""} for none
         * @return this builder
         */
        public Builder fileExtension(String extension) {
            this.fileExtension = extension;
            return this;
        }

        /**
         * Sets the buffering hints. Default {@link BufferingHints#defaults()} (5 MiB or 300 s).
         *
         * @param hints the hints
         * @return this builder
         */
        public Builder bufferingHints(BufferingHints hints) {
            this.bufferingHints = hints;
            return this;
        }

        /**
         * Sets how long a failed destination write is retried before its records go to the error output. Default:
         * the sink's {@link Sink#defaultRetryDuration()} (24 h for buckets, 300 s for HTTP endpoints). Reading a
         * source, {@code build()} refuses a duration that, plus {@link #REDELIVERY_MARGIN}, outlasts the sink's
         * {@link Sink#redeliveryWindow()} (an Iceberg destination's snapshot retention).
         *
         * @param duration in [PT0S, {@link #MAX_RETRY_DURATION}]; zero means no retry
         * @return this builder
         */
        public Builder retryDuration(Duration duration) {
            this.retryDuration = duration;
            return this;
        }

        /**
         * Sets the first retry wait; later waits double, with +/-15 % jitter, up to 2 minutes. Default
         * {@link #DEFAULT_RETRY_BACKOFF}.
         *
         * @param backoff in (PT0S, PT2M]
         * @return this builder
         */
        public Builder retryBackoff(Duration backoff) {
            this.retryBackoff = backoff;
            return this;
        }

        /**
         * Sets the global memory budget across all buffers and in-flight objects. Under pressure the largest buffer
         * is delivered early; when full, puts wait up to the put timeout. Default
         * {@link #DEFAULT_MEMORY_BUDGET_BYTES}.
         *
         * @param bytes at least 1 MiB
         * @return this builder
         */
        public Builder memoryBudgetBytes(long bytes) {
            this.memoryBudgetBytes = bytes;
            return this;
        }

        /**
         * Sets the cap on open dynamic partitions; records for a new partition beyond it go to the error output
         * ({@code DynamicPartitioning.ActivePartitionsLimitExceeded}). Default {@link #DEFAULT_MAX_ACTIVE_PARTITIONS}.
         *
         * @param partitions at least 1
         * @return this builder
         */
        public Builder maxActivePartitions(int partitions) {
            this.maxActivePartitions = partitions;
            return this;
        }

        /**
         * Sets the number of encoding/writing threads. Default {@link #DEFAULT_DELIVERY_THREADS}.
         *
         * @param threads in [1, 64]
         * @return this builder
         */
        public Builder deliveryThreads(int threads) {
            this.deliveryThreads = threads;
            return this;
        }

        /**
         * Sets how long a put waits for memory before failing with {@code ServiceUnavailableException}. Default
         * {@link #DEFAULT_PUT_TIMEOUT}.
         *
         * @param timeout not negative
         * @return this builder
         */
        public Builder putTimeout(Duration timeout) {
            this.putTimeout = timeout;
            return this;
        }

        /**
         * Sets the processing chain (Firehose's {@code ProcessingConfiguration}). It runs in a
         * {@link TransformRunner} that invokes once per put call (no extra buffering), with Firehose's retries and
         * timeout. {@code partitionKeyFromQuery} and {@code partitionKeyFromLambda} read the partition keys it
         * returns. Default: none.
         *
         * @param processor the chain
         * @return this builder
         */
        public Builder processor(Processor processor) {
            this.processor = processor;
            return this;
        }

        /**
         * Sets the retries of a failed function invocation. Default 3 (Firehose).
         *
         * @param retries in [0, 300]
         * @return this builder
         */
        public Builder processingRetries(int retries) {
            this.processingRetries = retries;
            return this;
        }

        /**
         * Sets the function invocation timeout. Default 5 minutes (Firehose).
         *
         * @param timeout in (PT0S, PT15M]
         * @return this builder
         */
        public Builder processingTimeout(Duration timeout) {
            this.processingTimeout = timeout;
            return this;
        }

        /**
         * Beyond Firehose: {@code !{timestamp:...}} in the prefix uses the record's event time, read from a field of
         * the JSON record (after processing), instead of the arrival time; records of different hours (or whatever
         * the pattern resolves) go to different objects. A record without a readable event time goes to the error
         * output ({@code processing-failed}).
         *
         * @param field the field name or dotted path
         * @param format {@code epoch_seconds}, {@code epoch_millis}, {@code iso8601} or a date-time pattern (UTC)
         * @return this builder
         */
        public Builder eventTime(String field, String format) {
            this.eventTime = new Settings.EventTime(field, format);
            return this;
        }

        /**
         * Validates the configuration and starts the stream's threads.
         *
         * @return a running stream; close it
         * @throws DeliveryException {@link ErrorCode#INVALID_ARGUMENT} naming the first invalid setting, its range
         *         and the actual value
         */
        public DeliveryStream build() {
            require("sink", sink);
            require("retryBackoff", retryBackoff);
            require("putTimeout", putTimeout);
            require("processingTimeout", processingTimeout);
            Sink errors = errorOutputSink != null ? errorOutputSink : sink.storesObjects() ? sink : null;
            if (errors == null) {
                throw DeliveryException.invalidArgument("errorOutputSink must be set when the sink does not store"
                        + " objects (" + sink + "); Firehose also requires an S3 bucket for failed records");
            }
            require("bufferingHints", bufferingHints);
            Settings settings = new Settings(name, version, clock, ticker,
                    meterRegistry != null ? meterRegistry : new SimpleMeterRegistry(), PrefixTemplate.prefix(prefix),
                    PrefixTemplate.errorPrefix("errorOutputPrefix", errorOutputPrefix),
                    backupPrefix == null ? Optional.empty() : Optional.of(PrefixTemplate.backupPrefix(backupPrefix)),
                    outputFormat, compression, Optional.ofNullable(fileExtension), bufferingHints.sizeBytes(),
                    bufferingHints.interval(), sink, errors, backupSink != null ? backupSink : errors,
                    retryDuration != null ? retryDuration : sink.defaultRetryDuration(), retryBackoff,
                    memoryBudgetBytes, maxActivePartitions, deliveryThreads, putTimeout, Optional.ofNullable(processor),
                    processingRetries, processingTimeout, Optional.ofNullable(eventTime));
            DeliverySource reader = source;
            if (sourceEngine != null) {
                require("kinesisStreamSource streamName", sourceStream);
                require("kinesisStreamSource stateDirectory", sourceState);
                reader = new StreamSource(sourceEngine, sourceStream, "delivery-" + name,
                        CheckpointStore.directory(sourceState), SOURCE_POLL_INTERVAL,
                        Optional.ofNullable(sourceStartingAt));
            }
            CheckpointStore store = reader == null ? null : reader.checkpointStore();
            if (reader != null) {
                require("source checkpointStore", store);
                requireRedeliveryWindow(settings.retryDuration());
            }
            DeliveryCore core = new DeliveryCore(settings);
            if (reader != null) {
                try {
                    reader.start(new SourceBridge(core, store));
                } catch (RuntimeException e) {
                    core.close(Duration.ZERO);
                    throw e;
                }
            }
            return new DeliveryStream(name, core, Optional.ofNullable(reader));
        }

        /** Exactly once from a source needs the sink to recognise every object it may be handed again. */
        private void requireRedeliveryWindow(Duration retry) {
            Optional<Duration> window = sink.redeliveryWindow();
            if (window.isPresent() && retry.plus(REDELIVERY_MARGIN).compareTo(window.get()) > 0) {
                throw DeliveryException.invalidArgument("retryDuration " + retry + " is too long for the sink's"
                        + " re-delivery window " + window.get() + " (" + sink + "): reading a source, retryDuration + "
                        + REDELIVERY_MARGIN + " must be at most that window, because after a restart the stream"
                        + " re-delivers objects committed while an earlier one was being retried, and the sink must"
                        + " still recognise them to commit them only once; shorten retryDuration or lengthen the"
                        + " sink's window (an Iceberg destination's snapshotRetention)");
            }
        }

        private static void require(String what, Object value) {
            if (value == null) {
                throw DeliveryException.invalidArgument(what + " must be set but was null");
            }
        }
    }
}
