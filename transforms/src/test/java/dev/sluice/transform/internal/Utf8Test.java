package dev.sluice.transform.internal;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

class Utf8Test {

    private static int offset(int... bytes) {
        byte[] data = new byte[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            data[i] = (byte) bytes[i];
        }
        return Utf8.invalidOffset(data);
    }

    @Test
    void invalidOffset_withValidMultiByteText_returnsMinusOne() {
        assertEquals(-1, Utf8.invalidOffset("aé€😀z".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void invalidOffset_withMalformedSequences_pointsAtTheirStart() {
        assertEquals(1, offset('a', 0xC0, 0x80));          // overlong NUL
        assertEquals(0, offset(0xE0, 0x80, 0x80));         // overlong 3-byte
        assertEquals(0, offset(0xED, 0xA0, 0x80));         // UTF-16 surrogate
        assertEquals(0, offset(0xF4, 0x90, 0x80, 0x80));   // above U+10FFFF
        assertEquals(2, offset('a', 'b', 0xE2, 0x82));     // truncated at end
        assertEquals(0, offset(0x80));                     // lone continuation
        assertEquals(0, offset(0xC3, 'a'));                // continuation missing
    }

    @Test
    void invalidOffset_onRandomBytes_agreesWithJdkDecoder() {
        SplittableRandom random = new SplittableRandom(42);
        for (int round = 0; round < 20_000; round++) {
            byte[] data = new byte[random.nextInt(1, 8)];
            for (int i = 0; i < data.length; i++) {
                data[i] = (byte) (random.nextBoolean() ? random.nextInt(0x80, 0x100) : random.nextInt(0, 0x80));
            }
            assertEquals(jdkValid(data), Utf8.invalidOffset(data) < 0, () -> java.util.Arrays.toString(data));
        }
    }

    private static boolean jdkValid(byte[] data) {
        try {
            StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(data));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }
}
