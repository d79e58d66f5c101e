package dev.sluice.stream;

import org.junit.jupiter.api.Test;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.zip.CRC32C;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Readers tailing shards while producers append: the log's lock-free publication must never show a
 * partly written record, skip one, or show one twice.
 */
class TailingReadIT {

    private static final int PRODUCERS = 2;
    private static final int BATCHES_PER_PRODUCER = 300;
    private static final int BATCH = 100;

    @Test
    void getRecords_whileProducersAppend_seesEveryRecordOnceIntactAndInOrder() throws Exception {
        try (StreamEngine engine = StreamEngine.builder().throttleMode(ThrottleMode.OFF).build()) {
            engine.createStream("tail", 3);
            List<Shard> shards = engine.listShards("tail");
            ExecutorService pool = Executors.newFixedThreadPool(PRODUCERS + shards.size());
            AtomicBoolean producing = new AtomicBoolean(true);
            List<Future<Integer>> readers = new ArrayList<>();
            for (Shard shard : shards) {
                readers.add(pool.submit(() -> tail(engine, shard.shardId(), producing)));
            }
            List<Future<?>> producers = new ArrayList<>();
            for (int p = 0; p < PRODUCERS; p++) {
                int producer = p;
                producers.add(pool.submit(() -> {
                    for (int b = 0; b < BATCHES_PER_PRODUCER; b++) {
                        List<PutRecordsRequestEntry> batch = new ArrayList<>(BATCH);
                        for (int i = 0; i < BATCH; i++) {
                            batch.add(PutRecordsRequestEntry.of("p" + producer + "-k" + i, payload(producer, b * BATCH + i)));
                        }
                        assertEquals(0, engine.putRecords("tail", batch).failedRecordCount());
                    }
                    return null;
                }));
            }
            for (Future<?> f : producers) {
                f.get(60, TimeUnit.SECONDS);
            }
            producing.set(false);
            int seen = 0;
            for (Future<Integer> r : readers) {
                seen += r.get(60, TimeUnit.SECONDS);
            }
            pool.shutdown();
            assertEquals(PRODUCERS * BATCHES_PER_PRODUCER * BATCH, seen);
        }
    }

    /** Tails one shard until production stopped and the shard is drained; checks each record as it arrives. */
    private static int tail(StreamEngine engine, String shardId, AtomicBoolean producing) {
        String iterator = engine.getShardIterator("tail", shardId, ShardIteratorType.trimHorizon());
        BigInteger previous = BigInteger.valueOf(-1);
        int count = 0;
        while (true) {
            boolean stillProducing = producing.get();
            GetRecordsResult result = engine.getRecords(iterator, 1_000);
            for (StreamRecord r : result.records()) {
                BigInteger sequence = new BigInteger(r.sequenceNumber());
                assertTrue(sequence.compareTo(previous) > 0, "order");
                previous = sequence;
                assertIntact(r.data());
                count++;
            }
            iterator = result.nextShardIterator().orElseThrow();
            if (!stillProducing && result.records().isEmpty()) {
                return count;
            }
        }
    }

    /** 64 bytes: producer, index, filler, and a CRC of the first 60 bytes at the end. */
    private static byte[] payload(int producer, int index) {
        ByteBuffer buffer = ByteBuffer.allocate(64);
        buffer.putInt(producer).putInt(index);
        while (buffer.position() < 60) {
            buffer.put((byte) (index * 31 + buffer.position()));
        }
        CRC32C crc = new CRC32C();
        crc.update(buffer.array(), 0, 60);
        buffer.putInt((int) crc.getValue());
        return buffer.array();
    }

    private static void assertIntact(ByteBuffer data) {
        assertEquals(64, data.remaining(), "length");
        byte[] bytes = new byte[64];
        data.get(bytes);
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, 60);
        assertEquals((int) crc.getValue(), ByteBuffer.wrap(bytes).getInt(60), "a record was read partly written");
    }
}
