package dev.sluice.iceberg.internal;

import org.apache.iceberg.exceptions.AlreadyExistsException;
import org.apache.iceberg.exceptions.NotFoundException;
import org.apache.iceberg.exceptions.RuntimeIOException;
import org.apache.iceberg.io.FileIO;
import org.apache.iceberg.io.InputFile;
import org.apache.iceberg.io.OutputFile;
import org.apache.iceberg.io.PositionOutputStream;
import org.apache.iceberg.io.SeekableInputStream;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;

/**
 * Iceberg's {@link FileIO} on the local file system with {@code java.nio} only (Iceberg's default, HadoopFileIO,
 * needs Hadoop).
 *
 * <p>Design note: stateless and thread-safe. Locations are absolute paths, optionally as {@code file:} URIs
 * ({@code file:/a/b}, {@code file:///a/b}). {@link OutputFile#create()} fails when the file exists, which is what
 * metadata commits rely on; parent directories are created on demand. A stream's {@code close()} forces the bytes
 * to disk, so a file a commit refers to survives a crash of the machine, not only of the process. A file left half
 * written by a killed process is never referenced by table metadata (the catalog commit comes after).
 *
 * <p>{@link #deferringSyncs} gives a view for the files of one commit (manifests, manifest list): their streams'
 * {@code close()} starts the force on a background thread instead of waiting for it, and the commit waits for all
 * of them at once before the catalog pointer moves ({@link DeferredSyncs}), so the syncs of a commit's files overlap
 * each other and the writing of the next file instead of queuing one after another.
 */
public final class LocalFileIO implements FileIO {

    private static final long serialVersionUID = 1L;

    /** Creates the file IO; Iceberg's catalogs also instantiate it by class name ({@code io-impl}). */
    public LocalFileIO() {
    }

    @Override
    public InputFile newInputFile(String location) {
        return new Input(location, path(location));
    }

    @Override
    public OutputFile newOutputFile(String location) {
        return new Output(location, path(location));
    }

    @Override
    public void deleteFile(String location) {
        try {
            Files.deleteIfExists(path(location));
        } catch (IOException e) {
            throw new RuntimeIOException(e, "cannot delete %s", location);
        }
    }

    @Override
    public void initialize(Map<String, String> properties) {
    }

    /**
     * A view of this file IO whose output streams, on {@code close()}, write their last bytes and hand the force
     * (and the close of the file) to a background thread; each force is passed to {@code started}, whose owner must
     * wait for it before anything refers to the file durably. Reads and deletes are this IO's.
     *
     * @param started receives the future of each file's force, completed exceptionally if the force failed
     * @return the view
     */
    FileIO deferringSyncs(java.util.function.Consumer<java.util.concurrent.Future<?>> started) {
        java.util.Objects.requireNonNull(started, "started");
        LocalFileIO io = this;
        return new FileIO() {
            @Override
            public InputFile newInputFile(String location) {
                return io.newInputFile(location);
            }

            @Override
            public OutputFile newOutputFile(String location) {
                return new Output(location, path(location), started);
            }

            @Override
            public void deleteFile(String location) {
                io.deleteFile(location);
            }
        };
    }

    /**
     * Makes the next file this thread closes through a forcing stream (not a {@link #deferringSyncs} view) also run
     * {@code await} after its own force, which ran meanwhile in parallel with the deferred ones: the catalog's
     * operations write the new table metadata file right before they move the catalog pointer, so waiting there
     * puts every file of the commit on disk before the pointer moves, in one round of forces.
     *
     * @param await waits for the deferred forces; its exception fails that close
     */
    static void awaitAtNextForce(Runnable await) {
        AWAIT_AT_NEXT_FORCE.set(java.util.Objects.requireNonNull(await, "await"));
    }

    /**
     * Clears what {@link #awaitAtNextForce} set on this thread.
     *
     * @return {@code true} if no close ran it (it is dropped)
     */
    static boolean clearAwaitAtNextForce() {
        boolean unused = AWAIT_AT_NEXT_FORCE.get() != null;
        AWAIT_AT_NEXT_FORCE.remove();
        return unused;
    }

    private static final ThreadLocal<Runnable> AWAIT_AT_NEXT_FORCE = new ThreadLocal<>();

    /** Daemon threads that force deferred files; idle ones end after a minute. */
    private static final java.util.concurrent.ExecutorService SYNCS = new java.util.concurrent.ThreadPoolExecutor(
            0, Integer.MAX_VALUE, 60, java.util.concurrent.TimeUnit.SECONDS,
            new java.util.concurrent.SynchronousQueue<>(), task -> {
                Thread thread = new Thread(task, "sluice-iceberg-sync");
                thread.setDaemon(true);
                return thread;
            });

    /** Maps a location to a path. */
    static Path path(String location) {
        if (location.startsWith("file:")) {
            return Path.of(URI.create(location.startsWith("file://") ? location : "file://" + location.substring(5)));
        }
        Path path = Path.of(location);
        if (!path.isAbsolute()) {
            throw new IllegalArgumentException("local table locations must be absolute but got " + location);
        }
        return path;
    }

    private record Input(String location, Path path) implements InputFile {
        @Override
        public long getLength() {
            try {
                return Files.size(path);
            } catch (NoSuchFileException e) {
                throw new NotFoundException(e, "file does not exist: %s", location);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public SeekableInputStream newStream() {
            try {
                return new Reader(FileChannel.open(path, StandardOpenOption.READ));
            } catch (NoSuchFileException e) {
                throw new NotFoundException(e, "file does not exist: %s", location);
            } catch (IOException e) {
                throw new RuntimeIOException(e, "cannot open %s", location);
            }
        }

        @Override
        public boolean exists() {
            return Files.exists(path);
        }
    }

    /**
     * An output file; {@code deferred} is null for files forced in {@code close()}, else where forces started in the
     * background go.
     */
    private record Output(String location, Path path,
                          java.util.function.Consumer<java.util.concurrent.Future<?>> deferred) implements OutputFile {
        Output(String location, Path path) {
            this(location, path, null);
        }

        @Override
        public PositionOutputStream create() {
            return open(StandardOpenOption.CREATE_NEW);
        }

        @Override
        public PositionOutputStream createOrOverwrite() {
            return open(StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING);
        }

        private PositionOutputStream open(StandardOpenOption... options) {
            try {
                Files.createDirectories(path.getParent());
                StandardOpenOption[] all = java.util.Arrays.copyOf(options, options.length + 1);
                all[options.length] = StandardOpenOption.WRITE;
                return new Writer(FileChannel.open(path, all), deferred);
            } catch (FileAlreadyExistsException e) {
                throw new AlreadyExistsException(e, "file already exists: %s", location);
            } catch (IOException e) {
                throw new RuntimeIOException(e, "cannot create %s", location);
            }
        }

        @Override
        public InputFile toInputFile() {
            return new Input(location, path);
        }
    }

    /** Buffered: Avro and Parquet readers ask for a few bytes at a time, and each channel read is a system call. */
    private static final class Reader extends SeekableInputStream {
        private static final int BUFFER_BYTES = 64 * 1024;
        private final FileChannel channel;
        private final ByteBuffer buffer = ByteBuffer.allocate(BUFFER_BYTES);
        /** The file position of {@code buffer}'s first byte. */
        private long bufferStart;

        Reader(FileChannel channel) {
            this.channel = channel;
            buffer.limit(0);
        }

        @Override
        public long getPos() {
            return bufferStart + buffer.position();
        }

        @Override
        public void seek(long position) {
            if (position >= bufferStart && position <= bufferStart + buffer.limit()) {
                buffer.position((int) (position - bufferStart));
            } else {
                bufferStart = position;
                buffer.limit(0);
            }
        }

        private boolean fill() throws IOException {
            bufferStart += buffer.limit();
            buffer.clear();
            int n = channel.read(buffer, bufferStart);
            buffer.flip();
            return n > 0;
        }

        @Override
        public int read() throws IOException {
            if (!buffer.hasRemaining() && !fill()) {
                return -1;
            }
            return buffer.get() & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) {
                return 0;
            }
            if (!buffer.hasRemaining()) {
                if (len >= BUFFER_BYTES) {
                    int n = channel.read(ByteBuffer.wrap(b, off, len), getPos());
                    if (n > 0) {
                        bufferStart += n;
                    }
                    return n;
                }
                if (!fill()) {
                    return -1;
                }
            }
            int n = Math.min(len, buffer.remaining());
            buffer.get(b, off, n);
            return n;
        }

        @Override
        public void close() throws IOException {
            channel.close();
        }
    }

    /**
     * Buffers small writes (manifests and metadata JSON arrive in small pieces); large ones go straight through.
     * {@code close()} forces the file, or, with {@code deferred}, starts the force in the background.
     */
    private static final class Writer extends PositionOutputStream implements java.nio.channels.WritableByteChannel {
        private static final int BUFFER_BYTES = 64 * 1024;
        private final FileChannel channel;
        private final java.util.function.Consumer<java.util.concurrent.Future<?>> deferred;
        private final ByteBuffer buffer = ByteBuffer.allocate(BUFFER_BYTES);
        private long position;
        private boolean closed;

        Writer(FileChannel channel, java.util.function.Consumer<java.util.concurrent.Future<?>> deferred) {
            this.channel = channel;
            this.deferred = deferred;
        }

        @Override
        public long getPos() {
            return position;
        }

        @Override
        public void write(int b) throws IOException {
            if (!buffer.hasRemaining()) {
                drain();
            }
            buffer.put((byte) b);
            position++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            if (len > buffer.remaining()) {
                drain();
            }
            if (len >= BUFFER_BYTES) {
                ByteBuffer direct = ByteBuffer.wrap(b, off, len);
                while (direct.hasRemaining()) {
                    channel.write(direct);
                }
            } else {
                buffer.put(b, off, len);
            }
            position += len;
        }

        /**
         * Writes a whole buffer (a data file encoded elsewhere, possibly read-only) without copying it into an array
         * first.
         */
        @Override
        public int write(ByteBuffer src) throws IOException {
            drain();
            int n = src.remaining();
            while (src.hasRemaining()) {
                channel.write(src);
            }
            position += n;
            return n;
        }

        @Override
        public boolean isOpen() {
            return !closed;
        }

        private void drain() throws IOException {
            buffer.flip();
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
            buffer.clear();
        }

        @Override
        public void flush() throws IOException {
            drain();
        }

        @Override
        public void close() throws IOException {
            if (!closed) {
                closed = true;
                if (deferred != null) {
                    try {
                        drain();
                    } catch (IOException | RuntimeException e) {
                        channel.close();
                        throw e;
                    }
                    java.util.concurrent.FutureTask<Void> sync = new java.util.concurrent.FutureTask<>(() -> {
                        try (channel) {
                            channel.force(true);
                        }
                        return null;
                    });
                    deferred.accept(sync);
                    try {
                        SYNCS.execute(sync);
                    } catch (java.util.concurrent.RejectedExecutionException e) {
                        sync.run();
                    }
                    return;
                }
                Runnable await = AWAIT_AT_NEXT_FORCE.get();
                AWAIT_AT_NEXT_FORCE.remove();
                try {
                    drain();
                    channel.force(true);
                } finally {
                    channel.close();
                }
                if (await != null) {
                    await.run();
                }
            }
        }
    }
}
