package dev.sluice.perf.bench.workload;

import dev.sluice.perf.bench.scenario.Scenario;

import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

/**
 * Generates the producers' records: partition keys, sizes and JSON bodies, all drawn from one seeded random
 * source per producer, so a scenario and a seed always give the same records in the same order.
 *
 * <p>A record is one JSON object of exactly the drawn size:
 * {@code {"t":<sent nanos, right-aligned in 19 characters>,"seq":<n>,"key":"<key>","type":"type-<i>","pad":"<filler words>"}}. The
 * fixed-width {@code t} (padded with spaces: JSON forbids leading zeros) lets a consumer read the send time at a fixed offset without parsing; {@code type} is what
 * dynamic partitioning splits on; {@code pad} fills up to the size.
 *
 * <p>Thread-safety: not thread-safe; one instance per producer.
 */
public final class Workload {

    /** Offset of the 19 digits of the send time in every record. */
    public static final int SENT_OFFSET = 5;
    private static final int SENT_DIGITS = 19;
    private static final byte[] PAD = new byte[Scenario.MAX_RECORD_BYTES];

    static {
        // Word-like filler from a fixed seed: compresses roughly like log or event text (a run of one letter would
        // make every codec look ten times better than on real data).
        SplittableRandom words = new SplittableRandom(42);
        String[] vocabulary = new String[256];
        for (int i = 0; i < vocabulary.length; i++) {
            StringBuilder w = new StringBuilder();
            int len = 2 + words.nextInt(9);
            for (int j = 0; j < len; j++) {
                w.append((char) ('a' + words.nextInt(26)));
            }
            vocabulary[i] = w.toString();
        }
        int at = 0;
        while (at < PAD.length) {
            byte[] word = (vocabulary[words.nextInt(vocabulary.length)] + ' ').getBytes(StandardCharsets.US_ASCII);
            int n = Math.min(word.length, PAD.length - at);
            System.arraycopy(word, 0, PAD, at, n);
            at += n;
        }
    }

    private final Scenario.ProducerSpec spec;
    private final SplittableRandom random;
    private final int producer;
    private final int producers;
    private long sequence;

    /**
     * @param spec      the producers of the scenario
     * @param seed      the scenario's seed
     * @param producer  this producer's index, in [0, producers)
     * @param producers how many producers share the key space
     */
    public Workload(Scenario.ProducerSpec spec, long seed, int producer, int producers) {
        this.spec = spec;
        this.random = new SplittableRandom(seed * 1_000_003L + producer);
        this.producer = producer;
        this.producers = producers;
    }

    /** The next record's partition key. Call before {@link #nextData(long, String)}. */
    public String nextKey() {
        Scenario.KeySpec keys = spec.partitionKeys();
        long index = switch (keys.shape()) {
            case UNIFORM -> random.nextLong(keys.count());
            case HOT -> random.nextDouble() < keys.hotShare() ? random.nextLong(keys.hotKeys())
                    : keys.hotKeys() + random.nextLong(Math.max(1, keys.count() - keys.hotKeys()));
            // Producers take interleaved turns in one rotation, so together they walk the keys in order.
            case SEQUENTIAL -> (sequence * producers + producer) % keys.count();
        };
        return "key-" + index;
    }

    /**
     * The next record's data.
     *
     * @param sentNanos the send time written into the record (ticker nanos)
     * @param key       its partition key
     * @return the JSON body, of a size drawn from the size distribution
     */
    public byte[] nextData(long sentNanos, String key) {
        Scenario.SizeSpec size = spec.recordSize();
        int target = size.shape() == Scenario.SizeShape.FIXED || size.max() == size.min() ? size.min()
                : size.min() + random.nextInt(size.max() - size.min() + 1);
        String sent = Long.toString(Math.max(0, sentNanos));
        StringBuilder b = new StringBuilder(96);
        b.append("{\"t\":");
        for (int i = sent.length(); i < SENT_DIGITS; i++) {
            b.append(' ');
        }
        b.append(sent).append(",\"seq\":").append(sequence++).append(",\"key\":\"").append(key)
                .append("\",\"type\":\"type-").append(random.nextInt(spec.eventTypes())).append("\",\"pad\":\"");
        byte[] head = b.toString().getBytes(StandardCharsets.US_ASCII);
        int padding = Math.max(0, target - head.length - 2);
        byte[] data = new byte[head.length + padding + 2];
        System.arraycopy(head, 0, data, 0, head.length);
        System.arraycopy(PAD, random.nextInt(PAD.length - padding + 1), data, head.length, padding);
        data[data.length - 2] = '"';
        data[data.length - 1] = '}';
        return data;
    }

    /**
     * Reads the send time back from a record this class wrote.
     *
     * @param data the record
     * @return the send time in ticker nanos
     */
    public static long sentNanos(byte[] data) {
        long v = 0;
        for (int i = SENT_OFFSET; i < SENT_OFFSET + SENT_DIGITS; i++) {
            if (data[i] != ' ') {
                v = v * 10 + (data[i] - '0');
            }
        }
        return v;
    }

    /**
     * Reads a top-level string field of a record this class wrote, for the delivery model's dynamic partitioning.
     *
     * @param data  the record
     * @param field {@code type} or {@code key}
     * @return its value
     */
    public static String field(byte[] data, String field) {
        byte[] marker = ("\"" + field + "\":\"").getBytes(StandardCharsets.US_ASCII);
        outer:
        for (int i = 0; i + marker.length < data.length; i++) {
            for (int j = 0; j < marker.length; j++) {
                if (data[i + j] != marker[j]) {
                    continue outer;
                }
            }
            int start = i + marker.length;
            int end = start;
            while (end < data.length && data[end] != '"') {
                end++;
            }
            return new String(data, start, end - start, StandardCharsets.US_ASCII);
        }
        return "";
    }
}
