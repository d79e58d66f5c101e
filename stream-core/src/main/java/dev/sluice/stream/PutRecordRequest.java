package dev.sluice.stream;

import dev.sluice.stream.internal.KinesisLimits;

import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;

/**
 * One record for {@link StreamEngine#putRecord(PutRecordRequest)}.
 *
 * <p>Thread-safety: immutable. The data is copied on construction and on every call of {@link #data()}.
 *
 * @param streamName                the stream
 * @param partitionKey              1-256 Unicode characters; its MD5 chooses the shard
 * @param data                      the blob; data plus the key's UTF-8 bytes at most 10 MiB here, and at most the
 *                                  stream's maximum record size (1 MiB unless raised) when put
 * @param explicitHashKey           a decimal hash key in [0, 2^128 - 1] that chooses the shard instead of the key
 * @param sequenceNumberForOrdering a sequence number the new record's must exceed
 */
public record PutRecordRequest(String streamName, String partitionKey, byte[] data, Optional<String> explicitHashKey,
                               Optional<String> sequenceNumberForOrdering) {

    /**
     * Validates the record and copies the data.
     *
     * @throws StreamException {@link ErrorCode#VALIDATION} naming the violated limit,
     *                         {@link ErrorCode#INVALID_ARGUMENT} for an explicit hash key out of range
     */
    public PutRecordRequest {
        KinesisLimits.checkStreamName(streamName);
        if (data == null) {
            KinesisLimits.checkPartitionKey(partitionKey); // a bad key is reported first
            throw new StreamException(ErrorCode.VALIDATION, "data must not be null");
        }
        KinesisLimits.checkPartitionKeyAndRecordSize(partitionKey, data.length);
        data = data.clone();
        Objects.requireNonNull(explicitHashKey, "explicitHashKey");
        explicitHashKey.ifPresent(KinesisLimits::parseExplicitHashKey);
        Objects.requireNonNull(sequenceNumberForOrdering, "sequenceNumberForOrdering");
    }

    /**
     * A record routed by its partition key.
     *
     * @param streamName   the stream
     * @param partitionKey the key
     * @param data         the blob (copied)
     * @return the request
     */
    public static PutRecordRequest of(String streamName, String partitionKey, byte[] data) {
        return new PutRecordRequest(streamName, partitionKey, data, Optional.empty(), Optional.empty());
    }

    /**
     * Returns a copy routed by an explicit hash key instead of the partition key's MD5.
     *
     * @param explicitHashKey decimal string in [0, 2^128 - 1]
     * @return the new request
     */
    public PutRecordRequest withExplicitHashKey(String explicitHashKey) {
        return new PutRecordRequest(streamName, partitionKey, data, Optional.of(explicitHashKey), sequenceNumberForOrdering);
    }

    /**
     * Returns a copy whose sequence number will be greater than the one given.
     *
     * @param sequenceNumberForOrdering a sequence number this engine returned for the same stream
     * @return the new request
     */
    public PutRecordRequest withSequenceNumberForOrdering(String sequenceNumberForOrdering) {
        return new PutRecordRequest(streamName, partitionKey, data, explicitHashKey, Optional.of(sequenceNumberForOrdering));
    }

    /**
     * Returns a copy of the data.
     *
     * @return a new array holding the blob
     */
    @Override
    public byte[] data() {
        return data.clone();
    }

    /** The data without a copy, for the engine, which never modifies it. */
    byte[] dataUnsafe() {
        return data;
    }

    /** Compares the data by content. */
    @Override
    public boolean equals(Object o) {
        return o instanceof PutRecordRequest r && streamName.equals(r.streamName) && partitionKey.equals(r.partitionKey)
                && Arrays.equals(data, r.data) && explicitHashKey.equals(r.explicitHashKey)
                && sequenceNumberForOrdering.equals(r.sequenceNumberForOrdering);
    }

    /** Hashes the data by content. */
    @Override
    public int hashCode() {
        return Objects.hash(streamName, partitionKey, Arrays.hashCode(data), explicitHashKey, sequenceNumberForOrdering);
    }

    /** Shows the data's size, not its bytes. */
    @Override
    public String toString() {
        return "PutRecordRequest[streamName=" + streamName + ", partitionKey=" + partitionKey + ", data=" + data.length
                + " bytes, explicitHashKey=" + explicitHashKey + ", sequenceNumberForOrdering=" + sequenceNumberForOrdering + "]";
    }
}
