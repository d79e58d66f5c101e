package dev.sluice.transform;

import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * Defensive copies for the {@code ByteBuffer} components of the public records.
 *
 * <p>Design note: a record component holds a read-only buffer over a private copy, positioned at zero, so no
 * caller can change the bytes or the position another caller sees; accessors hand out
 * {@link ByteBuffer#duplicate()} views. {@code ByteBuffer.equals} compares remaining content, so record
 * equality is by value.
 */
final class ReadOnlyBytes {

    private ReadOnlyBytes() {
    }

    /** Copies the remaining bytes of {@code source} without moving its position. */
    static ByteBuffer copyOf(ByteBuffer source, String name) {
        Objects.requireNonNull(source, name);
        ByteBuffer view = source.duplicate();
        byte[] copy = new byte[view.remaining()];
        view.get(copy);
        return ByteBuffer.wrap(copy).asReadOnlyBuffer();
    }

    /** Copies {@code source} into a read-only buffer. */
    static ByteBuffer copyOf(byte[] source, String name) {
        Objects.requireNonNull(source, name);
        return ByteBuffer.wrap(source.clone()).asReadOnlyBuffer();
    }

    static String describe(ByteBuffer data) {
        return data.remaining() + " bytes";
    }
}
