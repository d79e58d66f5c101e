package dev.sluice.delivery.internal.encode;

import com.github.luben.zstd.Zstd;
import org.apache.parquet.bytes.BytesInput;
import org.apache.parquet.compression.CompressionCodecFactory;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.xerial.snappy.Snappy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * Parquet page codecs over snappy-java, zstd-jni and {@code java.util.zip}, so writing Parquet loads no Hadoop
 * class (parquet-java's stock factory instantiates Hadoop codec classes).
 *
 * <p>Design note: stateless and thread-safe; compressors hold no buffers between calls. Decompression is
 * implemented for completeness of the interface (parquet's writer never calls it). GZIP pages are gzip members,
 * as Hadoop's GzipCodec writes them and as readers (DuckDB, Spark) expect.
 */
public final class NoHadoopCodecFactory implements CompressionCodecFactory {

    static final NoHadoopCodecFactory INSTANCE = new NoHadoopCodecFactory();

    private NoHadoopCodecFactory() {
    }

    @Override
    public BytesInputCompressor getCompressor(CompressionCodecName codec) {
        return new Compressor(codec);
    }

    @Override
    public BytesInputDecompressor getDecompressor(CompressionCodecName codec) {
        return new Decompressor(codec);
    }

    @Override
    public void release() {
    }

    private static ObjectEncoder.Bytes copy(BytesInput bytes) throws IOException {
        ObjectEncoder.Bytes out = new ObjectEncoder.Bytes((int) bytes.size());
        bytes.writeAllTo(out);
        return out;
    }

    private static final class Compressor implements BytesInputCompressor {

        private final CompressionCodecName codec;

        Compressor(CompressionCodecName codec) {
            switch (codec) {
                case UNCOMPRESSED:
                case SNAPPY:
                case GZIP:
                case ZSTD:
                    break;
                default:
                    throw new IllegalArgumentException("unsupported parquet codec " + codec);
            }
            this.codec = codec;
        }

        @Override
        public BytesInput compress(BytesInput bytes) throws IOException {
            switch (codec) {
                case UNCOMPRESSED:
                    return bytes;
                case SNAPPY: {
                    ObjectEncoder.Bytes input = copy(bytes);
                    byte[] out = new byte[Snappy.maxCompressedLength(input.size())];
                    int n = Snappy.compress(input.array(), 0, input.size(), out, 0);
                    return BytesInput.from(out, 0, n);
                }
                case ZSTD: {
                    ObjectEncoder.Bytes input = copy(bytes);
                    byte[] out = new byte[(int) Zstd.compressBound(input.size())];
                    long n = Zstd.compressByteArray(out, 0, out.length, input.array(), 0, input.size(),
                            Compressors.ZSTD_LEVEL);
                    if (Zstd.isError(n)) {
                        throw new IOException("zstd compression failed: " + Zstd.getErrorName(n));
                    }
                    return BytesInput.from(out, 0, (int) n);
                }
                case GZIP: {
                    ByteArrayOutputStream out = new ByteArrayOutputStream((int) Math.max(64, bytes.size() / 3));
                    try (GZIPOutputStream gzip = new GZIPOutputStream(out)) {
                        bytes.writeAllTo(gzip);
                    }
                    return BytesInput.from(out.toByteArray());
                }
                default:
                    throw new IllegalStateException("unsupported parquet codec " + codec);
            }
        }

        @Override
        public CompressionCodecName getCodecName() {
            return codec;
        }

        @Override
        public void release() {
        }
    }

    private static final class Decompressor implements BytesInputDecompressor {

        private final CompressionCodecName codec;

        Decompressor(CompressionCodecName codec) {
            this.codec = codec;
        }

        @Override
        public BytesInput decompress(BytesInput bytes, int uncompressedSize) throws IOException {
            byte[] input = copy(bytes).toByteArray();
            switch (codec) {
                case UNCOMPRESSED:
                    return BytesInput.from(input);
                case SNAPPY: {
                    byte[] out = new byte[uncompressedSize];
                    Snappy.uncompress(input, 0, input.length, out, 0);
                    return BytesInput.from(out);
                }
                case ZSTD:
                    return BytesInput.from(Zstd.decompress(input, uncompressedSize));
                case GZIP:
                    try (InputStream in = new GZIPInputStream(new java.io.ByteArrayInputStream(input))) {
                        return BytesInput.from(in.readNBytes(uncompressedSize));
                    }
                default:
                    throw new IOException("unsupported parquet codec " + codec);
            }
        }

        @Override
        public void decompress(ByteBuffer input, int compressedSize, ByteBuffer output, int uncompressedSize)
                throws IOException {
            byte[] in = new byte[compressedSize];
            input.duplicate().get(in);
            decompress(BytesInput.from(in), uncompressedSize).writeAllTo(new java.io.OutputStream() {
                @Override
                public void write(int b) {
                    output.put((byte) b);
                }

                @Override
                public void write(byte[] b, int off, int len) {
                    output.put(b, off, len);
                }
            });
        }

        @Override
        public void release() {
        }
    }
}
