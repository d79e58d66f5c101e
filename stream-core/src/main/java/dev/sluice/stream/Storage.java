package dev.sluice.stream;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Where an engine keeps its shards. Chosen once, in {@link StreamEngine.Builder#storage(Storage)}.
 *
 * <p>Thread-safety: immutable.
 */
public sealed interface Storage {

    /**
     * Heap storage (the default): fast, starts in microseconds, lost when the engine closes. Retention still
     * applies and releases memory. Needs no JVM flags and no optional dependency.
     *
     * @return in-memory storage
     */
    static Storage inMemory() {
        return InMemory.INSTANCE;
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

    /** Heap storage: see {@link #inMemory()}. */
    record InMemory() implements Storage {
        static final InMemory INSTANCE = new InMemory();

        /** Says which storage this is. */
        @Override
        public String toString() {
            return "in-memory";
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
     * 7 days) at a time, so disk use stays bounded; the {@code DiskBytes} gauge reports it per shard.
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
