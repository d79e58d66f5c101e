package dev.sluice.perf.bench.sim;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

/**
 * An enhanced fan-out consumer on the virtual clock: each shard pushes its accepted records to the consumer with a
 * dedicated 2 MiB/s (Kinesis SubscribeToShard), independent of the shared 5 GetRecords calls/s per shard.
 *
 * <p>Design note: the engine's real subscriptions push from its own threads in real time, which a virtual-clock run
 * cannot make repeatable, so this is a model: per shard a FIFO of what each tick added, drained by a byte budget
 * that refills at {@link #BYTES_PER_SECOND} (at most one second of it banked, like the engine's buckets). A batch
 * drained in part leaves its remaining records at their average size.
 *
 * <p>Not thread-safe: driven by the simulation loop alone.
 */
final class FanOutModel {

    /** Kinesis enhanced fan-out: 2 MiB/s per shard per registered consumer. */
    static final long BYTES_PER_SECOND = 2L << 20;

    private static final class Batch {
        final long tickNanos;
        long records;
        long bytes;

        Batch(long tickNanos, long records, long bytes) {
            this.tickNanos = tickNanos;
            this.records = records;
            this.bytes = bytes;
        }
    }

    private final Map<String, ArrayDeque<Batch>> backlog = new HashMap<>();
    private final Map<String, Double> budget = new HashMap<>();
    long consumed;
    long maxBehindMillis;

    /** Records a tick's accepted records of one shard. */
    void arrive(String shardId, long records, long bytes, long nowNanos) {
        backlog.computeIfAbsent(shardId, k -> new ArrayDeque<>()).addLast(new Batch(nowNanos, records, bytes));
    }

    /** Pushes what each shard's budget allows this tick. */
    void tick(long tickNanos, long nowNanos, boolean measuring) {
        double refill = BYTES_PER_SECOND * tickNanos / 1e9;
        for (Map.Entry<String, ArrayDeque<Batch>> e : backlog.entrySet()) {
            double left = Math.min(BYTES_PER_SECOND, budget.getOrDefault(e.getKey(), (double) BYTES_PER_SECOND) + refill);
            ArrayDeque<Batch> queue = e.getValue();
            while (!queue.isEmpty() && left > 0) {
                Batch b = queue.peekFirst();
                if (b.bytes <= left) {
                    left -= b.bytes;
                    consumed += b.records;
                    queue.removeFirst();
                } else {
                    long records = (long) (b.records * (left / b.bytes));
                    long bytes = b.records == 0 ? 0 : records * b.bytes / b.records;
                    consumed += records;
                    b.records -= records;
                    b.bytes -= bytes;
                    left = 0;
                }
            }
            budget.put(e.getKey(), left);
            if (measuring && !queue.isEmpty()) {
                maxBehindMillis = Math.max(maxBehindMillis, (nowNanos - queue.peekFirst().tickNanos) / 1_000_000);
            }
        }
    }
}
