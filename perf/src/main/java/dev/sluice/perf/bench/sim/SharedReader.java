package dev.sluice.perf.bench.sim;

import dev.sluice.stream.ChildShard;
import dev.sluice.stream.ErrorCode;
import dev.sluice.stream.GetRecordsResult;
import dev.sluice.stream.ShardIteratorType;
import dev.sluice.stream.StreamEngine;
import dev.sluice.stream.StreamException;
import dev.sluice.stream.StreamRecord;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A shared-throughput reader of every shard on the virtual clock: a consumer application or the delivery stream's
 * Kinesis source. It calls the engine's real {@code GetRecords} (so the shard's 5 calls/s and 2 MiB/s apply, shared
 * with the other readers) every poll interval per shard, follows closed shards to their children (resharding by the
 * simulated on-demand rule), and, like KCL, starts again after its last record when its iterator expired while it
 * was throttled.
 *
 * <p>Not thread-safe: driven by the simulation loop alone.
 */
final class SharedReader {

    /** Receives every record read, with its shard. */
    @FunctionalInterface
    interface RecordSink {
        void accept(String shardId, StreamRecord record);
    }

    private static final class Cursor {
        final String shardId;
        String iterator;
        String lastSequence;
        long due;

        Cursor(String shardId, String iterator, long due) {
            this.shardId = shardId;
            this.iterator = iterator;
            this.due = due;
        }
    }

    private final StreamEngine engine;
    private final String stream;
    private final long pollNanos;
    private final List<Cursor> cursors = new ArrayList<>();
    private final Set<String> known = new HashSet<>();
    long consumed;
    long readThrottled;
    long maxBehindMillis;

    /**
     * @param offset the first poll's time: readers are staggered over the interval, as real ones are never aligned
     */
    SharedReader(StreamEngine engine, String stream, List<String> shardIds, Duration poll, Duration offset) {
        this.engine = engine;
        this.stream = stream;
        this.pollNanos = poll.toNanos();
        for (String shardId : shardIds) {
            known.add(shardId);
            cursors.add(new Cursor(shardId, engine.getShardIterator(stream, shardId, ShardIteratorType.trimHorizon()),
                    offset.toNanos()));
        }
    }

    void poll(long now, boolean measuring, int limit, RecordSink sink) {
        List<Cursor> children = new ArrayList<>();
        for (Cursor c : cursors) {
            if (now < c.due || c.iterator == null) {
                continue;
            }
            c.due = now + pollNanos;
            GetRecordsResult result;
            try {
                result = engine.getRecords(c.iterator, limit);
            } catch (StreamException e) {
                if (e.errorCode() == ErrorCode.EXPIRED_ITERATOR) {
                    c.iterator = engine.getShardIterator(stream, c.shardId, c.lastSequence == null
                            ? ShardIteratorType.trimHorizon() : ShardIteratorType.afterSequenceNumber(c.lastSequence));
                    continue;
                }
                if (e.errorCode() != ErrorCode.PROVISIONED_THROUGHPUT_EXCEEDED) {
                    throw e;
                }
                if (measuring) {
                    readThrottled++;
                }
                continue;
            }
            c.iterator = result.nextShardIterator().orElse(null);
            consumed += result.records().size();
            if (!result.records().isEmpty()) {
                c.lastSequence = result.records().get(result.records().size() - 1).sequenceNumber();
            }
            if (measuring) {
                maxBehindMillis = Math.max(maxBehindMillis, result.behindLatest().toMillis());
            }
            for (StreamRecord r : result.records()) {
                sink.accept(c.shardId, r);
            }
            // A parent read to its end: its children start now (a merged child once, after its first parent).
            for (ChildShard child : result.childShards()) {
                if (known.add(child.shardId())) {
                    children.add(new Cursor(child.shardId(),
                            engine.getShardIterator(stream, child.shardId(), ShardIteratorType.trimHorizon()), now));
                }
            }
        }
        cursors.removeIf(c -> c.iterator == null);
        cursors.addAll(children);
    }
}
