package dev.sluice.delivery.internal.encode;

import dev.sluice.delivery.internal.buffer.Item;
import dev.sluice.delivery.Compression;

import java.io.IOException;
import java.io.OutputStream;
import java.util.List;

/**
 * Raw and JSON-lines objects: each record's bytes, then the delimiter, through the configured compression.
 *
 * <p>Design note: immutable. With {@code newlineUnlessPresent} (JSON lines) a {@code '\n'} is written only after
 * records that do not already end with one. Nothing is parsed, so this path costs a copy plus the codec.
 */
public final class LineEncoder implements ObjectEncoder {

    private final byte[] delimiter;
    private final boolean newlineUnlessPresent;
    private final Compression compression;

    public LineEncoder(byte[] delimiter, boolean newlineUnlessPresent, Compression compression) {
        this.delimiter = delimiter.clone();
        this.newlineUnlessPresent = newlineUnlessPresent;
        this.compression = compression;
    }

    public static LineEncoder jsonLines(Compression compression) {
        return new LineEncoder(new byte[0], true, compression);
    }

    @Override
    public Encoded encode(List<Item> items, String objectName) throws IOException {
        long raw = 0;
        for (Item item : items) {
            raw += item.data.length + delimiter.length + 1;
        }
        int estimate = (int) Math.min(Integer.MAX_VALUE - 16,
                compression == Compression.UNCOMPRESSED ? raw : raw / 4 + 1024);
        Bytes bytes = new Bytes(estimate);
        try (OutputStream out = Compressors.wrap(compression, bytes, zipEntryName(objectName))) {
            for (Item item : items) {
                byte[] data = item.data;
                out.write(data);
                if (newlineUnlessPresent) {
                    if (data.length == 0 || data[data.length - 1] != '\n') {
                        out.write('\n');
                    }
                } else if (delimiter.length > 0) {
                    out.write(delimiter);
                }
            }
        }
        return new Encoded(bytes.view(), items, List.of());
    }

    private String zipEntryName(String objectName) {
        String extension = compression.extension();
        return objectName.endsWith(extension) ? objectName.substring(0, objectName.length() - extension.length())
                : objectName;
    }

    @Override
    public String extension() {
        return compression.extension();
    }

    @Override
    public String contentType() {
        return "application/octet-stream";
    }
}
