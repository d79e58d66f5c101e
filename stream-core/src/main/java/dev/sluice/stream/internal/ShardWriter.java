package dev.sluice.stream.internal;

import dev.sluice.stream.ShardLimits;

/**
 * The write side of one shard: its throughput buckets, its sequence counter and arrival clock, and the
 * per-event metric tallies.
 *
 * <p>Design note: owned by exactly one writer thread (the Disruptor handler the shard is assigned to),
 * so nothing here is synchronized. Sequence counters strictly increase; arrival times never decrease
 * even if the wall clock steps back, which keeps positions by timestamp a binary search.
 */
final class ShardWriter {

    final ShardLog log;
    final StreamMetrics.ShardMetrics metrics;
    private final TokenBucket bytes;
    private final TokenBucket records;
    private long nextCounter;
    private long lastArrivalMillis;
    private boolean closed;

    // Tallies for the event being processed, flushed to meters at its end.
    boolean touched;
    boolean blockedThisEvent;
    /** Bytes this event may add to the shard before a byte limit is checked again ({@link StreamRetention#room()}). */
    long room;
    /** Why a byte limit refused a record of this event; later records of the shard in the event are refused too. */
    String fullThisEvent;
    long eventRecords;
    long eventBytes;
    long eventThrottled;
    long eventThrottledBytes;
    /**
     * Records and bytes offered to the shard, accepted or throttled, since it opened: the write demand that
     * on-demand scaling reads. Written by the writer thread only, read by the scheduler.
     */
    private volatile long offeredRecords;
    private volatile long offeredBytes;

    /**
     * Creates the write side of a shard.
     *
     * @param nextCounter       the first counter to assign: the shard's first, or one past the newest recovered record's
     * @param lastArrivalMillis the newest recovered record's arrival time (0 for a new shard): arrivals never go below it
     */
    ShardWriter(ShardLog log, StreamMetrics.ShardMetrics metrics, ShardLimits limits, long nextCounter,
                long lastArrivalMillis, long nowNanos) {
        this.log = log;
        this.metrics = metrics;
        this.bytes = new TokenBucket(limits.writeBytesPerSecond(), nowNanos);
        this.records = new TokenBucket(limits.writeRecordsPerSecond(), nowNanos);
        this.nextCounter = nextCounter;
        this.lastArrivalMillis = lastArrivalMillis;
    }

    /**
     * Takes capacity for one record of {@code size} bytes if both limits allow it now.
     *
     * <p>Large records (over one second of the byte limit, possible with MaxRecordSizeInKiB above 1024): Kinesis
     * documents that the shard's write capacity is a tank refilling at 1 MiB/s that a large record (up to 10 MiB)
     * temporarily depletes, bursting beyond the sustained rate while averaging 1 MiB/s. So such a record passes
     * when the byte bucket is full, and takes its whole size: the balance goes negative and the shard takes
     * nothing more until the debt is repaid at the limit (about 9 seconds after a 10 MiB record at 1 MiB/s).
     * Records up to one second of the limit are throttled exactly as before.
     */
    boolean tryAcquire(int size, long nowNanos) {
        if (records.hasTokens(1, nowNanos) && bytes.hasTokensOrIsFull(size, nowNanos)) {
            records.consume(1);
            bytes.consume(size);
            return true;
        }
        return false;
    }

    /** Nanoseconds until a record of {@code size} bytes would fit. */
    long nanosUntilFits(int size, long nowNanos) {
        return Math.max(records.nanosUntil(1, nowNanos), bytes.nanosUntil(size, nowNanos));
    }

    /**
     * Assigns the next sequence counter.
     *
     * @param floor the counter must exceed this one (SequenceNumberForOrdering), or -1
     * @return the counter, or -1 if the shard's counter space is exhausted
     */
    long nextSequence(long floor) {
        long counter = Math.max(nextCounter, floor + 1); // floor <= MAX_COUNTER < Long.MAX_VALUE
        if (counter > SequenceNumbers.MAX_COUNTER) {
            return -1;
        }
        nextCounter = counter + 1;
        return counter;
    }

    /**
     * Publishes what this event appended and flushes its tallies to the meters.
     *
     * @throws RuntimeException if the log could not publish (durable storage failing to sync); the tallies are
     *                          reset anyway and the caller fails this event's records for the shard
     */
    void endEvent() {
        try {
            log.publish();
            if (eventRecords > 0) {
                metrics.incomingRecords.increment(eventRecords);
                metrics.incomingBytes.increment(eventBytes);
            }
        } finally {
            // Reset even when publishing failed, or this shard would never be published again.
            if (eventThrottled > 0) {
                metrics.writeThrottled.increment(eventThrottled);
            }
            if (eventRecords + eventThrottled > 0) {
                offeredRecords += eventRecords + eventThrottled; // single writer: no lost update
                offeredBytes += eventBytes + eventThrottledBytes;
            }
            touched = false;
            blockedThisEvent = false;
            fullThisEvent = null;
            eventRecords = 0;
            eventBytes = 0;
            eventThrottled = 0;
            eventThrottledBytes = 0;
        }
    }

    /**
     * Refuses every later record (resharding closed the shard). Ordered with puts by the ring: records of
     * events before this one were assigned counters; those of events after it are re-routed.
     *
     * @return the last counter assigned, or the first counter minus one if none was
     */
    long close() {
        closed = true;
        return nextCounter - 1;
    }

    /** Records offered to the shard (accepted or throttled) since it opened; any thread. */
    long offeredRecords() {
        return offeredRecords;
    }

    /** Bytes offered to the shard (accepted or throttled) since it opened; any thread. */
    long offeredBytes() {
        return offeredBytes;
    }

    /** Whether resharding closed the shard: its records must be re-routed, not appended. */
    boolean isClosed() {
        return closed;
    }

    /** Arrival time for a record accepted at {@code wallMillis}: never before the previous record's. */
    long arrival(long wallMillis) {
        if (wallMillis > lastArrivalMillis) {
            lastArrivalMillis = wallMillis;
        }
        return lastArrivalMillis;
    }
}
