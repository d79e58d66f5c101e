package dev.sluice.stream.internal;

import org.junit.jupiter.api.Test;

import java.math.BigInteger;
import java.security.MessageDigest;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HashKeySpaceTest {

    @Test
    void md5_matchesMessageDigestForEveryLengthUpTo1100Bytes() throws Exception {
        MessageDigest reference = MessageDigest.getInstance("MD5");
        Random random = new Random(11);
        long[] out = new long[2];
        for (int length = 0; length <= 1_100; length++) {
            for (int trial = 0; trial < 3; trial++) {
                byte[] input = new byte[length];
                random.nextBytes(input);
                HashKeySpace.md5(input, out);
                BigInteger expected = new BigInteger(1, reference.digest(input));
                assertEquals(expected, HashKeySpace.join(out[0], out[1]), "length " + length);
            }
        }
    }

    @Test
    void md5_ofKnownVectors_matchesRfc1321() {
        long[] out = new long[2];
        HashKeySpace.md5(new byte[0], out);
        assertEquals(new BigInteger("d41d8cd98f00b204e9800998ecf8427e", 16), HashKeySpace.join(out[0], out[1]));
        HashKeySpace.md5("abc".getBytes(java.nio.charset.StandardCharsets.US_ASCII), out);
        assertEquals(new BigInteger("900150983cd24fb0d6963f7d28e17f72", 16), HashKeySpace.join(out[0], out[1]));
    }

    @Test
    void prefetchDigest_calledFromManyThreads_startsOneSetUpThreadAndMd5StaysCorrect() throws Exception {
        Thread[] callers = new Thread[8];
        for (int i = 0; i < callers.length; i++) {
            callers[i] = new Thread(HashKeySpace::prefetchDigest);
            callers[i].start();
        }
        for (Thread caller : callers) {
            caller.join();
        }
        HashKeySpace.prefetchDigest();
        long setUpThreads = Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().equals("sluice-md5-set-up")).count();
        assertTrue(setUpThreads <= 1, "at most one set-up thread per JVM (it may have finished already)");
        long[] out = new long[2];
        HashKeySpace.md5("abc".getBytes(java.nio.charset.StandardCharsets.US_ASCII), out);
        assertEquals(new BigInteger("900150983cd24fb0d6963f7d28e17f72", 16), HashKeySpace.join(out[0], out[1]));
    }

    @Test
    void splitAndJoin_roundTripTheWholeRange() {
        long[] out = new long[2];
        for (BigInteger value : new BigInteger[] {BigInteger.ZERO, BigInteger.ONE.shiftLeft(64),
                BigInteger.ONE.shiftLeft(127), KinesisLimits.MAX_HASH_KEY}) {
            HashKeySpace.split(value, out);
            assertEquals(value, HashKeySpace.join(out[0], out[1]));
        }
    }
}
