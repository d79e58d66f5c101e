package dev.sluice.stream.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Replacing a small file so that a crash leaves the old content or the new, never a mix: the one way Sluice writes
 * its manifests, consumer checkpoints and delivery checkpoints.
 *
 * <p>Design note: stateless. The new content goes to a hidden temporary file beside the target, is forced to the
 * device, renamed over the target atomically, and the directory is forced so the rename itself survives a power
 * loss. A file system that cannot rename atomically is an error, not a silent fallback. Callers serialise writes to
 * one file.
 */
public final class AtomicFiles {

    private AtomicFiles() {
    }

    /**
     * Replaces {@code file} with {@code content}, creating its directory if needed.
     *
     * @param file the file to replace
     * @param content its new content
     * @throws IOException if any step fails; the file then still holds its old content
     */
    public static void replace(Path file, byte[] content) throws IOException {
        Path directory = file.toAbsolutePath().getParent();
        Files.createDirectories(directory);
        Path temporary = directory.resolve("." + file.getFileName() + ".tmp");
        try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer bytes = ByteBuffer.wrap(content);
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
    }

    /**
     * Forces a directory's entries (new, renamed and deleted files) to the device. Where the platform cannot open a
     * directory (Windows), its file system orders metadata itself and there is nothing to force.
     *
     * @param directory the directory
     * @throws IOException if forcing fails
     */
    public static void forceDirectory(Path directory) throws IOException {
        FileChannel channel;
        try {
            channel = FileChannel.open(directory, StandardOpenOption.READ);
        } catch (IOException e) {
            return;
        }
        try (channel) {
            channel.force(true);
        }
    }
}
