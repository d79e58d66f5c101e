package dev.sluice.stream.internal;

import dev.sluice.stream.FsyncPolicy;
import dev.sluice.stream.StreamRecord;
import dev.sluice.stream.testing.ManualClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The durable log on its own: layout round trip, positions across files, publication, expiry, recovery. */
class DurableShardLogTest {

    private static final long FIRST = SequenceNumbers.FIRST_COUNTER;
    private static final long MIB = 1_048_576;

    @TempDir
    Path directory;

    private final ManualClock time = new ManualClock();
    private final List<DurableShardLog> opened = new ArrayList<>();

    @BeforeAll
    static void prepareChronicle() {
        ChronicleRuntime.prepare();
    }

    @AfterEach
    void closeLogs() {
        opened.forEach(DurableShardLog::close);
    }

    private DurableShardLog open(int shardIndex) {
        return open(shardIndex, false);
    }

    private DurableShardLog open(int shardIndex, boolean fineGrained) {
        DurableShardLog log = DurableShardLog.open(directory, "shard " + shardIndex + " of test", shardIndex,
                Duration.ofHours(24), fineGrained, time, FsyncPolicy.none());
        opened.add(log);
        return log;
    }

    private static List<StreamRecord> readAll(ShardLog log, long fromSequence, long fromArrival) {
        List<StreamRecord> all = new ArrayList<>();
        long from = fromSequence;
        while (true) {
            ShardRead read = log.read(from, fromArrival, 10_000, 10 * MIB);
            if (read.records().isEmpty()) {
                return all;
            }
            all.addAll(read.records());
            from = read.nextSequence();
        }
    }

    private static long counter(StreamRecord r) {
        return SequenceNumbers.counter("sequenceNumber", r.sequenceNumber());
    }

    private long cq4Files() throws IOException {
        try (Stream<Path> files = Files.list(directory)) {
            return files.filter(p -> p.toString().endsWith(".cq4")).count();
        }
    }

    @Test
    void read_afterAppendsOfMixedSizes_returnsEveryKeyAndBlobIntact() {
        DurableShardLog log = open(3);
        Random random = new Random(5);
        int[] sizes = {0, 1, 100, 16_383, 70_000, 262_145, 1_048_000};
        List<byte[]> written = new ArrayList<>();
        long bytes = 0;
        for (int i = 0; i < 2_000; i++) {
            int size = i % 50 == 0 ? sizes[random.nextInt(sizes.length)] : random.nextInt(300);
            byte[] data = new byte[size];
            random.nextBytes(data);
            byte[] key = ("ключ-" + i).getBytes(StandardCharsets.UTF_8);
            log.append(FIRST + i * 2L, 1_000 + i, key, data);
            written.add(data);
            bytes += key.length + size;
            if (i % 7 == 0) {
                log.publish();
            }
        }
        log.publish();
        List<StreamRecord> all = readAll(log, 0, 0);
        assertEquals(written.size(), all.size());
        for (int i = 0; i < all.size(); i++) {
            StreamRecord r = all.get(i);
            assertEquals("ключ-" + i, r.partitionKey());
            assertArrayEquals(written.get(i), r.dataBytes(), "record " + i);
            assertEquals(SequenceNumbers.format(FIRST + i * 2L, 3), r.sequenceNumber());
            assertEquals(1_000 + i, r.approximateArrivalTimestamp().toEpochMilli());
        }
        assertEquals(2_000, log.retainedRecords());
        assertEquals(bytes, log.retainedBytes());
        assertTrue(log.diskBytes() > bytes, "files hold the records plus headers and indexes: " + log.diskBytes());
        assertEquals(FIRST + 3_998, log.lastSequence());
    }

    @Test
    void read_respectsLimitAndMaxBytesButReturnsAtLeastOneRecord() {
        DurableShardLog log = open(0);
        for (int i = 0; i < 10; i++) {
            log.append(FIRST + i, 5, new byte[] {'k'}, new byte[99]);
        }
        log.publish();
        ShardRead limited = log.read(0, 0, 3, 10 * MIB);
        assertEquals(3, limited.records().size());
        assertEquals(FIRST + 3, limited.nextSequence());
        assertEquals(5, limited.nextUnreadArrivalMillis());
        ShardRead bounded = log.read(FIRST + 3, 0, 100, 250);
        assertEquals(2, bounded.records().size(), "two 100-byte records fit in 250 bytes");
        ShardRead tiny = log.read(FIRST + 5, 0, 100, 1);
        assertEquals(1, tiny.records().size(), "one record even when it alone exceeds maxBytes");
        ShardRead rest = log.read(FIRST + 6, 0, 100, 10 * MIB);
        assertEquals(4, rest.records().size());
        assertEquals(-1, rest.nextUnreadArrivalMillis());
        ShardRead beyond = log.read(FIRST + 10, 0, 100, 10 * MIB);
        assertTrue(beyond.records().isEmpty());
        assertEquals(FIRST + 10, beyond.nextSequence());
    }

    @Test
    void read_beforePublish_seesNothingOfTheBatch() {
        DurableShardLog log = open(0);
        log.append(FIRST, 1, new byte[] {'a'}, new byte[1]);
        log.publish();
        log.append(FIRST + 1, 2, new byte[] {'b'}, new byte[1]);
        log.append(FIRST + 2, 2, new byte[] {'c'}, new byte[1]);
        assertEquals(1, readAll(log, 0, 0).size());
        assertEquals(FIRST, log.lastSequence());
        assertEquals(1, log.retainedRecords());
        log.publish();
        assertEquals(3, readAll(log, 0, 0).size());
    }

    @Test
    void read_bySequenceOrArrival_findsTheFirstMatchAcrossHourlyFiles() throws IOException {
        DurableShardLog log = open(1);
        Random random = new Random(11);
        List<long[]> appended = new ArrayList<>(); // {sequence, arrival}
        long sequence = FIRST;
        for (int hour = 0; hour < 5; hour++) {
            for (int i = 0; i < 700; i++) {
                sequence += 1 + random.nextInt(3); // SequenceNumberForOrdering leaves gaps
                long arrival = time.millis();
                log.append(sequence, arrival, new byte[] {'k'}, new byte[8]);
                appended.add(new long[] {sequence, arrival});
                if (i % 100 == 99) {
                    log.publish();
                    time.advance(Duration.ofMinutes(5));
                }
            }
            time.advance(Duration.ofMinutes(30));
        }
        log.publish();
        assertTrue(cq4Files() >= 5, "one file per hour touched");
        for (int probe = 0; probe < 300; probe++) {
            long[] target = appended.get(random.nextInt(appended.size()));
            long fromSequence = random.nextBoolean() ? target[0] + random.nextInt(3) - 1 : 0;
            long fromArrival = random.nextBoolean() ? target[1] + random.nextInt(3) - 1 : 0;
            int expected = -1;
            for (int i = 0; i < appended.size(); i++) {
                if (appended.get(i)[0] >= fromSequence && appended.get(i)[1] >= fromArrival) {
                    expected = i;
                    break;
                }
            }
            ShardRead read = log.read(fromSequence, fromArrival, 5, 10 * MIB);
            if (expected < 0) {
                assertTrue(read.records().isEmpty());
            } else {
                assertEquals(appended.get(expected)[0], counter(read.records().get(0)),
                        "from sequence " + fromSequence + ", arrival " + fromArrival);
            }
        }
        // Reading on from each call's next sequence walks every record exactly once, across the files.
        List<StreamRecord> all = new ArrayList<>();
        long from = 0;
        for (ShardRead read; !(read = log.read(from, 0, 333, 10 * MIB)).records().isEmpty(); from = read.nextSequence()) {
            all.addAll(read.records());
        }
        assertEquals(appended.size(), all.size());
        for (int i = 0; i < all.size(); i++) {
            assertEquals(appended.get(i)[0], counter(all.get(i)));
        }
    }

    @Test
    void expireBefore_deletesWholeFilesPastTheCutoffButNeverTheNewest() throws IOException {
        DurableShardLog log = open(0);
        long[] hourStart = new long[4];
        for (int hour = 0; hour < 4; hour++) {
            hourStart[hour] = time.millis();
            for (int i = 0; i < 100; i++) {
                log.append(FIRST + hour * 100L + i, time.millis(), new byte[] {'k'}, new byte[99]);
            }
            log.publish();
            time.advance(Duration.ofHours(1));
        }
        assertEquals(4, cq4Files());
        long diskBefore = log.diskBytes();
        log.expireBefore(hourStart[2]); // hours 0 and 1 are entirely older
        assertEquals(2, cq4Files());
        assertEquals(200, log.retainedRecords());
        assertEquals(200 * 100L, log.retainedBytes());
        assertTrue(log.diskBytes() < diskBefore, "disk use shrinks: " + log.diskBytes() + " < " + diskBefore);
        assertEquals(FIRST + 200, counter(readAll(log, 0, 0).get(0)), "reads start at the oldest retained record");
        log.expireBefore(Long.MAX_VALUE);
        assertEquals(1, cq4Files(), "the newest file holds the tail recovery needs");
        assertEquals(FIRST + 399, log.lastSequence());
        log.append(FIRST + 400, time.millis(), new byte[] {'k'}, new byte[1]);
        log.publish();
        assertEquals(FIRST + 300, counter(readAll(log, 0, 0).get(0)));
    }

    @Test
    void open_onAnExistingQueue_recoversTheTailAndTheFiles() throws IOException {
        DurableShardLog first = open(2);
        for (int hour = 0; hour < 3; hour++) {
            for (int i = 0; i < 50; i++) {
                first.append(FIRST + hour * 1_000L + i, time.millis(), new byte[] {'k'}, new byte[10]);
            }
            first.publish();
            time.advance(Duration.ofHours(1));
        }
        long disk = first.diskBytes();
        first.close();
        opened.clear();

        DurableShardLog again = open(2);
        assertEquals(FIRST + 2_049, again.lastSequence());
        assertEquals(time.millis() - Duration.ofHours(1).toMillis(), again.lastArrivalMillis());
        assertEquals(150, again.retainedRecords());
        assertEquals(150 * 11L, again.retainedBytes());
        assertEquals(disk, again.diskBytes());
        again.append(FIRST + 3_000, time.millis(), new byte[] {'n'}, new byte[10]);
        again.publish();
        List<StreamRecord> all = readAll(again, 0, 0);
        assertEquals(151, all.size());
        assertEquals("n", all.get(150).partitionKey());
        again.expireBefore(time.millis() - Duration.ofMinutes(90).toMillis());
        assertEquals(51, again.retainedRecords(), "files recovered at open expire like any other");
    }

    @Test
    void append_afterClose_isRefusedAndReadsAreEmpty() {
        DurableShardLog log = open(0);
        log.append(FIRST, 1, new byte[] {'k'}, new byte[1]);
        log.publish();
        log.close();
        assertThrows(dev.sluice.stream.StreamException.class, () -> log.append(FIRST + 1, 1, new byte[] {'k'}, new byte[1]));
        assertTrue(log.read(0, 0, 10, MIB).records().isEmpty());
        log.close(); // idempotent
    }

    /** Readers racing the writer see whole batches only, every record intact, in order. */
    @Test
    void concurrentReaders_seeOnlyWholePublishedBatches() throws InterruptedException {
        DurableShardLog log = open(0);
        int batch = 10;
        int batches = 3_000;
        AtomicBoolean done = new AtomicBoolean();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        int readers = 3;
        CountDownLatch finished = new CountDownLatch(readers);
        for (int r = 0; r < readers; r++) {
            Thread reader = new Thread(() -> {
                try {
                    long from = 0;
                    long expected = FIRST;
                    while (!done.get() || from < FIRST + (long) batch * batches) {
                        ShardRead read = log.read(from, 0, 37, 10 * MIB);
                        for (StreamRecord rec : read.records()) {
                            long c = counter(rec);
                            if (c != expected || rec.dataBytes().length != (int) (c % 100)) {
                                throw new AssertionError("expected " + expected + " but read " + c);
                            }
                            expected++;
                        }
                        from = read.nextSequence();
                        long last = log.lastSequence();
                        long visible = last - FIRST + 1;
                        if (last >= 0 && visible % batch != 0) {
                            throw new AssertionError("a partial batch is visible: " + visible + " records");
                        }
                    }
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                } finally {
                    finished.countDown();
                }
            }, "reader-" + r);
            reader.start();
        }
        for (int b = 0; b < batches; b++) {
            for (int i = 0; i < batch; i++) {
                long c = FIRST + (long) b * batch + i;
                log.append(c, b, new byte[] {'k'}, new byte[(int) (c % 100)]);
            }
            log.publish();
        }
        done.set(true);
        assertTrue(finished.await(60, TimeUnit.SECONDS));
        assertNull(failure.get());
    }

    @Test
    @Timeout(30)
    void trimOldest_underAByteLimit_deletesTheOldestMinuteFileWithinTheBound() throws IOException {
        DurableShardLog log = open(0, true);
        for (int minute = 0; minute < 4; minute++) {
            for (int i = 0; i < 100; i++) {
                log.append(FIRST + minute * 100L + i, time.millis(), new byte[] {'k'}, new byte[99]);
            }
            log.publish();
            time.advance(Duration.ofMinutes(1));
        }
        assertEquals(4, cq4Files(), "a byte-limited log writes a file per minute");
        ShardLog.Dropped oldest = log.oldestTrimmable();
        assertEquals(100, oldest.records());
        assertEquals(100 * 100L, oldest.bytes());
        assertEquals(FIRST + 99, oldest.lastSequence());
        assertEquals(ShardLog.Dropped.NOTHING, log.trimOldest(FIRST + 98), "a reader still needs the file's last record");
        assertEquals(oldest, log.trimOldest(FIRST + 99));
        assertEquals(3, cq4Files());
        assertEquals(300 * 100L, log.retainedBytes());
        assertEquals(FIRST + 100, counter(readAll(log, 0, 0).get(0)), "reads continue at the trim horizon");
        assertEquals(200, log.trimOldest(Long.MAX_VALUE).records() + log.trimOldest(Long.MAX_VALUE).records());
        assertNull(log.oldestTrimmable(), "the newest file is never deleted");
        assertEquals(1, cq4Files());
    }

    @Test
    @Timeout(30)
    void retainedBytesThrough_readsTheRunningTotalOfTheRecordAfterTheSequence() {
        DurableShardLog log = open(0, true);
        for (int minute = 0; minute < 3; minute++) {
            for (int i = 0; i < 50; i++) {
                log.append(FIRST + minute * 50L + i, time.millis(), new byte[] {'k'}, new byte[9]);
            }
            log.publish();
            time.advance(Duration.ofMinutes(1));
        }
        assertEquals(0, log.retainedBytesThrough(FIRST - 1));
        assertEquals(10, log.retainedBytesThrough(FIRST));
        assertEquals(10 * 75L, log.retainedBytesThrough(FIRST + 74));
        assertEquals(log.retainedBytes(), log.retainedBytesThrough(FIRST + 149));
        log.trimOldest(Long.MAX_VALUE);
        assertEquals(10 * 25L, log.retainedBytesThrough(FIRST + 74), "dropped records no longer count");
        assertEquals(0, log.retainedBytesThrough(FIRST + 10));
    }

    @Test
    @Timeout(30)
    void open_onAnExistingMinuteQueue_keepsItsRollCycle() throws IOException {
        DurableShardLog first = open(1, true);
        first.append(FIRST, time.millis(), new byte[] {'k'}, new byte[1]);
        first.publish();
        first.close();
        opened.clear();
        DurableShardLog again = open(1, false); // reopened without the hint: the files decide
        time.advance(Duration.ofMinutes(1));
        again.append(FIRST + 1, time.millis(), new byte[] {'k'}, new byte[1]);
        again.publish();
        assertEquals(2, cq4Files());
    }
}
