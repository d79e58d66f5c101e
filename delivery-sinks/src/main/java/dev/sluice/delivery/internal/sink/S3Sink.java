package dev.sluice.delivery.internal.sink;

import dev.sluice.delivery.DeliveryException;
import dev.sluice.delivery.ErrorCode;
import dev.sluice.delivery.S3Destination;
import dev.sluice.delivery.Sink;
import dev.sluice.delivery.SinkObject;
import dev.sluice.delivery.SinkResult;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.S3Exception;

import java.time.Duration;

/**
 * An S3 bucket through the AWS SDK v2 synchronous client.
 *
 * <p>Design note: thread-safe (the SDK client is). The AWS SDK is an optional dependency: this class is loaded only
 * when {@code Sink.s3} is called. A single {@code PutObject} is atomic in S3, so no partial object is ever visible.
 * Create-if-absent uses a conditional write ({@code If-None-Match: *}); S3 answers 412 when the key exists, which is
 * reported as {@link SinkResult#ALREADY_EXISTS}. SDK retries are turned off: the delivery stream owns retries
 * (backoff, jitter, retry duration, error output).
 */
public final class S3Sink implements Sink {

    private final S3Destination destination;
    private final S3Client client;

    /**
     * Builds the client.
     *
     * @param destination the bucket and how to reach it
     */
    public S3Sink(S3Destination destination) {
        this.destination = destination;
        S3ClientBuilder builder = S3Client.builder()
                .region(Region.of(destination.region()))
                .forcePathStyle(destination.pathStyleAccess())
                .overrideConfiguration(c -> c.retryStrategy(r -> r.maxAttempts(1)));
        destination.endpointOverride().ifPresent(builder::endpointOverride);
        if (destination.accessKeyId().isPresent()) {
            builder.credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(
                    destination.accessKeyId().get(), destination.secretAccessKey().orElseThrow())));
        } else {
            builder.credentialsProvider(DefaultCredentialsProvider.builder().build());
        }
        this.client = builder.build();
    }

    @Override
    public SinkResult write(SinkObject object) {
        PutObjectRequest.Builder request = PutObjectRequest.builder()
                .bucket(destination.bucket())
                .key(object.key())
                .contentType(object.contentType());
        if (object.createIfAbsent()) {
            request.ifNoneMatch("*");
        }
        try {
            client.putObject(request.build(), RequestBody.fromByteBuffer(object.content()));
            return SinkResult.CREATED;
        } catch (S3Exception e) {
            if (object.createIfAbsent() && (e.statusCode() == 412 || e.statusCode() == 409)) {
                return SinkResult.ALREADY_EXISTS;
            }
            ErrorCode code = e.statusCode() == 403 ? ErrorCode.S3_ACCESS_DENIED : ErrorCode.S3_INTERNAL_ERROR;
            String aws = e.awsErrorDetails() == null ? "" : e.awsErrorDetails().errorCode();
            throw new DeliveryException(code, "PutObject s3://" + destination.bucket() + "/" + object.key()
                    + " failed with " + e.statusCode() + " " + aws + ": " + e.getMessage(), e);
        } catch (SdkException e) {
            throw new DeliveryException(ErrorCode.S3_INTERNAL_ERROR, "PutObject s3://" + destination.bucket() + "/"
                    + object.key() + " failed: " + e.getMessage(), e);
        }
    }

    @Override
    public String errorOutputType() {
        return "s3-failed";
    }

    @Override
    public String metricsPrefix() {
        return "DeliveryToS3";
    }

    @Override
    public Duration defaultRetryDuration() {
        return Duration.ofHours(24);
    }

    @Override
    public void close() {
        client.close();
    }

    @Override
    public String toString() {
        return "S3Sink[s3://" + destination.bucket() + "]";
    }
}
