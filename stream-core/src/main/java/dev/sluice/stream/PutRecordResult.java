package dev.sluice.stream;

import java.util.Objects;

/**
 * Where a put record landed.
 *
 * <p>Thread-safety: immutable.
 *
 * @param shardId        the shard that holds it
 * @param sequenceNumber its sequence number: a decimal string, increasing within the shard, unique in the stream
 */
public record PutRecordResult(String shardId, String sequenceNumber) {

    /** Checks that no component is null. */
    public PutRecordResult {
        Objects.requireNonNull(shardId, "shardId");
        Objects.requireNonNull(sequenceNumber, "sequenceNumber");
    }
}
