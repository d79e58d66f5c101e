package dev.sluice.delivery.internal.encode;

import org.apache.parquet.io.OutputFile;
import org.apache.parquet.io.PositionOutputStream;

/**
 * Parquet's {@link OutputFile} over an {@link ObjectEncoder.Bytes} sink: a whole object is built in memory, with no
 * file system and no Hadoop. Shared by the delivery stream's {@link ParquetEncoder} and {@link ParquetRows}.
 *
 * <p>Thread-safety: one writer at a time, as Parquet uses it.
 */
final class MemoryOutputFile implements OutputFile {

    private final ObjectEncoder.Bytes bytes;

    MemoryOutputFile(ObjectEncoder.Bytes bytes) {
        this.bytes = bytes;
    }

    @Override
    public PositionOutputStream create(long blockSizeHint) {
        return createOrOverwrite(blockSizeHint);
    }

    @Override
    public PositionOutputStream createOrOverwrite(long blockSizeHint) {
        bytes.reset();
        return new PositionOutputStream() {
            @Override
            public long getPos() {
                return bytes.size();
            }

            @Override
            public void write(int b) {
                bytes.write(b);
            }

            @Override
            public void write(byte[] b, int off, int len) {
                bytes.write(b, off, len);
            }
        };
    }

    @Override
    public boolean supportsBlockSize() {
        return false;
    }

    @Override
    public long defaultBlockSize() {
        return 0;
    }
}
