package dev.sluice.perf.bench.sim;

import java.time.Duration;
import java.util.ArrayDeque;

/**
 * The engine's on-demand scaling rule, applied on the virtual clock by the simulation loop (the engine applies it on
 * its scheduler in real time, which a virtual-clock run cannot make repeatable). Same constants and steps as
 * stream-core's {@code OnDemandScaler}: demand is the offered rate (accepted plus throttled) averaged over the last
 * {@link #WINDOW}; when it reaches {@link #SCALE_UP_UTILISATION} of the open shards' capacity, scale to the shards
 * needed for twice the rate, at most double the open count, then start a new window. Never scales down.
 *
 * <p>Not thread-safe: driven by the simulation loop alone.
 */
final class OnDemandRule {

    static final Duration EVALUATION_PERIOD = Duration.ofMillis(200);
    static final Duration WINDOW = Duration.ofSeconds(60);
    static final double SCALE_UP_UTILISATION = 0.8;

    private record Sample(long nanos, long records, long bytes) {
    }

    private final long recordsPerShard;
    private final long bytesPerShard;
    private final ArrayDeque<Sample> history = new ArrayDeque<>();
    private long offeredRecords;
    private long offeredBytes;

    OnDemandRule(long recordsPerShard, long bytesPerShard, long startNanos) {
        this.recordsPerShard = recordsPerShard;
        this.bytesPerShard = bytesPerShard;
        history.add(new Sample(startNanos, 0, 0));
    }

    void offer(long records, long bytes) {
        offeredRecords += records;
        offeredBytes += bytes;
    }

    /** One evaluation: the shard count to scale to, or 0 to stay. */
    int evaluate(long now, int open) {
        Sample current = new Sample(now, offeredRecords, offeredBytes);
        long window = WINDOW.toNanos();
        while (history.size() >= 2 && now - secondOldest().nanos() >= window) {
            history.removeFirst();
        }
        Sample base = history.peekFirst();
        history.addLast(current);
        long elapsed = now - base.nanos();
        if (elapsed < window) {
            return 0;
        }
        double seconds = elapsed / 1e9;
        double demandInShards = Math.max((current.records() - base.records()) / seconds / recordsPerShard,
                (current.bytes() - base.bytes()) / seconds / bytesPerShard);
        if (demandInShards < SCALE_UP_UTILISATION * open) {
            return 0;
        }
        history.clear();
        history.add(current);
        return (int) Math.min(2L * open, Math.max(open + 1L, (long) Math.ceil(2 * demandInShards)));
    }

    private Sample secondOldest() {
        var it = history.iterator();
        it.next();
        return it.next();
    }
}
