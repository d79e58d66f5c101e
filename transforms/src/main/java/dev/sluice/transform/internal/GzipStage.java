package dev.sluice.transform.internal;

import dev.sluice.transform.ErrorCode;

/**
 * Firehose's {@code Decompression} processor for gzip: the record's bytes are replaced by their decompressed
 * form. Data that is not gzip, is truncated or corrupt, or decompresses beyond
 * {@link Gzip#MAX_DECOMPRESSED_BYTES} fails the record ({@link ErrorCode#DECOMPRESSION_FAILED}).
 */
public final class GzipStage implements RecordStage {

    @Override
    public void apply(Item item, StageOutput out) {
        byte[][] result = new byte[1][];
        String problem = Gzip.decompress(item.data, result);
        if (problem != null) {
            out.fail(item, ErrorCode.DECOMPRESSION_FAILED, problem);
            return;
        }
        item.data = result[0];
        out.emit(item);
    }

    @Override
    public String toString() {
        return "decompressGzip";
    }
}
