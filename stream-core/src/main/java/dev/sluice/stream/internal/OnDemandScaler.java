package dev.sluice.stream.internal;

import dev.sluice.stream.ErrorCode;
import dev.sluice.stream.StreamException;
import dev.sluice.stream.StreamMode;
import dev.sluice.stream.Ticker;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * On-demand capacity: adds shards to {@code ON_DEMAND} streams as their write demand approaches their capacity.
 *
 * <p>The rule, evaluated on the scheduler thread every {@link #EVALUATION_PERIOD} (real time) with
 * measurements on the engine's ticker:
 * <ol>
 *   <li>Demand is what producers offered: records and bytes accepted <em>plus those throttled</em>, summed over
 *       the stream's shards, so a stream held down by its limits still shows the demand it cannot meet.</li>
 *   <li>The demand rate is averaged over the last {@link #WINDOW} of ticker time (from a sample at least that
 *       old: the stream's creation, its last scaling, or an earlier evaluation). No decision is taken before
 *       the window is covered.</li>
 *   <li>When that rate reaches {@link #SCALE_UP_UTILISATION} of the open shards' capacity in records/s or in
 *       bytes/s, the stream is scaled (uniformly, as UpdateShardCount) to the shards needed for <b>twice</b> the
 *       observed rate, as Kinesis sizes on-demand streams for double their peak; by at most double the open count
 *       per step, within the engine's shard quota.</li>
 *   <li>After scaling, the window restarts: the next step is taken at the earliest {@link #WINDOW} later. So
 *       a demand of 8x the starting capacity is met after three steps, about three minutes.</li>
 *   <li>On-demand streams are never scaled down automatically.</li>
 * </ol>
 * With a manual ticker, advance it and the rule applies at the next evaluation.
 */
final class OnDemandScaler {

    static final Duration EVALUATION_PERIOD = Duration.ofMillis(200);
    static final Duration WINDOW = Duration.ofSeconds(60);
    static final double SCALE_UP_UTILISATION = 0.8;

    private record Sample(long nanos, long records, long bytes) {
    }

    private final Streams streams;
    private final Ticker ticker;
    private final Streams.ShardCloser closer;
    private final Map<StreamState, ArrayDeque<Sample>> samples = new ConcurrentHashMap<>();

    OnDemandScaler(Streams streams, Ticker ticker, Streams.ShardCloser closer) {
        this.streams = streams;
        this.ticker = ticker;
        this.closer = closer;
    }

    /** One evaluation of every on-demand stream; scheduler thread only. */
    void evaluate() {
        samples.keySet().removeIf(stream -> stream.isDeleted() || stream.settings().mode() != StreamMode.ON_DEMAND);
        for (StreamState stream : streams.all()) {
            if (stream.settings().mode() == StreamMode.ON_DEMAND) {
                evaluate(stream);
            }
        }
    }

    private void evaluate(StreamState stream) {
        long now = ticker.read();
        Sample current = sample(stream, now);
        ArrayDeque<Sample> history = samples.computeIfAbsent(stream, s -> {
            ArrayDeque<Sample> first = new ArrayDeque<>();
            first.add(new Sample(s.openedNanos, 0, 0)); // every shard's counters start at zero when the stream opens
            return first;
        });
        long window = WINDOW.toNanos();
        // Keep the newest sample at least a window old, and the later ones.
        while (history.size() >= 2 && now - secondOldest(history).nanos() >= window) {
            history.removeFirst();
        }
        Sample base = history.peekFirst();
        history.addLast(current);
        long elapsed = now - base.nanos();
        if (elapsed < window) {
            return;
        }
        double seconds = elapsed / 1e9;
        double recordsRate = (current.records() - base.records()) / seconds;
        double bytesRate = (current.bytes() - base.bytes()) / seconds;
        int open = stream.openShards().length;
        double shardsOfRecords = recordsRate / stream.limits.writeRecordsPerSecond();
        double shardsOfBytes = bytesRate / stream.limits.writeBytesPerSecond();
        double demandInShards = Math.max(shardsOfRecords, shardsOfBytes);
        if (demandInShards < SCALE_UP_UTILISATION * open) {
            return;
        }
        int target = (int) Math.min(2L * open, Math.max(open + 1L, (long) Math.ceil(2 * demandInShards)));
        try {
            streams.scaleOnDemand(stream, target, closer);
        } catch (StreamException e) {
            if (e.errorCode() != ErrorCode.LIMIT_EXCEEDED) {
                throw e;
            }
            // At the shard quota: the stream stays as it is and keeps throttling, as Kinesis would.
        }
        history.clear();
        history.add(sample(stream, ticker.read()));
    }

    private static Sample secondOldest(ArrayDeque<Sample> history) {
        var it = history.iterator();
        it.next();
        return it.next();
    }

    private static Sample sample(StreamState stream, long now) {
        long records = 0;
        long bytes = 0;
        for (ShardState shard : stream.shards()) {
            records += shard.writer.offeredRecords();
            bytes += shard.writer.offeredBytes();
        }
        return new Sample(now, records, bytes);
    }
}
