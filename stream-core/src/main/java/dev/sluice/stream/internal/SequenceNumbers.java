package dev.sluice.stream.internal;

import dev.sluice.stream.ErrorCode;
import dev.sluice.stream.StreamException;

import java.nio.charset.StandardCharsets;

/**
 * Sequence numbers: a 27-digit decimal string, a 19-digit per-shard counter followed by the 8-digit shard
 * index.
 *
 * <p>Design note: counters start at 10^18, so every sequence number has exactly 27 digits with no
 * leading zero, and string order equals numeric order. Within a shard the counter strictly increases;
 * the shard index in the low digits makes numbers unique across the stream. Parsing recovers the shard
 * a number came from, so a sequence number used on the wrong shard is refused as Kinesis refuses it.
 */
public final class SequenceNumbers {

    /** First counter value of a shard created with its stream. */
    public static final long FIRST_COUNTER = 1_000_000_000_000_000_000L;
    /** Largest counter value; beyond it a shard cannot accept records. */
    public static final long MAX_COUNTER = Long.MAX_VALUE - 1;
    /** Largest shard index that fits the 8 low digits. */
    public static final int MAX_SHARD_INDEX = 99_999_999;

    private static final int LENGTH = 27;
    private static final int SHARD_DIGITS = 8;

    private SequenceNumbers() {
    }

    /**
     * Formats a sequence number.
     *
     * @param counter    per-shard counter, in [10^18, {@link #MAX_COUNTER}]
     * @param shardIndex shard index, in [0, {@link #MAX_SHARD_INDEX}]
     * @return the 27-digit decimal string
     */
    public static String format(long counter, int shardIndex) {
        return format(counter, suffix(shardIndex));
    }

    /**
     * Formats a sequence number with a shard's precomputed {@link #suffix(int)}: one {@link Long#toString}
     * (counters have exactly 19 digits) and one concatenation, the cheapest form on the put and read paths.
     *
     * @param counter     per-shard counter, in [10^18, {@link #MAX_COUNTER}]
     * @param shardSuffix the shard's 8-digit suffix
     * @return the 27-digit decimal string
     */
    static String format(long counter, String shardSuffix) {
        return Long.toString(counter).concat(shardSuffix);
    }

    /**
     * Formats the sequence numbers of one shard, fastest when counters come in steps of one (as a put's results do).
     *
     * <p>Design note: the 27 digits are kept between calls; the next counter increments them in place (a carry
     * touches on average 1.1 digits) and any other counter is written out in full. Each call makes one string from
     * the digits: half the allocation and copying of {@link #format(long, String)}. Not thread-safe: one per thread
     * and call.
     */
    static final class Formatter {
        private final byte[] digits = new byte[LENGTH];
        private long last = -1;

        Formatter(String shardSuffix) {
            for (int i = 0; i < SHARD_DIGITS; i++) {
                digits[LENGTH - SHARD_DIGITS + i] = (byte) shardSuffix.charAt(i);
            }
        }

        /**
         * Formats a counter of this formatter's shard.
         *
         * @param counter in [10^18, {@link #MAX_COUNTER}]
         * @return the 27-digit decimal string, equal to {@link SequenceNumbers#format(long, String)}
         */
        String format(long counter) {
            if (last >= 0 && counter == last + 1) {
                int i = LENGTH - SHARD_DIGITS - 1;
                while (digits[i] == '9') { // counters stay below 10^19, so the carry stops at digit 0
                    digits[i--] = '0';
                }
                digits[i]++;
            } else {
                long rest = counter;
                for (int i = LENGTH - SHARD_DIGITS - 1; i >= 0; i--) {
                    digits[i] = (byte) ('0' + rest % 10);
                    rest /= 10;
                }
            }
            last = counter;
            return new String(digits, 0, LENGTH, StandardCharsets.ISO_8859_1);
        }
    }

    /**
     * Returns a shard index as the 8 digits that end its sequence numbers.
     *
     * @param shardIndex in [0, {@link #MAX_SHARD_INDEX}]
     * @return the zero-padded index
     */
    static String suffix(int shardIndex) {
        String digits = Integer.toString(shardIndex);
        return "0".repeat(SHARD_DIGITS - digits.length()) + digits;
    }

    /**
     * Parses a sequence number's counter.
     *
     * @param field          the parameter name, for the message
     * @param sequenceNumber the decimal string
     * @return the counter
     * @throws StreamException {@link ErrorCode#INVALID_ARGUMENT} if this engine could not have issued it
     */
    public static long counter(String field, String sequenceNumber) {
        String s = canonical(field, sequenceNumber);
        return Long.parseLong(s, 0, LENGTH - SHARD_DIGITS, 10);
    }

    /**
     * Parses a sequence number's shard index.
     *
     * @param field          the parameter name, for the message
     * @param sequenceNumber the decimal string
     * @return the index of the shard that issued it
     * @throws StreamException {@link ErrorCode#INVALID_ARGUMENT} if this engine could not have issued it
     */
    public static int shardIndex(String field, String sequenceNumber) {
        String s = canonical(field, sequenceNumber);
        return Integer.parseInt(s, LENGTH - SHARD_DIGITS, LENGTH, 10);
    }

    private static String canonical(String field, String sequenceNumber) {
        int start = 0;
        while (start < sequenceNumber.length() - 1 && sequenceNumber.charAt(start) == '0') {
            start++;
        }
        String s = sequenceNumber.substring(start);
        boolean valid = s.length() == LENGTH && KinesisLimits.isDigits(s);
        if (valid) {
            try {
                long counter = Long.parseLong(s, 0, LENGTH - SHARD_DIGITS, 10);
                valid = counter >= FIRST_COUNTER && counter <= MAX_COUNTER;
            } catch (NumberFormatException e) {
                valid = false;
            }
        }
        if (!valid) {
            throw new StreamException(ErrorCode.INVALID_ARGUMENT, field + " '" + KinesisLimits.abbreviate(sequenceNumber)
                    + "' is not a sequence number this engine issued (expected a " + LENGTH + "-digit decimal)");
        }
        return s;
    }

    /**
     * The first sequence counter a shard iterator reads (0 when it starts by timestamp or at the trim horizon).
     *
     * @param shardIterator an iterator this engine issued
     * @return the counter
     * @throws dev.sluice.stream.StreamException {@code INVALID_ARGUMENT} for a garbled iterator
     */
    public static long iteratorStart(String shardIterator) {
        return IteratorToken.decode(shardIterator).fromSequence();
    }
}
