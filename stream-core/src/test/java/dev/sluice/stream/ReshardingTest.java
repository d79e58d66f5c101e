package dev.sluice.stream;

import dev.sluice.stream.internal.KinesisLimits;
import dev.sluice.stream.testing.ManualClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.math.BigInteger;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** SplitShard, MergeShards and UpdateShardCount: lineage, ranges, sequence numbers, reads of closed shards, errors. */
class ReshardingTest {

    private static final BigInteger HALF = BigInteger.ONE.shiftLeft(127);

    private final ManualClock time = new ManualClock();
    private final List<StreamEngine> engines = new ArrayList<>();
    private final StreamEngine engine = engine(StreamEngine.builder());

    @TempDir
    Path directory;

    @AfterEach
    void close() {
        engines.forEach(StreamEngine::close);
    }

    private StreamEngine engine(StreamEngine.Builder builder) {
        StreamEngine built = builder.clock(time).ticker(time).throttleMode(ThrottleMode.OFF).build();
        engines.add(built);
        return built;
    }

    @Test
    void splitShard_listShardsShowsClosedParentAndChildrenWithLineageAndRanges() {
        engine.createStream("s", 1);
        engine.splitShard("s", "shardId-000000000000", HALF.toString());

        List<Shard> shards = engine.listShards("s");
        assertEquals(3, shards.size());
        Shard parent = shards.get(0);
        assertEquals("shardId-000000000000", parent.shardId());
        assertTrue(parent.sequenceNumberRange().endingSequenceNumber().isPresent(), "parent closed");
        Shard low = shards.get(1);
        Shard high = shards.get(2);
        assertEquals("shardId-000000000001", low.shardId());
        assertEquals("shardId-000000000002", high.shardId());
        assertEquals(Optional.of(parent.shardId()), low.parentShardId());
        assertEquals(Optional.of(parent.shardId()), high.parentShardId());
        assertEquals(Optional.empty(), low.adjacentParentShardId());
        assertEquals(new HashKeyRange(BigInteger.ZERO, HALF.subtract(BigInteger.ONE)), low.hashKeyRange());
        assertEquals(new HashKeyRange(HALF, KinesisLimits.MAX_HASH_KEY), high.hashKeyRange());
        assertTrue(low.sequenceNumberRange().endingSequenceNumber().isEmpty());
        assertEquals(2, engine.describeStreamSummary("s").openShardCount());
    }

    @Test
    void mergeShards_childCoversBothRangesAndNamesBothParents() {
        engine.createStream("m", 3);
        engine.mergeShards("m", "shardId-000000000002", "shardId-000000000001");

        List<Shard> shards = engine.listShards("m");
        assertEquals(4, shards.size());
        Shard child = shards.get(3);
        assertEquals("shardId-000000000003", child.shardId());
        assertEquals(Optional.of("shardId-000000000002"), child.parentShardId());
        assertEquals(Optional.of("shardId-000000000001"), child.adjacentParentShardId());
        assertEquals(new HashKeyRange(shards.get(1).hashKeyRange().startingHashKey(), KinesisLimits.MAX_HASH_KEY),
                child.hashKeyRange());
        assertTrue(shards.get(1).sequenceNumberRange().endingSequenceNumber().isPresent());
        assertTrue(shards.get(2).sequenceNumberRange().endingSequenceNumber().isPresent());
        assertTrue(shards.get(0).sequenceNumberRange().endingSequenceNumber().isEmpty());
        assertEquals(2, engine.describeStreamSummary("m").openShardCount());
        assertOpenShardsCoverTheHashKeySpace(engine.listShards("m"));
    }

    @Test
    void splitShard_childrenSequenceNumbersExceedTheParents() {
        engine.createStream("q", 1);
        List<String> parentSequences = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            parentSequences.add(engine.putRecord("q", "k" + i, new byte[] {1}).sequenceNumber());
        }
        engine.splitShard("q", "shardId-000000000000", HALF.toString());
        BigInteger parentMax = parentSequences.stream().map(BigInteger::new).max(Comparator.naturalOrder()).orElseThrow();
        for (int i = 0; i < 50; i++) {
            PutRecordResult put = engine.putRecord("q", "k" + i, new byte[] {2});
            assertFalse(put.shardId().equals("shardId-000000000000"));
            assertTrue(new BigInteger(put.sequenceNumber()).compareTo(parentMax) > 0, put.sequenceNumber());
        }
        Shard parent = engine.listShards("q").get(0);
        assertEquals(parentSequences.get(parentSequences.size() - 1),
                parent.sequenceNumberRange().endingSequenceNumber().orElseThrow());
        for (Shard child : engine.listShards("q").subList(1, 3)) {
            assertTrue(new BigInteger(child.sequenceNumberRange().startingSequenceNumber()).compareTo(parentMax) > 0);
        }
    }

    @Test
    void getRecords_onClosedShard_returnsItsRecordsThenNoIteratorAndTheChildren() {
        engine.createStream("r", 2);
        List<String> written = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            PutRecordResult put = engine.putRecord(PutRecordRequest.of("r", "k" + i, new byte[] {(byte) i})
                    .withExplicitHashKey(BigInteger.valueOf(i).toString()));
            assertEquals("shardId-000000000000", put.shardId());
            written.add(put.sequenceNumber());
        }
        String iterator = engine.getShardIterator("r", "shardId-000000000000", ShardIteratorType.trimHorizon());
        GetRecordsResult first = engine.getRecords(iterator, 10);
        assertEquals(10, first.records().size());
        assertTrue(first.childShards().isEmpty());

        engine.mergeShards("r", "shardId-000000000000", "shardId-000000000001");

        List<String> read = new ArrayList<>();
        first.records().forEach(r -> read.add(r.sequenceNumber()));
        GetRecordsResult result = first;
        while (result.nextShardIterator().isPresent()) {
            result = engine.getRecords(result.nextShardIterator().get(), 7);
            result.records().forEach(r -> read.add(r.sequenceNumber()));
            if (result.nextShardIterator().isPresent()) {
                assertTrue(result.childShards().isEmpty());
            }
        }
        assertEquals(written, read);
        assertEquals(1, result.childShards().size());
        ChildShard child = result.childShards().get(0);
        assertEquals("shardId-000000000002", child.shardId());
        assertEquals(List.of("shardId-000000000000", "shardId-000000000001"), child.parentShards());
        assertEquals(new HashKeyRange(BigInteger.ZERO, KinesisLimits.MAX_HASH_KEY), child.hashKeyRange());

        // A fresh iterator at LATEST of the closed shard ends at once.
        GetRecordsResult latest = engine.getRecords(
                engine.getShardIterator("r", "shardId-000000000001", ShardIteratorType.latest()));
        assertTrue(latest.records().isEmpty());
        assertTrue(latest.nextShardIterator().isEmpty());
        assertEquals("shardId-000000000002", latest.childShards().get(0).shardId());
    }

    @Test
    void splitShard_withKeyOutsideTheRange_throwsInvalidArgumentNamingTheRange() {
        engine.createStream("v", 2);
        String end = engine.listShards("v").get(0).hashKeyRange().endingHashKey().toString();
        for (String key : List.of("0", end + "1", "-5", "abc", String.valueOf(Long.MAX_VALUE).repeat(3))) {
            StreamException e = assertThrows(StreamException.class, () -> engine.splitShard("v", "shardId-000000000000", key));
            assertEquals(ErrorCode.INVALID_ARGUMENT, e.code(), key);
        }
        StreamException e = assertThrows(StreamException.class, () -> engine.splitShard("v", "shardId-000000000000", "0"));
        assertTrue(e.getMessage().contains("(0, " + end + "]"), e.getMessage());
        assertEquals(ErrorCode.RESOURCE_NOT_FOUND,
                assertThrows(StreamException.class, () -> engine.splitShard("v", "shardId-000000000009", "5")).code());
        assertEquals(ErrorCode.RESOURCE_NOT_FOUND,
                assertThrows(StreamException.class, () -> engine.splitShard("nope", "shardId-000000000000", "5")).code());
        assertEquals(2, engine.listShards("v").size(), "nothing changed");
    }

    @Test
    void reshard_ofAClosedShardOrNonAdjacentShards_throwsInvalidArgument() {
        engine.createStream("a", 3);
        StreamException notAdjacent = assertThrows(StreamException.class,
                () -> engine.mergeShards("a", "shardId-000000000000", "shardId-000000000002"));
        assertEquals(ErrorCode.INVALID_ARGUMENT, notAdjacent.code());
        assertTrue(notAdjacent.getMessage().contains("not adjacent"), notAdjacent.getMessage());
        assertEquals(ErrorCode.INVALID_ARGUMENT, assertThrows(StreamException.class,
                () -> engine.mergeShards("a", "shardId-000000000000", "shardId-000000000000")).code());

        engine.splitShard("a", "shardId-000000000000", "5");
        assertEquals(ErrorCode.INVALID_ARGUMENT, assertThrows(StreamException.class,
                () -> engine.splitShard("a", "shardId-000000000000", "3")).code());
        assertEquals(ErrorCode.INVALID_ARGUMENT, assertThrows(StreamException.class,
                () -> engine.mergeShards("a", "shardId-000000000000", "shardId-000000000001")).code());
        // The children themselves are adjacent to their neighbours.
        engine.mergeShards("a", "shardId-000000000004", "shardId-000000000001");
        assertOpenShardsCoverTheHashKeySpace(engine.listShards("a"));
    }

    @Test
    void updateShardCount_doublesHalvesAndReachesANonPowerOfTwoTarget() {
        engine.createStream("u", 4);
        engine.updateShardCount("u", 8);
        assertEquals(8, engine.describeStreamSummary("u").openShardCount());
        List<Shard> open = assertOpenShardsCoverTheHashKeySpace(engine.listShards("u"));
        BigInteger eighth = BigInteger.ONE.shiftLeft(125);
        for (Shard s : open) {
            BigInteger size = s.hashKeyRange().endingHashKey().subtract(s.hashKeyRange().startingHashKey()).add(BigInteger.ONE);
            assertTrue(size.subtract(eighth).abs().compareTo(BigInteger.TEN) < 0, "uniform: " + s);
        }
        engine.updateShardCount("u", 4);
        assertEquals(4, engine.describeStreamSummary("u").openShardCount());
        assertOpenShardsCoverTheHashKeySpace(engine.listShards("u"));
        engine.updateShardCount("u", 7);
        assertEquals(7, engine.describeStreamSummary("u").openShardCount());
        assertOpenShardsCoverTheHashKeySpace(engine.listShards("u"));
        engine.updateShardCount("u", 4);
        assertEquals(4, engine.describeStreamSummary("u").openShardCount());
        assertOpenShardsCoverTheHashKeySpace(engine.listShards("u"));
        // Records still route to exactly the open shard owning their key.
        for (int i = 0; i < 200; i++) {
            PutRecordResult put = engine.putRecord("u", "key-" + i, new byte[] {1});
            assertTrue(open(engine.listShards("u")).stream().anyMatch(s -> s.shardId().equals(put.shardId())));
        }
    }

    @Test
    void updateShardCount_beyondDoubleOrHalfOrTheQuota_throwsLimitExceeded() {
        StreamEngine limited = engine(StreamEngine.builder().shardQuota(10));
        limited.createStream("l", 4);
        StreamException up = assertThrows(StreamException.class, () -> limited.updateShardCount("l", 9));
        assertEquals(ErrorCode.LIMIT_EXCEEDED, up.code());
        assertTrue(up.getMessage().contains("double"), up.getMessage());
        StreamException down = assertThrows(StreamException.class, () -> limited.updateShardCount("l", 1));
        assertEquals(ErrorCode.LIMIT_EXCEEDED, down.code());
        assertTrue(down.getMessage().contains("half"), down.getMessage());
        assertEquals(ErrorCode.INVALID_ARGUMENT, assertThrows(StreamException.class, () -> limited.updateShardCount("l", 0)).code());
        limited.createStream("other", 4);
        StreamException quota = assertThrows(StreamException.class, () -> limited.updateShardCount("l", 7));
        assertEquals(ErrorCode.LIMIT_EXCEEDED, quota.code());
        assertTrue(quota.getMessage().contains("shard limit"), quota.getMessage());
        limited.updateShardCount("l", 6);
        Shard someOpen = open(limited.listShards("l")).get(0);
        String inside = someOpen.hashKeyRange().startingHashKey().add(BigInteger.ONE).toString();
        StreamException split = assertThrows(StreamException.class, () -> limited.splitShard("l", someOpen.shardId(), inside));
        assertEquals(ErrorCode.LIMIT_EXCEEDED, split.code(), split.getMessage());
        assertEquals(6, limited.describeStreamSummary("l").openShardCount());
        // Closed shards do not count: merging frees quota.
        limited.updateShardCount("l", 3);
        limited.updateShardCount("l", 5);
        assertEquals(5, limited.describeStreamSummary("l").openShardCount());
        limited.updateShardCount("l", 3);
        limited.updateShardCount("l", 2);
        assertEquals(2, limited.describeStreamSummary("l").openShardCount());
    }

    @Test
    void durableStream_reshardedThenRestarted_keepsLineageRangesSequenceNumbersAndRecords() {
        StreamEngine first = engine(StreamEngine.builder().storage(Storage.durable(directory)));
        first.createStream("d", 2);
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            keys.add("key-" + i);
        }
        List<PutRecordResult> written = new ArrayList<>();
        keys.forEach(k -> written.add(first.putRecord("d", k, ("a-" + k).getBytes())));
        first.splitShard("d", "shardId-000000000000", HALF.shiftRight(1).toString());
        keys.forEach(k -> written.add(first.putRecord("d", k, ("b-" + k).getBytes())));
        first.mergeShards("d", "shardId-000000000002", "shardId-000000000003");
        keys.forEach(k -> written.add(first.putRecord("d", k, ("c-" + k).getBytes())));
        first.updateShardCount("d", 4);
        List<Shard> before = first.listShards("d");
        first.close();

        StreamEngine second = engine(StreamEngine.builder().storage(Storage.durable(directory)));
        assertEquals(before, second.listShards("d"), "lineage, ranges and sequence number ranges survive the restart");
        assertEquals(4, second.describeStreamSummary("d").openShardCount());
        assertOpenShardsCoverTheHashKeySpace(second.listShards("d"));
        keys.forEach(k -> written.add(second.putRecord("d", k, ("d-" + k).getBytes())));

        // Every record is read back once; per key, parents before children gives the order written.
        java.util.Map<String, List<String>> byKey = new java.util.HashMap<>();
        int count = 0;
        for (Shard shard : second.listShards("d")) {
            String iterator = second.getShardIterator("d", shard.shardId(), ShardIteratorType.trimHorizon());
            for (StreamRecord r : second.getRecords(iterator).records()) {
                byKey.computeIfAbsent(r.partitionKey(), k -> new ArrayList<>()).add(new String(r.dataBytes()));
                count++;
            }
        }
        assertEquals(written.size(), count);
        for (String k : keys) {
            assertEquals(List.of("a-" + k, "b-" + k, "c-" + k, "d-" + k), byKey.get(k), k);
        }
        // Per key, every phase's sequence counter (the first 19 digits) is above the previous phase's, across
        // the restart: children start after their parents, and recovered writers continue after their tails.
        for (int phase = 1; phase < 4; phase++) {
            for (int k = 0; k < keys.size(); k++) {
                String earlier = written.get((phase - 1) * keys.size() + k).sequenceNumber().substring(0, 19);
                String later = written.get(phase * keys.size() + k).sequenceNumber().substring(0, 19);
                assertTrue(later.compareTo(earlier) > 0, keys.get(k) + ": " + earlier + " then " + later);
            }
        }
    }

    @Test
    void onDemandStream_refusesUserResharding() {
        engine.createStream(CreateStreamRequest.onDemand("od"));
        assertEquals(StreamMode.ON_DEMAND, engine.describeStreamSummary("od").streamMode());
        assertEquals(StreamEngine.ON_DEMAND_INITIAL_SHARDS, engine.describeStreamSummary("od").openShardCount());
        for (Runnable call : List.<Runnable>of(
                () -> engine.splitShard("od", "shardId-000000000000", "5"),
                () -> engine.mergeShards("od", "shardId-000000000000", "shardId-000000000001"),
                () -> engine.updateShardCount("od", 3))) {
            StreamException e = assertThrows(StreamException.class, call::run);
            assertEquals(ErrorCode.VALIDATION, e.code());
            assertTrue(e.getMessage().contains("ON_DEMAND"), e.getMessage());
        }
        engine.updateStreamMode("od", StreamMode.PROVISIONED);
        engine.updateShardCount("od", 3);
        assertEquals(3, engine.describeStreamSummary("od").openShardCount());
    }

    private static List<Shard> open(List<Shard> shards) {
        return shards.stream().filter(s -> s.sequenceNumberRange().endingSequenceNumber().isEmpty()).toList();
    }

    /** The open shards' ranges are contiguous from 0 to 2^128 - 1. */
    private static List<Shard> assertOpenShardsCoverTheHashKeySpace(List<Shard> shards) {
        List<Shard> open = new ArrayList<>(open(shards));
        open.sort(Comparator.comparing(s -> s.hashKeyRange().startingHashKey()));
        BigInteger next = BigInteger.ZERO;
        for (Shard s : open) {
            assertEquals(next, s.hashKeyRange().startingHashKey(), "gap or overlap before " + s);
            next = s.hashKeyRange().endingHashKey().add(BigInteger.ONE);
        }
        assertEquals(KinesisLimits.MAX_HASH_KEY.add(BigInteger.ONE), next);
        return open;
    }
}
