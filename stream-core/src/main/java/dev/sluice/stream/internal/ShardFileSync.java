package dev.sluice.stream.internal;

import dev.sluice.stream.ErrorCode;
import dev.sluice.stream.FsyncPolicy;
import dev.sluice.stream.StreamException;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Forces a durable shard's file being written to the storage device, as its {@link FsyncPolicy} asks.
 *
 * <p>Design note: Chronicle writes through a memory mapping; on Linux {@code fsync} of the file (here
 * {@link FileChannel#force}) writes back pages dirtied through any mapping of it, data, index and header alike,
 * so one channel on the newest file is enough. When the writer moves to a new file the old one is forced a last
 * time and the directory is forced, so the new file's entry survives a power loss too. The writer (per batch) and
 * the scheduler thread (interval) both force; {@code this} serialises them with the writer's file switch.
 *
 * <p>A failed force leaves the device state unknown: {@link #failure()} is set, the log stops publishing and
 * refuses further records rather than acknowledge what may not be stored; a restart recovers from the files.
 */
final class ShardFileSync {

    private final FsyncPolicy policy;
    private final String description;
    private final Path directory;
    private FileChannel channel; // guarded by this
    private volatile boolean unsynced;
    private volatile StreamException failure;

    ShardFileSync(FsyncPolicy policy, String description, Path directory) {
        this.policy = policy;
        this.description = description;
        this.directory = directory;
    }

    /** Writer: the records of a batch are written; forces them now under the per-batch policy. */
    void batchWritten() {
        if (policy instanceof FsyncPolicy.PerBatch) {
            force();
        } else {
            unsynced = true;
        }
    }

    /** Scheduler (interval policy): forces what was written since the last force, if anything. */
    void forceIfWritten() {
        if (unsynced) {
            force();
        }
    }

    /** Writer, or recovery: records now go to {@code file}. */
    synchronized void switchTo(Path file, boolean newFile) {
        if (policy instanceof FsyncPolicy.None) {
            return;
        }
        try {
            if (channel != null) {
                channel.force(false); // the rest of the previous file
                channel.close();
            }
            channel = FileChannel.open(file, StandardOpenOption.READ);
            if (newFile) {
                AtomicFiles.forceDirectory(directory);
            }
        } catch (IOException e) {
            fail(e);
        }
    }

    /** The failure that stopped the shard, or {@code null}. */
    StreamException failure() {
        return failure;
    }

    /** Forces what is unforced (never under {@link FsyncPolicy#none()}) and closes the channel. */
    synchronized void close() throws IOException {
        if (channel != null) {
            try (FileChannel closing = channel) {
                channel = null;
                if (unsynced) {
                    closing.force(false);
                }
            }
        }
    }

    private synchronized void force() {
        if (channel == null) {
            return;
        }
        unsynced = false;
        try {
            channel.force(false);
        } catch (IOException e) {
            fail(e);
        }
    }

    private void fail(IOException e) {
        failure = new StreamException(ErrorCode.INTERNAL_FAILURE, "cannot force " + description + " to disk (" + e
                + "); the shard refuses records until the engine is restarted", e);
    }
}
