package dev.sluice.delivery.internal;

import dev.sluice.delivery.internal.sink.PrefixTemplate;
import dev.sluice.delivery.Compression;
import dev.sluice.delivery.DeliveryException;
import dev.sluice.delivery.DeliveryStream;
import dev.sluice.delivery.ErrorCode;
import dev.sluice.delivery.OutputFormat;
import dev.sluice.delivery.Sink;
import dev.sluice.stream.Ticker;
import dev.sluice.transform.Processor;
import dev.sluice.transform.TransformRunner;
import io.micrometer.core.instrument.MeterRegistry;

import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A validated delivery-stream configuration, as the public builder hands it to the machinery.
 *
 * <p>Design note: immutable; the compact constructor checks every value and names the first bad one, its
 * allowed range and the actual value, so {@code DeliveryStream.Builder.build()} only resolves defaults.
 *
 * @param name the delivery stream name
 * @param version the delivery stream version, part of every object name
 * @param clock wall time: arrival timestamps, prefixes, object names
 * @param ticker elapsed time: buffer intervals, retries, put deadlines
 * @param registry where meters go
 * @param prefix the destination prefix
 * @param errorOutputPrefix the error-output prefix
 * @param backupPrefix the source-record backup prefix, when backup is on
 * @param format the output format
 * @param compression the output compression (ignored for Parquet)
 * @param fileExtension overrides the extension derived from format and compression
 * @param bufferSizeBytes the size hint
 * @param bufferInterval the interval hint
 * @param sink the destination
 * @param errorSink where error output goes
 * @param backupSink where the backup goes
 * @param retryDuration how long failed writes to the destination are retried
 * @param retryBackoff the first retry wait
 * @param memoryBudgetBytes the global memory budget
 * @param maxActivePartitions the open-partition cap
 * @param deliveryThreads the number of encoding/writing threads
 * @param putTimeout how long a put waits for memory
 * @param processor the processing chain, if any
 * @param processingRetries retries of a failed function invocation
 * @param processingTimeout the function invocation timeout
 * @param eventTime the event-time field and its format, if prefixes use event time
 */
public record Settings(String name, int version, Clock clock, Ticker ticker, MeterRegistry registry,
                       PrefixTemplate prefix, PrefixTemplate errorOutputPrefix, Optional<PrefixTemplate> backupPrefix,
                       OutputFormat format, Compression compression, Optional<String> fileExtension,
                       long bufferSizeBytes, Duration bufferInterval, Sink sink, Sink errorSink, Sink backupSink,
                       Duration retryDuration, Duration retryBackoff, long memoryBudgetBytes, int maxActivePartitions,
                       int deliveryThreads, Duration putTimeout, Optional<Processor> processor, int processingRetries,
                       Duration processingTimeout, Optional<EventTime> eventTime) {

    /** Firehose's delivery stream name rule. */
    private static final Pattern NAME = Pattern.compile("[a-zA-Z0-9_.-]{1,64}");
    /** Firehose's backoff cap (2 minutes). */
    private static final Duration MAX_RETRY_BACKOFF = Duration.ofMinutes(2);
    /** Smallest memory budget: one maximal record plus room to buffer. */
    private static final long MIN_MEMORY_BUDGET_BYTES = 1L << 20;
    /** Most delivery threads: thread count stays bounded. */
    private static final int MAX_DELIVERY_THREADS = 64;

    /**
     * Validates.
     *
     * @throws DeliveryException {@link ErrorCode#INVALID_ARGUMENT} naming the first invalid setting
     */
    public Settings {
        if (name == null || !NAME.matcher(name).matches()) {
            throw invalid("name must be 1 to 64 characters of [a-zA-Z0-9_.-] but was "
                    + (name == null ? "null" : "'" + name + "'"));
        }
        if (version < 1) {
            throw invalid("version must be >= 1 but was " + version);
        }
        for (Object[] required : new Object[][] {{"clock", clock}, {"ticker", ticker}, {"outputFormat", format},
                {"compression", compression}, {"sink", sink}}) {
            if (required[1] == null) {
                throw invalid(required[0] + " must be set but was null");
            }
        }
        if (!errorSink.storesObjects()) {
            throw invalid("errorOutputSink must store objects but was " + errorSink);
        }
        if (format instanceof OutputFormat.Parquet && !sink.storesObjects()) {
            throw invalid("outputFormat parquet needs a sink that stores objects but the sink is " + sink);
        }
        if (retryDuration.isNegative() || retryDuration.compareTo(DeliveryStream.MAX_RETRY_DURATION) > 0) {
            throw invalid("retryDuration must be in [PT0S, " + DeliveryStream.MAX_RETRY_DURATION + "] but was " + retryDuration);
        }
        if (retryBackoff.isNegative() || retryBackoff.isZero() || retryBackoff.compareTo(MAX_RETRY_BACKOFF) > 0) {
            throw invalid("retryBackoff must be in (PT0S, " + MAX_RETRY_BACKOFF + "] but was " + retryBackoff);
        }
        if (memoryBudgetBytes < MIN_MEMORY_BUDGET_BYTES) {
            throw invalid("memoryBudgetBytes must be >= " + MIN_MEMORY_BUDGET_BYTES + " but was " + memoryBudgetBytes);
        }
        if (maxActivePartitions < 1) {
            throw invalid("maxActivePartitions must be >= 1 but was " + maxActivePartitions);
        }
        if (deliveryThreads < 1 || deliveryThreads > MAX_DELIVERY_THREADS) {
            throw invalid("deliveryThreads must be in [1, " + MAX_DELIVERY_THREADS + "] but was " + deliveryThreads);
        }
        if (putTimeout.isNegative()) {
            throw invalid("putTimeout must be >= PT0S but was " + putTimeout);
        }
        if (processingRetries < 0 || processingRetries > TransformRunner.MAX_NUMBER_OF_RETRIES) {
            throw invalid("processingRetries must be in [0, " + TransformRunner.MAX_NUMBER_OF_RETRIES + "] but was "
                    + processingRetries);
        }
        if (processingTimeout.isNegative() || processingTimeout.isZero()
                || processingTimeout.compareTo(TransformRunner.MAX_INVOCATION_TIMEOUT) > 0) {
            throw invalid("processingTimeout must be in (PT0S, " + TransformRunner.MAX_INVOCATION_TIMEOUT
                    + "] but was " + processingTimeout);
        }
        if (fileExtension.isPresent() && !fileExtension.get().isEmpty()
                && (!fileExtension.get().startsWith(".") || fileExtension.get().contains("/"))) {
            throw invalid("fileExtension must be empty or start with '.' and contain no '/' but was '"
                    + fileExtension.get() + "'");
        }
    }

    private static DeliveryException invalid(String message) {
        return new DeliveryException(ErrorCode.INVALID_ARGUMENT, message);
    }

    /**
     * The event-time option: which field of the JSON record decides the time partition.
     *
     * @param field the field name or dotted path
     * @param format {@code epoch_seconds}, {@code epoch_millis}, {@code iso8601} or a date-time pattern
     */
    public record EventTime(String field, String format) {
    }
}
