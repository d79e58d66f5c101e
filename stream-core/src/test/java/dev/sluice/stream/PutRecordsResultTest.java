package dev.sluice.stream;

import dev.sluice.stream.testing.ManualClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The entries of a PutRecords result, whose successes the engine builds when they are first read. */
class PutRecordsResultTest {

    private final StreamEngine engine = StreamEngine.builder().throttleMode(ThrottleMode.OFF).build();

    @AfterEach
    void close() {
        engine.close();
    }

    @Test
    void putRecords_everySuccessNamesTheShardAndSequenceNumberItIsReadBackAt() {
        engine.createStream("s", 4);
        List<PutRecordsRequestEntry> entries = entries(500);
        PutRecordsResult result = engine.putRecords("s", entries);
        assertEquals(0, result.failedRecordCount());
        Map<String, StreamRecord> stored = new HashMap<>();
        for (Shard shard : engine.listShards("s")) {
            for (StreamRecord r : engine.getRecords(engine.getShardIterator("s", shard.shardId(), ShardIteratorType.trimHorizon()))
                    .records()) {
                assertNull(stored.put(shard.shardId() + "/" + r.sequenceNumber(), r), "read twice: " + r);
            }
        }
        assertEquals(500, stored.size());
        assertEquals(500, result.records().size());
        for (int i = 0; i < entries.size(); i++) {
            PutRecordsResultEntry.Success success = assertInstanceOf(PutRecordsResultEntry.Success.class, result.records().get(i));
            StreamRecord read = stored.get(success.shardId() + "/" + success.sequenceNumber());
            assertNotNull(read, "entry " + i + " acknowledged at " + success + " but not read back there");
            assertEquals(entries.get(i).partitionKey(), read.partitionKey());
            assertArrayEquals(entries.get(i).data(), read.dataBytes());
        }
    }

    @Test
    void putRecords_resultEntries_areUnmodifiableAndEqualToACopy() {
        engine.createStream("s", 2);
        PutRecordsResult result = engine.putRecords("s", entries(10));
        List<PutRecordsResultEntry> records = result.records();
        PutRecordsResultEntry first = records.get(0);
        assertThrows(UnsupportedOperationException.class, () -> records.add(first));
        assertThrows(UnsupportedOperationException.class, () -> records.set(0, first));
        assertThrows(UnsupportedOperationException.class, () -> records.remove(0));
        assertThrows(IndexOutOfBoundsException.class, () -> records.get(10));
        PutRecordsResult copy = new PutRecordsResult(result.failedRecordCount(), new ArrayList<>(records));
        assertEquals(copy, result);
        assertEquals(result, copy);
        assertEquals(copy.hashCode(), result.hashCode());
    }

    @Test
    void putRecords_entriesFirstReadFromManyThreadsAtOnce_allSeeTheSameEntries() throws Exception {
        engine.createStream("s", 4);
        ExecutorService readers = Executors.newFixedThreadPool(4);
        try {
            for (int round = 0; round < 50; round++) {
                PutRecordsResult result = engine.putRecords("s", entries(500));
                CountDownLatch go = new CountDownLatch(1);
                List<Future<List<PutRecordsResultEntry>>> reads = new ArrayList<>();
                for (int t = 0; t < 4; t++) {
                    int start = t * 125; // each thread starts its first read at another entry
                    reads.add(readers.submit(() -> {
                        assertTrue(go.await(10, TimeUnit.SECONDS));
                        List<PutRecordsResultEntry> seen = new ArrayList<>();
                        for (int i = 0; i < 500; i++) {
                            seen.add(result.records().get((start + i) % 500));
                        }
                        return seen;
                    }));
                }
                go.countDown();
                List<PutRecordsResultEntry> expected = null;
                for (int t = 0; t < 4; t++) {
                    List<PutRecordsResultEntry> seen = reads.get(t).get(10, TimeUnit.SECONDS);
                    List<PutRecordsResultEntry> inOrder = new ArrayList<>(seen.subList(500 - t * 125, 500));
                    inOrder.addAll(seen.subList(0, 500 - t * 125));
                    for (PutRecordsResultEntry e : inOrder) {
                        PutRecordsResultEntry.Success s = assertInstanceOf(PutRecordsResultEntry.Success.class, e);
                        assertEquals(27, s.sequenceNumber().length(), s.sequenceNumber());
                    }
                    if (expected == null) {
                        expected = inOrder;
                    }
                    assertEquals(expected, inOrder, "thread " + t + " in round " + round);
                }
                assertEquals(expected, result.records());
            }
        } finally {
            readers.shutdownNow();
        }
    }

    @Test
    void putRecords_withThrottledEntries_countsAndListsThemAmongTheSuccesses() {
        ManualClock time = new ManualClock();
        try (StreamEngine throttled = StreamEngine.builder().time(time).throttleMode(ThrottleMode.REJECT).build()) {
            throttled.createStream("s", 1);
            // 1,000 records/s per shard and the clock stands still: of 1,500 records, the last 500 are refused.
            assertEquals(0, throttled.putRecords("s", entries(500)).failedRecordCount());
            PutRecordsResult second = throttled.putRecords("s", entries(500));
            PutRecordsResult third = throttled.putRecords("s", entries(500));
            int failures = 0;
            for (PutRecordsResult r : List.of(second, third)) {
                int counted = 0;
                for (PutRecordsResultEntry e : r.records()) {
                    if (e instanceof PutRecordsResultEntry.Failure f) {
                        assertEquals(ErrorCode.PROVISIONED_THROUGHPUT_EXCEEDED, f.errorCode());
                        assertTrue(f.errorMessage().startsWith("Rate exceeded for shard"), f.errorMessage());
                        counted++;
                    } else {
                        assertEquals(27, ((PutRecordsResultEntry.Success) e).sequenceNumber().length());
                    }
                }
                assertEquals(r.failedRecordCount(), counted);
                failures += counted;
            }
            assertEquals(500, failures);
        }
    }

    private static List<PutRecordsRequestEntry> entries(int n) {
        List<PutRecordsRequestEntry> entries = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            entries.add(PutRecordsRequestEntry.of("key-" + i, ByteBuffer.allocate(4).putInt(i).array()));
        }
        return entries;
    }
}
