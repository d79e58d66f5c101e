package dev.sluice.stream.internal;

import dev.sluice.stream.ErrorCode;
import dev.sluice.stream.FsyncPolicy;
import dev.sluice.stream.StreamException;
import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.queue.RollCycle;
import net.openhft.chronicle.queue.RollCycles;
import net.openhft.chronicle.queue.rollcycles.LegacyRollCycles;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;
import net.openhft.chronicle.wire.DocumentContext;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;

/**
 * A shard log on disk: one Chronicle Queue in the shard's directory, one excerpt per record.
 *
 * <p>Record layout (little-endian, Chronicle's 4-byte length header before it):
 * {@code [sequence counter: 8][arrival millis: 8][cumulative bytes: 8][key length: 2][key: UTF-8][data]}. The
 * cumulative count of key and data bytes the shard ever accepted, this record included, makes the retained byte
 * count one subtraction, across restarts. The data length is the excerpt's length less the rest.
 *
 * <p>Design note on visibility and crashes. Chronicle writes an excerpt's header as "not complete", then the
 * body, then the final length with an ordered store; readers never see an incomplete excerpt, and an appender
 * that finds one left by a killed process overwrites it. So what a crash leaves is a prefix of complete records:
 * no torn tail can be read. On top of that, this log publishes: the writer's {@link #publish()} replaces the
 * volatile {@link Tail}, and readers return nothing beyond it, so a batch becomes visible all at once, and only
 * after it is forced to the device under {@link FsyncPolicy#perBatch()}. Acknowledged (the put's future
 * completes after {@code publish}) therefore means in the mapped file, which the kernel keeps if the process
 * dies. Recovery reads the newest record: its counter and arrival time seed the shard's writer.
 *
 * <p>Design note on files. The roll cycle is hourly for retention up to 7 days and daily beyond (at most 1/24
 * and 1/7 of retention kept past expiry), or a minute for a stream with a byte limit (so byte retention drops
 * records in small steps), fixed when the queue is created. The {@link Cycle} table lists the
 * files holding records, oldest first, with their first and last records' positions; the sweeper deletes whole
 * files whose newest record is past retention (never the newest file: it holds the tail that recovery needs) and
 * refreshes Chronicle's directory listing; byte retention ({@link #trimOldest}) deletes the oldest file the same way. Deleting a file a reader still maps is safe on POSIX systems; cursors
 * made before a deletion are retired so they do not pin deleted files.
 *
 * <p>Threading: {@link #append} and {@link #publish} on the shard's writer thread; everything else on any thread.
 * Readers borrow a cursor (a Chronicle tailer, which is single-threaded) from a lock-free pool. A use counter
 * lets readers and the writer use the queue without locks while {@link #close()} waits for them to leave before
 * unmapping anything; the writer holds its use from its first append of an event to that event's publish.
 */
final class DurableShardLog implements ShardLog {

    /**
     * Mapping chunk: a record must fit Chronicle's overlap of a quarter block, and a record may be 10 MiB (Kinesis
     * large records, {@link KinesisLimits#MAX_LARGE_RECORD_BYTES}) plus its header and key, so a quarter is 16 MiB.
     * Chunks are mapped, not written: the files stay sparse until records fill them.
     */
    static final long BLOCK_SIZE = 64L << 20;
    /** Retention up to this rolls hourly, beyond it daily. */
    static final Duration HOURLY_UP_TO = Duration.ofDays(7);
    static final int HEADER_BYTES = 8 + 8 + 8 + 2;
    private static final int MAX_IDLE_CURSORS = 4;
    private static final int READ_ATTEMPTS = 3;

    /** The newest published record. */
    record Tail(long index, long sequence, long arrivalMillis, long cumulativeBytes, long endPosition) {
    }

    /**
     * A file holding records: its cycle, its first record, and once the writer moved on, its last one.
     *
     * @param bytesBefore  cumulative bytes before its first record
     * @param lastIndex    index of its last record, or -1 while it is the file being written
     * @param endPosition  file offset after its last record (bytes used), for a closed file
     * @param lastSequence sequence counter of its last record, for a closed file
     */
    record Cycle(int cycle, Path file, long firstIndex, long firstSequence, long firstArrival, long bytesBefore,
                 long lastIndex, long lastArrival, long endPosition, long lastSequence) {
        boolean isOpen() {
            return lastIndex < 0;
        }

        Cycle close(long last, long arrival, long end, long sequence) {
            return new Cycle(cycle, file, firstIndex, firstSequence, firstArrival, bytesBefore, last, arrival, end, sequence);
        }
    }

    private final Path directory;
    private final String description;
    private final String sequenceSuffix;
    private final SingleChronicleQueue queue;
    private final RollCycle rollCycle;
    private final ShardFileSync sync;
    private final long metadataBytes;
    private final AtomicInteger users = new AtomicInteger(); // (users << 1) | closed
    private final ConcurrentLinkedDeque<DurableCursor> idle = new ConcurrentLinkedDeque<>();
    private final AtomicInteger idleCount = new AtomicInteger();
    private final Object cyclesLock = new Object();
    private final List<Path> undeleted = new ArrayList<>(); // guarded by cyclesLock

    private volatile Cycle[] cycles;
    private volatile Tail tail;
    private volatile int epoch;

    // Writer-thread state.
    private ExcerptAppender appender;
    private boolean inEvent;
    private int writeCycle;
    private Cycle writeFile;
    private final List<Cycle> pendingCycles = new ArrayList<>(2);
    private long unpublished;
    private long lastIndex;
    private long lastSequence;
    private long lastArrival;
    private long cumulativeBytes;
    private long lastEnd;

    private DurableShardLog(Path directory, String description, int shardIndex, SingleChronicleQueue queue,
                            FsyncPolicy fsync) {
        this.directory = directory;
        this.description = description;
        this.sequenceSuffix = SequenceNumbers.suffix(shardIndex);
        this.queue = queue;
        this.rollCycle = queue.rollCycle();
        this.sync = new ShardFileSync(fsync, description, directory);
        long metadata = 0;
        try (Stream<Path> files = Files.list(directory)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                if (file.getFileName().toString().endsWith(".cq4t")) {
                    metadata += Files.size(file);
                }
            }
        } catch (IOException e) {
            throw new StreamException(ErrorCode.INTERNAL_FAILURE, "cannot list the files of " + description + " in "
                    + directory + ": " + e.getMessage(), e);
        }
        this.metadataBytes = metadata;
    }

    /**
     * Opens (creating if absent) the log in {@code directory} and recovers its tail.
     *
     * @param retention   the retention that picks the roll cycle of a new queue
     * @param fineGrained whether a new queue rolls every minute (a stream with a byte limit)
     */
    static DurableShardLog open(Path directory, String description, int shardIndex, Duration retention,
                                boolean fineGrained, Clock clock, FsyncPolicy fsync) {
        SingleChronicleQueue queue;
        try {
            Files.createDirectories(directory);
            queue = SingleChronicleQueueBuilder.single(directory.toFile())
                    .rollCycle(rollCycleFor(directory, retention, fineGrained))
                    .blockSize(BLOCK_SIZE)
                    .timeProvider(clock::millis)
                    .build();
        } catch (IOException | RuntimeException e) {
            throw new StreamException(ErrorCode.INTERNAL_FAILURE, "cannot open " + description + " in " + directory + ": " + e, e);
        }
        DurableShardLog log = null;
        try {
            log = new DurableShardLog(directory, description, shardIndex, queue, fsync);
            log.recover();
            return log;
        } catch (RuntimeException e) {
            if (log != null) {
                log.close();
            } else {
                queue.close();
            }
            throw e instanceof StreamException se ? se : new StreamException(ErrorCode.INTERNAL_FAILURE,
                    "cannot recover " + description + " from " + directory + ": " + e, e);
        }
    }

    /**
     * Hourly files for short retention, daily for long, a file a minute under a byte limit; an existing queue keeps the
     * cycle its files have (named {@code yyyyMMdd-HHmm}, {@code yyyyMMdd-HH'F'} or {@code yyyyMMdd'F'}).
     */
    static RollCycle rollCycleFor(Path directory, Duration retention, boolean fineGrained) throws IOException {
        try (Stream<Path> files = Files.list(directory)) {
            List<String> names = files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".cq4")).toList();
            if (!names.isEmpty()) {
                String name = names.get(0).substring(0, names.get(0).length() - ".cq4".length());
                return !name.contains("-") ? RollCycles.FAST_DAILY
                        : name.endsWith("F") ? RollCycles.FAST_HOURLY : LegacyRollCycles.MINUTELY;
            }
        }
        if (fineGrained) {
            return LegacyRollCycles.MINUTELY;
        }
        return retention.compareTo(HOURLY_UP_TO) <= 0 ? RollCycles.FAST_HOURLY : RollCycles.FAST_DAILY;
    }

    /** Builds the cycle table from the files and seeds the writer from the newest record. */
    private void recover() {
        List<Cycle> found = new ArrayList<>();
        List<Path> empty = new ArrayList<>();
        try (ExcerptTailer tailer = queue.createTailer()) {
            int first = queue.firstCycle();
            int last = queue.lastCycle();
            if (first <= last && first != Integer.MAX_VALUE) {
                for (long c : queue.listCyclesBetween(first, last)) {
                    int cycle = (int) c;
                    long count = tailer.excerptsInCycle(cycle);
                    if (count <= 0) {
                        if (tailer.moveToCycle(cycle) && tailer.currentFile() != null) {
                            empty.add(tailer.currentFile().toPath());
                        }
                        continue;
                    }
                    long[] head = header(tailer, rollCycle.toIndex(cycle, 0));
                    long lastIndex = rollCycle.toIndex(cycle, count - 1);
                    long[] end = header(tailer, lastIndex);
                    Path file = tailer.currentFile().toPath();
                    found.add(new Cycle(cycle, file, rollCycle.toIndex(cycle, 0), head[0], head[1],
                            head[2] - head[3], lastIndex, end[1], end[4], end[0]));
                }
            }
        }
        if (!found.isEmpty()) {
            Cycle newest = found.get(found.size() - 1);
            try (ExcerptTailer tailer = queue.createTailer()) {
                long[] end = header(tailer, newest.lastIndex());
                lastIndex = newest.lastIndex();
                lastSequence = end[0];
                lastArrival = end[1];
                cumulativeBytes = end[2];
                lastEnd = end[4];
            }
            writeCycle = newest.cycle();
            writeFile = new Cycle(newest.cycle(), newest.file(), newest.firstIndex(), newest.firstSequence(),
                    newest.firstArrival(), newest.bytesBefore(), -1, 0, 0, -1);
            found.set(found.size() - 1, writeFile);
            tail = new Tail(lastIndex, lastSequence, lastArrival, cumulativeBytes, lastEnd);
            sync.switchTo(newest.file(), false);
            // Files a killed writer created but never wrote to; the newest may still be written into.
            for (Path file : empty) {
                if (!file.getFileName().equals(newest.file().getFileName()) && file.compareTo(newest.file()) < 0) {
                    delete(file);
                }
            }
        }
        cycles = found.toArray(new Cycle[0]);
    }

    /** {sequence, arrival, cumulative, size, end position} of the record at {@code index}. */
    private long[] header(ExcerptTailer tailer, long index) {
        if (!tailer.moveToIndex(index)) {
            throw new StreamException(ErrorCode.INTERNAL_FAILURE, "record 0x" + Long.toHexString(index) + " of "
                    + description + " is missing from " + directory);
        }
        try (DocumentContext dc = tailer.readingDocument()) {
            if (!dc.isPresent() || dc.index() != index) {
                throw new StreamException(ErrorCode.INTERNAL_FAILURE, "record 0x" + Long.toHexString(index) + " of "
                        + description + " cannot be read from " + directory);
            }
            Bytes<?> in = dc.wire().bytes();
            long sequence = in.readLong();
            long arrival = in.readLong();
            long cumulative = in.readLong();
            int keyLength = in.readUnsignedShort();
            long size = in.readRemaining();
            if (sequence < SequenceNumbers.FIRST_COUNTER || sequence > SequenceNumbers.MAX_COUNTER || keyLength > size) {
                throw new StreamException(ErrorCode.INTERNAL_FAILURE, "record 0x" + Long.toHexString(index) + " of "
                        + description + " in " + directory + " is damaged (sequence counter " + sequence + ")");
            }
            return new long[] {sequence, arrival, cumulative, size, in.readLimit()};
        }
    }

    @Override
    public void append(long sequence, long arrivalMillis, byte[] partitionKey, byte[] data) {
        if (!inEvent) {
            StreamException failed = sync.failure();
            if (failed != null) {
                throw failed;
            }
            if (!enter()) {
                throw new StreamException(ErrorCode.RESOURCE_NOT_FOUND, description + " is closed (its stream was deleted"
                        + " or the engine closed); the record was not written");
            }
            inEvent = true;
        }
        ExcerptAppender out = appender;
        if (out == null) {
            out = queue.createAppender();
            out.singleThreadedCheckDisabled(true); // created, used and closed under this log's use counter
            appender = out;
        }
        long cumulative = cumulativeBytes + partitionKey.length + data.length;
        long end;
        try (DocumentContext dc = out.writingDocument()) {
            try {
                Bytes<?> bytes = dc.wire().bytes();
                bytes.writeLong(sequence);
                bytes.writeLong(arrivalMillis);
                bytes.writeLong(cumulative);
                bytes.writeUnsignedShort(partitionKey.length);
                bytes.write(partitionKey);
                bytes.write(data);
                end = bytes.writePosition();
            } catch (RuntimeException | Error e) {
                dc.rollbackOnClose();
                throw e;
            }
        } catch (RuntimeException e) {
            throw new StreamException(ErrorCode.INTERNAL_FAILURE, "cannot append to " + description + " in " + directory
                    + ": " + e, e);
        }
        long index = out.lastIndexAppended();
        int cycle = rollCycle.toCycle(index);
        if (writeFile == null || cycle != writeCycle) {
            roll(cycle, index, sequence, arrivalMillis, out.currentFile());
        }
        cumulativeBytes = cumulative;
        lastIndex = index;
        lastSequence = sequence;
        lastArrival = arrivalMillis;
        lastEnd = end;
        unpublished++;
    }

    /** The writer moved into a new file: close the old entry, open a new one, move the fsync channel. */
    private void roll(int cycle, long index, long sequence, long arrivalMillis, File file) {
        if (writeFile != null) {
            pendingCycles.add(writeFile.close(lastIndex, lastArrival, lastEnd, lastSequence));
        }
        writeCycle = cycle;
        writeFile = new Cycle(cycle, file.toPath(), index, sequence, arrivalMillis, cumulativeBytes, -1, 0, 0, -1);
        pendingCycles.add(writeFile);
        sync.switchTo(writeFile.file(), true);
    }

    @Override
    public void publish() {
        if (!inEvent) {
            return;
        }
        try {
            if (unpublished > 0) {
                sync.batchWritten();
                if (!pendingCycles.isEmpty()) {
                    synchronized (cyclesLock) {
                        List<Cycle> merged = new ArrayList<>(Arrays.asList(cycles));
                        for (Cycle c : pendingCycles) {
                            if (!merged.isEmpty() && merged.get(merged.size() - 1).cycle() == c.cycle()) {
                                merged.set(merged.size() - 1, c);
                            } else {
                                merged.add(c);
                            }
                        }
                        cycles = merged.toArray(new Cycle[0]);
                    }
                    pendingCycles.clear();
                }
                if (sync.failure() == null) {
                    tail = new Tail(lastIndex, lastSequence, lastArrival, cumulativeBytes, lastEnd);
                }
                unpublished = 0;
            }
        } finally {
            inEvent = false;
            exit();
        }
    }

    @Override
    public ShardRead read(long fromSequence, long fromArrivalMillis, int limit, long maxBytes) {
        for (int attempt = 0; attempt < READ_ATTEMPTS; attempt++) {
            Tail end = tail;
            if (end == null || !enter()) {
                return new ShardRead(List.of(), 0, fromSequence, -1);
            }
            DurableCursor cursor = null;
            boolean healthy = false;
            try {
                cursor = borrow();
                ShardRead read = cursor.read(end, cycles, fromSequence, fromArrivalMillis, limit, maxBytes);
                healthy = true;
                if (read != null) {
                    return read;
                }
            } finally {
                if (cursor != null) {
                    release(cursor, healthy);
                }
                exit();
            }
        }
        throw new StreamException(ErrorCode.INTERNAL_FAILURE, "cannot position a read in " + description
                + ": its files changed during " + READ_ATTEMPTS + " attempts; retry");
    }

    @Override
    public long lastSequence() {
        Tail end = tail;
        return end == null ? -1 : end.sequence();
    }

    /** Arrival time of the newest record, or 0 if there is none. */
    long lastArrivalMillis() {
        Tail end = tail;
        return end == null ? 0 : end.arrivalMillis();
    }

    @Override
    public Dropped expireBefore(long cutoffMillis) {
        return dropOldest(Integer.MAX_VALUE, cutoffMillis, Long.MAX_VALUE);
    }

    @Override
    public Dropped oldestTrimmable() {
        Cycle[] current = cycles;
        return current.length > 1 && !current[0].isOpen() ? describe(current[0], current[1]) : null;
    }

    @Override
    public Dropped trimOldest(long maxLastSequence) {
        return dropOldest(1, Long.MAX_VALUE, maxLastSequence);
    }

    /**
     * Deletes up to {@code most} of the oldest files, never the newest, each only if it is closed, its newest record
     * arrived before {@code cutoffMillis} and has a counter of at most {@code maxLastSequence}.
     */
    private Dropped dropOldest(int most, long cutoffMillis, long maxLastSequence) {
        if (!enter()) {
            return Dropped.NOTHING;
        }
        try {
            List<Path> doomed = new ArrayList<>();
            Dropped dropped = Dropped.NOTHING;
            synchronized (cyclesLock) {
                Cycle[] current = cycles;
                int drop = 0;
                while (drop < most && drop < current.length - 1 && !current[drop].isOpen()
                        && current[drop].lastArrival() < cutoffMillis && current[drop].lastSequence() <= maxLastSequence) {
                    doomed.add(current[drop].file());
                    dropped = dropped.plus(describe(current[drop], current[drop + 1]));
                    drop++;
                }
                if (drop > 0) {
                    cycles = Arrays.copyOfRange(current, drop, current.length);
                    epoch++;
                }
                doomed.addAll(undeleted);
                undeleted.clear();
            }
            if (doomed.isEmpty()) {
                return dropped;
            }
            retireIdleCursors();
            for (Path file : doomed) {
                delete(file);
            }
            queue.refreshDirectoryListing();
            return dropped;
        } finally {
            exit();
        }
    }

    /** A closed file as a unit of storage; {@code next} is the file after it, which starts where it ends. */
    private static Dropped describe(Cycle closed, Cycle next) {
        return new Dropped(closed.lastIndex() - closed.firstIndex() + 1, next.bytesBefore() - closed.bytesBefore(),
                closed.firstArrival(), closed.lastSequence());
    }

    @Override
    public long retainedBytesThrough(long sequence) {
        for (int attempt = 0; attempt < READ_ATTEMPTS; attempt++) {
            Tail end = tail;
            Cycle[] snapshot = cycles;
            if (end == null || snapshot.length == 0 || sequence < 0) {
                return 0;
            }
            long retained = Math.max(0, end.cumulativeBytes() - snapshot[0].bytesBefore());
            if (sequence >= end.sequence()) {
                return retained;
            }
            if (!enter()) {
                return 0;
            }
            DurableCursor cursor = null;
            boolean healthy = false;
            try {
                cursor = borrow();
                long before = cursor.cumulativeBefore(end, snapshot, sequence + 1);
                healthy = true;
                if (before != DurableCursor.GONE) {
                    return Math.max(0, Math.min(retained, before - snapshot[0].bytesBefore()));
                }
            } finally {
                if (cursor != null) {
                    release(cursor, healthy);
                }
                exit();
            }
        }
        throw new StreamException(ErrorCode.INTERNAL_FAILURE, "cannot position in " + description
                + ": its files changed during " + READ_ATTEMPTS + " attempts; retry");
    }

    private void delete(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            // A platform that cannot delete a mapped file (Windows) keeps it until the next sweep.
            synchronized (cyclesLock) {
                undeleted.add(file);
            }
        }
    }

    @Override
    public long retainedBytes() {
        Tail end = tail;
        Cycle[] snapshot = cycles;
        return end == null || snapshot.length == 0 ? 0 : Math.max(0, end.cumulativeBytes() - snapshot[0].bytesBefore());
    }

    @Override
    public long retainedRecords() {
        Tail end = tail;
        Cycle[] snapshot = cycles;
        if (end == null) {
            return 0;
        }
        long records = 0;
        for (Cycle c : snapshot) {
            if (c.firstIndex() > end.index()) {
                break;
            }
            long last = c.isOpen() ? end.index() : Math.min(c.lastIndex(), end.index());
            records += last - c.firstIndex() + 1;
        }
        return records;
    }

    /** Bytes used in the shard's files: each retained file up to its last record, plus the queue's metadata. */
    @Override
    public long diskBytes() {
        Tail end = tail;
        Cycle[] snapshot = cycles;
        long bytes = metadataBytes;
        for (Cycle c : snapshot) {
            if (!c.isOpen()) {
                bytes += c.endPosition();
            } else if (end != null && rollCycle.toCycle(end.index()) == c.cycle()) {
                bytes += end.endPosition();
            }
        }
        return bytes;
    }

    /** Forces written records to the device if any were written since the last force (interval policy). */
    void sync() {
        if (!enter()) {
            return;
        }
        try {
            sync.forceIfWritten();
        } finally {
            exit();
        }
    }

    /** The queue's directory. */
    Path directory() {
        return directory;
    }

    /** Waits for readers and the writer to leave, forces if the policy asks, and closes the queue. Idempotent. */
    void close() {
        int prior = users.getAndUpdate(v -> v | 1);
        if ((prior & 1) != 0) {
            return;
        }
        for (int spins = 0; users.get() != 1; spins++) {
            if (spins < 100) {
                Thread.onSpinWait();
            } else {
                LockSupport.parkNanos(100_000);
            }
        }
        retireIdleCursors();
        try {
            if (appender != null) {
                appender.close();
            }
            sync.close();
        } catch (IOException e) {
            throw new StreamException(ErrorCode.INTERNAL_FAILURE, "cannot force " + description + " to disk while closing: "
                    + e.getMessage(), e);
        } finally {
            queue.close();
        }
    }

    private DurableCursor borrow() {
        DurableCursor cursor = idle.pollFirst();
        if (cursor != null) {
            idleCount.decrementAndGet();
            if (cursor.epoch == epoch) {
                return cursor;
            }
            cursor.tailer.close();
        }
        ExcerptTailer tailer = queue.createTailer();
        tailer.singleThreadedCheckDisabled(true); // pooled: used by one reader at a time, on any thread
        return new DurableCursor(tailer, epoch, sequenceSuffix, description);
    }

    private void release(DurableCursor cursor, boolean healthy) {
        if (healthy && cursor.epoch == epoch) {
            if (idleCount.incrementAndGet() <= MAX_IDLE_CURSORS) {
                idle.offerFirst(cursor);
                return;
            }
            idleCount.decrementAndGet();
        }
        cursor.tailer.close();
    }

    private void retireIdleCursors() {
        for (DurableCursor cursor; (cursor = idle.pollFirst()) != null; ) {
            idleCount.decrementAndGet();
            cursor.tailer.close();
        }
    }

    private boolean enter() {
        int prior = users.getAndAdd(2);
        if ((prior & 1) != 0) {
            users.getAndAdd(-2);
            return false;
        }
        return true;
    }

    private void exit() {
        users.getAndAdd(-2);
    }
}
