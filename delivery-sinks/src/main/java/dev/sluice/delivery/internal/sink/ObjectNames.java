package dev.sluice.delivery.internal.sink;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Firehose's object names and random strings.
 *
 * <p>Design note: stateless. A name is {@code <stream>-<version>-yyyy-MM-dd-HH-mm-ss-<id><extension>} with the time
 * in UTC; the id is a random UUID (Firehose) or, for exactly-once objects, the segment's deterministic id. The
 * {@code !{firehose:random-string}} expression is 11 lower-case alphanumerics: random, or derived from a seed when
 * the object name must be reproducible.
 */
public final class ObjectNames {

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd-HH-mm-ss")
            .withZone(ZoneOffset.UTC);
    private static final char[] ALPHANUMERIC = "abcdefghijklmnopqrstuvwxyz0123456789".toCharArray();
    private static final int RANDOM_LENGTH = 11;

    private ObjectNames() {
    }

    public static String name(String stream, int version, Instant time, String id, String extension) {
        return stream + "-" + version + "-" + TIME.format(time) + "-" + id + extension;
    }

    public static String randomId() {
        return UUID.randomUUID().toString();
    }

    /** A request id that is the same for every attempt of one key. */
    public static String requestId(String key) {
        return UUID.nameUUIDFromBytes(key.getBytes(StandardCharsets.UTF_8)).toString();
    }

    public static String randomString() {
        char[] chars = new char[RANDOM_LENGTH];
        ThreadLocalRandom random = ThreadLocalRandom.current();
        for (int i = 0; i < chars.length; i++) {
            chars[i] = ALPHANUMERIC[random.nextInt(ALPHANUMERIC.length)];
        }
        return new String(chars);
    }

    public static String randomString(String seed) {
        UUID uuid = UUID.nameUUIDFromBytes(seed.getBytes(StandardCharsets.UTF_8));
        long bits = uuid.getMostSignificantBits() ^ uuid.getLeastSignificantBits();
        char[] chars = new char[RANDOM_LENGTH];
        for (int i = 0; i < chars.length; i++) {
            chars[i] = ALPHANUMERIC[(int) Long.remainderUnsigned(bits, ALPHANUMERIC.length)];
            bits = Long.divideUnsigned(bits, ALPHANUMERIC.length);
        }
        return new String(chars);
    }
}
