package dev.sluice.stream.internal;

import dev.sluice.stream.OverflowPolicy;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Byte retention of one stream: how many bytes its shards retain, its byte limit and {@link OverflowPolicy}, its
 * registered {@link Readers}, and the decision whether a put fits ({@link #admit}).
 *
 * <p>Design note on accounting. {@link #retained} counts the bytes (data and keys) of the stream's records from the
 * moment a writer publishes them ({@link #added}) until expiry or trimming releases their unit ({@link #dropped}); the
 * engine's total ({@link EngineRetention}) moves with it. Writers check room once per event per shard on their hot
 * path ({@link #room()}: two volatile reads) and tally an event's bytes locally, so a stream can go over its limit by
 * at most one PutRecords call per writer thread. Only when a record does not fit does the writer call
 * {@link #admit}, which makes room (dropping whole units under the policy: {@link EngineRetention#reclaim}) and, under
 * a lossless policy, refuses the record if what readers still need would not fit. A deleted stream drains its count
 * out of the engine's, and so does every late update after that ({@link #drainIfReleased}), so the engine's total
 * stays exact whatever the interleaving.
 *
 * <p>Design note on what counts as needed. Under {@link OverflowPolicy#REJECT} and {@link OverflowPolicy#BLOCK} a put
 * is refused only if the bytes readers have not released ({@link #unreleasedBytes()}) plus the record would exceed
 * the limit; released records that could not be dropped yet (they share a unit with newer records) do not count,
 * so a stream whose readers keep up never refuses a put, whatever the unit size. Computing that sum reads every
 * shard, so it is cached until a reader moves or the retained count changes.
 *
 * <p>Thread-safety: counters are atomic, configuration is volatile; any thread may call any method.
 */
final class StreamRetention {

    /** No byte limit. */
    static final long UNLIMITED = Long.MAX_VALUE;

    /**
     * What {@link #admit} decided.
     *
     * @param room    bytes the writer may add to its event for this shard before asking again; negative if refused
     * @param refusal why the record was refused, naming the limit; null if admitted
     */
    record Admission(long room, String refusal) {
    }

    private record Unreleased(long version, long retained, long bytes) {
    }

    private final StreamState stream;
    private final EngineRetention engine;
    private final Readers readers;
    private final AtomicLong retained = new AtomicLong();
    private volatile long limit = UNLIMITED;
    private volatile OverflowPolicy policy = OverflowPolicy.REJECT;
    private volatile boolean released;
    private volatile Unreleased cache;
    final Counter trimmedBytes;
    final Counter trimmedRecords;
    final Counter expiredBytes;
    final Counter expiredRecords;
    final Counter refusedRecords;

    StreamRetention(StreamState stream, EngineRetention engine, StreamMetrics metrics) {
        this.stream = stream;
        this.engine = engine;
        this.readers = new Readers(stream.name, engine.readerVersion());
        trimmedBytes = counter(metrics, "Retention.TrimmedBytes", "bytes dropped to stay within a byte limit", "bytes");
        trimmedRecords = counter(metrics, "Retention.TrimmedRecords", "records dropped to stay within a byte limit", null);
        expiredBytes = counter(metrics, "Retention.ExpiredBytes", "bytes released after the retention period", "bytes");
        expiredRecords = counter(metrics, "Retention.ExpiredRecords", "records released after the retention period", null);
        refusedRecords = counter(metrics, "Retention.RefusedRecords",
                "put entries refused (ProvisionedThroughputExceededException) because a byte limit was reached", null);
        if (!metrics.registered()) {
            return;
        }
        metrics.register(Gauge.builder("Retention.RetainedBytes", retained, AtomicLong::get)
                .description("bytes (data and keys) the stream retains, all shards (Sluice-specific)").baseUnit("bytes")
                .tags(metrics.tags()).register(metrics.registry()));
        metrics.register(Gauge.builder("Retention.RetainedRecords", this, StreamRetention::retainedRecords)
                .description("records the stream retains, all shards (Sluice-specific)")
                .tags(metrics.tags()).register(metrics.registry()));
        metrics.register(Gauge.builder("Retention.LimitBytes", this, r -> r.limit == UNLIMITED ? Double.NaN : r.limit)
                .description("the stream's retentionBytes; NaN without one (Sluice-specific)").baseUnit("bytes")
                .tags(metrics.tags()).register(metrics.registry()));
        metrics.register(Gauge.builder("Retention.UsedRatio", this, StreamRetention::usedRatio)
                .description("retained bytes / retentionBytes; NaN without a limit; alert above 0.8 (Sluice-specific)")
                .tags(metrics.tags()).register(metrics.registry()));
    }

    private static Counter counter(StreamMetrics metrics, String name, String description, String unit) {
        if (!metrics.registered()) {
            return NoMeters.COUNTER;
        }
        Counter.Builder builder = Counter.builder(name).description(description).tags(metrics.tags());
        if (unit != null) {
            builder.baseUnit(unit);
        }
        return metrics.register(builder.register(metrics.registry()));
    }

    /** Takes the byte limit and policy from the stream's settings. */
    void configure(StreamSettings settings) {
        policy = settings.overflowPolicy();
        limit = settings.retentionBytes().orElse(UNLIMITED);
        cache = null;
    }

    /** Counts the records the stream's shards already hold (a stream recovered from durable storage). */
    void seed() {
        long bytes = 0;
        for (ShardState shard : stream.shards()) {
            bytes += shard.log.retainedBytes();
        }
        added(bytes);
    }

    Readers readers() {
        return readers;
    }

    OverflowPolicy policy() {
        return policy;
    }

    long limit() {
        return limit;
    }

    long retainedBytes() {
        return retained.get();
    }

    long retainedRecords() {
        long records = 0;
        for (ShardState shard : stream.shards()) {
            records += shard.log.retainedRecords();
        }
        return records;
    }

    double usedRatio() {
        long l = limit;
        return l == UNLIMITED ? Double.NaN : (double) retained.get() / l;
    }

    /** Hot path: bytes that fit before a limit (the stream's or the engine's) is reached; may be negative. */
    long room() {
        long l = limit;
        long own = l == UNLIMITED ? UNLIMITED : l - retained.get();
        return Math.min(own, engine.room());
    }

    /** A writer published {@code bytes} of the stream's records. */
    void added(long bytes) {
        if (bytes != 0) {
            retained.addAndGet(bytes);
            engine.added(bytes);
            drainIfReleased();
        }
    }

    /** Storage released a unit of the stream's records: by time retention if {@code expired}, else to make room. */
    void dropped(ShardLog.Dropped unit, boolean expired) {
        if (unit.isEmpty()) {
            return;
        }
        retained.addAndGet(-unit.bytes());
        engine.added(-unit.bytes());
        (expired ? expiredBytes : trimmedBytes).increment(unit.bytes());
        (expired ? expiredRecords : trimmedRecords).increment(unit.records());
        drainIfReleased();
    }

    /** The stream was deleted: its bytes leave the engine's total, now and whenever a late update arrives. */
    void release() {
        released = true;
        drainIfReleased();
    }

    private void drainIfReleased() {
        if (released) {
            long rest = retained.getAndSet(0);
            if (rest != 0) {
                engine.added(-rest);
            }
        }
    }

    /**
     * Slow path on a writer thread: a record of {@code need} bytes (with the writer's unpublished bytes of this event
     * for the shard) does not fit in {@link #room()}. Makes room under the policy, then admits or refuses it.
     */
    Admission admit(long need) {
        long l = limit;
        if (l != UNLIMITED && retained.get() + need > l) {
            engine.reclaim(List.of(stream), retained.get() + need - l);
            if (retained.get() + need > l && policy != OverflowPolicy.TRIM_OLDEST && unreleasedBytes() + need > l) {
                return new Admission(-1, streamFull(l));
            }
        }
        String refusal = engine.admit(need);
        if (refusal != null) {
            return new Admission(-1, refusal);
        }
        long room = room();
        // Over a limit only by records that cannot be dropped yet (units being written): admit the rest of the event.
        return new Admission(room >= need ? room : UNLIMITED, null);
    }

    /** Drops what the policy allows until the stream is within its limit (after the limit was lowered). */
    void enforce() {
        long l = limit;
        if (l != UNLIMITED && retained.get() > l) {
            engine.reclaim(List.of(stream), retained.get() - l);
        }
    }

    /**
     * Bytes that readers still need: all of them under {@link OverflowPolicy#TRIM_OLDEST} are droppable, so 0;
     * under a lossless policy the retained bytes less what every reader released.
     */
    long unreleasedBytes() {
        if (policy == OverflowPolicy.TRIM_OLDEST) {
            return 0;
        }
        long version = readers.version();
        long now = retained.get();
        Unreleased cached = cache;
        if (cached != null && cached.version == version && cached.retained == now) {
            return cached.bytes;
        }
        long bytes = 0;
        for (ShardState shard : stream.shards()) {
            long through = readers.releasedThrough(shard.index);
            long held = shard.log.retainedBytes();
            long freed = through == Readers.NOTHING ? 0 : through == Readers.ALL ? held : shard.log.retainedBytesThrough(through);
            bytes += Math.max(0, held - freed);
        }
        cache = new Unreleased(version, now, bytes);
        return bytes;
    }

    private String streamFull(long l) {
        return "Stream " + stream.name + " under account " + KinesisLimits.ACCOUNT_ID + " is full: it retains "
                + retained.get() + " bytes and its retentionBytes is " + l + " (overflow policy " + policy
                + "), and the records its readers have not checkpointed (" + unreleasedBytes() + " bytes) leave no room;"
                + " " + readers.describeBehind(stream.shards()) + ". Retry after readers checkpoint, raise retentionBytes,"
                + " or use OverflowPolicy.TRIM_OLDEST to drop the oldest records instead.";
    }
}
