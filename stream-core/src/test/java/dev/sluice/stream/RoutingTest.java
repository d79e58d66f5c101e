package dev.sluice.stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RoutingTest {

    private final StreamEngine engine = StreamEngine.builder().throttleMode(ThrottleMode.OFF).build();

    @AfterEach
    void close() {
        engine.close();
    }

    @Test
    void putRecord_forRandomKeys_landsInShardWhoseRangeHoldsTheKeysMd5() throws Exception {
        engine.createStream("routing", 7);
        List<Shard> shards = engine.listShards("routing");
        Random random = new Random(42);
        MessageDigest md5 = MessageDigest.getInstance("MD5");
        for (int i = 0; i < 3_000; i++) {
            String key = randomKey(random);
            BigInteger hash = new BigInteger(1, md5.digest(key.getBytes(StandardCharsets.UTF_8)));
            String expected = shards.stream().filter(s -> s.hashKeyRange().contains(hash)).findFirst().orElseThrow().shardId();
            assertEquals(expected, engine.putRecord("routing", key, new byte[] {1}).shardId(), "key " + key);
        }
    }

    @Test
    void putRecords_forEveryShardCountUpTo10_routesByTheKeysMd5() throws Exception {
        // Up to 8 open shards are routed by counting, beyond by binary search: both must agree with the ranges.
        MessageDigest md5 = MessageDigest.getInstance("MD5");
        Random random = new Random(11);
        for (int count = 1; count <= 10; count++) {
            String stream = "count-" + count;
            engine.createStream(stream, count);
            List<Shard> shards = engine.listShards(stream);
            List<PutRecordsRequestEntry> entries = new java.util.ArrayList<>();
            for (int i = 0; i < 500; i++) {
                entries.add(PutRecordsRequestEntry.of(randomKey(random), new byte[] {1}));
            }
            // The first and last hash key of every shard, through explicit hash keys.
            for (Shard shard : shards) {
                entries.set(random.nextInt(500), PutRecordsRequestEntry.of("k", new byte[] {2})
                        .withExplicitHashKey(shard.hashKeyRange().startingHashKey().toString()));
                entries.set(random.nextInt(500), PutRecordsRequestEntry.of("k", new byte[] {3})
                        .withExplicitHashKey(shard.hashKeyRange().endingHashKey().toString()));
            }
            PutRecordsResult result = engine.putRecords(stream, entries);
            for (int i = 0; i < entries.size(); i++) {
                PutRecordsRequestEntry entry = entries.get(i);
                BigInteger hash = entry.explicitHashKey().map(BigInteger::new).orElseGet(() ->
                        new BigInteger(1, md5.digest(entry.partitionKey().getBytes(StandardCharsets.UTF_8))));
                String expected = shards.stream().filter(s -> s.hashKeyRange().contains(hash)).findFirst().orElseThrow().shardId();
                assertEquals(expected, ((PutRecordsResultEntry.Success) result.records().get(i)).shardId(),
                        count + " shards, entry " + i);
            }
            engine.deleteStream(stream);
        }
    }

    @Test
    void putRecord_withExplicitHashKey_ignoresPartitionKey() {
        engine.createStream("explicit", 4);
        List<Shard> shards = engine.listShards("explicit");
        for (Shard shard : shards) {
            for (BigInteger hashKey : List.of(shard.hashKeyRange().startingHashKey(), shard.hashKeyRange().endingHashKey())) {
                PutRecordResult put = engine.putRecord(PutRecordRequest.of("explicit", "same-key", new byte[] {2})
                        .withExplicitHashKey(hashKey.toString()));
                assertEquals(shard.shardId(), put.shardId(), "hash key " + hashKey);
            }
        }
    }

    @Test
    void putRecords_routesEveryEntryLikePutRecord() throws Exception {
        engine.createStream("batch", 5);
        List<Shard> shards = engine.listShards("batch");
        MessageDigest md5 = MessageDigest.getInstance("MD5");
        Random random = new Random(7);
        List<PutRecordsRequestEntry> entries = new java.util.ArrayList<>();
        for (int i = 0; i < 500; i++) {
            entries.add(PutRecordsRequestEntry.of(randomKey(random), new byte[] {(byte) i}));
        }
        PutRecordsResult result = engine.putRecords("batch", entries);
        assertEquals(0, result.failedRecordCount());
        for (int i = 0; i < entries.size(); i++) {
            BigInteger hash = new BigInteger(1, md5.digest(entries.get(i).partitionKey().getBytes(StandardCharsets.UTF_8)));
            String expected = shards.stream().filter(s -> s.hashKeyRange().contains(hash)).findFirst().orElseThrow().shardId();
            assertEquals(expected, ((PutRecordsResultEntry.Success) result.records().get(i)).shardId());
        }
    }

    @Test
    void createStream_splitsHashKeySpaceEvenlyAsKinesisDoes() {
        engine.createStream("three", 3);
        List<Shard> shards = engine.listShards("three");
        // Values Kinesis reports for a new 3-shard stream.
        assertEquals(new BigInteger("0"), shards.get(0).hashKeyRange().startingHashKey());
        assertEquals(new BigInteger("113427455640312821154458202477256070484"), shards.get(0).hashKeyRange().endingHashKey());
        assertEquals(new BigInteger("113427455640312821154458202477256070485"), shards.get(1).hashKeyRange().startingHashKey());
        assertEquals(new BigInteger("226854911280625642308916404954512140969"), shards.get(1).hashKeyRange().endingHashKey());
        assertEquals(new BigInteger("226854911280625642308916404954512140970"), shards.get(2).hashKeyRange().startingHashKey());
        assertEquals(BigInteger.ONE.shiftLeft(128).subtract(BigInteger.ONE), shards.get(2).hashKeyRange().endingHashKey());
        assertEquals(List.of("shardId-000000000000", "shardId-000000000001", "shardId-000000000002"),
                shards.stream().map(Shard::shardId).toList());
        for (Shard shard : shards) {
            assertTrue(shard.parentShardId().isEmpty());
            assertTrue(shard.sequenceNumberRange().endingSequenceNumber().isEmpty());
        }
    }

    @Test
    void putRecord_withUnicodeKey_hashesUtf8Bytes() throws Exception {
        engine.createStream("unicode", 8);
        List<Shard> shards = engine.listShards("unicode");
        String key = "clé-😀-ключ";
        BigInteger hash = new BigInteger(1, MessageDigest.getInstance("MD5").digest(key.getBytes(StandardCharsets.UTF_8)));
        String expected = shards.stream().filter(s -> s.hashKeyRange().contains(hash)).findFirst().orElseThrow().shardId();
        assertEquals(expected, engine.putRecord("unicode", key, new byte[0]).shardId());
    }

    private static String randomKey(Random random) {
        int length = 1 + random.nextInt(40);
        StringBuilder sb = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            sb.append((char) (0x21 + random.nextInt(0x5e)));
        }
        return sb.toString();
    }
}
