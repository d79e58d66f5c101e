package dev.sluice.transform;

import dev.sluice.transform.internal.FirehoseJsonCodec;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Objects;

/**
 * Firehose's Lambda JSON shapes, so transformation code written for Firehose runs in-process unchanged.
 *
 * <p>Thread-safety: stateless; all methods are thread-safe. A function returned by {@link #adapt} is as
 * thread-safe as the handler it wraps.
 *
 * <p>Event (request): {@code {invocationId, sourceKinesisStreamArn?, deliveryStreamArn, region, records:[
 * {recordId, approximateArrivalTimestamp, data (base64), kinesisRecordMetadata?{sequenceNumber,
 * subsequenceNumber, partitionKey, shardId, approximateArrivalTimestamp}}]}}, timestamps in epoch milliseconds.
 * Response: {@code {records:[{recordId, result: Ok|Dropped|ProcessingFailed, data (base64),
 * metadata?{partitionKeys:{k:v}, otfMetadata:{destinationDatabaseName, destinationTableName, operation}}}]}}.
 * A record whose {@code otfMetadata} is not an object of strings becomes {@code ProcessingFailed} with
 * {@link ErrorCode#INVALID_OTF_METADATA}; the other records of the response stand.
 */
public final class FirehoseJson {

    private FirehoseJson() {
    }

    /**
     * A transformation written against Firehose's JSON: reads the event, writes the response. The shape of
     * AWS Lambda's {@code RequestStreamHandler}, so an existing handler adapts with a lambda such as
     * {@code (in, out) -> handler.handleRequest(in, out, null)} when it does not use the context.
     *
     * <p>Thread-safety: called concurrently from runner threads; implementations must be thread-safe.
     */
    @FunctionalInterface
    public interface Handler {

        /**
         * Handles one invocation.
         *
         * @param event the Firehose event as UTF-8 JSON
         * @param response where to write the Firehose response as UTF-8 JSON
         * @throws Exception any failure; it fails the invocation ({@link ErrorCode#FUNCTION_ERROR}), which the
         *         runner retries
         */
        void handleRequest(InputStream event, OutputStream response) throws Exception;
    }

    /**
     * Wraps a JSON handler as a {@link TransformFunction}: each request is written as a Firehose event, the
     * handler's response is read back. A response that is not valid JSON or not in the response shape fails
     * the invocation with {@link ErrorCode#JSON_PROCESSING}; one that breaks the record-id contract fails as
     * any function would.
     *
     * @param handler the handler; not {@code null}
     * @return the function
     */
    public static TransformFunction adapt(Handler handler) {
        Objects.requireNonNull(handler, "handler");
        return request -> {
            ByteArrayOutputStream response = new ByteArrayOutputStream();
            handler.handleRequest(new ByteArrayInputStream(FirehoseJsonCodec.writeEvent(request)), response);
            return FirehoseJsonCodec.readResponse(response.toByteArray());
        };
    }

    /**
     * Writes a request as a Firehose event, in Firehose's field order.
     *
     * @param request the request
     * @return UTF-8 JSON
     */
    public static byte[] writeEvent(ProcessingRequest request) {
        return FirehoseJsonCodec.writeEvent(Objects.requireNonNull(request, "request"));
    }

    /**
     * Reads a Firehose event, for example one captured from a real delivery stream. Writing it back with
     * {@link #writeEvent} yields the same JSON tree for events in Firehose's shape.
     *
     * @param event UTF-8 JSON
     * @return the request
     * @throws TransformException {@link ErrorCode#INVALID_ARGUMENT} naming the first field that does not fit
     */
    public static ProcessingRequest readEvent(byte[] event) {
        return FirehoseJsonCodec.readEvent(Objects.requireNonNull(event, "event"));
    }
}
