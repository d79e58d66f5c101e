package dev.sluice.server.internal;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32;

/**
 * The AWS event-stream binary framing ({@code application/vnd.amazon.eventstream}), encoder side.
 *
 * <p>A message is: total length (uint32, big-endian, the whole message including both CRCs), headers length
 * (uint32), prelude CRC32 (over the first 8 bytes), headers, payload, message CRC32 (over everything before it).
 * Each header is a 1-byte name length, the UTF-8 name, a 1-byte value type (7 = string), a 2-byte value length and
 * the UTF-8 value. Only string headers are written. Limits follow the AWS framing: headers at most 128 KiB, a
 * message at most 16 MiB.
 */
final class EventStreamFrames {

    /** AWS event stream: total message size limit. */
    static final int MAX_MESSAGE_BYTES = 16 * 1024 * 1024;
    private static final byte STRING_TYPE = 7;
    private static final int PRELUDE_BYTES = 12;
    private static final int CRC_BYTES = 4;

    private EventStreamFrames() {
    }

    static byte[] event(String eventType, String contentType, byte[] payload) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put(":message-type", "event");
        headers.put(":event-type", eventType);
        headers.put(":content-type", contentType);
        return message(headers, payload);
    }

    static byte[] exception(String exceptionType, String contentType, byte[] payload) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put(":message-type", "exception");
        headers.put(":exception-type", exceptionType);
        headers.put(":content-type", contentType);
        return message(headers, payload);
    }

    static byte[] message(Map<String, String> headers, byte[] payload) {
        int headerBytes = 0;
        for (Map.Entry<String, String> header : headers.entrySet()) {
            headerBytes += 1 + utf8(header.getKey()).length + 1 + 2 + utf8(header.getValue()).length;
        }
        int total = PRELUDE_BYTES + headerBytes + payload.length + CRC_BYTES;
        if (total > MAX_MESSAGE_BYTES) {
            throw new IllegalArgumentException("event-stream message of " + total + " bytes exceeds "
                    + MAX_MESSAGE_BYTES);
        }
        ByteBuffer out = ByteBuffer.allocate(total);
        out.putInt(total);
        out.putInt(headerBytes);
        CRC32 crc = new CRC32();
        crc.update(out.array(), 0, 8);
        out.putInt((int) crc.getValue());
        for (Map.Entry<String, String> header : headers.entrySet()) {
            byte[] name = utf8(header.getKey());
            byte[] value = utf8(header.getValue());
            out.put((byte) name.length).put(name).put(STRING_TYPE).putShort((short) value.length).put(value);
        }
        out.put(payload);
        crc.reset();
        crc.update(out.array(), 0, out.position());
        out.putInt((int) crc.getValue());
        return out.array();
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
