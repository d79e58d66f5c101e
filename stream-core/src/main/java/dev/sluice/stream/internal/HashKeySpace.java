package dev.sluice.stream.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.math.BigInteger;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.DigestException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The 128-bit hash key space: MD5 of partition keys, and the even split Kinesis uses at stream creation.
 *
 * <p>Design note: on the put path a hash key is two {@code long}s (high and low 64 bits) compared
 * unsigned, so routing neither allocates a {@link BigInteger} nor locks. MD5 goes through
 * {@link MessageDigest}, one per thread, once it is set up: HotSpot compiles its core to an intrinsic, and
 * {@link PlainMd5} took about 1.5 times its time per partition key in a compiled loop (153 against 104 ns).
 *
 * <p>The first {@link MessageDigest} of a JVM sets up the security providers (reading the security properties,
 * registering every algorithm of the default provider) and its first digest runs in the interpreter: together a
 * third of an embedded engine's first start on a two-processor machine. So the put path never waits for them: until
 * {@link #startDigestSetUp()} has set the JDK's MD5 up on a short-lived daemon thread, keys are hashed by
 * {@link PlainMd5}, which gives the same bits. Given more than two processors the builder starts that set-up at once;
 * on one or two the engine's scheduler starts it a second after the engine is built,
 * when it no longer competes with the first start for the processors. A JVM without an MD5 provider (a FIPS-only
 * configuration) keeps {@link PlainMd5}.
 */
public final class HashKeySpace {

    private static final BigInteger TWO_TO_128 = BigInteger.ONE.shiftLeft(128);
    private static final BigInteger LONG_MASK = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);

    private static final ThreadLocal<Md5> MD5 = ThreadLocal.withInitial(Md5::new);
    private static final AtomicBoolean SET_UP_STARTED = new AtomicBoolean();
    /** Whether the JDK's MD5 is set up and agrees with {@link PlainMd5}: threads switch to it when they see this. */
    private static volatile boolean jdkDigestReady;

    private HashKeySpace() {
    }

    /**
     * Starts setting up the JDK's MD5 on a daemon thread ({@code sluice-md5-set-up}) unless that was started before
     * in this JVM. Puts hash with {@link PlainMd5} meanwhile, so nothing waits for it.
     */
    public static void startDigestSetUp() {
        if (SET_UP_STARTED.compareAndSet(false, true)) {
            Thread thread = new Thread(HashKeySpace::setUpJdkDigest, "sluice-md5-set-up");
            thread.setDaemon(true);
            thread.start();
        }
    }

    /**
     * Whether puts hash with the JDK's MD5 now, that is, {@link #startDigestSetUp()} finished; for tests and probes.
     *
     * @return true once the JDK's MD5 is set up in this JVM
     */
    public static boolean jdkDigestReady() {
        return jdkDigestReady;
    }

    /**
     * Sets up the security providers and the JDK's MD5, digests one key with it (so its first, interpreted digest
     * is not a put's) and, if the bits agree with {@link PlainMd5}'s, lets threads switch to it.
     */
    private static void setUpJdkDigest() {
        try {
            MessageDigest digest = MessageDigest.getInstance("MD5");
            byte[] key = "sluice-md5-set-up".getBytes(StandardCharsets.US_ASCII);
            long[] expected = new long[2];
            PlainMd5.hash(key, expected);
            byte[] bits = digest.digest(key);
            if ((long) BigEndian.LONG.get(bits, 0) == expected[0] && (long) BigEndian.LONG.get(bits, 8) == expected[1]) {
                jdkDigestReady = true;
            }
        } catch (NoSuchAlgorithmException | RuntimeException e) {
            // No MD5 provider (a FIPS-only JVM) or a broken one: PlainMd5 goes on hashing, with the same results.
        }
    }

    /**
     * Hashes a partition key as Kinesis does: MD5 of its UTF-8 bytes, read as an unsigned big-endian number.
     *
     * @param utf8Key the key's UTF-8 bytes
     * @param out     receives {@code [high 64 bits, low 64 bits]}
     */
    public static void md5(byte[] utf8Key, long[] out) {
        MD5.get().hash(utf8Key, out);
    }

    /**
     * The calling thread's MD5, for a loop over many keys: one thread-local look-up instead of one per key.
     *
     * @return this thread's hasher; use it on this thread only
     */
    static Md5 md5() {
        return MD5.get();
    }

    /**
     * Splits a hash key into its high and low 64 bits.
     *
     * @param hashKey in [0, 2^128 - 1]
     * @param out     receives {@code [high, low]}
     */
    public static void split(BigInteger hashKey, long[] out) {
        out[0] = hashKey.shiftRight(64).longValue();
        out[1] = hashKey.and(LONG_MASK).longValue();
    }

    /**
     * Joins high and low 64 bits into the unsigned 128-bit value.
     *
     * @param high high bits
     * @param low  low bits
     * @return the value in [0, 2^128 - 1]
     */
    public static BigInteger join(long high, long low) {
        return new BigInteger(Long.toUnsignedString(high)).shiftLeft(64).or(new BigInteger(Long.toUnsignedString(low)));
    }

    /**
     * Returns the starting hash key of shard {@code index} of {@code count} when the space is split evenly:
     * {@code floor(index * 2^128 / count)}, so shard sizes differ by at most one hash key. Used at stream creation
     * and by uniform scaling (UpdateShardCount), so both reach the same layout. Where {@code 2^128 mod count} is 0
     * or 1 (powers of two, 3, 5, 15, 17, ...) this is also {@code index * floor(2^128 / count)}.
     *
     * @param index shard position, 0-based, in [0, count]
     * @param count number of shards
     * @return the first hash key of that shard ({@code 2^128} for {@code index == count})
     */
    public static BigInteger evenSplitStart(int index, int count) {
        return TWO_TO_128.multiply(BigInteger.valueOf(index)).divide(BigInteger.valueOf(count));
    }

    /**
     * Returns the ending hash key (inclusive) of shard {@code index} of {@code count} in an even split.
     *
     * @param index shard position, 0-based
     * @param count number of shards
     * @return the last hash key of that shard
     */
    public static BigInteger evenSplitEnd(int index, int count) {
        return evenSplitStart(index + 1, count).subtract(BigInteger.ONE);
    }

    /**
     * Compares two 128-bit hash keys given as unsigned high/low halves.
     *
     * @return negative, zero or positive as {@code a} is less than, equal to or greater than {@code b}
     */
    static int compare(long aHigh, long aLow, long bHigh, long bLow) {
        int c = Long.compareUnsigned(aHigh, bHigh);
        return c != 0 ? c : Long.compareUnsigned(aLow, bLow);
    }

    /** A per-thread hasher: {@link PlainMd5} until the JDK's MD5 is set up, then a {@link MessageDigest}. */
    static final class Md5 {
        private final byte[] buffer = new byte[16];
        /** This thread's JDK digest, or null while {@link #jdkDigestReady} is not set. */
        private MessageDigest digest;
        /** Set if the JDK's MD5 went away after the set-up (its provider removed): this thread keeps PlainMd5. */
        private boolean plainOnly;

        /** MD5 of {@code input} into {@code out} as [high 64 bits, low 64 bits] of the big-endian number. */
        void hash(byte[] input, long[] out) {
            MessageDigest jdk = digest;
            if (jdk == null && (plainOnly || (jdk = jdkDigest()) == null)) {
                PlainMd5.hash(input, out);
                return;
            }
            jdk.update(input);
            try {
                jdk.digest(buffer, 0, 16);
            } catch (DigestException e) {
                throw new IllegalStateException("MD5 digest does not fit 16 bytes", e);
            }
            out[0] = (long) BigEndian.LONG.get(buffer, 0);
            out[1] = (long) BigEndian.LONG.get(buffer, 8);
        }

        /** This thread's JDK digest once the set-up finished, else null. */
        private MessageDigest jdkDigest() {
            if (!jdkDigestReady) {
                return null;
            }
            try {
                digest = MessageDigest.getInstance("MD5");
            } catch (NoSuchAlgorithmException e) {
                plainOnly = true; // its provider was removed since the set-up: this thread goes on with PlainMd5
                return null;
            }
            return digest;
        }
    }

    /** Reads big-endian longs from a byte array; first used by the set-up thread, so no put builds the view. */
    private static final class BigEndian {
        static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);
    }
}
