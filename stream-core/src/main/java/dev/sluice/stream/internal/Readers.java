package dev.sluice.stream.internal;

import dev.sluice.stream.ErrorCode;
import dev.sluice.stream.StreamException;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * The readers of one stream whose progress a lossless {@link dev.sluice.stream.OverflowPolicy} respects: registered
 * readers ({@link dev.sluice.stream.ReaderRegistration}, consumer applications among them) and enhanced fan-out
 * consumers.
 *
 * <p>Design note: each reader keeps, per shard index, the newest counter it no longer needs ({@link #NOTHING}: it
 * needs the whole shard; {@link #ALL}: none of it). A shard's records up to {@link #releasedThrough} may be dropped:
 * the smallest position over the readers that claim the shard. A registered reader claims every shard, so a shard it
 * has not reported is kept whole, children of a split or merge included. An enhanced fan-out consumer claims a shard
 * from its first read of it (a subscription or a GetRecords call with its ARN), since Kinesis consumers promise
 * nothing about shards they do not read. A shard no reader claims is kept whole: without readers nothing tells the
 * engine a record was read, so a lossless stream drops nothing before its time.
 *
 * <p>Every change bumps a version counter shared by the engine's streams, so a producer that found a stream full can
 * skip recomputing what is releasable until some reader moved.
 *
 * <p>Thread-safety: positions are concurrent maps; registration changes come from the control plane (under its lock)
 * or from handles; reads take no lock.
 */
final class Readers {

    /** Position: the reader still needs every record of the shard. */
    static final long NOTHING = -1;
    /** Position: the reader needs no record of the shard. */
    static final long ALL = Long.MAX_VALUE;

    private final String streamName;
    private final AtomicLong version;
    private final ConcurrentHashMap<String, Reader> registered = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Reader> fanOut = new ConcurrentHashMap<>();

    /**
     * @param streamName the stream
     * @param version    the engine's shared change counter
     */
    Readers(String streamName, AtomicLong version) {
        this.streamName = streamName;
        this.version = version;
    }

    /** One reader's positions. */
    static final class Reader {
        final String name;
        final boolean fanOutConsumer;
        final ConcurrentHashMap<Integer, Long> positions = new ConcurrentHashMap<>();
        /** The open handle of a registered reader, or null. Guarded by this. */
        ReaderHandle handle;
        volatile boolean removed;

        Reader(String name, boolean fanOutConsumer) {
            this.name = name;
            this.fanOutConsumer = fanOutConsumer;
        }
    }

    /** Adds registered readers known from the manifest (no positions yet: they keep every shard whole). */
    void restore(List<String> names) {
        for (String name : names) {
            registered.computeIfAbsent(name, n -> new Reader(n, false));
        }
        version.incrementAndGet();
    }

    /**
     * Attaches a handle to the registered reader of that name, registering it if new.
     *
     * @throws StreamException {@link ErrorCode#RESOURCE_IN_USE} if another open handle has it
     */
    ReaderHandle open(String name, Function<Reader, ReaderHandle> handleFactory) {
        Reader reader = registered.computeIfAbsent(name, n -> new Reader(n, false));
        ReaderHandle handle;
        synchronized (reader) {
            if (reader.handle != null) {
                throw new StreamException(ErrorCode.RESOURCE_IN_USE, "reader " + name + " of stream " + streamName
                        + " is registered and its handle is open; close that handle first (two readers never share a name)");
            }
            handle = handleFactory.apply(reader);
            reader.handle = handle;
        }
        version.incrementAndGet();
        return handle;
    }

    /** Detaches a handle; the registration and its positions stay. */
    void release(Reader reader, ReaderHandle handle) {
        synchronized (reader) {
            if (reader.handle == handle) {
                reader.handle = null;
            }
        }
    }

    /** Ends a registration; false if there was none. */
    boolean remove(String name) {
        Reader reader = registered.remove(name);
        if (reader == null) {
            return false;
        }
        reader.removed = true;
        version.incrementAndGet();
        return true;
    }

    boolean isRegistered(String name) {
        return registered.containsKey(name);
    }

    /** Names of the registered readers. */
    List<String> names() {
        return new ArrayList<>(registered.keySet());
    }

    /** Records a position: the reader no longer needs the shard's records up to {@code counter}. */
    void position(Reader reader, int shardIndex, long counter) {
        Long previous = reader.positions.put(shardIndex, counter);
        if (previous == null || previous != counter) {
            version.incrementAndGet();
        }
    }

    /** An enhanced fan-out consumer read a shard up to {@code counter} ({@link #ALL} at its end). */
    void fanOutRead(String consumerName, int shardIndex, long counter) {
        position(fanOut.computeIfAbsent(consumerName, n -> new Reader(n, true)), shardIndex, counter);
    }

    /** Forgets a deregistered enhanced fan-out consumer. */
    void removeFanOut(String consumerName) {
        if (fanOut.remove(consumerName) != null) {
            version.incrementAndGet();
        }
    }

    /**
     * The newest counter of a shard that no reader needs: records up to it may be dropped.
     *
     * @return a counter, {@link #NOTHING} if the whole shard must be kept, {@link #ALL} if none of it
     */
    long releasedThrough(int shardIndex) {
        long min = ALL;
        boolean claimed = false;
        for (Reader reader : registered.values()) {
            Long p = reader.positions.get(shardIndex);
            min = Math.min(min, p == null ? NOTHING : p);
            claimed = true;
        }
        for (Reader reader : fanOut.values()) {
            Long p = reader.positions.get(shardIndex);
            if (p != null) {
                min = Math.min(min, p);
                claimed = true;
            }
        }
        return claimed ? min : NOTHING;
    }

    /** The current version of the engine's readers: changes whenever a position or registration changes. */
    long version() {
        return version.get();
    }

    /** For messages: each reader and the shards it has not released entirely, abbreviated. */
    String describeBehind(ShardState[] shards) {
        StringBuilder text = new StringBuilder();
        List<Map.Entry<String, Reader>> all = new ArrayList<>(registered.entrySet());
        all.addAll(fanOut.entrySet());
        if (all.isEmpty()) {
            return "no reader is registered, so no record counts as read";
        }
        int listed = 0;
        for (Map.Entry<String, Reader> e : all) {
            if (listed++ == 5) {
                text.append(", ...");
                break;
            }
            Reader reader = e.getValue();
            int unreported = 0;
            for (ShardState shard : shards) {
                if (!reader.positions.containsKey(shard.index) && !reader.fanOutConsumer) {
                    unreported++;
                }
            }
            text.append(text.length() == 0 ? "" : ", ").append(reader.fanOutConsumer ? "consumer " : "reader ")
                    .append(reader.name);
            if (unreported > 0) {
                text.append(" (no checkpoint on ").append(unreported).append(" shard(s))");
            }
        }
        return "registered readers: " + text;
    }
}
