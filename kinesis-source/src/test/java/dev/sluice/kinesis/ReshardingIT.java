package dev.sluice.kinesis;

import dev.sluice.delivery.DeliveryStream;
import dev.sluice.stream.CreateStreamRequest;
import dev.sluice.stream.ShardLimits;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import software.amazon.awssdk.services.kinesis.KinesisAsyncClient;
import software.amazon.awssdk.services.kinesis.model.ScalingType;
import software.amazon.awssdk.services.kinesis.model.Shard;

import java.math.BigInteger;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Resharding while producing, through the SDK (SplitShard, MergeShards, UpdateShardCount), with shards listed two
 * per ListShards page: every record is read exactly once and each key's records keep their order, both in the
 * objects of a delivery stream and in the order the source hands records over (children only after their parents
 * were read to their end), also when the delivery stream refuses some hand-overs.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ReshardingIT {

    private static final Pattern KEY_AND_N = Pattern.compile("\"k\":\"(k\\d+)\",\"n\":(\\d+)");
    private static final int KEYS = 20;
    private static final int PHASE = 800;
    /** Writes are not throttled, so the producer's retries do not dominate the test; reads keep Kinesis limits. */
    private static final ShardLimits FAST_WRITES = new ShardLimits(ShardLimits.MAX_BYTES_PER_SECOND,
            Integer.MAX_VALUE, ShardLimits.KINESIS.readBytesPerSecond(), ShardLimits.KINESIS.readCallsPerSecond());

    private SluiceKinesis kinesis;
    private KinesisAsyncClient client;

    @BeforeAll
    void start() {
        kinesis = SluiceKinesis.start();
        client = kinesis.client(true);
    }

    @AfterAll
    void stop() {
        kinesis.close();
    }

    private KinesisSource source(String stream, String mode, Path state) {
        return KinesisSource.builder().client(client).streamName(stream).checkpointDirectory(state)
                .readMode(mode.equals("polling") ? ReadMode.polling(200, ReadMode.MIN_IDLE_INTERVAL)
                        : ReadMode.enhancedFanOut("resharder"))
                .listShardsPageSize(2).build();
    }

    /** Produces four phases of records with a split, a merge and a shard-count update between them. */
    private List<String> produceWhileResharding(String stream) {
        List<String> sent = new ArrayList<>(kinesis.putNumbered(stream, KEYS, 0, PHASE, 200));
        Shard first = openShards(stream).get(0);
        BigInteger middle = new BigInteger(first.hashKeyRange().startingHashKey())
                .add(new BigInteger(first.hashKeyRange().endingHashKey())).shiftRight(1);
        kinesis.admin.splitShard(b -> b.streamName(stream).shardToSplit(first.shardId())
                .newStartingHashKey(middle.toString())).join();
        kinesis.awaitActive(stream);
        sent.addAll(kinesis.putNumbered(stream, KEYS, PHASE, 2 * PHASE, 200));

        List<Shard> open = openShards(stream);
        Shard[] adjacent = adjacentPair(open);
        kinesis.admin.mergeShards(b -> b.streamName(stream).shardToMerge(adjacent[0].shardId())
                .adjacentShardToMerge(adjacent[1].shardId())).join();
        kinesis.awaitActive(stream);
        sent.addAll(kinesis.putNumbered(stream, KEYS, 2 * PHASE, 3 * PHASE, 200));

        int target = 2 * openShards(stream).size();
        kinesis.admin.updateShardCount(b -> b.streamName(stream).targetShardCount(target)
                .scalingType(ScalingType.UNIFORM_SCALING)).join();
        kinesis.awaitActive(stream);
        assertEquals(target, openShards(stream).size());
        sent.addAll(kinesis.putNumbered(stream, KEYS, 3 * PHASE, 4 * PHASE, 200));
        return sent;
    }

    private List<Shard> openShards(String stream) {
        return client.listShards(b -> b.streamName(stream)).join().shards().stream()
                .filter(s -> s.sequenceNumberRange().endingSequenceNumber() == null).toList();
    }

    private static Shard[] adjacentPair(List<Shard> open) {
        for (Shard a : open) {
            BigInteger next = new BigInteger(a.hashKeyRange().endingHashKey()).add(BigInteger.ONE);
            for (Shard b : open) {
                if (new BigInteger(b.hashKeyRange().startingHashKey()).equals(next)) {
                    return new Shard[]{a, b};
                }
            }
        }
        throw new AssertionError("no adjacent open shards in " + open);
    }

    /** Checks that each key's numbers grow along {@code lines}; returns how many lines were checked. */
    private static int assertPerKeyOrder(List<String> lines, String where) {
        Map<String, Integer> last = new HashMap<>();
        for (String line : lines) {
            Matcher m = KEY_AND_N.matcher(line);
            assertTrue(m.find(), line);
            int n = Integer.parseInt(m.group(2));
            Integer before = last.put(m.group(1), n);
            assertTrue(before == null || before < n, where + ": " + m.group(1) + " has " + n + " after " + before);
        }
        return lines.size();
    }

    @ParameterizedTest
    @ValueSource(strings = {"polling", "fanout"})
    @Timeout(90)
    void reshardingWhileProducing_deliversEveryRecordOnce_inKeyOrderWithinEachObject(String mode,
                                                                                      @TempDir Path work) {
        String stream = "reshard-" + mode;
        kinesis.engine.createStream(CreateStreamRequest.of(stream, 2).withShardLimits(FAST_WRITES));
        Path bucket = work.resolve("bucket");
        List<String> sent;
        try (DeliveryStream delivery = SluiceKinesis.deliver(bucket, source(stream, mode, work.resolve("state")))) {
            sent = produceWhileResharding(stream);
            await().atMost(Duration.ofSeconds(60)).until(() -> delivery.stats().incomingRecords() == sent.size());
            delivery.flush();
        }
        List<List<String>> objects = SluiceKinesis.objects(bucket);
        int lines = 0;
        for (List<String> object : objects) {
            lines += assertPerKeyOrder(object, "an object");
        }
        assertEquals(sent.size(), lines);
        assertEquals(new HashSet<>(sent), new HashSet<>(SluiceKinesis.lines(bucket)));
        // 2 + 2 (split) + 1 (merge) + 4 (update) shards: objects come from at least the first three generations.
        assertTrue(objects.size() >= 5, "objects: " + objects.size());
    }

    @ParameterizedTest
    @ValueSource(strings = {"polling", "fanout"})
    @Timeout(90)
    void reshardingWhileProducing_handsEachKeyOverInOrderAcrossShards_evenWhenPutsAreRefused(String mode,
                                                                                              @TempDir Path work) {
        String stream = "lineage-" + mode;
        kinesis.engine.createStream(CreateStreamRequest.of(stream, 2).withShardLimits(FAST_WRITES));
        RecordingContext context = new RecordingContext(5);
        KinesisSource source = source(stream, mode, work.resolve("state"));
        List<String> sent;
        try {
            source.start(context);
            sent = produceWhileResharding(stream);
            await().atMost(Duration.ofSeconds(60)).until(() -> context.acceptedCount() >= sent.size());
        } finally {
            source.close(Duration.ofSeconds(10));
        }
        assertNull(context.failure());
        assertEquals(List.of(), context.violations());
        assertTrue(context.refused() > 0, "no put was refused");
        List<String> accepted = context.accepted();
        assertEquals(sent.size(), accepted.size(), "each record handed over once");
        assertEquals(new HashSet<>(sent), new HashSet<>(accepted));
        assertPerKeyOrder(accepted, "hand-over order");
        assertTrue(context.opened().size() >= 9, "shards opened: " + context.opened());
    }
}
