package dev.sluice.stream.internal;

import dev.sluice.stream.StreamRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

class InMemoryShardLogTest {

    @Test
    void read_afterAppendsOfMixedSizes_returnsEveryKeyAndBlobIntact() {
        InMemoryShardLog log = new InMemoryShardLog(3);
        Random random = new Random(5);
        int[] sizes = {0, 1, 100, 16_383, 16_384, 70_000, 262_143, 262_145, 1_048_000};
        List<byte[]> written = new ArrayList<>();
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < 3_000; i++) {
            int size = i % 50 == 0 ? sizes[random.nextInt(sizes.length)] : random.nextInt(300);
            byte[] data = new byte[size];
            random.nextBytes(data);
            String key = "ключ-" + i;
            log.append(SequenceNumbers.FIRST_COUNTER + i * 2L, 1_000 + i, key.getBytes(StandardCharsets.UTF_8), data);
            written.add(data);
            keys.add(key);
            if (i % 7 == 0) {
                log.publish();
            }
        }
        log.publish();
        int index = 0;
        long from = 0;
        while (index < written.size()) {
            ShardRead read = log.read(from, 0, 10_000, 10 * 1_048_576);
            for (StreamRecord r : read.records()) {
                assertEquals(keys.get(index), r.partitionKey());
                ByteBuffer data = r.data();
                byte[] copy = new byte[data.remaining()];
                data.get(copy);
                assertArrayEquals(written.get(index), copy, "record " + index);
                assertEquals(SequenceNumbers.format(SequenceNumbers.FIRST_COUNTER + index * 2L, 3), r.sequenceNumber());
                assertThrows(java.nio.ReadOnlyBufferException.class, () -> r.data().put((byte) 1));
                index++;
            }
            from = read.nextSequence();
        }
        assertEquals(3_000, log.retainedRecords());
    }

    @Test
    void expireBefore_releasesOnlyCompleteBlocksOlderThanTheCutoff() {
        InMemoryShardLog log = new InMemoryShardLog(0);
        for (int i = 0; i < InMemoryShardLog.BLOCK * 3 + 10; i++) {
            log.append(SequenceNumbers.FIRST_COUNTER + i, i, new byte[] {'k'}, new byte[9]);
        }
        log.publish();
        assertEquals((InMemoryShardLog.BLOCK * 3 + 10) * 10L, log.retainedBytes());
        log.expireBefore(InMemoryShardLog.BLOCK * 2L); // the first two blocks are entirely older
        assertEquals(InMemoryShardLog.BLOCK + 10, log.retainedRecords());
        assertEquals((InMemoryShardLog.BLOCK + 10) * 10L, log.retainedBytes());
        log.expireBefore(Long.MAX_VALUE); // the last block is not full: kept (its records are filtered at read time)
        assertEquals(10, log.retainedRecords());
        assertEquals(SequenceNumbers.FIRST_COUNTER + InMemoryShardLog.BLOCK * 3L + 9, log.lastSequence());
    }

    private static final long FIRST = SequenceNumbers.FIRST_COUNTER;

    /** Appends {@code n} records of {@code dataBytes} with a one-byte key, counters from {@code FIRST + from}. */
    private static void append(InMemoryShardLog log, int from, int n, int dataBytes) {
        for (int i = from; i < from + n; i++) {
            log.append(FIRST + i, 1_000 + i, new byte[] {'k'}, new byte[dataBytes]);
        }
        log.publish();
    }

    private static List<Long> counters(ShardRead read) {
        List<Long> out = new ArrayList<>();
        read.records().forEach(r -> out.add(SequenceNumbers.counter("s", r.sequenceNumber())));
        return out;
    }

    @Test
    @Timeout(10)
    void append_whenABlockHoldsBlockBytes_cutsItAndReadsAndSearchesSkipTheHoles() {
        InMemoryShardLog log = new InMemoryShardLog(0);
        int record = 350 * 1024 - 1; // 350 KiB with the key: a block takes three (over 1 MiB), then is cut
        append(log, 0, 10, record);
        ShardRead all = log.read(0, 0, 100, Long.MAX_VALUE);
        assertEquals(10, all.records().size());
        for (int i = 0; i < 10; i++) {
            assertEquals(FIRST + i, counters(all).get(i));
        }
        assertEquals(FIRST + 9, log.lastSequence());
        assertEquals(10, log.retainedRecords());
        // Positions by sequence and by arrival land on records on either side of the holes.
        assertEquals(List.of(FIRST + 3, FIRST + 4), counters(log.read(FIRST + 3, 0, 2, Long.MAX_VALUE)));
        assertEquals(List.of(FIRST + 3), counters(log.read(0, 1_003, 1, Long.MAX_VALUE)));
        ShardRead two = log.read(FIRST + 1, 0, 2, Long.MAX_VALUE);
        assertEquals(1_003, two.nextUnreadArrivalMillis(), "the next unread record is the first of the next block");
        assertEquals(FIRST + 3, two.nextSequence());
    }

    @Test
    @Timeout(10)
    void trimOldest_dropsTheOldestCompleteBlockWithinTheBound_neverTheOneBeingWritten() {
        InMemoryShardLog log = new InMemoryShardLog(0);
        int record = 350 * 1024 - 1;
        append(log, 0, 7, record); // blocks of 3, 3 and 1 (being written)
        ShardLog.Dropped oldest = log.oldestTrimmable();
        assertEquals(new ShardLog.Dropped(3, 3 * 350 * 1024L, 1_000, FIRST + 2), oldest);
        assertEquals(ShardLog.Dropped.NOTHING, log.trimOldest(FIRST + 1), "a reader still needs its last record");
        assertEquals(oldest, log.trimOldest(FIRST + 2));
        assertEquals(4, log.retainedRecords());
        assertEquals(4 * 350 * 1024L, log.retainedBytes());
        assertEquals(FIRST + 3, counters(log.read(0, 0, 100, Long.MAX_VALUE)).get(0), "reads continue at the trim horizon");
        assertEquals(3, log.trimOldest(Long.MAX_VALUE).records());
        assertNull(log.oldestTrimmable(), "the block being written is never dropped");
        assertEquals(ShardLog.Dropped.NOTHING, log.trimOldest(Long.MAX_VALUE));
        assertEquals(List.of(FIRST + 6), counters(log.read(0, 0, 100, Long.MAX_VALUE)));
    }

    @Test
    @Timeout(10)
    void retainedBytesThrough_sumsTheRetainedRecordsUpToASequence() {
        InMemoryShardLog log = new InMemoryShardLog(0);
        append(log, 0, InMemoryShardLog.BLOCK * 2 + 5, 9); // 10 bytes each, full blocks of 1,024
        assertEquals(0, log.retainedBytesThrough(FIRST - 1));
        assertEquals(10, log.retainedBytesThrough(FIRST));
        assertEquals(10L * (InMemoryShardLog.BLOCK + 1), log.retainedBytesThrough(FIRST + InMemoryShardLog.BLOCK));
        assertEquals(log.retainedBytes(), log.retainedBytesThrough(Long.MAX_VALUE));
        assertEquals(log.retainedBytes(), log.retainedBytesThrough(FIRST + 1_000_000));
        log.trimOldest(Long.MAX_VALUE);
        assertEquals(10, log.retainedBytesThrough(FIRST + InMemoryShardLog.BLOCK), "dropped records no longer count");
        assertEquals(0, log.retainedBytesThrough(FIRST + 5));
    }
}
