package dev.sluice.delivery.internal.encode;

import dev.sluice.delivery.internal.buffer.Item;
import dev.sluice.delivery.ErrorCode;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * Turns the items of one buffer into the bytes of one object.
 *
 * <p>Design note: implementations are immutable and thread-safe; each call works on its own streams. An encoder may
 * reject single items (record-format conversion): they come back in {@link Encoded#rejected()} and are left out of
 * the object, so one bad record never fails the batch.
 */
public interface ObjectEncoder {

    /**
     * Encodes items.
     *
     * @param items the items, in order; not empty
     * @param objectName the object's file name without prefix (a ZIP entry is named after it)
     * @return the bytes and the items left out
     * @throws IOException if a codec fails
     */
    Encoded encode(List<Item> items, String objectName) throws IOException;

    /**
     * Starts one object whose items are given in parts, in order, while its buffer fills (see {@link EarlyEncoding}),
     * for an encoder that can do part of its work before the buffer is sealed.
     *
     * @return the object, or {@code null} when this encoder only encodes whole buffers (the default)
     */
    default Incremental incremental() {
        return null;
    }

    /** The extension added to object names, for example {@code .gz} or {@code .parquet}. */
    String extension();

    /** The MIME type of the objects. */
    String contentType();

    /**
     * One object encoded in parts. {@link #finish} returns what {@link #encode} returns for all the items given, in
     * the same order. Not thread-safe: one caller at a time, each call seeing the effects of the ones before.
     */
    interface Incremental {

        /**
         * Encodes more items, after those of earlier calls.
         *
         * @param items the items, in order
         * @throws IOException if a codec fails
         */
        void add(List<Item> items) throws IOException;

        /**
         * Ends the object.
         *
         * @return the bytes and the items left out, as {@link #encode} gives them
         * @throws IOException if a codec fails
         */
        Encoded finish() throws IOException;

        /** Drops the work done so far; the object is not used. */
        void abandon();
    }

    /** An item left out of an object, with why. */
    record Rejected(Item item, ErrorCode errorCode, String errorMessage) {
    }

    /**
     * The result of encoding.
     *
     * @param bytes the object; read-only; empty when every item was rejected
     * @param written the items in the object, in order
     * @param rejected the items left out
     */
    record Encoded(ByteBuffer bytes, List<Item> written, List<Rejected> rejected) {
    }

    /** A byte sink whose contents can be viewed without a copy. */
    final class Bytes extends ByteArrayOutputStream {

        Bytes(int initialCapacity) {
            super(Math.max(32, initialCapacity));
        }

        byte[] array() {
            return buf;
        }

        ByteBuffer view() {
            return ByteBuffer.wrap(buf, 0, count).asReadOnlyBuffer();
        }
    }
}
