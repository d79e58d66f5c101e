package dev.sluice.delivery.internal.encode;

import com.github.luben.zstd.ZstdOutputStream;
import dev.sluice.delivery.Compression;
import org.xerial.snappy.Snappy;
import org.xerial.snappy.SnappyFramedOutputStream;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.zip.GZIPOutputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Output compression streams for {@link Compression}.
 *
 * <p>Design note: stateless. Each object is one stream: a gzip member, a zip archive with one entry, a Snappy framed
 * stream, Hadoop's block-Snappy stream, or one Zstandard frame. Closing the returned stream finishes the format and
 * closes the target.
 */
public final class Compressors {

    /** Hadoop's default {@code io.compression.codec.snappy.buffersize}: input block size of HADOOP_SNAPPY. */
    static final int HADOOP_SNAPPY_BLOCK = 256 * 1024;
    /** The Zstandard level Sluice writes (zstd's default). */
    static final int ZSTD_LEVEL = 3;

    private Compressors() {
    }

    static OutputStream wrap(Compression compression, OutputStream target, String zipEntryName) throws IOException {
        switch (compression) {
            case UNCOMPRESSED:
                return target;
            case GZIP:
                return new GZIPOutputStream(target, 64 * 1024);
            case ZIP: {
                ZipOutputStream zip = new ZipOutputStream(target);
                zip.putNextEntry(new ZipEntry(zipEntryName));
                return zip;
            }
            case SNAPPY:
                return new SnappyFramedOutputStream(target);
            case HADOOP_SNAPPY:
                return new HadoopSnappyOutputStream(target);
            case ZSTD:
                return new ZstdOutputStream(target, ZSTD_LEVEL);
            default:
                throw new IllegalStateException("unknown compression " + compression);
        }
    }

    /**
     * Hadoop's {@code BlockCompressorStream} with the Snappy codec: for each block of up to
     * {@link #HADOOP_SNAPPY_BLOCK} input bytes, a 4-byte big-endian uncompressed length, then one chunk: a 4-byte
     * big-endian compressed length and the raw Snappy bytes.
     */
    static final class HadoopSnappyOutputStream extends FilterOutputStream {

        private final byte[] block = new byte[HADOOP_SNAPPY_BLOCK];
        private final byte[] compressed = new byte[Snappy.maxCompressedLength(HADOOP_SNAPPY_BLOCK)];
        private int used;

        HadoopSnappyOutputStream(OutputStream out) {
            super(out);
        }

        @Override
        public void write(int b) throws IOException {
            if (used == block.length) {
                flushBlock();
            }
            block[used++] = (byte) b;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            while (len > 0) {
                if (used == block.length) {
                    flushBlock();
                }
                int n = Math.min(len, block.length - used);
                System.arraycopy(b, off, block, used, n);
                used += n;
                off += n;
                len -= n;
            }
        }

        private void flushBlock() throws IOException {
            if (used == 0) {
                return;
            }
            int n = Snappy.compress(block, 0, used, compressed, 0);
            writeInt(used);
            writeInt(n);
            out.write(compressed, 0, n);
            used = 0;
        }

        private void writeInt(int v) throws IOException {
            out.write(v >>> 24);
            out.write(v >>> 16);
            out.write(v >>> 8);
            out.write(v);
        }

        @Override
        public void flush() throws IOException {
            out.flush();
        }

        @Override
        public void close() throws IOException {
            flushBlock();
            out.close();
        }
    }
}
