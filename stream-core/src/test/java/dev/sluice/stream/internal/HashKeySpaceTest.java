package dev.sluice.stream.internal;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Random;
import java.util.function.BiConsumer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HashKeySpaceTest {

    @Test
    void md5_matchesMessageDigestForEveryLengthUpTo1100Bytes() throws Exception {
        assertMatchesMessageDigest(HashKeySpace::md5, 11);
    }

    /**
     * {@code hasher} gives MessageDigest's bits for 3 random inputs of every length up to 1,100 bytes: partition keys are
     * 1-256 characters, so 1-1,024 UTF-8 bytes, and past 1,100 every padding case comes round again.
     */
    private static void assertMatchesMessageDigest(BiConsumer<byte[], long[]> hasher, long seed) throws Exception {
        MessageDigest reference = MessageDigest.getInstance("MD5");
        Random random = new Random(seed);
        long[] out = new long[2];
        for (int length = 0; length <= 1_100; length++) {
            for (int trial = 0; trial < 3; trial++) {
                byte[] input = new byte[length];
                random.nextBytes(input);
                hasher.accept(input, out);
                assertEquals(new BigInteger(1, reference.digest(input)), HashKeySpace.join(out[0], out[1]), "length " + length);
            }
        }
    }

    @Test
    void md5_ofKnownVectors_matchesRfc1321() {
        long[] out = new long[2];
        HashKeySpace.md5(new byte[0], out);
        assertEquals(new BigInteger("d41d8cd98f00b204e9800998ecf8427e", 16), HashKeySpace.join(out[0], out[1]));
        HashKeySpace.md5("abc".getBytes(StandardCharsets.US_ASCII), out);
        assertEquals(new BigInteger("900150983cd24fb0d6963f7d28e17f72", 16), HashKeySpace.join(out[0], out[1]));
    }

    @Test
    void startDigestSetUp_calledFromManyThreads_startsOneSetUpThreadAndMd5StaysCorrect() throws Exception {
        Thread[] callers = new Thread[8];
        for (int i = 0; i < callers.length; i++) {
            callers[i] = new Thread(HashKeySpace::startDigestSetUp);
            callers[i].start();
        }
        for (Thread caller : callers) {
            caller.join();
        }
        HashKeySpace.startDigestSetUp();
        long setUpThreads = Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().equals("sluice-md5-set-up")).count();
        assertTrue(setUpThreads <= 1, "at most one set-up thread per JVM (it may have finished already)");
        long[] out = new long[2];
        HashKeySpace.md5("abc".getBytes(StandardCharsets.US_ASCII), out);
        assertEquals(new BigInteger("900150983cd24fb0d6963f7d28e17f72", 16), HashKeySpace.join(out[0], out[1]));
    }

    @Test
    void plainMd5_matchesMessageDigestForEveryKeyLengthAStreamAccepts() throws Exception {
        assertMatchesMessageDigest(PlainMd5::hash, 17);
    }

    @Test
    void plainMd5_ofRfc1321TestSuite_matchesItsDigests() {
        String[][] suite = {
            {"", "d41d8cd98f00b204e9800998ecf8427e"},
            {"a", "0cc175b9c0f1b6a831c399e269772661"},
            {"abc", "900150983cd24fb0d6963f7d28e17f72"},
            {"message digest", "f96b697d7cb7938d525a2f31aaf161d0"},
            {"abcdefghijklmnopqrstuvwxyz", "c3fcd3d76192e4007dfb496cca67e13b"},
            {"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", "d174ab98d277d9f5a5611c2c9f419d9f"},
            {"12345678901234567890123456789012345678901234567890123456789012345678901234567890",
                "57edf4a22be3c955ac49da2e2107b67a"},
        };
        long[] out = new long[2];
        for (String[] vector : suite) {
            PlainMd5.hash(vector[0].getBytes(StandardCharsets.US_ASCII), out);
            assertEquals(new BigInteger(vector[1], 16), HashKeySpace.join(out[0], out[1]), "MD5(\"" + vector[0] + "\")");
        }
    }

    @Test
    void md5_beforeAndAfterTheJdkDigestIsSetUp_givesTheSameBitsOnOneThread() {
        // A hasher made now hashes with PlainMd5 unless an earlier test or engine set the JDK's MD5 up already;
        // either way, after the set-up it uses the JDK's, and a key's bits never change.
        HashKeySpace.Md5 hasher = new HashKeySpace.Md5();
        byte[][] keys = new byte[200][];
        long[][] before = new long[keys.length][2];
        for (int i = 0; i < keys.length; i++) {
            keys[i] = ("key-" + i * 7919).getBytes(StandardCharsets.UTF_8);
            hasher.hash(keys[i], before[i]);
        }
        HashKeySpace.startDigestSetUp();
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(HashKeySpace::jdkDigestReady);
        long[] after = new long[2];
        long[] plain = new long[2];
        for (int i = 0; i < keys.length; i++) {
            hasher.hash(keys[i], after);
            PlainMd5.hash(keys[i], plain);
            assertArrayEquals(before[i], after, "key " + i);
            assertArrayEquals(plain, after, "key " + i);
        }
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
