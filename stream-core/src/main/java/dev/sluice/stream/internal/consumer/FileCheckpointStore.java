package dev.sluice.stream.internal.consumer;

import dev.sluice.stream.ErrorCode;
import dev.sluice.stream.StreamException;
import dev.sluice.stream.internal.AtomicFiles;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
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
        try {
            AtomicFiles.replace(file, text.toString().getBytes(StandardCharsets.ISO_8859_1));
        } catch (IOException e) {
            throw new StreamException(ErrorCode.INTERNAL_FAILURE, "cannot store checkpoint " + sequenceNumber + " of "
                    + shardId + " in " + file + ": " + e.getMessage(), e);
        }
        checkpoints.put(shardId, sequenceNumber);
    }

}
