package dev.sluice.delivery.internal.sink;

import dev.sluice.delivery.DeliveryException;
import dev.sluice.delivery.ErrorCode;
import dev.sluice.delivery.Sink;
import dev.sluice.delivery.SinkObject;
import dev.sluice.delivery.SinkResult;
import dev.sluice.stream.internal.AtomicFiles;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Objects;
import java.util.UUID;

/**
 * A local directory laid out like an S3 bucket.
 *
 * <p>Design note: thread-safe and stateless apart from the root. A write goes to a hidden temporary file
 * ({@code .<name>.<uuid>.tmp}) in the object's own directory, is forced to disk, then renamed atomically onto the
 * key (or, for create-if-absent, hard-linked: {@code link(2)} fails when the target exists, which makes the create
 * atomic), and the directory is forced so the rename survives a crash. A reader therefore sees either no object or
 * the whole object. Keys are checked twice: syntactically ({@link PrefixTemplate#checkSafe}) and by resolving
 * them under the root, so no key escapes it. A temporary file left by a process killed mid-write stays hidden and
 * is never mistaken for an object.
 */
public final class LocalBucketSink implements Sink {

    private final Path root;

    /**
     * Creates the sink.
     *
     * @param root the bucket directory; created on first write if missing
     */
    public LocalBucketSink(Path root) {
        this.root = Objects.requireNonNull(root, "directory").toAbsolutePath().normalize();
    }

    @Override
    public SinkResult write(SinkObject object) {
        String key = object.key();
        PrefixTemplate.checkSafe(key);
        if (key.isEmpty() || key.endsWith("/")) {
            throw new DeliveryException(ErrorCode.INVALID_PREFIX, "object key must name a file but was '" + key + "'");
        }
        Path target = root.resolve(key).normalize();
        if (!target.startsWith(root) || target.equals(root)) {
            throw new DeliveryException(ErrorCode.INVALID_PREFIX, "object key '" + key + "' escapes the bucket " + root);
        }
        Path directory = target.getParent();
        Path temp = directory.resolve("." + target.getFileName() + "." + UUID.randomUUID() + ".tmp");
        try {
            refuseLinks(key, target);
            Files.createDirectories(directory);
            if (object.createIfAbsent() && Files.exists(target)) {
                return SinkResult.ALREADY_EXISTS;
            }
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                ByteBuffer content = object.content();
                while (content.hasRemaining()) {
                    channel.write(content);
                }
                channel.force(true);
            }
            SinkResult result = SinkResult.CREATED;
            if (object.createIfAbsent()) {
                try {
                    Files.createLink(target, temp);
                } catch (FileAlreadyExistsException e) {
                    result = SinkResult.ALREADY_EXISTS;
                }
                Files.delete(temp);
            } else {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            }
            AtomicFiles.forceDirectory(directory);
            return result;
        } catch (AccessDeniedException e) {
            throw new DeliveryException(ErrorCode.S3_ACCESS_DENIED, "cannot write object '" + key + "' under " + root
                    + ": access denied to " + e.getFile(), e);
        } catch (IOException e) {
            throw new DeliveryException(ErrorCode.S3_INTERNAL_ERROR, "cannot write object '" + key + "' under " + root
                    + ": " + e, e);
        } finally {
            try {
                Files.deleteIfExists(temp);
            } catch (IOException ignored) {
                // The temporary name is hidden and unique; a leftover is harmless and the write's outcome stands.
            }
        }
    }

    /**
     * Refuses a key whose path below the root passes through a symbolic link (a directory or the object itself),
     * before anything is created: a link could point anywhere, and the bucket root is the only place this sink may
     * write. The root itself may be a link; that is the user's choice of where the bucket lives.
     */
    private void refuseLinks(String key, Path target) {
        Path current = root;
        for (Path segment : root.relativize(target)) {
            current = current.resolve(segment);
            if (Files.isSymbolicLink(current)) {
                throw new DeliveryException(ErrorCode.INVALID_PREFIX, "object key '" + key + "' passes through the"
                        + " symbolic link " + current + " in the bucket " + root + "; refusing to write outside the"
                        + " bucket root");
            }
            if (!Files.exists(current, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                return;
            }
        }
    }

    @Override
    public String errorOutputType() {
        return "s3-failed";
    }

    @Override
    public String metricsPrefix() {
        return "DeliveryToS3";
    }

    /** Firehose retries S3 delivery for up to 24 hours. */
    @Override
    public Duration defaultRetryDuration() {
        return Duration.ofHours(24);
    }

    @Override
    public String toString() {
        return "LocalBucketSink[" + root + "]";
    }
}
