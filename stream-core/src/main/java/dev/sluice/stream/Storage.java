package dev.sluice.stream;

import dev.sluice.stream.internal.DirectMemory;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Where an engine keeps its shards. Chosen once, in {@link StreamEngine.Builder#storage(Storage)}.
 *
 * <p>Thread-safety: immutable.
 */
public sealed interface Storage {

    /**
     * In-memory storage (the default): fast, starts in microseconds, lost when the engine closes. Retention still
     * applies and releases memory. Needs no JVM flags and no optional dependency. All its streams together retain at
     * most {@value InMemory#DEFAULT_DIRECT_MEMORY_PERCENT} % of the JVM's direct-memory limit
     * ({@code -XX:MaxDirectMemorySize}, by default the maximum heap size): see {@link InMemory}.
     *
     * @return in-memory storage with the default memory limit
     */
    static InMemory inMemory() {
        return new InMemory(InMemory.defaultMaxRetainedBytes());
    }

    /**
     * Durable storage in a data directory, with {@link FsyncPolicy#none()}: see {@link Durable}.
     *
     * @param dataDirectory the directory; created if absent; used by one engine at a time
     * @return durable storage in that directory
     */
    static Durable durable(Path dataDirectory) {
        return new Durable(dataDirectory, FsyncPolicy.none());
    }

    /**
     * In-memory storage: records are kept in direct (off-heap) memory pages of the JVM, outside the collector's way.
     *
     * <p>Memory limit: the streams of the engine together retain at most {@code maxRetainedBytes} of records (data plus
     * partition keys). A put that would go over it first makes room under its stream's {@link OverflowPolicy} (the
     * default, {@link OverflowPolicy#REJECT}, drops only records every registered reader has checkpointed; a stream
     * with {@link OverflowPolicy#TRIM_OLDEST} drops its oldest records); if that is not enough the put fails with
     * {@link ErrorCode#PROVISIONED_THROUGHPUT_EXCEEDED} naming the limit (under {@link OverflowPolicy#BLOCK} it waits
     * first). So memory never runs out and nothing a registered reader still needs is lost. The default leaves a
     * quarter of the JVM's direct memory to page slack and to other users of direct buffers (Netty, NIO). Records are
     * dropped a block (up to 1,024 records or 1 MiB) at a time and never from the block a shard is writing into, so
     * the retained bytes may pass the limit by up to about 1 MiB per shard when those blocks hold records readers have
     * released. Pages of dropped records return to the JVM when the collector finds them unreachable (at an old-generation
     * collection), which the JDK forces before direct memory runs out; so direct memory in use swings above the retained
     * bytes between collections. The blocks' index takes heap: about 30 bytes per record, at most 3 % of the records'
     * bytes for records of 1 KiB and more.
     *
     * @param maxRetainedBytes most bytes all streams of the engine retain together, at least
     *                         {@value #MIN_MAX_RETAINED_BYTES}
     */
    record InMemory(long maxRetainedBytes) implements Storage {

        /** Share of the JVM's direct-memory limit that in-memory streams may retain by default. */
        public static final int DEFAULT_DIRECT_MEMORY_PERCENT = 75;
        /** Smallest memory limit: 16 MiB. */
        public static final long MIN_MAX_RETAINED_BYTES = 16L << 20;

        /**
         * Checks the limit.
         *
         * @throws IllegalArgumentException naming the range and the value
         */
        public InMemory {
            if (maxRetainedBytes < MIN_MAX_RETAINED_BYTES) {
                throw new IllegalArgumentException("maxRetainedBytes must be >= " + MIN_MAX_RETAINED_BYTES
                        + " (16 MiB) but was " + maxRetainedBytes);
            }
        }

        /**
         * Returns a copy with another memory limit.
         *
         * @param maxRetainedBytes at least {@value #MIN_MAX_RETAINED_BYTES}; above the JVM's direct-memory limit a put
         *                         can still fail with {@link ErrorCode#LIMIT_EXCEEDED} when direct memory runs out
         * @return the new storage
         * @throws IllegalArgumentException if under the minimum
         */
        public InMemory withMaxRetainedBytes(long maxRetainedBytes) {
            return new InMemory(maxRetainedBytes);
        }

        static long defaultMaxRetainedBytes() {
            return Math.max(MIN_MAX_RETAINED_BYTES, DirectMemory.limit() / 100 * DEFAULT_DIRECT_MEMORY_PERCENT);
        }

        /** Says which storage this is. */
        @Override
        public String toString() {
            return "in-memory(maxRetainedBytes " + maxRetainedBytes + ")";
        }
    }

    /**
     * Durable storage: one Chronicle Queue per shard under {@code dataDirectory}. Streams (names, shards,
     * hash key ranges, retention, limits), records and sequence numbers survive a restart: an engine built on
     * the same directory sees the same streams, and sequence numbers keep increasing.
     *
     * <p>A put is acknowledged once its record is written to the memory-mapped file, so it survives a crash
     * of the process; the {@link FsyncPolicy} decides what also survives a power loss. Records older than the
     * retention period are deleted from disk a whole file (an hour of records, or a day for retention over
     * 7 days) at a time, so disk use stays bounded; the {@code DiskBytes} gauge reports it per shard. A stream created
     * with {@link CreateStreamRequest#retentionBytes() retentionBytes} writes a file per minute and keeps at most that
     * many bytes (see {@link OverflowPolicy}); there is no engine-wide disk limit.
     *
     * <p>Needs {@code net.openhft:chronicle-queue} on the class path (an optional dependency of
     * sluice-stream-core; exclude {@code net.openhft:chronicle-analytics}) and these JVM flags:
     * {@code --add-exports=java.base/sun.nio.ch=ALL-UNNAMED --add-opens=java.base/java.lang.reflect=ALL-UNNAMED
     * --add-exports=java.base/jdk.internal.ref=ALL-UNNAMED}, and on JDK 24 or later also
     * {@code --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow}. Building an engine
     * without them fails at once with a {@link StreamException} naming what is missing. Chronicle's banner,
     * analytics and disk-space monitor are switched off (their system properties are set unless already set);
     * Chronicle still runs one daemon thread of its own per JVM, which unmaps released files.
     *
     * @param dataDirectory the directory, absolute and normalised
     * @param fsyncPolicy   when written records are forced to the storage device
     */
    record Durable(Path dataDirectory, FsyncPolicy fsyncPolicy) implements Storage {

        /**
         * Checks that both components are present and makes the directory absolute.
         *
         * @throws NullPointerException if a component is null
         */
        public Durable {
            dataDirectory = Objects.requireNonNull(dataDirectory, "dataDirectory").toAbsolutePath().normalize();
            Objects.requireNonNull(fsyncPolicy, "fsyncPolicy");
        }

        /**
         * Returns a copy with another fsync policy.
         *
         * @param fsyncPolicy the policy
         * @return the new storage
         */
        public Durable withFsyncPolicy(FsyncPolicy fsyncPolicy) {
            return new Durable(dataDirectory, fsyncPolicy);
        }

        /** Says which storage this is. */
        @Override
        public String toString() {
            return "durable(" + dataDirectory + ", fsync " + fsyncPolicy + ")";
        }
    }
}
