package dev.sluice.transform;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

/**
 * One invocation of a {@link TransformFunction}: Firehose's Lambda event
 * {@code {invocationId, deliveryStreamArn, region, sourceKinesisStreamArn?, records:[...]}}.
 *
 * <p>Thread-safety: immutable.
 *
 * <p>The runner guarantees that the record ids of one request are unique and that each retry of an invocation
 * carries a fresh {@code invocationId} and the same records.
 *
 * @param invocationId unique per attempt; not blank
 * @param deliveryStreamArn the ARN of the delivery stream the records belong to; not {@code null}
 * @param region the region named in the event; not {@code null}
 * @param sourceKinesisStreamArn the source stream's ARN when the records come from a stream
 * @param records the records, in arrival order; copied; may be empty
 */
public record ProcessingRequest(String invocationId, String deliveryStreamArn, String region,
                                Optional<String> sourceKinesisStreamArn, List<SourceRecord> records) {

    /** The delivery-stream ARN {@link #of(List)} uses. */
    public static final String DEFAULT_DELIVERY_STREAM_ARN =
            "arn:aws:firehose:us-east-1:000000000000:deliverystream/sluice";

    /** The region {@link #of(List)} uses. */
    public static final String DEFAULT_REGION = "us-east-1";

    /**
     * Validates and copies.
     *
     * @throws NullPointerException if a component or a record is {@code null}
     * @throws TransformException {@link ErrorCode#INVALID_ARGUMENT} if {@code invocationId} is blank
     */
    public ProcessingRequest {
        Objects.requireNonNull(invocationId, "invocationId");
        if (invocationId.isBlank()) {
            throw TransformException.invalidArgument("invocationId must not be blank but was '" + invocationId + "'");
        }
        Objects.requireNonNull(deliveryStreamArn, "deliveryStreamArn");
        Objects.requireNonNull(region, "region");
        Objects.requireNonNull(sourceKinesisStreamArn, "sourceKinesisStreamArn");
        records = List.copyOf(records);
    }

    /**
     * Creates a request with a random invocation id, {@link #DEFAULT_DELIVERY_STREAM_ARN} and
     * {@link #DEFAULT_REGION}; convenient for calling {@link Processor#process(ProcessingRequest)} directly.
     *
     * @param records the records; not {@code null}
     * @return the request
     */
    public static ProcessingRequest of(List<SourceRecord> records) {
        return new ProcessingRequest(UUID.randomUUID().toString(), DEFAULT_DELIVERY_STREAM_ARN, DEFAULT_REGION,
                Optional.empty(), records);
    }
}
