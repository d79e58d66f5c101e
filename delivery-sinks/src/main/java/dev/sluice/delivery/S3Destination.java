package dev.sluice.delivery;

import java.net.URI;
import java.util.Objects;
import java.util.Optional;

/**
 * An S3 bucket for {@link Sink#s3}: Firehose's {@code BucketARN} plus what an S3-compatible store needs.
 *
 * <p>Thread-safety: immutable.
 *
 * @param bucket the bucket name; not blank
 * @param region the signing region, for example {@code us-east-1}
 * @param endpointOverride the endpoint of an S3-compatible store (MinIO, s3mock, ...); empty for AWS
 * @param pathStyleAccess whether to address the bucket in the path ({@code http://host/bucket/key}), as most
 *        S3-compatible stores need
 * @param accessKeyId static credentials, with {@code secretAccessKey}; empty uses the SDK's default provider chain
 * @param secretAccessKey the secret of {@code accessKeyId}
 */
public record S3Destination(String bucket, String region, Optional<URI> endpointOverride, boolean pathStyleAccess,
                            Optional<String> accessKeyId, Optional<String> secretAccessKey) {

    /**
     * Validates.
     *
     * @throws DeliveryException {@link ErrorCode#INVALID_ARGUMENT} for a blank bucket or region, or credentials
     *         given by half
     */
    public S3Destination {
        Objects.requireNonNull(bucket, "bucket");
        Objects.requireNonNull(region, "region");
        Objects.requireNonNull(endpointOverride, "endpointOverride");
        Objects.requireNonNull(accessKeyId, "accessKeyId");
        Objects.requireNonNull(secretAccessKey, "secretAccessKey");
        if (bucket.isBlank() || region.isBlank()) {
            throw DeliveryException.invalidArgument("s3 bucket and region must not be blank but were '" + bucket
                    + "' and '" + region + "'");
        }
        if (accessKeyId.isPresent() != secretAccessKey.isPresent()) {
            throw DeliveryException.invalidArgument("s3 accessKeyId and secretAccessKey must be given together");
        }
    }

    /**
     * An AWS bucket with the default credentials chain.
     *
     * @param bucket the bucket
     * @param region the region
     * @return the destination
     */
    public static S3Destination of(String bucket, String region) {
        return new S3Destination(bucket, region, Optional.empty(), false, Optional.empty(), Optional.empty());
    }

    /**
     * Returns a copy for an S3-compatible endpoint with path-style access.
     *
     * @param endpoint the endpoint, for example {@code http://127.0.0.1:9090}
     * @return the copy
     */
    public S3Destination withEndpoint(URI endpoint) {
        return new S3Destination(bucket, region, Optional.of(endpoint), true, accessKeyId, secretAccessKey);
    }

    /**
     * Returns a copy with static credentials.
     *
     * @param keyId the access key id
     * @param secret the secret access key
     * @return the copy
     */
    public S3Destination withCredentials(String keyId, String secret) {
        return new S3Destination(bucket, region, endpointOverride, pathStyleAccess, Optional.of(keyId),
                Optional.of(secret));
    }

    /** Describes the destination without the secret. */
    @Override
    public String toString() {
        return "S3Destination[bucket=" + bucket + ", region=" + region + ", endpointOverride=" + endpointOverride
                + ", pathStyleAccess=" + pathStyleAccess + ", accessKeyId=" + accessKeyId + "]";
    }
}
