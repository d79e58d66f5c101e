package dev.sluice.delivery;

import dev.sluice.delivery.internal.sink.HttpEndpointSink;
import dev.sluice.delivery.internal.sink.LocalBucketSink;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * A destination: the SPI for custom destinations, and the factories of the built-in ones.
 *
 * <p>Thread-safety: implementations must be thread-safe. A delivery stream calls {@link #write} from its delivery
 * threads ({@code sluice-delivery-<stream>-<n>}), possibly several objects at once, never the same object twice at
 * the same time (through {@link #writeAsync}, which calls {@link #write} unless the sink completes asynchronously).
 *
 * <p><b>Contract.</b> {@link #write} returns only once the object is durably committed (or, with
 * {@link SinkObject#createIfAbsent()}, found to exist already); after it returns the stream counts the records
 * delivered and may advance source checkpoints. A write that throws is retried with exponential backoff and jitter
 * for the stream's retry duration, with the same {@link SinkObject} (same key and request id), so a write must be
 * idempotent for a given key. Throw a {@link DeliveryException} with a non-retryable {@link ErrorCode} to send the
 * records to the error output at once; any other exception counts as {@link ErrorCode#SINK_FAILED}, retryable.
 * No partial object may ever become visible.
 */
@FunctionalInterface
public interface Sink extends AutoCloseable {

    /**
     * Commits one object.
     *
     * @param object the key, the encoded bytes and the records; never {@code null}
     * @return {@link SinkResult#CREATED}, or {@link SinkResult#ALREADY_EXISTS} when {@code createIfAbsent} found the
     *         key present
     * @throws Exception any failure; see the class contract for what is retried
     */
    SinkResult write(SinkObject object) throws Exception;

    /**
     * Commits one object, completing when it is committed: what the delivery stream calls. A sink whose commit
     * mostly waits (a table commit, a remote acknowledgement) overrides it to do its share of the work on the calling
     * delivery thread and complete later from its own thread, so that the delivery thread goes on to the next object
     * meanwhile. Completion means what {@link #write}'s return means (durably committed; the stream then counts the
     * records delivered and may advance checkpoints); completing exceptionally means what its throwing means (the
     * same retries, with the same object). The object's buffers stay valid until the future completes. The number
     * of objects in flight is bounded by the stream (its memory budget, and a source's read-ahead), not by its
     * delivery threads.
     *
     * @param object the key, the encoded bytes and the records; never {@code null}
     * @return the future of what {@link #write} returns; by default {@link #write} runs on the calling thread and the
     *         future is complete when this returns
     */
    default CompletableFuture<SinkResult> writeAsync(SinkObject object) {
        try {
            return CompletableFuture.completedFuture(write(object));
        } catch (Exception e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /**
     * Commits one object as {@link #writeAsync} does, and tells which of its records went to this sink's own error
     * output instead of the destination: what the delivery stream calls, so that it counts those records as error
     * output rather than delivered. A sink that sends some records elsewhere (a table destination's records no table
     * takes) overrides it; by default every record of a successful write went to the destination.
     *
     * @param object the key, the encoded bytes and the records; never {@code null}
     * @return the future of the outcome; failed as {@link #writeAsync}'s would be
     */
    default CompletableFuture<SinkOutcome> writeReporting(SinkObject object) {
        CompletableFuture<SinkResult> written = writeAsync(object);
        if (written == null) {
            throw new IllegalStateException("sink " + this + " returned no future from writeAsync");
        }
        return written.thenApply(result -> SinkOutcome.of(result == null ? SinkResult.CREATED : result));
    }

    /**
     * Tells whether this sink stores objects under keys (a bucket) rather than sending records (an endpoint).
     * A bucket sink also receives the error output by default; an endpoint needs an error-output sink.
     *
     * @return {@code true} by default
     */
    default boolean storesObjects() {
        return true;
    }

    /**
     * Returns the {@code !{firehose:error-output-type}} under which records go to the error output when this sink
     * fails past the retry duration.
     *
     * @return {@code delivery-failed} by default
     */
    default String errorOutputType() {
        return "delivery-failed";
    }

    /**
     * Returns the prefix of the delivery meters, for example {@code DeliveryToS3}.
     *
     * @return {@code DeliveryToDestination} by default
     */
    default String metricsPrefix() {
        return "DeliveryToDestination";
    }

    /**
     * Returns how long failed writes are retried when the stream's builder does not say.
     *
     * @return 300 s by default (Firehose's default for HTTP endpoints)
     */
    default Duration defaultRetryDuration() {
        return Duration.ofSeconds(300);
    }

    /**
     * Returns how long after committing an object this sink still recognises a second write of the same key as the
     * same object (and commits nothing), or empty when it does for as long as the object exists (a bucket: the
     * object is its own evidence). A sink whose evidence of a commit expires (an Iceberg table's snapshots) returns
     * that age. A delivery stream reading a source re-delivers, after a restart, every object committed but not yet
     * checkpointed, and the checkpoint waits while an earlier object of the same partition is retried, so such an
     * object can be as old as the stream's retry duration: {@code build()} refuses a retry duration that, plus
     * {@link DeliveryStream#REDELIVERY_MARGIN}, is longer than this window.
     *
     * @return empty by default: the evidence lasts as long as the object
     */
    default Optional<Duration> redeliveryWindow() {
        return Optional.empty();
    }

    /**
     * Returns the Parquet content this sink wants its data objects in, for a sink that reads
     * {@link SinkObject#content()} as Parquet rather than the stream's output format (an Iceberg table's data file).
     * When present, the delivery stream encodes data objects with it instead of its {@code outputFormat} and
     * {@code compression}, while buffers fill as for a Parquet output format, and records the conversion rejects are
     * not sent to the stream's error output: the sink receives them in {@link SinkObject#conversionFailures()}
     * (and is called for an object whose every record was rejected, with empty content), must commit them to its
     * own error output, and the stream counts them as error output once the write succeeds. The stream asks once,
     * when it is built.
     *
     * @return empty by default: the stream's output format
     */
    default Optional<ParquetContent> parquetContent() {
        return Optional.empty();
    }

    /**
     * Parquet content a sink asks the delivery stream to encode for it (see {@link Sink#parquetContent()}).
     *
     * <p>Thread-safety: immutable.
     *
     * @param conversion the Avro schema, conversion rules and Parquet options (codec, row-group and page sizes,
     *        dictionary)
     * @param parquetSchema the file's Parquet message type as text ({@code message m { required int64 id = 1; }}):
     *        exactly the layout parquet-avro writes for the conversion's schema with three-level lists, optionally
     *        with field ids ({@code = id}), which the file then carries; empty for the layout without ids
     */
    record ParquetContent(ParquetConversion conversion, Optional<String> parquetSchema) {
        /** Validates. */
        public ParquetContent {
            Objects.requireNonNull(conversion, "conversion");
            Objects.requireNonNull(parquetSchema, "parquetSchema");
        }
    }

    /** Releases resources; the stream closes its sinks when it closes. No-op by default. */
    @Override
    default void close() {
    }

    /**
     * A local directory laid out like an S3 bucket: key {@code a/b/c} is file {@code <directory>/a/b/c}. Each
     * object is written under a temporary name in the same directory, fsynced, then atomically renamed (and the
     * directory fsynced), so no partial object is ever visible; {@code createIfAbsent} writes fail with
     * {@link SinkResult#ALREADY_EXISTS} instead of replacing. Keys that are absolute, contain {@code ..} or
     * {@code .} segments, empty segments, backslashes or control characters are rejected
     * ({@link ErrorCode#INVALID_PREFIX}, not retried). Error output type {@code s3-failed}, meters
     * {@code DeliveryToS3.*}, retry duration 24 h (Firehose's S3 retry window).
     *
     * @param directory the bucket root; created if missing
     * @return the sink
     */
    static Sink localBucket(Path directory) {
        return new LocalBucketSink(directory);
    }

    /**
     * Firehose's HTTP endpoint delivery, protocol 1.0: one {@code POST} per buffer with the records base64-encoded,
     * the access key and common-attribute headers, optional gzip content encoding, and a request id that stays the
     * same across retries. Only a 200 whose body echoes the request id counts as delivered; 413 is permanent and
     * sends the records to the error output at once; anything else is retried (default retry duration 300 s).
     * Error output type {@code http-endpoint-failed}, meters {@code DeliveryToHttpEndpoint.*}. It does not store
     * objects, so the delivery stream needs an {@code errorOutputSink} (a bucket), as Firehose needs an S3 bucket.
     *
     * @param configuration the endpoint
     * @return the sink
     */
    static Sink httpEndpoint(HttpEndpointConfiguration configuration) {
        return new HttpEndpointSink(Objects.requireNonNull(configuration, "configuration"));
    }

    /**
     * An S3 bucket through the AWS SDK v2 ({@code software.amazon.awssdk:s3} must be on the class path; it is an
     * optional dependency of this module). Objects are single {@code PutObject} calls, atomic in S3;
     * create-if-absent uses {@code If-None-Match: *}. Error output type {@code s3-failed}, meters
     * {@code DeliveryToS3.*}, retry duration 24 h.
     *
     * @param destination the bucket, region, endpoint override and path style
     * @return the sink
     * @throws DeliveryException {@link ErrorCode#INVALID_ARGUMENT} if the AWS SDK is not on the class path
     */
    static Sink s3(S3Destination destination) {
        Objects.requireNonNull(destination, "destination");
        try {
            Class.forName("software.amazon.awssdk.services.s3.S3Client", false, Sink.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new DeliveryException(ErrorCode.INVALID_ARGUMENT, "Sink.s3 needs software.amazon.awssdk:s3 on the"
                    + " class path; add it as a dependency", e);
        }
        return new dev.sluice.delivery.internal.sink.S3Sink(destination);
    }
}
