package dev.sluice.stream.internal;

import dev.sluice.stream.OverflowPolicy;
import dev.sluice.stream.Storage;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Byte retention across an engine: the memory limit of in-memory storage ({@link Storage.InMemory#maxRetainedBytes()})
 * and its total, dropping units of storage to make room ({@link #reclaim}), and the early warnings.
 *
 * <p>Design note on making room. {@link #reclaim} drops whole units (in-memory blocks, durable files), always the
 * oldest eligible one among the given streams' shards, until enough bytes are free or nothing is eligible: under
 * {@link OverflowPolicy#TRIM_OLDEST} any unit the writer moved past, under a lossless policy only a unit whose newest
 * record every reader released. It runs on the writer thread that needs room (and on the control plane after a limit
 * was lowered); units are dropped under each log's own lock, so concurrent calls at worst drop one unit more than
 * needed, never one that is still needed.
 *
 * <p>Design note on warnings. Every second the scheduler thread calls {@link #check()}: a WARN line when a stream's
 * retained bytes reach {@value #WARN_PERCENT} % of its retentionBytes, when in-memory streams reach {@value #WARN_PERCENT} %
 * of the memory limit or of the JVM's direct-memory limit, and when the JVM's direct memory in use does; one line per
 * crossing, again only after the ratio fell below {@value #REARM_PERCENT} %. The same ratios are gauges.
 *
 * <p>Thread-safety: counters are atomic; {@link #check()} runs on one thread at a time.
 */
final class EngineRetention {

    static final int WARN_PERCENT = 80;
    static final int REARM_PERCENT = 70;
    /** Units dropped in one call at most: a bound on a writer's slow path, far above what a put needs. */
    private static final int MAX_UNITS_PER_RECLAIM = 100_000;

    /** {@link #limit} before the default memory limit was first needed. */
    private static final long PENDING = Long.MIN_VALUE;

    private final boolean inMemory;
    /**
     * The memory limit; {@link #PENDING} for the default in-memory storage until first needed (see {@link #limit()}).
     * Volatile: writers read it once per event, a plain load on x86.
     */
    private volatile long limit;
    private final AtomicLong retained = new AtomicLong();
    private final AtomicLong readerVersion = new AtomicLong();
    /** Null if the engine has no registry: then there are no gauges. */
    private final MeterRegistry registry;
    private final List<Meter> meters = new ArrayList<>();
    private final ConcurrentHashMap<String, Boolean> warned = new ConcurrentHashMap<>();
    private volatile Supplier<Collection<StreamState>> streams = List::of;
    private volatile Consumer<String> warnings = message -> Log.LOG.warn(message);

    /**
     * Sets up the engine's byte retention.
     *
     * @param storage  the engine's storage; null for the default in-memory storage ({@link Storage#inMemory()}), whose
     *                 memory limit is then read when first needed: by the first put, a warning check or a gauge
     * @param registry where the engine's gauges go; null for none
     */
    EngineRetention(Storage storage, MeterRegistry registry) {
        this.inMemory = !(storage instanceof Storage.Durable);
        this.limit = storage instanceof Storage.InMemory memory ? memory.maxRetainedBytes()
                : storage == null ? PENDING : StreamRetention.UNLIMITED;
        this.registry = registry;
        if (registry == null) {
            return;
        }
        meters.add(Gauge.builder("Engine.RetainedBytes", retained, AtomicLong::get)
                .description("bytes (data and keys) all streams of the engine retain (Sluice-specific)").baseUnit("bytes")
                .register(registry));
        if (inMemory) {
            meters.add(Gauge.builder("Engine.MaxRetainedBytes", this, EngineRetention::limit)
                    .description("the in-memory storage's memory limit (Sluice-specific)").baseUnit("bytes").register(registry));
            meters.add(Gauge.builder("Engine.RetainedRatio", this, EngineRetention::retainedRatio)
                    .description("retained bytes / memory limit; alert above 0.8 (Sluice-specific)").register(registry));
            meters.add(Gauge.builder("Engine.DirectMemoryUsedBytes", DirectMemory::used)
                    .description("direct memory the JVM uses, every direct buffer (Sluice-specific)").baseUnit("bytes")
                    .register(registry));
            meters.add(Gauge.builder("Engine.DirectMemoryLimitBytes", DirectMemory::limit)
                    .description("the JVM's direct-memory limit, -XX:MaxDirectMemorySize (Sluice-specific)").baseUnit("bytes")
                    .register(registry));
            meters.add(Gauge.builder("Engine.DirectMemoryUsedRatio", this, EngineRetention::directRatio)
                    .description("direct memory in use / its limit; alert above 0.8 (Sluice-specific)").register(registry));
        }
    }

    /** Where the streams are: set once the control plane exists. */
    void streams(Supplier<Collection<StreamState>> all) {
        this.streams = all;
    }

    /** Tests: where warnings go instead of the log. */
    void warnings(Consumer<String> sink) {
        this.warnings = sink;
    }

    AtomicLong readerVersion() {
        return readerVersion;
    }

    /**
     * The memory limit: {@link StreamRetention#UNLIMITED} for durable storage. The default in-memory storage's limit is
     * a share of the JVM's direct-memory limit, which takes the JVM's management classes to read (tens of milliseconds
     * in a fresh JVM, see {@link DirectMemory}); it is read here, when first needed (a put that does not fit under the
     * lower bound {@link #room()} assumes until then, a warning check, a gauge), so that neither building an engine nor
     * its first puts wait for it while {@link DirectMemory#prefetchLimit()} reads it on another thread (given spare
     * processors; otherwise the scheduler or a writer does). Every caller
     * computes the same value, so a race only computes it twice.
     */
    long limit() {
        long max = limit;
        if (max == PENDING) {
            max = Storage.inMemory().maxRetainedBytes();
            limit = max;
        }
        return max;
    }

    long retainedBytes() {
        return retained.get();
    }

    double retainedRatio() {
        long max = limit();
        return max == StreamRetention.UNLIMITED ? Double.NaN : (double) retained.get() / max;
    }

    double directRatio() {
        long used = DirectMemory.used();
        return used < 0 ? Double.NaN : (double) used / DirectMemory.limit();
    }

    /**
     * Hot path: bytes that fit before the memory limit; may be negative. While the default limit is not read yet this
     * is the room under {@link Storage.InMemory#MIN_MAX_RETAINED_BYTES}, which the default never goes below: a lower
     * bound, so a writer may ask {@link #admit} sooner than needed, never later, and admit reads the limit. So the first
     * puts of an engine do not wait for the direct-memory limit; the scheduler's {@link #check()} reads it within a second.
     */
    long room() {
        long max = limit;
        if (max == PENDING) {
            return Storage.InMemory.MIN_MAX_RETAINED_BYTES - retained.get();
        }
        return max == StreamRetention.UNLIMITED ? StreamRetention.UNLIMITED : max - retained.get();
    }

    void added(long bytes) {
        retained.addAndGet(bytes);
    }

    /**
     * Slow path: a record of {@code need} bytes might not fit under the memory limit. Drops what the streams' policies
     * allow, oldest first across all streams, then decides.
     *
     * @return null if it fits, else the refusal naming the limit
     */
    String admit(long need) {
        long limit = limit();
        if (limit == StreamRetention.UNLIMITED || retained.get() + need <= limit) {
            return null;
        }
        reclaim(streams.get(), retained.get() + need - limit);
        if (retained.get() + need <= limit) {
            return null;
        }
        long unreleased = 0;
        for (StreamState stream : streams.get()) {
            unreleased += stream.byteRetention.unreleasedBytes();
        }
        if (unreleased + need <= limit) {
            return null; // only released records that share a unit with newer ones are over: bounded slack
        }
        long directLimit = DirectMemory.limit();
        return "in-memory storage is full: the engine's streams retain " + retained.get() + " bytes and its"
                + " maxRetainedBytes is " + limit + " (" + percent(limit, directLimit) + " % of the JVM's direct-memory"
                + " limit " + directLimit + ", -XX:MaxDirectMemorySize), and registered readers have not checkpointed"
                + " enough to drop (" + unreleased + " bytes are unread or unchecked). Retry after readers checkpoint;"
                + " register readers that consume the streams; set retentionBytes with OverflowPolicy.TRIM_OLDEST on"
                + " streams that may lose old records; raise -XX:MaxDirectMemorySize or Storage.inMemory()"
                + ".withMaxRetainedBytes; or use durable storage.";
    }

    /**
     * Drops units of the given streams' storage, oldest first, each only if its stream's policy allows, until
     * {@code bytes} are free or nothing more may go.
     *
     * @return bytes freed
     */
    long reclaim(Collection<StreamState> candidates, long bytes) {
        long freed = 0;
        for (int units = 0; freed < bytes && units < MAX_UNITS_PER_RECLAIM; units++) {
            StreamState bestStream = null;
            ShardState best = null;
            long bestBound = 0;
            long bestArrival = Long.MAX_VALUE;
            for (StreamState stream : candidates) {
                if (stream.isDeleted()) {
                    continue;
                }
                boolean lossy = stream.byteRetention.policy() == OverflowPolicy.TRIM_OLDEST;
                for (ShardState shard : stream.shards()) {
                    ShardLog.Dropped unit = shard.log.oldestTrimmable();
                    if (unit == null || unit.firstArrivalMillis() >= bestArrival) {
                        continue;
                    }
                    long bound = lossy ? Long.MAX_VALUE : stream.byteRetention.readers().releasedThrough(shard.index);
                    if (unit.lastSequence() <= bound) {
                        bestStream = stream;
                        best = shard;
                        bestBound = bound;
                        bestArrival = unit.firstArrivalMillis();
                    }
                }
            }
            if (best == null) {
                break;
            }
            ShardLog.Dropped dropped = best.log.trimOldest(bestBound);
            bestStream.byteRetention.dropped(dropped, false);
            freed += dropped.bytes();
        }
        return freed;
    }

    /** Every second on the scheduler thread: the early warnings. */
    void check() {
        for (StreamState stream : streams.get()) {
            StreamRetention r = stream.byteRetention;
            if (r.limit() != StreamRetention.UNLIMITED) {
                warnOnce("stream/" + stream.name + "/" + stream.incarnation, r.retainedBytes(), r.limit(),
                        () -> "stream " + stream.name + " retains " + r.retainedBytes() + " bytes, "
                                + percent(r.retainedBytes(), r.limit()) + " % of its retentionBytes " + r.limit()
                                + " (overflow policy " + r.policy() + "): at the limit "
                                + (r.policy() == OverflowPolicy.TRIM_OLDEST ? "its oldest records are dropped, read or not"
                                : "puts are " + (r.policy() == OverflowPolicy.BLOCK ? "held" : "refused")
                                + " until its readers checkpoint; " + r.readers().describeBehind(stream.shards())));
            }
        }
        if (!inMemory) {
            return;
        }
        long limit = limit();
        long directLimit = DirectMemory.limit();
        long held = retained.get();
        warnOnce("engine/limit", held, limit, () -> "in-memory streams retain " + held + " bytes, " + percent(held, limit)
                + " % of the engine's maxRetainedBytes " + limit + ": at the limit puts are refused (or held under"
                + " OverflowPolicy.BLOCK) until registered readers checkpoint; streams with OverflowPolicy.TRIM_OLDEST"
                + " drop their oldest records");
        warnOnce("engine/direct-retained", held, directLimit, () -> "in-memory streams retain " + held + " bytes, "
                + percent(held, directLimit) + " % of the JVM's direct-memory limit " + directLimit
                + " (-XX:MaxDirectMemorySize): raise it or lower Storage.inMemory().withMaxRetainedBytes");
        long used = DirectMemory.used();
        if (used >= 0) {
            warnOnce("engine/direct-used", used, directLimit, () -> "the JVM uses " + used + " bytes of direct memory, "
                    + percent(used, directLimit) + " % of its limit " + directLimit + " (-XX:MaxDirectMemorySize), "
                    + held + " bytes of it for retained records; pages of dropped records return at the next"
                    + " old-generation collection");
        }
    }

    private void warnOnce(String key, long value, long of, Supplier<String> message) {
        if (of <= 0 || of == StreamRetention.UNLIMITED) {
            return;
        }
        if (value * 100 >= of * WARN_PERCENT) {
            if (warned.putIfAbsent(key, Boolean.TRUE) == null) {
                warnings.accept(message.get());
            }
        } else if (value * 100 < of * REARM_PERCENT) {
            warned.remove(key);
        }
    }

    private static long percent(long value, long of) {
        return of <= 0 ? 0 : Math.round(100.0 * value / of);
    }

    /** Removes the engine's meters. */
    void close() {
        if (registry != null) {
            meters.forEach(registry::remove);
        }
    }

    /**
     * The logger, created with the first warning: an engine that never warns does not start SLF4J (its service lookup
     * and binding were a measurable part of an engine's first start in a fresh JVM).
     */
    private static final class Log {
        static final Logger LOG = LoggerFactory.getLogger(EngineRetention.class);
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "retention(%d of %d bytes)", retained.get(), limit());
    }
}
