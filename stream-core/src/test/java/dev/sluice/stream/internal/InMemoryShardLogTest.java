package dev.sluice.stream.internal;

import dev.sluice.stream.StreamRecord;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
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
}
