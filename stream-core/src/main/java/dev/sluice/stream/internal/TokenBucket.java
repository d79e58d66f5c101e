package dev.sluice.stream.internal;

/**
 * A token bucket driven by an injected ticker, in exact integer arithmetic.
 *
 * <p>Design note: tokens are held in units of 10^-9 token, so refilling {@code elapsedNanos * ratePerSecond}
 * units is exact: after exactly one second a bucket holds exactly its per-second rate again, and
 * 1,000 records in one second pass while the 1,001st does not. The capacity is one second of rate
 * (Kinesis's shard limits are per second). The balance may go negative through {@link #consume(long)}:
 * reads are charged after the fact, as Kinesis does (a 10 MiB GetRecords call blocks the shard's reads
 * for the next seconds).
 *
 * <p>Not thread-safe: a write bucket is owned by its shard's writer thread; read buckets are guarded by
 * their owner.
 */
final class TokenBucket {

    private static final long UNITS_PER_TOKEN = 1_000_000_000L;
    /**
     * Largest rate: 4 GiB per second. Its capacity (4.3e18 units) leaves room in a long for the debt a
     * charge-after-the-fact bucket can run up (10 MiB GetRecords calls: 1e16 units each).
     */
    static final long MAX_RATE_PER_SECOND = 4L << 30;

    private final long ratePerSecond;
    private final long capacityUnits;
    private long units;
    private long lastRefillNanos;

    TokenBucket(long ratePerSecond, long nowNanos) {
        this(ratePerSecond, true, nowNanos);
    }

    private TokenBucket(long ratePerSecond, boolean burst, long nowNanos) {
        if (ratePerSecond < 1 || ratePerSecond > MAX_RATE_PER_SECOND) {
            throw new IllegalArgumentException("rate must be in [1, " + MAX_RATE_PER_SECOND + "] per second but was " + ratePerSecond);
        }
        this.ratePerSecond = ratePerSecond;
        this.capacityUnits = burst ? ratePerSecond * UNITS_PER_TOKEN : 0;
        this.units = capacityUnits;
        this.lastRefillNanos = nowNanos;
    }

    /**
     * A bucket with no saved-up capacity, charged after the fact: its balance is at most zero, every charge is debt
     * repaid at the rate. A shard's GetRecords bytes: Kinesis documents that a call returning 10 MiB throttles the
     * shard's reads for the next 5 seconds (10 MiB at 2 MiB/s), whatever came before.
     */
    static TokenBucket debtOnly(long ratePerSecond, long nowNanos) {
        return new TokenBucket(ratePerSecond, false, nowNanos);
    }

    /** Tells whether charges are not yet repaid now (for {@link #debtOnly} buckets). */
    boolean inDebt(long nowNanos) {
        refill(nowNanos);
        return units < 0;
    }

    /** Tells whether {@code tokens} are available now, without taking them. */
    boolean hasTokens(long tokens, long nowNanos) {
        refill(nowNanos);
        return units >= tokens * UNITS_PER_TOKEN;
    }

    /**
     * Tells whether {@code tokens} are available now, or, for more tokens than the bucket holds, whether it is full
     * (then {@link #consume} takes them all and leaves a debt: a burst, see {@link ShardWriter#tryAcquire}).
     */
    boolean hasTokensOrIsFull(long tokens, long nowNanos) {
        refill(nowNanos);
        return units >= Math.min(tokens * UNITS_PER_TOKEN, capacityUnits);
    }

    /** Tells whether the balance is positive now (for charge-after-the-fact buckets). */
    boolean hasAny(long nowNanos) {
        refill(nowNanos);
        return units > 0;
    }

    /** Takes tokens unconditionally; the balance may go negative. */
    void consume(long tokens) {
        units -= tokens * UNITS_PER_TOKEN;
    }

    /**
     * Nanoseconds until {@code tokens} will be available (for a {@link #debtOnly} bucket: until the debt is repaid),
     * 0 if they are now.
     */
    long nanosUntil(long tokens, long nowNanos) {
        refill(nowNanos);
        long missing = Math.min(tokens * UNITS_PER_TOKEN, capacityUnits) - units;
        return missing <= 0 ? 0 : (missing + ratePerSecond - 1) / ratePerSecond;
    }

    private void refill(long nowNanos) {
        long elapsed = nowNanos - lastRefillNanos;
        if (elapsed <= 0) {
            return;
        }
        lastRefillNanos = nowNanos;
        long nanosToFull = (capacityUnits - units + ratePerSecond - 1) / ratePerSecond;
        // Below nanosToFull the product stays under capacity - units, which fits a long.
        units = elapsed >= nanosToFull ? capacityUnits : units + elapsed * ratePerSecond;
    }
}
