package dev.sluice.stream;

import dev.sluice.stream.internal.KinesisLimits;

import java.math.BigInteger;
import java.util.Objects;

/**
 * A contiguous, inclusive range of the 128-bit hash key space a shard owns.
 *
 * <p>Thread-safety: immutable.
 *
 * @param startingHashKey first hash key of the range
 * @param endingHashKey   last hash key of the range, inclusive
 */
public record HashKeyRange(BigInteger startingHashKey, BigInteger endingHashKey) {

    /**
     * Validates the range.
     *
     * @throws IllegalArgumentException if a bound is outside [0, 2^128 - 1] or the range is empty
     */
    public HashKeyRange {
        Objects.requireNonNull(startingHashKey, "startingHashKey");
        Objects.requireNonNull(endingHashKey, "endingHashKey");
        if (startingHashKey.signum() < 0 || endingHashKey.compareTo(KinesisLimits.MAX_HASH_KEY) > 0
                || startingHashKey.compareTo(endingHashKey) > 0) {
            throw new IllegalArgumentException("hash key range must satisfy 0 <= start <= end <= 2^128-1 but was ["
                    + startingHashKey + ", " + endingHashKey + "]");
        }
    }

    /**
     * Tells whether a hash key falls in this range.
     *
     * @param hashKey the key
     * @return {@code true} if {@code start <= hashKey <= end}
     */
    public boolean contains(BigInteger hashKey) {
        return startingHashKey.compareTo(hashKey) <= 0 && hashKey.compareTo(endingHashKey) <= 0;
    }
}
