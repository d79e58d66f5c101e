package dev.sluice.stream;

import dev.sluice.stream.internal.KinesisLimits;

import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;

/**
 * One entry of {@link StreamEngine#putRecords(String, java.util.List)}.
 *
 * <p>Thread-safety: immutable. The data is copied on construction and on every call of {@link #data()}.
 *
 * @param partitionKey    1-256 Unicode characters; its MD5 chooses the shard
 * @param data            the blob; data plus the key's UTF-8 bytes at most 10 MiB here, and at most the stream's
 *                        maximum record size (1 MiB unless raised) when put
 * @param explicitHashKey a decimal hash key in [0, 2^128 - 1] that chooses the shard instead of the key
 */
public record PutRecordsRequestEntry(String partitionKey, byte[] data, Optional<String> explicitHashKey) {

    /**
     * Validates the entry and copies the data.
     *
     * @throws StreamException {@link ErrorCode#VALIDATION} naming the violated limit,
     *                         {@link ErrorCode#INVALID_ARGUMENT} for an explicit hash key out of range
     */
    public PutRecordsRequestEntry {
        if (data == null) {
            KinesisLimits.checkPartitionKey(partitionKey); // a bad key is reported first
            throw new StreamException(ErrorCode.VALIDATION, "data must not be null");
        }
        KinesisLimits.checkPartitionKeyAndRecordSize(partitionKey, data.length);
        data = data.clone();
        Objects.requireNonNull(explicitHashKey, "explicitHashKey");
        explicitHashKey.ifPresent(KinesisLimits::parseExplicitHashKey);
    }

    /**
     * An entry routed by its partition key.
     *
     * @param partitionKey the key
     * @param data         the blob (copied)
     * @return the entry
     */
    public static PutRecordsRequestEntry of(String partitionKey, byte[] data) {
        return new PutRecordsRequestEntry(partitionKey, data, Optional.empty());
    }

    /**
     * Returns a copy routed by an explicit hash key.
     *
     * @param explicitHashKey decimal string in [0, 2^128 - 1]
     * @return the new entry
     */
    public PutRecordsRequestEntry withExplicitHashKey(String explicitHashKey) {
        return new PutRecordsRequestEntry(partitionKey, data, Optional.of(explicitHashKey));
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
        return o instanceof PutRecordsRequestEntry e && partitionKey.equals(e.partitionKey) && Arrays.equals(data, e.data)
                && explicitHashKey.equals(e.explicitHashKey);
    }

    /** Hashes the data by content. */
    @Override
    public int hashCode() {
        return Objects.hash(partitionKey, Arrays.hashCode(data), explicitHashKey);
    }

    /** Shows the data's size, not its bytes. */
    @Override
    public String toString() {
        return "PutRecordsRequestEntry[partitionKey=" + partitionKey + ", data=" + data.length + " bytes, explicitHashKey="
                + explicitHashKey + "]";
    }
}
