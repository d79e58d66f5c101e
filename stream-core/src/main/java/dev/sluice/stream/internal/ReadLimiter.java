package dev.sluice.stream.internal;

import dev.sluice.stream.ShardLimits;

/**
 * A shard's read limits: GetRecords calls per second and bytes per second, shared by all polling
 * readers of the shard.
 *
 * <p>Design note: bytes are charged after the call, as Kinesis does. For GetRecords there is no saved-up byte
 * capacity ({@link TokenBucket#debtOnly}): a call is admitted when earlier calls' bytes are paid off at the
 * shard's read rate, so a call that returns 10 MiB holds back the shard's reads for exactly the next 5 seconds,
 * as the GetRecords documentation states. An enhanced fan-out budget keeps one second of capacity, so a push may
 * go out while the balance is positive. Thread-safety: synchronized; reads of one shard by many consumers are
 * serialised only here, for nanoseconds.
 */
final class ReadLimiter {

    private final TokenBucket calls;
    private final TokenBucket bytes;

    ReadLimiter(ShardLimits limits, long nowNanos) {
        this.calls = new TokenBucket(limits.readCallsPerSecond(), nowNanos);
        this.bytes = TokenBucket.debtOnly(limits.readBytesPerSecond(), nowNanos);
    }

    private ReadLimiter(long bytesPerSecond, long nowNanos) {
        this.calls = null;
        this.bytes = new TokenBucket(bytesPerSecond, nowNanos);
    }

    /**
     * An enhanced fan-out consumer's own budget on one shard: bytes per second only (pushed reads have no call
     * limit).
     */
    static ReadLimiter fanOut(ShardLimits limits, long nowNanos) {
        return new ReadLimiter(limits.readBytesPerSecond(), nowNanos);
    }

    /**
     * Admits one GetRecords call if both limits allow it.
     *
     * @return 0 if admitted, otherwise nanoseconds until a call could be admitted
     */
    synchronized long tryAdmit(long nowNanos) {
        if (calls == null) {
            return bytes.hasAny(nowNanos) ? 0 : Math.max(1, bytes.nanosUntil(1, nowNanos));
        }
        if (calls.hasTokens(1, nowNanos) && !bytes.inDebt(nowNanos)) {
            calls.consume(1);
            return 0;
        }
        return Math.max(1, Math.max(calls.nanosUntil(1, nowNanos), bytes.nanosUntil(1, nowNanos)));
    }

    /** Charges bytes returned by an admitted call. */
    synchronized void charge(long returnedBytes) {
        bytes.consume(returnedBytes);
    }
}
