package dev.sluice.transform.internal;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.zip.GZIPInputStream;

/**
 * Gzip decompression with a size guard, shared by the decompression and CloudWatch Logs stages.
 *
 * <p>Design note: {@link GZIPInputStream} reads concatenated members, as {@code gunzip} does. Output is
 * capped at {@link #MAX_DECOMPRESSED_BYTES} so a small malicious record cannot exhaust the heap.
 */
final class Gzip {

    /**
     * Sluice's guard against decompression bombs (no Firehose equivalent is documented): 16 MiB, sixteen times
     * Firehose's 1,000 KiB record limit.
     */
    static final int MAX_DECOMPRESSED_BYTES = 16 * 1024 * 1024;

    private Gzip() {
    }

    static boolean isGzip(byte[] data) {
        return data.length >= 2 && (data[0] & 0xFF) == 0x1F && (data[1] & 0xFF) == 0x8B;
    }

    /** Returns a problem description, or {@code null} after storing the decompressed bytes in {@code result[0]}. */
    static String decompress(byte[] data, byte[][] result) {
        if (!isGzip(data)) {
            return data.length < 2 ? "data is not gzip: only " + data.length + " bytes"
                    : String.format("data is not gzip: starts with 0x%02x 0x%02x, expected 0x1f 0x8b",
                    data[0] & 0xFF, data[1] & 0xFF);
        }
        ByteArrayOutputStream decompressed = new ByteArrayOutputStream(Math.max(64, data.length * 4));
        byte[] chunk = new byte[8192];
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(data), 8192)) {
            int read;
            while ((read = in.read(chunk)) != -1) {
                if (decompressed.size() + read > MAX_DECOMPRESSED_BYTES) {
                    return "decompressed data exceeds " + MAX_DECOMPRESSED_BYTES + " bytes";
                }
                decompressed.write(chunk, 0, read);
            }
        } catch (IOException e) {
            return "corrupt or truncated gzip data: " + e.getMessage();
        }
        result[0] = decompressed.toByteArray();
        return null;
    }
}
