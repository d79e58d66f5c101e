package dev.sluice.stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.FileOutputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Crash safety of durable storage, proven by killing a writer: a child JVM ingests without pause into durable
 * storage (fsync policy none: a process crash is what is tested) and appends a line per acknowledged record to an
 * ack file; the test kills it with SIGKILL ({@link Process#destroyForcibly()}) after a random number of
 * acknowledgements, restarts it on the same directory, and after every round checks with its own engine:
 * <ul>
 *   <li>every acknowledged record is there, exactly once, at the sequence number its acknowledgement gave;</li>
 *   <li>each shard reads in strictly increasing sequence order and each partition key in put order, and what the
 *       previous round read is a prefix of what this round reads: restarts lose nothing and sequence numbers keep
 *       increasing after them;</li>
 *   <li>every record returned is whole: its payload is self-describing (id, length, pattern), so a torn or corrupt
 *       record, at the tail or anywhere, fails the test.</li>
 * </ul>
 *
 * <p>What an ack line proves: the child writes it (one unbuffered {@code write}, so into the kernel's page cache,
 * which outlives the process) only after the put's future completed, and the future completes only after the
 * record was published in the mapped file. So an ack line on disk implies the record was stored before the kill.
 * The converse does not hold: records whose acks were not yet written may be stored too; they must be whole and
 * in order like any other, and they count as present, never as lost.
 */
// Rounds of child JVMs killed mid-write: minutes on a loaded 2-core machine, beyond the 2-minute default.
@Timeout(value = 10, unit = java.util.concurrent.TimeUnit.MINUTES)
class CrashSafetyIT {

    private static final int ROUNDS = 12;
    private static final String STREAM = "crash";
    private static final int SHARDS = 2;
    private static final int KEYS = 8;

    @TempDir
    Path directory;

    @Test
    void sigkillAtRandomMoments_losesNoAcknowledgedRecordAndNeverReturnsATornOne() throws Exception {
        Path data = directory.resolve("data");
        Path acks = directory.resolve("acks.txt");
        Files.createFile(acks);
        Random random = new Random();
        long seed = random.nextLong();
        random.setSeed(seed);
        Map<String, List<Stored>> previous = new HashMap<>();
        int acknowledged = 0;
        for (int round = 0; round < ROUNDS; round++) {
            Path output = directory.resolve("child-" + round + ".log");
            Process child = ChildJvm.start(ChildJvm.chronicleFlags(), Ingest.class,
                    List.of(data.toString(), acks.toString(), Integer.toString(round)), output);
            int target = acknowledged + 1 + random.nextInt(round % 3 == 0 ? 50 : 5_000);
            try {
                await().atMost(Duration.ofSeconds(45)).pollInterval(Duration.ofMillis(5))
                        .until(() -> !child.isAlive() || readAcks(acks).size() >= target);
                assertTrue(child.isAlive(), () -> "the child died by itself: " + read(output));
            } finally {
                child.destroyForcibly(); // SIGKILL on Linux: no shutdown hook, no close
                child.waitFor(30, TimeUnit.SECONDS);
            }
            List<Ack> ackList = readAcks(acks);
            acknowledged = ackList.size();
            previous = verify(data, ackList, previous, "round " + round + " (seed " + seed + ")");
        }
        int stored = previous.values().stream().mapToInt(List::size).sum();
        System.out.printf("crash safety: %d rounds, %d acknowledged records, %d stored (%d stored but not yet acknowledged)%n",
                ROUNDS, acknowledged, stored, stored - acknowledged);
        assertTrue(acknowledged >= ROUNDS, "every round acknowledged records");
    }

    /** Reads everything back with a fresh engine and checks it against the acks and the previous round. */
    private static Map<String, List<Stored>> verify(Path data, List<Ack> acks, Map<String, List<Stored>> previous,
                                                    String round) {
        Map<String, List<Stored>> now = new HashMap<>();
        try (StreamEngine engine = StreamEngine.builder().storage(Storage.durable(data)).throttleMode(ThrottleMode.OFF).build()) {
            assertEquals(List.of(STREAM), engine.listStreams(), round);
            Set<Long> ids = new HashSet<>();
            for (Shard shard : engine.listShards(STREAM)) {
                List<Stored> records = new ArrayList<>();
                Map<String, Long> lastIdPerKey = new HashMap<>();
                String iterator = engine.getShardIterator(STREAM, shard.shardId(), ShardIteratorType.trimHorizon());
                for (GetRecordsResult r; !(r = engine.getRecords(iterator)).records().isEmpty(); ) {
                    for (StreamRecord record : r.records()) {
                        long id = checkPayload(record, round);
                        Stored stored = new Stored(new BigInteger(record.sequenceNumber()), id);
                        if (!records.isEmpty() && stored.sequence.compareTo(records.get(records.size() - 1).sequence) <= 0) {
                            fail(round + ": sequence numbers not increasing in " + shard.shardId() + " at " + stored);
                        }
                        if (!ids.add(id)) {
                            fail(round + ": record " + id + " is stored twice");
                        }
                        Long lastId = lastIdPerKey.put(record.partitionKey(), id);
                        if (lastId != null && lastId > id) {
                            fail(round + ": key " + record.partitionKey() + " out of put order: " + lastId + " before " + id);
                        }
                        records.add(stored);
                    }
                    iterator = r.nextShardIterator().orElseThrow();
                }
                List<Stored> before = previous.getOrDefault(shard.shardId(), List.of());
                assertTrue(records.size() >= before.size() && records.subList(0, before.size()).equals(before),
                        round + ": what the previous round read is no longer a prefix of " + shard.shardId());
                now.put(shard.shardId(), records);
            }
        }
        Map<String, Map<BigInteger, Long>> bySequence = new HashMap<>();
        now.forEach((shard, records) -> {
            Map<BigInteger, Long> index = new HashMap<>();
            records.forEach(s -> index.put(s.sequence, s.id));
            bySequence.put(shard, index);
        });
        for (Ack ack : acks) {
            Long id = bySequence.getOrDefault(ack.shardId, Map.of()).get(ack.sequence);
            if (id == null || id != ack.id) {
                fail(round + ": acknowledged record " + ack + " is " + (id == null ? "missing" : "record " + id));
            }
        }
        return now;
    }

    /** Checks a payload against its self-description and returns its id. */
    private static long checkPayload(StreamRecord record, String round) {
        ByteBuffer data = record.data();
        if (data.remaining() < 12) {
            fail(round + ": torn record " + record.sequenceNumber() + " of " + data.remaining() + " bytes");
        }
        long id = data.getLong();
        int length = data.getInt();
        if (length != data.remaining() + 12 || !record.partitionKey().equals(key(id))) {
            fail(round + ": corrupt record " + record.sequenceNumber() + " (id " + id + ", length " + length + ")");
        }
        for (int j = 12; j < length; j++) {
            if (data.get() != filler(id, j)) {
                fail(round + ": corrupt byte " + j + " in record " + id + " at " + record.sequenceNumber());
            }
        }
        return id;
    }

    private static List<Ack> readAcks(Path file) throws IOException {
        String text = Files.readString(file, StandardCharsets.US_ASCII);
        List<Ack> acks = new ArrayList<>();
        int start = 0;
        for (int end; (end = text.indexOf('\n', start)) >= 0; start = end + 1) { // a cut last line is ignored
            String[] parts = text.substring(start, end).split(" ");
            acks.add(new Ack(parts[0], new BigInteger(parts[1]), Long.parseLong(parts[2])));
        }
        return acks;
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return e.toString();
        }
    }

    static String key(long id) {
        return "key-" + Math.floorMod(id, KEYS);
    }

    static byte filler(long id, int position) {
        return (byte) (id * 31 + position);
    }

    static byte[] payload(long id, int length) {
        ByteBuffer buffer = ByteBuffer.allocate(length);
        buffer.putLong(id).putInt(length);
        for (int j = 12; j < length; j++) {
            buffer.put(filler(id, j));
        }
        return buffer.array();
    }

    private record Ack(String shardId, BigInteger sequence, long id) {
    }

    private record Stored(BigInteger sequence, long id) {
    }

    /**
     * Child: puts batches of 1-40 records (now and then one of up to 900 KB, so a kill can land inside a long
     * write) with up to 8 calls in flight, forever, and appends one line per acknowledged record to the ack file.
     */
    static final class Ingest {
        public static void main(String[] args) throws Exception {
            Path data = Path.of(args[0]);
            int round = Integer.parseInt(args[2]);
            StreamEngine engine = StreamEngine.builder().storage(Storage.durable(data)).throttleMode(ThrottleMode.OFF).build();
            if (engine.listStreams().isEmpty()) {
                engine.createStream(STREAM, SHARDS);
            }
            FileOutputStream acks = new FileOutputStream(args[1], true);
            Random random = new Random(round);
            Semaphore window = new Semaphore(8);
            long id = (long) round << 32;
            while (true) {
                window.acquire();
                int n = 1 + random.nextInt(40);
                List<PutRecordsRequestEntry> batch = new ArrayList<>(n);
                long[] ids = new long[n];
                boolean large = false;
                for (int i = 0; i < n; i++) {
                    int length = !large && random.nextInt(300) == 0 ? 100_000 + random.nextInt(800_000) : 12 + random.nextInt(300);
                    large |= length > 100_000;
                    ids[i] = id++;
                    batch.add(PutRecordsRequestEntry.of(key(ids[i]), payload(ids[i], length)));
                }
                engine.putRecordsAsync(STREAM, batch).whenComplete((result, error) -> {
                    try {
                        if (result != null) {
                            StringBuilder lines = new StringBuilder();
                            for (int i = 0; i < ids.length; i++) {
                                if (result.records().get(i) instanceof PutRecordsResultEntry.Success s) {
                                    lines.append(s.shardId()).append(' ').append(s.sequenceNumber()).append(' ')
                                            .append(ids[i]).append('\n');
                                }
                            }
                            synchronized (acks) {
                                acks.write(lines.toString().getBytes(StandardCharsets.US_ASCII));
                            }
                        }
                    } catch (IOException e) {
                        throw new IllegalStateException(e);
                    } finally {
                        window.release();
                    }
                });
            }
        }
    }
}
