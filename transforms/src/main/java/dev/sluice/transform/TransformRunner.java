package dev.sluice.transform;

import dev.sluice.stream.Ticker;
import dev.sluice.transform.internal.RunnerCore;
import dev.sluice.transform.internal.RunnerSettings;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Pattern;

/**
 * Runs a {@link Processor} chain with Firehose's data-transformation semantics: records are buffered into
 * invocations by size and interval, each function invocation has a timeout and is retried with backoff, and
 * invocations run with bounded concurrency on threads the runner owns.
 *
 * <p>Thread-safety: thread-safe. {@link #submit} may be called from any number of threads. Processors and
 * functions run only on the runner's threads, {@code sluice-transform-<name>-<n>} for {@code n} in
 * {@code 1..maxConcurrency}, plus {@code sluice-transform-<name>-timer} for deadlines; all are daemon threads
 * and stop in {@link #close}.
 *
 * <p><b>Guarantees.</b> Every submitted record is answered exactly once: by one result with its own id, or
 * (after a fan-out processor) by the results of its derived records {@code <id>.<n>}. Futures complete in
 * submission order and results keep input order, so the order of {@code Ok} records is preserved across
 * concurrent invocations. No exception escapes: an invocation that throws, outlives the timeout, or returns
 * missing, duplicated or unknown record ids is retried {@code numberOfRetries} times, after which every record
 * of that invocation is {@code ProcessingFailed} with the last attempt's {@link ErrorCode}.
 *
 * <p><b>Timeouts.</b> Deadlines are read from the injected {@link Ticker}, so a manual clock drives buffer
 * intervals, timeouts and backoff in tests. A timed-out function call is interrupted and its late result, if
 * it ever returns, is discarded. A call that ignores the interrupt keeps its thread until it returns: the
 * concurrency bound counts such abandoned calls, so a function that never returns eventually stalls the
 * runner, and {@link #close(Duration)} then fails the affected records with {@link ErrorCode#RUNNER_CLOSED}.
 *
 * <p><b>Metrics</b> (Micrometer, tag {@code DeliveryStreamName=<name>}): {@code ExecuteProcessing.Duration},
 * {@code ExecuteProcessing.Success} (1 or 0 per attempt; the mean is the success ratio),
 * {@code SucceedProcessing.Records} ({@code Ok} plus {@code Dropped}) and {@code SucceedProcessing.Bytes}
 * ({@code Ok} data).
 *
 * <pre>{@code
 * try (TransformRunner runner = TransformRunner.builder()
 *         .name("clicks")
 *         .processor(Processor.chain(Processor.maskFields("email"), Processor.lambda(myFunction)))
 *         .bufferInterval(Duration.ofMillis(200))
 *         .build()) {
 *     runner.submit(records).thenAccept(response -> deliver(response.records()));
 * }
 * }</pre>
 */
public final class TransformRunner implements AutoCloseable {

    /** Firehose's default Lambda buffering size hint (1 MB). */
    public static final long DEFAULT_BUFFER_SIZE_BYTES = 1L << 20;
    /**
     * Smallest buffer size. Firehose's minimum is 0.2 MB; Sluice allows down to one byte (an invocation per
     * record) for embedded, low-latency use.
     */
    public static final long MIN_BUFFER_SIZE_BYTES = 1;
    /** Firehose's maximum Lambda buffering size hint (3 MB). */
    public static final long MAX_BUFFER_SIZE_BYTES = 3L << 20;
    /** Firehose's default Lambda buffering interval hint. */
    public static final Duration DEFAULT_BUFFER_INTERVAL = Duration.ofSeconds(60);
    /** Firehose's maximum Lambda buffering interval hint; zero means invoke as soon as records arrive. */
    public static final Duration MAX_BUFFER_INTERVAL = Duration.ofSeconds(900);
    /** Firehose's default timeout for a transformation invocation (5 minutes). */
    public static final Duration DEFAULT_INVOCATION_TIMEOUT = Duration.ofMinutes(5);
    /** AWS Lambda's maximum function timeout (15 minutes). */
    public static final Duration MAX_INVOCATION_TIMEOUT = Duration.ofMinutes(15);
    /** Firehose's default number of retries of a failed invocation. */
    public static final int DEFAULT_NUMBER_OF_RETRIES = 3;
    /** Firehose's maximum {@code NumberOfRetries} processor parameter. */
    public static final int MAX_NUMBER_OF_RETRIES = 300;
    /** First retry wait; doubles per retry. Firehose's documented backoff (HTTP endpoint) starts at 1 s. */
    public static final Duration DEFAULT_RETRY_BACKOFF = Duration.ofSeconds(1);
    /** Cap of the retry wait, as Firehose's HTTP-endpoint backoff (2 minutes). */
    public static final Duration MAX_RETRY_BACKOFF = Duration.ofMinutes(2);
    /** Default number of concurrent invocations (worker threads). */
    public static final int DEFAULT_MAX_CONCURRENCY = 2;
    /** Upper bound of {@code maxConcurrency}: thread count stays bounded (Sluice house rule). */
    public static final int MAX_MAX_CONCURRENCY = 64;
    /** How long {@link #close()} waits for in-flight records before failing them. */
    public static final Duration DEFAULT_CLOSE_TIMEOUT = Duration.ofSeconds(30);

    /** Firehose delivery-stream name rule. */
    private static final Pattern NAME = Pattern.compile("[a-zA-Z0-9_.-]{1,64}");

    private final RunnerCore core;
    private final String name;

    private TransformRunner(RunnerSettings settings, Processor processor) {
        this.name = settings.name();
        this.core = new RunnerCore(settings, processor.internalChain());
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
     * Buffers records for processing. Never blocks on processing and never throws because of record contents.
     *
     * @param records the records, in order; record ids should be unique among records in flight (a repeated id
     *        starts a new invocation, so ids are unique within each invocation)
     * @return completes after every earlier submission's future, with one result per record (or per derived
     *         record) in input order; never completes exceptionally. It is completed on a runner thread (or, for
     *         records a timed-out {@link #close(Duration)} fails, on the closing thread), so dependent stages
     *         attached without {@code *Async} run there and must not block
     * @throws NullPointerException if {@code records} or an element is {@code null}
     * @throws TransformException {@link ErrorCode#RUNNER_CLOSED} if the runner is closed; nothing was accepted
     */
    public CompletableFuture<ProcessingResponse> submit(List<SourceRecord> records) {
        Objects.requireNonNull(records, "records");
        return core.submit(records);
    }

    /**
     * Closes with {@link #DEFAULT_CLOSE_TIMEOUT}.
     */
    @Override
    public void close() {
        close(DEFAULT_CLOSE_TIMEOUT);
    }

    /**
     * Stops accepting records, invokes whatever is buffered at once, waits up to {@code timeout} (real time) for
     * every submitted record to finish, then fails the unfinished ones with {@link ErrorCode#RUNNER_CLOSED},
     * completes their futures, and stops the threads (interrupting function calls still running). Idempotent;
     * do not call from a future callback running on a runner thread.
     *
     * @param timeout how long to wait for in-flight records; not negative
     * @throws TransformException {@link ErrorCode#INVALID_ARGUMENT} if {@code timeout} is negative
     */
    public void close(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative()) {
            throw TransformException.invalidArgument("close timeout must be >= PT0S but was " + timeout);
        }
        core.close(timeout);
    }

    /**
     * Returns the runner's name.
     *
     * @return the name given to the builder
     */
    @Override
    public String toString() {
        return "TransformRunner[" + name + "]";
    }

    /**
     * Configures a {@link TransformRunner}; every value is validated by {@link #build()}.
     *
     * <p>Thread-safety: not thread-safe; use from one thread.
     */
    public static final class Builder {

        private String name;
        private Processor processor;
        private long bufferSizeBytes = DEFAULT_BUFFER_SIZE_BYTES;
        private Duration bufferInterval = DEFAULT_BUFFER_INTERVAL;
        private Duration invocationTimeout = DEFAULT_INVOCATION_TIMEOUT;
        private int numberOfRetries = DEFAULT_NUMBER_OF_RETRIES;
        private Duration retryBackoff = DEFAULT_RETRY_BACKOFF;
        private int maxConcurrency = DEFAULT_MAX_CONCURRENCY;
        private Ticker ticker = Ticker.system();
        private MeterRegistry meterRegistry;
        private String deliveryStreamArn;
        private String sourceKinesisStreamArn;

        private Builder() {
        }

        /**
         * Sets the runner name (required), used in thread names, messages and the metrics tag.
         *
         * @param name 1 to 64 characters of {@code [a-zA-Z0-9_.-]}
         * @return this builder
         */
        public Builder name(String name) {
            this.name = name;
            return this;
        }

        /**
         * Sets what to run (required): a built-in processor, a {@link Processor#lambda(TransformFunction)} or a
         * {@link Processor#chain(Processor...)}.
         *
         * @param processor the processor
         * @return this builder
         */
        public Builder processor(Processor processor) {
            this.processor = processor;
            return this;
        }

        /**
         * Sets the invocation buffer size: an invocation starts once this many bytes of record data are buffered,
         * and a record that would push a non-empty buffer past it starts a new invocation. Default
         * {@link #DEFAULT_BUFFER_SIZE_BYTES}.
         *
         * @param bytes in [{@link #MIN_BUFFER_SIZE_BYTES}, {@link #MAX_BUFFER_SIZE_BYTES}]
         * @return this builder
         */
        public Builder bufferSizeBytes(long bytes) {
            this.bufferSizeBytes = bytes;
            return this;
        }

        /**
         * Sets the invocation buffer interval: an invocation starts once the oldest buffered record has waited
         * this long (by the ticker). Millisecond precision (checked at least every 5 ms of real time); zero
         * invokes at the end of each {@code submit}. Default {@link #DEFAULT_BUFFER_INTERVAL}.
         *
         * @param interval in [PT0S, {@link #MAX_BUFFER_INTERVAL}]
         * @return this builder
         */
        public Builder bufferInterval(Duration interval) {
            this.bufferInterval = interval;
            return this;
        }

        /**
         * Sets how long one function call may run before the attempt counts as failed with
         * {@link ErrorCode#INVOKE_TIMEOUT}. Default {@link #DEFAULT_INVOCATION_TIMEOUT}.
         *
         * @param timeout in (PT0S, {@link #MAX_INVOCATION_TIMEOUT}]
         * @return this builder
         */
        public Builder invocationTimeout(Duration timeout) {
            this.invocationTimeout = timeout;
            return this;
        }

        /**
         * Sets how many times a failed invocation is retried. Default {@link #DEFAULT_NUMBER_OF_RETRIES}.
         *
         * @param retries in [0, {@link #MAX_NUMBER_OF_RETRIES}]
         * @return this builder
         */
        public Builder numberOfRetries(int retries) {
            this.numberOfRetries = retries;
            return this;
        }

        /**
         * Sets the wait before the first retry; each further retry waits twice as long, up to
         * {@link #MAX_RETRY_BACKOFF}. No jitter: invocations are in-process. Default {@link #DEFAULT_RETRY_BACKOFF}.
         *
         * @param backoff in [PT0S, {@link #MAX_RETRY_BACKOFF}]
         * @return this builder
         */
        public Builder retryBackoff(Duration backoff) {
            this.retryBackoff = backoff;
            return this;
        }

        /**
         * Sets how many invocations may run at once, which is also the number of worker threads. Default
         * {@link #DEFAULT_MAX_CONCURRENCY}.
         *
         * @param invocations in [1, {@link #MAX_MAX_CONCURRENCY}]
         * @return this builder
         */
        public Builder maxConcurrency(int invocations) {
            this.maxConcurrency = invocations;
            return this;
        }

        /**
         * Sets the time source for buffer intervals, timeouts, backoff and durations. Default
         * {@link Ticker#system()}; tests pass a {@code ManualClock}.
         *
         * @param ticker the ticker
         * @return this builder
         */
        public Builder ticker(Ticker ticker) {
            this.ticker = ticker;
            return this;
        }

        /**
         * Sets where metrics are registered. Default: a private registry nobody reads.
         *
         * @param registry the registry
         * @return this builder
         */
        public Builder meterRegistry(MeterRegistry registry) {
            this.meterRegistry = registry;
            return this;
        }

        /**
         * Sets the {@code deliveryStreamArn} put in every request; its region becomes the request's
         * {@code region}. Default {@code arn:aws:firehose:us-east-1:000000000000:deliverystream/<name>}.
         *
         * @param arn {@code arn:<partition>:firehose:<region>:<account>:deliverystream/<name>}
         * @return this builder
         */
        public Builder deliveryStreamArn(String arn) {
            this.deliveryStreamArn = arn;
            return this;
        }

        /**
         * Sets the {@code sourceKinesisStreamArn} put in every request, when records come from a stream.
         * Default: absent.
         *
         * @param arn the source stream's ARN
         * @return this builder
         */
        public Builder sourceKinesisStreamArn(String arn) {
            this.sourceKinesisStreamArn = arn;
            return this;
        }

        /**
         * Validates the configuration and starts the runner's threads.
         *
         * @return a running runner; close it
         * @throws TransformException {@link ErrorCode#INVALID_ARGUMENT} naming the first invalid setting, its
         *         allowed range and the actual value
         */
        public TransformRunner build() {
            if (name == null || !NAME.matcher(name).matches()) {
                throw TransformException.invalidArgument("name must be 1 to 64 characters of [a-zA-Z0-9_.-] but was "
                        + (name == null ? "null" : "'" + name + "'"));
            }
            if (processor == null) {
                throw TransformException.invalidArgument("processor must be set but was null");
            }
            if (bufferSizeBytes < MIN_BUFFER_SIZE_BYTES || bufferSizeBytes > MAX_BUFFER_SIZE_BYTES) {
                throw TransformException.invalidArgument("bufferSizeBytes must be in [" + MIN_BUFFER_SIZE_BYTES + ", "
                        + MAX_BUFFER_SIZE_BYTES + "] but was " + bufferSizeBytes);
            }
            requireRange("bufferInterval", bufferInterval, Duration.ZERO, true, MAX_BUFFER_INTERVAL);
            requireRange("invocationTimeout", invocationTimeout, Duration.ZERO, false, MAX_INVOCATION_TIMEOUT);
            if (numberOfRetries < 0 || numberOfRetries > MAX_NUMBER_OF_RETRIES) {
                throw TransformException.invalidArgument("numberOfRetries must be in [0, " + MAX_NUMBER_OF_RETRIES
                        + "] but was " + numberOfRetries);
            }
            requireRange("retryBackoff", retryBackoff, Duration.ZERO, true, MAX_RETRY_BACKOFF);
            if (maxConcurrency < 1 || maxConcurrency > MAX_MAX_CONCURRENCY) {
                throw TransformException.invalidArgument("maxConcurrency must be in [1, " + MAX_MAX_CONCURRENCY
                        + "] but was " + maxConcurrency);
            }
            if (ticker == null) {
                throw TransformException.invalidArgument("ticker must be set but was null");
            }
            String arn = deliveryStreamArn != null ? deliveryStreamArn
                    : "arn:aws:firehose:us-east-1:000000000000:deliverystream/" + name;
            String[] arnParts = arn.split(":", 6);
            if (arnParts.length != 6 || !"arn".equals(arnParts[0]) || arnParts[3].isEmpty()) {
                throw TransformException.invalidArgument("deliveryStreamArn must look like "
                        + "arn:aws:firehose:<region>:<account>:deliverystream/<name> but was '" + arn + "'");
            }
            RunnerSettings settings = new RunnerSettings(name, bufferSizeBytes, bufferInterval, invocationTimeout,
                    numberOfRetries, retryBackoff, MAX_RETRY_BACKOFF, maxConcurrency, ticker,
                    meterRegistry != null ? meterRegistry : new SimpleMeterRegistry(), arn, arnParts[3],
                    Optional.ofNullable(sourceKinesisStreamArn));
            return new TransformRunner(settings, processor);
        }

        private static void requireRange(String what, Duration value, Duration min, boolean minInclusive,
                                         Duration max) {
            if (value == null) {
                throw TransformException.invalidArgument(what + " must be set but was null");
            }
            int low = value.compareTo(min);
            if (low < 0 || (low == 0 && !minInclusive) || value.compareTo(max) > 0) {
                throw TransformException.invalidArgument(what + " must be in " + (minInclusive ? "[" : "(") + min + ", "
                        + max + "] but was " + value);
            }
        }
    }
}
