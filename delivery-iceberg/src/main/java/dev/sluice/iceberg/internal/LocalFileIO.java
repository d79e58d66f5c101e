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

    private record Output(String location, Path path) implements OutputFile {
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
                return new Writer(FileChannel.open(path, all));
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

    /** Buffers small writes (manifests and metadata JSON arrive in small pieces); large ones go straight through. */
    private static final class Writer extends PositionOutputStream {
        private static final int BUFFER_BYTES = 64 * 1024;
        private final FileChannel channel;
        private final ByteBuffer buffer = ByteBuffer.allocate(BUFFER_BYTES);
        private long position;
        private boolean closed;

        Writer(FileChannel channel) {
            this.channel = channel;
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
                try {
                    drain();
                    channel.force(true);
                } finally {
                    channel.close();
                }
            }
        }
    }
}
