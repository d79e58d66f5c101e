package dev.sluice.stream.internal;

import dev.sluice.stream.ErrorCode;
import dev.sluice.stream.StreamException;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.zip.CRC32C;

/**
 * A shard iterator's content, and its opaque text form.
 *
 * <p>Design note: an iterator is a position, not server state: the stream (name and incarnation), the
 * shard, the first sequence counter and the first arrival time to return, and when it was issued. Nothing
 * is kept per iterator, so iterators cost no memory and survive as long as their 5-minute lifetime,
 * as in Kinesis. A CRC-32C guards against garbage and truncation; it is not a security measure.
 *
 * @param stream            stream name
 * @param incarnation       the stream's incarnation, so a re-created stream refuses old iterators
 * @param shardIndex        shard index
 * @param fromSequence      first sequence counter to return
 * @param fromArrivalMillis first arrival time to return (AT_TIMESTAMP), 0 otherwise
 * @param issuedMillis      wall time the iterator was issued
 */
record IteratorToken(String stream, long incarnation, int shardIndex, long fromSequence, long fromArrivalMillis,
                     long issuedMillis) {

    private static final byte VERSION = 1;

    String encode() {
        byte[] name = stream.getBytes(StandardCharsets.UTF_8);
        ByteBuffer buffer = ByteBuffer.allocate(1 + 8 + 4 + 8 + 8 + 8 + 2 + name.length + 4);
        buffer.put(VERSION).putLong(incarnation).putInt(shardIndex).putLong(fromSequence).putLong(fromArrivalMillis)
                .putLong(issuedMillis).putShort((short) name.length).put(name);
        CRC32C crc = new CRC32C();
        crc.update(buffer.array(), 0, buffer.position());
        buffer.putInt((int) crc.getValue());
        return Base64.getUrlEncoder().withoutPadding().encodeToString(buffer.array());
    }

    static IteratorToken decode(String text) {
        if (text == null || text.isEmpty() || text.length() > 512) {
            throw invalid(text);
        }
        try {
            ByteBuffer buffer = ByteBuffer.wrap(Base64.getUrlDecoder().decode(text));
            int bodyLength = buffer.remaining() - 4;
            if (bodyLength < 1) {
                throw invalid(text);
            }
            CRC32C crc = new CRC32C();
            crc.update(buffer.array(), 0, bodyLength);
            if (buffer.getInt(bodyLength) != (int) crc.getValue() || buffer.get() != VERSION) {
                throw invalid(text);
            }
            long incarnation = buffer.getLong();
            int shard = buffer.getInt();
            long fromSequence = buffer.getLong();
            long fromArrival = buffer.getLong();
            long issued = buffer.getLong();
            byte[] name = new byte[buffer.getShort()];
            buffer.get(name);
            if (buffer.position() != bodyLength) {
                throw invalid(text);
            }
            return new IteratorToken(new String(name, StandardCharsets.UTF_8), incarnation, shard, fromSequence,
                    fromArrival, issued);
        } catch (IllegalArgumentException | BufferUnderflowException | IndexOutOfBoundsException e) {
            throw new StreamException(ErrorCode.INVALID_ARGUMENT, "Invalid ShardIterator: '"
                    + KinesisLimits.abbreviate(String.valueOf(text)) + "' is not an iterator this engine issued", e);
        }
    }

    private static StreamException invalid(String text) {
        return new StreamException(ErrorCode.INVALID_ARGUMENT, "Invalid ShardIterator: '"
                + KinesisLimits.abbreviate(String.valueOf(text)) + "' is not an iterator this engine issued");
    }
}
