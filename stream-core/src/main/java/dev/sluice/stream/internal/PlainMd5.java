package dev.sluice.stream.internal;

/**
 * MD5 (RFC 1321) in plain Java, for a JVM's first partition keys.
 *
 * <p>Design note: the JDK's {@link java.security.MessageDigest} is faster once compiled (HotSpot turns its core into
 * an intrinsic), but its first use sets up the security providers and the digest's byte-array views: about 15 ms of
 * CPU, then a few milliseconds more for the first digest in the interpreter, a third of an embedded engine's first
 * start on a two-processor machine. This class needs nothing but its two tables, so {@link HashKeySpace} hashes with
 * it until the JDK's digest is set up off the put path, then switches. Both give the same 128 bits (tested against
 * each other for every key length a stream accepts).
 *
 * <p>Thread-safety: stateless.
 */
final class PlainMd5 {

    /** {@code floor(abs(sin(i + 1)) * 2^32)}, the additive constant of step {@code i}. */
    private static final int[] K = {
        0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613, 0xfd469501,
        0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821,
        0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8,
        0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed, 0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a,
        0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70,
        0x289b7ec6, 0xeaa127fa, 0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665,
        0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
        0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391,
    };

    /** Left rotations: four per round, step {@code i} takes {@code SHIFTS[4 * (i / 16) + i % 4]}. */
    private static final int[] SHIFTS = {7, 12, 17, 22, 5, 9, 14, 20, 4, 11, 16, 23, 6, 10, 15, 21};

    private PlainMd5() {
    }

    /**
     * MD5 of {@code input} as the unsigned big-endian number Kinesis routes by.
     *
     * @param input any bytes
     * @param out   receives {@code [high 64 bits, low 64 bits]}
     */
    static void hash(byte[] input, long[] out) {
        int n = input.length;
        // The message, a 0x80 byte, zeros, and the length in bits (8 bytes, little-endian), in whole 64-byte blocks.
        int blocks = (n + 8) / 64 + 1;
        byte[] padded = new byte[blocks * 64];
        System.arraycopy(input, 0, padded, 0, n);
        padded[n] = (byte) 0x80;
        long bits = (long) n << 3;
        for (int k = 0; k < 8; k++) {
            padded[padded.length - 8 + k] = (byte) (bits >>> (8 * k));
        }
        int h0 = 0x67452301;
        int h1 = 0xefcdab89;
        int h2 = 0x98badcfe;
        int h3 = 0x10325476;
        int[] words = new int[16];
        for (int block = 0; block < blocks; block++) {
            for (int w = 0, p = block * 64; w < 16; w++, p += 4) {
                words[w] = (padded[p] & 0xff) | (padded[p + 1] & 0xff) << 8 | (padded[p + 2] & 0xff) << 16
                        | (padded[p + 3] & 0xff) << 24;
            }
            int a = h0;
            int b = h1;
            int c = h2;
            int d = h3;
            for (int i = 0; i < 64; i++) {
                int f;
                int g;
                if (i < 16) {
                    f = (b & c) | (~b & d);
                    g = i;
                } else if (i < 32) {
                    f = (d & b) | (~d & c);
                    g = (5 * i + 1) & 15;
                } else if (i < 48) {
                    f = b ^ c ^ d;
                    g = (3 * i + 5) & 15;
                } else {
                    f = c ^ (b | ~d);
                    g = (7 * i) & 15;
                }
                int next = b + Integer.rotateLeft(a + f + K[i] + words[g], SHIFTS[(i >>> 4) << 2 | (i & 3)]);
                a = d;
                d = c;
                c = b;
                b = next;
            }
            h0 += a;
            h1 += b;
            h2 += c;
            h3 += d;
        }
        // The digest is h0..h3, each little-endian; read as one big-endian number its first 8 bytes are h0 then h1.
        out[0] = (long) Integer.reverseBytes(h0) << 32 | (Integer.reverseBytes(h1) & 0xffffffffL);
        out[1] = (long) Integer.reverseBytes(h2) << 32 | (Integer.reverseBytes(h3) & 0xffffffffL);
    }
}
