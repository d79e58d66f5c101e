package dev.sluice.stream.internal;

import dev.sluice.stream.ErrorCode;
import dev.sluice.stream.ShardLimits;
import dev.sluice.stream.StreamDescriptionSummary;
import dev.sluice.stream.StreamException;
import dev.sluice.stream.StreamStatus;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * One stream: its configuration, its shards ordered by hash key range, and its meters.
 *
 * <p>Thread-safety: the shard array is immutable; retention and the deleted flag are volatile and changed
 * only under the control plane's lock. {@code incarnation} tells a deleted stream from a new one of the
 * same name, so iterators of the old one are refused.
 */
final class StreamState {

    final String name;
    final long incarnation;
    final Instant created;
    final ShardLimits limits;
    final ShardState[] shards;
    final StreamMetrics metrics;
    private volatile Duration retention;
    private volatile boolean deleted;

    StreamState(String name, long incarnation, Instant created, Duration retention, ShardLimits limits,
                ShardState[] shards, StreamMetrics metrics) {
        this.name = name;
        this.incarnation = incarnation;
        this.created = created;
        this.retention = retention;
        this.limits = limits;
        this.shards = shards;
        this.metrics = metrics;
    }

    /** The open shard whose hash key range holds the key: the last one starting at or before it. */
    ShardState route(long high, long low) {
        int lo = 0;
        int hi = shards.length - 1;
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            ShardState s = shards[mid];
            if (HashKeySpace.compare(s.startHigh, s.startLow, high, low) <= 0) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        return shards[lo];
    }

    ShardState shard(String shardId) {
        for (ShardState s : shards) {
            if (s.shardId.equals(shardId)) {
                return s;
            }
        }
        throw new StreamException(ErrorCode.RESOURCE_NOT_FOUND, "Shard " + shardId + " in stream " + name
                + " under account " + KinesisLimits.ACCOUNT_ID + " does not exist");
    }

    ShardState shard(int index) {
        for (ShardState s : shards) {
            if (s.index == index) {
                return s;
            }
        }
        throw new StreamException(ErrorCode.RESOURCE_NOT_FOUND, "Shard " + ShardState.shardId(index) + " in stream "
                + name + " under account " + KinesisLimits.ACCOUNT_ID + " does not exist");
    }

    Duration retention() {
        return retention;
    }

    void retention(Duration retention) {
        this.retention = retention;
    }

    boolean isDeleted() {
        return deleted;
    }

    void markDeleted() {
        deleted = true;
    }

    StreamDescriptionSummary describe() {
        return new StreamDescriptionSummary(name, StreamStatus.ACTIVE, retention, created, shards.length, limits);
    }

    List<ShardState> shardList() {
        return List.of(shards);
    }
}
