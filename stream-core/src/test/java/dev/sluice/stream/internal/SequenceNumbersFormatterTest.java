package dev.sluice.stream.internal;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

class SequenceNumbersFormatterTest {

    @Test
    void format_stepsOfOneAcrossCarries_equalsTheFullFormat() {
        String suffix = SequenceNumbers.suffix(12_345);
        SequenceNumbers.Formatter formatter = new SequenceNumbers.Formatter(suffix);
        for (long start : new long[] {SequenceNumbers.FIRST_COUNTER, 1_000_000_000_000_000_995L, 1_999_999_999_999_999_990L,
                SequenceNumbers.MAX_COUNTER - 30}) {
            for (long counter = start; counter <= start + 29 && counter <= SequenceNumbers.MAX_COUNTER; counter++) {
                assertEquals(SequenceNumbers.format(counter, suffix), formatter.format(counter), "counter " + counter);
            }
        }
    }

    @Test
    void format_jumpsBackwardsAndForwards_equalsTheFullFormat() {
        String suffix = SequenceNumbers.suffix(0);
        SequenceNumbers.Formatter formatter = new SequenceNumbers.Formatter(suffix);
        Random random = new Random(7);
        long counter = SequenceNumbers.FIRST_COUNTER;
        for (int i = 0; i < 10_000; i++) {
            counter = switch (random.nextInt(4)) {
                case 0 -> SequenceNumbers.FIRST_COUNTER + (random.nextLong() >>> 2);
                case 1 -> counter + 2;
                case 2 -> counter; // the same counter twice, as after a retry
                default -> counter + 1;
            };
            counter = Math.min(counter, SequenceNumbers.MAX_COUNTER);
            assertEquals(SequenceNumbers.format(counter, suffix), formatter.format(counter), "counter " + counter);
        }
    }
}
