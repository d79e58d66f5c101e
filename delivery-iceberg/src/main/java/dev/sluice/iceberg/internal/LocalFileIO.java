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

    private static final class Reader extends SeekableInputStream {
        private final FileChannel channel;
        private final byte[] one = new byte[1];

        Reader(FileChannel channel) {
            this.channel = channel;
        }

        @Override
        public long getPos() throws IOException {
            return channel.position();
        }

        @Override
        public void seek(long position) throws IOException {
            channel.position(position);
        }

        @Override
        public int read() throws IOException {
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            return channel.read(ByteBuffer.wrap(b, off, len));
        }

        @Override
        public void close() throws IOException {
            channel.close();
        }
    }

    private static final class Writer extends PositionOutputStream {
        private final FileChannel channel;
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
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            ByteBuffer buffer = ByteBuffer.wrap(b, off, len);
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
            position += len;
        }

        @Override
        public void close() throws IOException {
            if (!closed) {
                closed = true;
                try {
                    channel.force(true);
                } finally {
                    channel.close();
                }
            }
        }
    }
}
