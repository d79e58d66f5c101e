package dev.sluice.server.internal;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Decodes frames independently of the encoder: lengths, both CRCs, headers and payload. */
class EventStreamFramesTest {

    @Test
    void event_hasValidPreludeAndMessageCrcs_andStringHeaders() {
        byte[] payload = "{\"Records\":[]}".getBytes(StandardCharsets.UTF_8);
        byte[] frame = EventStreamFrames.event("SubscribeToShardEvent", "application/x-amz-json-1.1", payload);
        ByteBuffer in = ByteBuffer.wrap(frame);
        int total = in.getInt();
        int headersLength = in.getInt();
        int preludeCrc = in.getInt();
        assertEquals(frame.length, total);
        assertEquals(crc(frame, 0, 8), preludeCrc);
        assertEquals(crc(frame, 0, total - 4), ByteBuffer.wrap(frame, total - 4, 4).getInt());

        Map<String, String> headers = new LinkedHashMap<>();
        int end = 12 + headersLength;
        while (in.position() < end) {
            byte[] name = new byte[in.get()];
            in.get(name);
            assertEquals(7, in.get(), "string header type");
            byte[] value = new byte[in.getShort()];
            in.get(value);
            headers.put(new String(name, StandardCharsets.UTF_8), new String(value, StandardCharsets.UTF_8));
        }
        assertEquals(Map.of(":message-type", "event", ":event-type", "SubscribeToShardEvent",
                ":content-type", "application/x-amz-json-1.1"), headers);
        byte[] body = new byte[total - end - 4];
        in.get(body);
        assertArrayEquals(payload, body);
    }

    @Test
    void exception_carriesTheExceptionType() {
        byte[] frame = EventStreamFrames.exception("ResourceNotFoundException", "application/x-amz-cbor-1.1",
                new byte[0]);
        String text = new String(frame, StandardCharsets.ISO_8859_1);
        assertEquals(true, text.contains(":exception-type") && text.contains("ResourceNotFoundException"));
        assertEquals(crc(frame, 0, frame.length - 4), ByteBuffer.wrap(frame, frame.length - 4, 4).getInt());
    }

    private static int crc(byte[] bytes, int from, int length) {
        CRC32 crc = new CRC32();
        crc.update(bytes, from, length);
        return (int) crc.getValue();
    }
}
