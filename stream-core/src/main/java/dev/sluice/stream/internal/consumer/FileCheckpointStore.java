package dev.sluice.stream.internal.consumer;

import dev.sluice.stream.ErrorCode;
import dev.sluice.stream.StreamException;

import java.io.IOException;
import java.io.Reader;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * Checkpoints in one properties file per application and stream ({@code shardId-...=<sequence number>}, or
 * {@code SHARD_END} for a shard processed to its end).
 *
 * <p>Design note: every save rewrites the whole (small) file as a temporary file in the same directory, forces
 * it, renames it over the old one atomically and forces the directory, so after a crash or power loss the file
 * holds either the old or the new checkpoints, never a torn mix. Saves are serialised by this object's monitor;
 * the in-memory copy is updated only after the file is replaced, so a failed save changes nothing.
 *
 * <p>Thread-safety: safe for concurrent use.
 */
final class FileCheckpointStore implements CheckpointStore {

    private final Path file;
    private final Map<String, String> checkpoints = new TreeMap<>();
    private boolean loaded;

    FileCheckpointStore(Path file) {
        this.file = file;
    }

    @Override
    public synchronized Map<String, String> load() {
        if (!loaded) {
            Properties properties = new Properties();
            try (Reader reader = Files.newBufferedReader(file, StandardCharsets.ISO_8859_1)) {
                properties.load(reader);
            } catch (NoSuchFileException e) {
                // no checkpoint yet
            } catch (IOException e) {
                throw new StreamException(ErrorCode.INTERNAL_FAILURE, "cannot read consumer checkpoints " + file
                        + ": " + e.getMessage() + "; fix or delete the file to start from the initial position", e);
            }
            properties.stringPropertyNames().forEach(shard -> checkpoints.put(shard, properties.getProperty(shard)));
            loaded = true;
        }
        return Map.copyOf(checkpoints);
    }

    @Override
    public synchronized void save(String shardId, String sequenceNumber) {
        load();
        Map<String, String> next = new TreeMap<>(checkpoints);
        next.put(shardId, sequenceNumber);
        StringBuilder text = new StringBuilder("# Sluice consumer checkpoints: shard id = last checkpointed sequence number\n");
        next.forEach((shard, sequence) -> text.append(shard).append('=').append(sequence).append('\n'));
        Path directory = file.getParent();
        Path temporary = directory.resolve(file.getFileName() + ".tmp");
        try {
            Files.createDirectories(directory);
            try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer bytes = ByteBuffer.wrap(text.toString().getBytes(StandardCharsets.ISO_8859_1));
                while (bytes.hasRemaining()) {
                    channel.write(bytes);
                }
                channel.force(true);
            }
            try {
                Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                throw new IOException("the file system of " + directory + " cannot rename atomically", e);
            }
            forceDirectory(directory);
        } catch (IOException e) {
            throw new StreamException(ErrorCode.INTERNAL_FAILURE, "cannot store checkpoint " + sequenceNumber + " of "
                    + shardId + " in " + file + ": " + e.getMessage(), e);
        }
        checkpoints.put(shardId, sequenceNumber);
    }

    /** Makes the rename itself durable; some platforms cannot open a directory, and then the rename is all we have. */
    private static void forceDirectory(Path directory) throws IOException {
        try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (UnsupportedOperationException | java.nio.file.AccessDeniedException e) {
            // Windows cannot open a directory as a channel; the rename is atomic but not forced there.
        }
    }
}
