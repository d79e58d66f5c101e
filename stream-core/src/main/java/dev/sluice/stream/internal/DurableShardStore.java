package dev.sluice.stream.internal;

import dev.sluice.stream.ErrorCode;
import dev.sluice.stream.FsyncPolicy;
import dev.sluice.stream.Storage;
import dev.sluice.stream.StreamException;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Durable storage: a data directory holding, per stream, a manifest and one Chronicle Queue per shard.
 *
 * <pre>
 * dataDirectory/
 *   sluice.lock                                  held (file lock) by the one engine using the directory
 *   streams/
 *     orders-3f2a9c0e11d4b7a5/                   stream name and incarnation
 *       stream.properties                        the manifest: configuration and hash key ranges
 *       shardId-000000000000/                    Chronicle Queue: metadata.cq4t, 20260101-00F.cq4, ...
 * </pre>
 *
 * <p>Design note on crash consistency. The manifest is the commit point of a stream: creation opens the shard
 * queues first and writes the manifest last; deletion removes the manifest first and the files after. A
 * directory without a manifest is therefore the remains of an interrupted creation or deletion, and is removed
 * at start-up. Each shard's next sequence counter is not stored anywhere: it is one past its log's newest record,
 * and the newest file of a shard is never expired, so the counter only grows.
 *
 * <p>This class names no Chronicle type; {@link ChronicleRuntime#prepare()} runs before anything loads one.
 * Threading: see {@link ShardStore}; the open-log table is guarded by {@code this}.
 */
final class DurableShardStore implements ShardStore {

    static final String LOCK_FILE = "sluice.lock";
    static final String STREAMS = "streams";

    private final Path root;
    private final Path streamsDirectory;
    private final Clock clock;
    private final FsyncPolicy fsync;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private final Map<String, List<DurableShardLog>> logs = new LinkedHashMap<>();
    private boolean closed;

    private DurableShardStore(Path root, Clock clock, FsyncPolicy fsync, FileChannel lockChannel, FileLock lock) {
        this.root = root;
        this.streamsDirectory = root.resolve(STREAMS);
        this.clock = clock;
        this.fsync = fsync;
        this.lockChannel = lockChannel;
        this.lock = lock;
    }

    /**
     * Checks the JVM, creates the directory if absent and takes its lock.
     *
     * @throws StreamException {@link ErrorCode#INVALID_ARGUMENT} for missing JVM flags or dependency,
     *                         {@link ErrorCode#RESOURCE_IN_USE} if another engine uses the directory,
     *                         {@link ErrorCode#INTERNAL_FAILURE} if it cannot be created or locked
     */
    static DurableShardStore open(Storage.Durable storage, Clock clock) {
        ChronicleRuntime.prepare();
        Path root = storage.dataDirectory();
        FileChannel channel = null;
        try {
            Files.createDirectories(root.resolve(STREAMS));
            channel = FileChannel.open(root.resolve(LOCK_FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock lock = channel.tryLock();
            if (lock == null) {
                throw inUse(root, null);
            }
            return new DurableShardStore(root, clock, storage.fsyncPolicy(), channel, lock);
        } catch (OverlappingFileLockException e) {
            closeQuietly(channel, e);
            throw inUse(root, e);
        } catch (IOException e) {
            closeQuietly(channel, e);
            throw new StreamException(ErrorCode.INTERNAL_FAILURE, "cannot use " + root + " as a data directory: " + e, e);
        } catch (RuntimeException e) {
            closeQuietly(channel, e);
            throw e;
        }
    }

    @Override
    public synchronized List<RecoveredStream> recover() {
        List<RecoveredStream> recovered = new ArrayList<>();
        Map<String, Path> names = new HashMap<>();
        try (Stream<Path> entries = Files.list(streamsDirectory)) {
            for (Path directory : entries.sorted().toList()) {
                if (!Files.isDirectory(directory)) {
                    continue;
                }
                if (!Files.exists(directory.resolve(StreamManifest.FILE_NAME))) {
                    deleteTree(directory); // an interrupted creation or deletion
                    continue;
                }
                StreamManifest manifest = StreamManifest.read(directory);
                Path other = names.putIfAbsent(manifest.name(), directory);
                if (other != null || !directory.getFileName().toString().equals(directoryName(manifest.name(), manifest.incarnation()))) {
                    throw new StreamException(ErrorCode.INTERNAL_FAILURE, "the data directory " + root + " holds stream "
                            + manifest.name() + " in " + directory + (other != null ? " and in " + other : " under an unexpected name")
                            + "; it was changed outside Sluice. Remove the wrong directory.");
                }
                removeUnlistedShards(directory, manifest.shards().size());
                List<RecoveredShard> shards = new ArrayList<>();
                for (int i = 0; i < manifest.shards().size(); i++) {
                    DurableShardLog log = openShard(manifest.name(), manifest.incarnation(), i, manifest.retention(),
                            manifest.retentionBytes().isPresent());
                    shards.add(new RecoveredShard(log, Math.max(SequenceNumbers.FIRST_COUNTER, log.lastSequence() + 1),
                            log.lastArrivalMillis()));
                }
                recovered.add(new RecoveredStream(manifest, shards));
            }
        } catch (IOException e) {
            throw new StreamException(ErrorCode.INTERNAL_FAILURE, "cannot read the streams in " + streamsDirectory + ": " + e, e);
        }
        return recovered;
    }

    @Override
    public synchronized ShardLog openLog(String stream, long incarnation, int shardIndex, Duration retention,
                                         boolean byteLimited) {
        return openShard(stream, incarnation, shardIndex, retention, byteLimited);
    }

    private DurableShardLog openShard(String stream, long incarnation, int shardIndex, Duration retention,
                                      boolean byteLimited) {
        ensureOpen();
        String shardId = ShardState.shardId(shardIndex);
        Path directory = streamsDirectory.resolve(directoryName(stream, incarnation)).resolve(shardId);
        DurableShardLog log = DurableShardLog.open(directory, "shard " + shardId + " of stream " + stream, shardIndex,
                retention, byteLimited, clock, fsync);
        logs.computeIfAbsent(directoryName(stream, incarnation), k -> new ArrayList<>()).add(log);
        return log;
    }

    /** Removes the directories of shards a resharding opened but never committed to the manifest. */
    private static void removeUnlistedShards(Path streamDirectory, int shardCount) throws IOException {
        try (Stream<Path> entries = Files.list(streamDirectory)) {
            for (Path shard : entries.toList()) {
                String name = shard.getFileName().toString();
                if (Files.isDirectory(shard) && name.matches("shardId-\\d{12}")
                        && Long.parseLong(name.substring("shardId-".length())) >= shardCount) {
                    deleteTree(shard);
                }
            }
        }
    }

    @Override
    public synchronized void discardLog(String stream, long incarnation, int shardIndex) {
        List<DurableShardLog> open = logs.get(directoryName(stream, incarnation));
        Path directory = streamsDirectory.resolve(directoryName(stream, incarnation)).resolve(ShardState.shardId(shardIndex));
        if (open != null) {
            open.removeIf(log -> {
                if (log.directory().equals(directory)) {
                    log.close();
                    return true;
                }
                return false;
            });
        }
        try {
            deleteTree(directory);
        } catch (IOException e) {
            throw new StreamException(ErrorCode.INTERNAL_FAILURE, "cannot remove " + directory + ": " + e
                    + "; the next engine start removes it", e);
        }
    }

    @Override
    public synchronized void save(StreamManifest manifest) {
        ensureOpen();
        Path directory = streamsDirectory.resolve(directoryName(manifest.name(), manifest.incarnation()));
        try {
            Files.createDirectories(directory);
            manifest.write(directory);
        } catch (IOException e) {
            throw new StreamException(ErrorCode.INTERNAL_FAILURE, "cannot write the manifest of stream " + manifest.name()
                    + " in " + directory + ": " + e, e);
        }
    }

    @Override
    public synchronized void delete(String stream, long incarnation) {
        String name = directoryName(stream, incarnation);
        List<DurableShardLog> open = logs.remove(name);
        if (open != null) {
            open.forEach(DurableShardLog::close);
        }
        Path directory = streamsDirectory.resolve(name);
        try {
            Files.deleteIfExists(directory.resolve(StreamManifest.FILE_NAME)); // the stream is gone from here on
            AtomicFiles.forceDirectory(directory);
            deleteTree(directory);
        } catch (IOException e) {
            throw new StreamException(ErrorCode.INTERNAL_FAILURE, "stream " + stream + " is deleted but its files in "
                    + directory + " could not all be removed (" + e + "); the next engine start removes them", e);
        }
    }

    @Override
    public void sync() {
        List<DurableShardLog> open = new ArrayList<>();
        synchronized (this) {
            logs.values().forEach(open::addAll);
        }
        for (DurableShardLog log : open) {
            log.sync();
        }
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        RuntimeException failure = null;
        for (List<DurableShardLog> list : logs.values()) {
            for (DurableShardLog log : list) {
                try {
                    log.close();
                } catch (RuntimeException e) { // close the others all the same, then report the first failure
                    if (failure == null) {
                        failure = e;
                    } else {
                        failure.addSuppressed(e);
                    }
                }
            }
        }
        logs.clear();
        try {
            if (failure != null) {
                throw failure;
            }
        } finally {
            try {
                lock.release();
                lockChannel.close();
            } catch (IOException e) {
                throw new StreamException(ErrorCode.INTERNAL_FAILURE, "cannot release the lock on " + root + ": " + e, e);
            }
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new StreamException(ErrorCode.ENGINE_CLOSED, "the stream engine is closed; its data directory " + root
                    + " is released");
        }
    }

    static String directoryName(String stream, long incarnation) {
        return stream + "-" + String.format("%016x", incarnation);
    }

    private static StreamException inUse(Path root, Exception cause) {
        return new StreamException(ErrorCode.RESOURCE_IN_USE, "the data directory " + root + " is in use by another "
                + "StreamEngine (it holds " + root.resolve(LOCK_FILE) + "); close that engine first: two engines never "
                + "share a directory", cause);
    }

    private static void closeQuietly(FileChannel channel, Exception primary) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException e) {
                primary.addSuppressed(e);
            }
        }
    }

    private static void deleteTree(Path directory) throws IOException {
        if (!Files.exists(directory)) {
            return;
        }
        Files.walkFileTree(directory, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) throws IOException {
                Files.deleteIfExists(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
                if (e instanceof NoSuchFileException) {
                    return FileVisitResult.CONTINUE;
                }
                throw e;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
                if (e != null) {
                    throw e;
                }
                Files.deleteIfExists(dir);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
