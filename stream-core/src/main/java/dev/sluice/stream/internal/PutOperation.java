package dev.sluice.stream.internal;

import dev.sluice.stream.ErrorCode;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One PutRecord or PutRecords call (or a retry of some of its entries) on its way through the ring.
 *
 * <p>Design note: the calling thread validates, hashes and routes every entry before publishing, so the
 * writer threads only throttle, number and append. Each writer thread fills the outcome slots of its
 * own entries (distinct array elements, no sharing); the last part to finish completes {@link #done}.
 * The decrement of {@code pendingParts} orders every slot write before completion, so whoever observes
 * completion sees all outcomes.
 */
final class PutOperation {

    static final byte PENDING = 0;
    static final byte WRITTEN = 1;
    static final byte THROTTLED = 2;
    static final byte FAILED = 3;
    /** The entry reached a shard that resharding closed; the write path routes it again. Never a final outcome. */
    static final byte REROUTE = 4;
    /** A byte limit had no room (a lossless {@link dev.sluice.stream.OverflowPolicy}); the message names the limit. */
    static final byte FULL = 5;

    final StreamState stream;
    /** Partition keys, UTF-8 encoded (the bytes MD5 hashed). */
    final byte[][] keys;
    final byte[][] data;
    final ShardState[] shards;
    /** Each entry's hash key: high bits at {@code 2i}, low bits at {@code 2i + 1}; to route it again. */
    final long[] hashes;
    /** SequenceNumberForOrdering counter, or -1. */
    final long orderingFloor;
    /** Sequence counter of a written entry; nanoseconds to wait for a throttled one. */
    final long[] values;
    final byte[] outcomes;
    final ErrorCode[] errors;
    final String[] messages;
    final CompletableFuture<PutOperation> done = new CompletableFuture<>();
    private final AtomicInteger pendingParts = new AtomicInteger();

    PutOperation(StreamState stream, byte[][] keys, byte[][] data, ShardState[] shards, long[] hashes, long orderingFloor) {
        this.stream = stream;
        this.keys = keys;
        this.data = data;
        this.shards = shards;
        this.hashes = hashes;
        this.orderingFloor = orderingFloor;
        this.values = new long[keys.length];
        this.outcomes = new byte[keys.length];
        this.errors = new ErrorCode[keys.length];
        this.messages = new String[keys.length];
    }

    int size() {
        return keys.length;
    }

    void parts(int parts) {
        pendingParts.set(parts);
    }

    void partDone() {
        if (pendingParts.decrementAndGet() == 0) {
            done.complete(this);
        }
    }

    void written(int i, long sequence) {
        values[i] = sequence;
        outcomes[i] = WRITTEN;
    }

    void throttled(int i, long waitNanos) {
        values[i] = waitNanos;
        outcomes[i] = THROTTLED;
    }

    void reroute(int i) {
        outcomes[i] = REROUTE;
    }

    void full(int i, String message) {
        outcomes[i] = FULL;
        messages[i] = message;
    }

    void failed(int i, ErrorCode code, String message) {
        outcomes[i] = FAILED;
        errors[i] = code;
        messages[i] = message;
    }

    /** Marks every entry of a part that has no outcome yet as failed. */
    void failPending(int[] entries, ErrorCode code, String message) {
        int n = entries == null ? size() : entries.length;
        for (int k = 0; k < n; k++) {
            int i = entries == null ? k : entries[k];
            if (outcomes[i] == PENDING) {
                failed(i, code, message);
            }
        }
    }

    /** The Kinesis throttling message for entry {@code i}. */
    String throttleMessage(int i) {
        ShardState shard = shards[i];
        return "Rate exceeded for shard " + shard.shardId + " in stream " + stream.name + " under account "
                + KinesisLimits.ACCOUNT_ID + " (limits: " + stream.limits.writeRecordsPerSecond() + " records/s and "
                + stream.limits.writeBytesPerSecond() + " bytes/s per shard, partition keys included).";
    }
}
