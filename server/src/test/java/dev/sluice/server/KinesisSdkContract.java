package dev.sluice.server;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.kinesis.model.ChildShard;
import software.amazon.awssdk.services.kinesis.model.CreateStreamRequest;
import software.amazon.awssdk.services.kinesis.model.DescribeStreamResponse;
import software.amazon.awssdk.services.kinesis.model.GetRecordsResponse;
import software.amazon.awssdk.services.kinesis.model.InvalidArgumentException;
import software.amazon.awssdk.services.kinesis.model.KinesisException;
import software.amazon.awssdk.services.kinesis.model.ListShardsResponse;
import software.amazon.awssdk.services.kinesis.model.ListStreamsResponse;
import software.amazon.awssdk.services.kinesis.model.PutRecordResponse;
import software.amazon.awssdk.services.kinesis.model.PutRecordsRequestEntry;
import software.amazon.awssdk.services.kinesis.model.PutRecordsResponse;
import software.amazon.awssdk.services.kinesis.model.Record;
import software.amazon.awssdk.services.kinesis.model.ResourceInUseException;
import software.amazon.awssdk.services.kinesis.model.ResourceNotFoundException;
import software.amazon.awssdk.services.kinesis.model.Shard;
import software.amazon.awssdk.services.kinesis.model.ShardFilterType;
import software.amazon.awssdk.services.kinesis.model.ShardIteratorType;
import software.amazon.awssdk.services.kinesis.model.StreamDescriptionSummary;
import software.amazon.awssdk.services.kinesis.model.StreamMode;
import software.amazon.awssdk.services.kinesis.model.StreamStatus;
import software.amazon.awssdk.services.kinesis.model.ValidationException;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every Kinesis operation the server implements, through the real SDK v2 {@link KinesisClient}; run once in CBOR
 * (the SDK default) and once in JSON by the subclasses.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class KinesisSdkContract {

    private SluiceServer server;
    private KinesisClient kinesis;

    /** @return whether the client speaks CBOR */
    abstract boolean cbor();

    @BeforeAll
    void start() {
        server = SluiceServer.builder().port(0).build().start();
        kinesis = Clients.kinesis(server.endpoint(), cbor(), false);
    }

    @AfterAll
    void stop() {
        kinesis.close();
        server.close();
    }

    private String arn(String stream) {
        return "arn:aws:kinesis:us-east-1:000000000000:stream/" + stream;
    }

    @Test
    void clientSendsTheExpectedEncoding() {
        Clients.SEEN_CONTENT_TYPES.clear();
        kinesis.listStreams();
        assertTrue(Clients.SEEN_CONTENT_TYPES.contains(cbor() ? "application/x-amz-cbor-1.1"
                : "application/x-amz-json-1.1"), Clients.SEEN_CONTENT_TYPES.toString());
    }

    @Test
    void streamLifecycle_createDescribeListDelete() {
        Instant before = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
        kinesis.createStream(b -> b.streamName("life").shardCount(3));
        assertThrows(ResourceInUseException.class, () -> kinesis.createStream(b -> b.streamName("life").shardCount(1)));

        DescribeStreamResponse described = kinesis.describeStream(b -> b.streamName("life"));
        assertEquals(StreamStatus.ACTIVE, described.streamDescription().streamStatus());
        assertEquals(3, described.streamDescription().shards().size());
        assertEquals(arn("life"), described.streamDescription().streamARN());
        assertEquals(24, described.streamDescription().retentionPeriodHours());
        Instant created = described.streamDescription().streamCreationTimestamp();
        // The creation time travels through the wire format (epoch seconds with a fraction, or CBOR tag 1 millis).
        assertTrue(!created.isBefore(before) && !created.isAfter(Instant.now()), before + " <= " + created + " <= now");

        DescribeStreamResponse limited = kinesis.describeStream(b -> b.streamName("life").limit(2));
        assertEquals(2, limited.streamDescription().shards().size());
        assertTrue(limited.streamDescription().hasMoreShards());
        DescribeStreamResponse rest = kinesis.describeStream(b -> b.streamName("life")
                .exclusiveStartShardId(limited.streamDescription().shards().get(1).shardId()));
        assertEquals(1, rest.streamDescription().shards().size());
        assertFalse(rest.streamDescription().hasMoreShards());

        StreamDescriptionSummary summary = kinesis.describeStreamSummary(b -> b.streamARN(arn("life")))
                .streamDescriptionSummary();
        assertEquals("life", summary.streamName());
        assertEquals(3, summary.openShardCount());
        assertEquals(StreamMode.PROVISIONED, summary.streamModeDetails().streamMode());

        kinesis.increaseStreamRetentionPeriod(b -> b.streamName("life").retentionPeriodHours(48));
        assertEquals(48, kinesis.describeStreamSummary(b -> b.streamName("life")).streamDescriptionSummary()
                .retentionPeriodHours());
        kinesis.decreaseStreamRetentionPeriod(b -> b.streamName("life").retentionPeriodHours(24));
        assertThrows(InvalidArgumentException.class,
                () -> kinesis.decreaseStreamRetentionPeriod(b -> b.streamName("life").retentionPeriodHours(12)));

        kinesis.deleteStream(b -> b.streamName("life"));
        assertThrows(ResourceNotFoundException.class, () -> kinesis.describeStream(b -> b.streamName("life")));
        assertThrows(ResourceNotFoundException.class, () -> kinesis.deleteStream(b -> b.streamName("life")));
    }

    @Test
    void listStreams_pagesWithNextToken() {
        for (int i = 0; i < 5; i++) {
            String name = "page-" + i;
            kinesis.createStream(b -> b.streamName(name).shardCount(1));
        }
        List<String> seen = new ArrayList<>();
        ListStreamsResponse page = kinesis.listStreams(b -> b.limit(2));
        seen.addAll(page.streamNames());
        while (page.hasMoreStreams()) {
            String token = page.nextToken();
            assertNotNull(token);
            page = kinesis.listStreams(b -> b.nextToken(token).limit(2));
            seen.addAll(page.streamNames());
        }
        assertTrue(seen.containsAll(List.of("page-0", "page-1", "page-2", "page-3", "page-4")), seen.toString());
        assertEquals(seen.size(), new HashSet<>(seen).size());
        assertEquals(arn(page.streamSummaries().get(0).streamName()), page.streamSummaries().get(0).streamARN());
    }

    @Test
    void putAndGet_roundTripsBytesKeysAndTimestamps() {
        kinesis.createStream(b -> b.streamName("rt").shardCount(2));
        byte[] binary = new byte[256];
        for (int i = 0; i < binary.length; i++) {
            binary[i] = (byte) i;
        }
        Instant before = Instant.now().minusSeconds(1);
        PutRecordResponse put = kinesis.putRecord(b -> b.streamName("rt").partitionKey("k-binary")
                .data(SdkBytes.fromByteArray(binary)));
        assertTrue(put.shardId().startsWith("shardId-"));
        PutRecordsResponse batch = kinesis.putRecords(b -> b.streamARN(arn("rt")).records(
                IntStream.range(0, 50).mapToObj(i -> PutRecordsRequestEntry.builder().partitionKey("k" + i)
                        .data(SdkBytes.fromUtf8String("v" + i)).build()).toList()));
        assertEquals(0, batch.failedRecordCount());
        assertEquals(50, batch.records().size());

        Map<String, byte[]> read = new HashMap<>();
        for (Shard shard : kinesis.listShards(b -> b.streamName("rt")).shards()) {
            String iterator = kinesis.getShardIterator(b -> b.streamName("rt").shardId(shard.shardId())
                    .shardIteratorType(ShardIteratorType.TRIM_HORIZON)).shardIterator();
            GetRecordsResponse records = kinesis.getRecords(b -> b.shardIterator(iterator));
            assertNotNull(records.nextShardIterator());
            assertEquals(0L, records.millisBehindLatest());
            for (Record r : records.records()) {
                read.put(r.partitionKey(), r.data().asByteArray());
                Instant arrival = r.approximateArrivalTimestamp();
                assertTrue(!arrival.isBefore(before) && arrival.isBefore(Instant.now().plusSeconds(1)),
                        arrival.toString());
            }
        }
        assertEquals(51, read.size());
        assertArrayEquals(binary, read.get("k-binary"));
        assertEquals("v7", new String(read.get("k7"), StandardCharsets.UTF_8));

        String afterIterator = kinesis.getShardIterator(b -> b.streamName("rt").shardId(put.shardId())
                .shardIteratorType(ShardIteratorType.AT_SEQUENCE_NUMBER)
                .startingSequenceNumber(put.sequenceNumber())).shardIterator();
        assertEquals(put.sequenceNumber(), kinesis.getRecords(b -> b.shardIterator(afterIterator).limit(1))
                .records().get(0).sequenceNumber());
        String future = kinesis.getShardIterator(b -> b.streamName("rt").shardId(put.shardId())
                .shardIteratorType(ShardIteratorType.AT_TIMESTAMP).timestamp(Instant.now().plusSeconds(3600)))
                .shardIterator();
        assertTrue(kinesis.getRecords(b -> b.shardIterator(future)).records().isEmpty());
        String past = kinesis.getShardIterator(b -> b.streamName("rt").shardId(put.shardId())
                .shardIteratorType(ShardIteratorType.AT_TIMESTAMP).timestamp(before)).shardIterator();
        assertFalse(kinesis.getRecords(b -> b.shardIterator(past)).records().isEmpty());
    }

    @Test
    void errors_comeBackAsTheModeledSdkExceptions() {
        assertThrows(ResourceNotFoundException.class, () -> kinesis.putRecord(b -> b.streamName("missing")
                .partitionKey("k").data(SdkBytes.fromUtf8String("x"))));
        kinesis.createStream(b -> b.streamName("err").shardCount(1));
        ValidationException tooBig = assertThrows(ValidationException.class, () -> kinesis.putRecord(b -> b
                .streamName("err").partitionKey("k").data(SdkBytes.fromByteArray(new byte[1_048_576]))));
        assertEquals(400, tooBig.statusCode());
        assertThrows(InvalidArgumentException.class, () -> kinesis.getShardIterator(b -> b.streamName("err")
                .shardId("shardId-000000000000").shardIteratorType(ShardIteratorType.AT_SEQUENCE_NUMBER)));
        assertThrows(ResourceNotFoundException.class, () -> kinesis.getShardIterator(b -> b.streamName("err")
                .shardId("shardId-000000000099").shardIteratorType(ShardIteratorType.LATEST)));
        assertThrows(InvalidArgumentException.class, () -> kinesis.getRecords(b -> b.shardIterator("garbage")));
        KinesisException badLimit = assertThrows(KinesisException.class, () -> kinesis.listShards(b -> b
                .streamName("err").maxResults(0)));
        assertEquals("ValidationException", badLimit.awsErrorDetails().errorCode());
        assertThrows(InvalidArgumentException.class, () -> kinesis.describeStream(b -> b
                .streamARN("arn:aws:kinesis:eu-west-1:123456789012:stream/err")));
    }

    @Test
    void listShards_pagesFiltersAndStartsAfterAShard() {
        kinesis.createStream(CreateStreamRequest.builder().streamName("ls").shardCount(5).build());
        ListShardsResponse first = kinesis.listShards(b -> b.streamName("ls").maxResults(2));
        assertEquals(2, first.shards().size());
        ListShardsResponse second = kinesis.listShards(b -> b.nextToken(first.nextToken()).maxResults(2));
        ListShardsResponse third = kinesis.listShards(b -> b.nextToken(second.nextToken()).maxResults(2));
        assertEquals(1, third.shards().size());
        assertNull(third.nextToken());
        assertThrows(InvalidArgumentException.class, () -> kinesis.listShards(b -> b.streamName("ls")
                .nextToken(first.nextToken())));
        assertThrows(InvalidArgumentException.class, () -> kinesis.listShards(b -> b.nextToken("not-a-token")));

        assertEquals(3, kinesis.listShards(b -> b.streamName("ls").exclusiveStartShardId("shardId-000000000001"))
                .shards().size());
        Shard toSplit = first.shards().get(0);
        BigInteger start = new BigInteger(toSplit.hashKeyRange().startingHashKey());
        BigInteger end = new BigInteger(toSplit.hashKeyRange().endingHashKey());
        kinesis.splitShard(b -> b.streamName("ls").shardToSplit(toSplit.shardId())
                .newStartingHashKey(start.add(end).shiftRight(1).toString()));
        List<Shard> all = kinesis.listShards(b -> b.streamName("ls")).shards();
        assertEquals(7, all.size());
        List<Shard> open = kinesis.listShards(b -> b.streamName("ls").shardFilter(f -> f.type(ShardFilterType.AT_LATEST)))
                .shards();
        assertEquals(6, open.size());
        assertTrue(open.stream().noneMatch(s -> s.shardId().equals(toSplit.shardId())));
        List<Shard> roots = kinesis.listShards(b -> b.streamName("ls")
                .shardFilter(f -> f.type(ShardFilterType.AT_TRIM_HORIZON))).shards();
        assertEquals(5, roots.size());
        Shard child = all.stream().filter(s -> toSplit.shardId().equals(s.parentShardId())).findFirst().orElseThrow();
        assertNotNull(child.sequenceNumberRange().startingSequenceNumber());
        assertNotNull(all.stream().filter(s -> s.shardId().equals(toSplit.shardId())).findFirst().orElseThrow()
                .sequenceNumberRange().endingSequenceNumber());
    }

    @Test
    void settings_streamModeTagsAndEncryption() {
        kinesis.createStream(b -> b.streamName("od").streamModeDetails(m -> m.streamMode(StreamMode.ON_DEMAND))
                .tags(Map.of("team", "payments")));
        StreamDescriptionSummary od = kinesis.describeStreamSummary(b -> b.streamName("od")).streamDescriptionSummary();
        assertEquals(StreamMode.ON_DEMAND, od.streamModeDetails().streamMode());
        assertEquals(4, od.openShardCount());
        kinesis.updateStreamMode(b -> b.streamARN(arn("od")).streamModeDetails(m -> m.streamMode(StreamMode.PROVISIONED)));
        assertEquals(StreamMode.PROVISIONED, kinesis.describeStream(b -> b.streamName("od")).streamDescription()
                .streamModeDetails().streamMode());

        kinesis.addTagsToStream(b -> b.streamName("od").tags(Map.of("env", "test", "owner", "alice")));
        var tags = kinesis.listTagsForStream(b -> b.streamName("od"));
        assertEquals(List.of("env", "owner", "team"), tags.tags().stream().map(t -> t.key()).toList());
        assertFalse(tags.hasMoreTags());
        var page = kinesis.listTagsForStream(b -> b.streamARN(arn("od")).limit(1).exclusiveStartTagKey("env"));
        assertEquals("owner", page.tags().get(0).key());
        assertTrue(page.hasMoreTags());
        kinesis.removeTagsFromStream(b -> b.streamName("od").tagKeys("env", "nope"));
        assertEquals(2, kinesis.listTagsForStream(b -> b.streamName("od")).tags().size());

        kinesis.startStreamEncryption(b -> b.streamName("od").encryptionType("KMS").keyId("alias/aws/kinesis"));
        StreamDescriptionSummary encrypted = kinesis.describeStreamSummary(b -> b.streamName("od"))
                .streamDescriptionSummary();
        assertEquals("KMS", encrypted.encryptionTypeAsString());
        assertEquals("alias/aws/kinesis", encrypted.keyId());
        assertEquals("KMS", kinesis.putRecord(b -> b.streamName("od").partitionKey("k")
                .data(SdkBytes.fromUtf8String("secret"))).encryptionTypeAsString());
        assertThrows(InvalidArgumentException.class, () -> kinesis.stopStreamEncryption(b -> b.streamName("od")
                .encryptionType("KMS").keyId("alias/other")));
        kinesis.stopStreamEncryption(b -> b.streamName("od").encryptionType("KMS").keyId("alias/aws/kinesis"));
        assertEquals("NONE", kinesis.describeStreamSummary(b -> b.streamName("od")).streamDescriptionSummary()
                .encryptionTypeAsString());
    }

    @Test
    void consumers_registerDescribeListDeregister() {
        kinesis.createStream(b -> b.streamName("efo").shardCount(1));
        var registered = kinesis.registerStreamConsumer(b -> b.streamARN(arn("efo")).consumerName("app-1")).consumer();
        assertEquals("app-1", registered.consumerName());
        assertTrue(registered.consumerARN().startsWith(arn("efo") + "/consumer/app-1:"), registered.consumerARN());
        assertEquals("ACTIVE", registered.consumerStatusAsString());
        kinesis.registerStreamConsumer(b -> b.streamARN(arn("efo")).consumerName("app-2"));
        assertThrows(ResourceInUseException.class, () -> kinesis.registerStreamConsumer(b -> b.streamARN(arn("efo"))
                .consumerName("app-1")));

        var byArn = kinesis.describeStreamConsumer(b -> b.consumerARN(registered.consumerARN())).consumerDescription();
        assertEquals(arn("efo"), byArn.streamARN());
        assertEquals(registered.consumerCreationTimestamp(), byArn.consumerCreationTimestamp());
        assertEquals(registered.consumerARN(), kinesis.describeStreamConsumer(b -> b.streamARN(arn("efo"))
                .consumerName("app-1")).consumerDescription().consumerARN());
        var first = kinesis.listStreamConsumers(b -> b.streamARN(arn("efo")).maxResults(1));
        assertEquals(1, first.consumers().size());
        var second = kinesis.listStreamConsumers(b -> b.streamARN(arn("efo")).nextToken(first.nextToken()));
        assertEquals("app-2", second.consumers().get(0).consumerName());
        assertNull(second.nextToken());
        assertEquals(2, kinesis.describeStreamSummary(b -> b.streamName("efo")).streamDescriptionSummary()
                .consumerCount());

        assertThrows(ResourceInUseException.class, () -> kinesis.deleteStream(b -> b.streamName("efo")));
        kinesis.deregisterStreamConsumer(b -> b.consumerARN(registered.consumerARN()));
        kinesis.deregisterStreamConsumer(b -> b.streamARN(arn("efo")).consumerName("app-2"));
        assertThrows(ResourceNotFoundException.class, () -> kinesis.describeStreamConsumer(b -> b
                .consumerARN(registered.consumerARN())));
        assertTrue(kinesis.listStreamConsumers(b -> b.streamARN(arn("efo"))).consumers().isEmpty());
        kinesis.registerStreamConsumer(b -> b.streamARN(arn("efo")).consumerName("app-3"));
        kinesis.deleteStream(b -> b.streamName("efo").enforceConsumerDeletion(true));
        assertThrows(ResourceNotFoundException.class, () -> kinesis.describeStream(b -> b.streamName("efo")));
    }

    /** Writes while resharding (split, merge, update shard count), then reads parents before children. */
    @Test
    void everythingWritten_comesBackOnceInPerKeyOrder_acrossResharding() {
        kinesis.createStream(b -> b.streamName("reshard").shardCount(2));
        Map<String, Integer> next = new HashMap<>();
        Runnable writeBatch = () -> {
            List<PutRecordsRequestEntry> entries = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                String key = "key-" + (i % 40);
                int n = next.merge(key, 1, Integer::sum) - 1;
                entries.add(PutRecordsRequestEntry.builder().partitionKey(key)
                        .data(SdkBytes.fromUtf8String(key + ":" + n)).build());
            }
            assertEquals(0, kinesis.putRecords(b -> b.streamName("reshard").records(entries)).failedRecordCount());
        };
        writeBatch.run();
        Shard shard0 = kinesis.listShards(b -> b.streamName("reshard")).shards().get(0);
        BigInteger mid = new BigInteger(shard0.hashKeyRange().startingHashKey())
                .add(new BigInteger(shard0.hashKeyRange().endingHashKey())).shiftRight(1);
        kinesis.splitShard(b -> b.streamName("reshard").shardToSplit(shard0.shardId()).newStartingHashKey(mid.toString()));
        writeBatch.run();
        List<Shard> open = new ArrayList<>(kinesis.listShards(b -> b.streamName("reshard")
                .shardFilter(f -> f.type(ShardFilterType.AT_LATEST))).shards());
        open.sort((a, b) -> new BigInteger(a.hashKeyRange().startingHashKey())
                .compareTo(new BigInteger(b.hashKeyRange().startingHashKey())));
        kinesis.mergeShards(b -> b.streamName("reshard").shardToMerge(open.get(0).shardId())
                .adjacentShardToMerge(open.get(1).shardId()));
        writeBatch.run();
        assertEquals(2, kinesis.updateShardCount(b -> b.streamName("reshard").targetShardCount(4)
                .scalingType("UNIFORM_SCALING")).currentShardCount());
        writeBatch.run();

        Map<String, List<Integer>> seen = new HashMap<>();
        Set<String> done = new HashSet<>();
        Deque<String> ready = new ArrayDeque<>();
        List<Shard> shards = kinesis.listShards(b -> b.streamName("reshard")).shards();
        Map<String, Shard> byId = shards.stream().collect(Collectors.toMap(Shard::shardId, s -> s));
        shards.stream().filter(s -> s.parentShardId() == null).forEach(s -> ready.add(s.shardId()));
        while (!ready.isEmpty()) {
            String shardId = ready.poll();
            if (!done.add(shardId)) {
                continue;
            }
            String iterator = kinesis.getShardIterator(b -> b.streamName("reshard").shardId(shardId)
                    .shardIteratorType(ShardIteratorType.TRIM_HORIZON)).shardIterator();
            List<ChildShard> children = List.of();
            while (iterator != null) {
                String it = iterator;
                GetRecordsResponse page = kinesis.getRecords(b -> b.shardIterator(it));
                for (Record r : page.records()) {
                    String[] parts = r.data().asUtf8String().split(":");
                    seen.computeIfAbsent(parts[0], k -> new ArrayList<>()).add(Integer.parseInt(parts[1]));
                }
                if (page.hasChildShards() && !page.childShards().isEmpty()) {
                    children = page.childShards();
                }
                iterator = page.records().isEmpty() && page.nextShardIterator() != null
                        && byId.get(shardId).sequenceNumberRange().endingSequenceNumber() == null
                        ? null : page.nextShardIterator();
            }
            for (ChildShard child : children) {
                if (done.containsAll(child.parentShards())) {
                    ready.add(child.shardId());
                }
            }
        }
        assertEquals(shards.size(), done.size(), "every shard reached through lineage");
        assertEquals(next.keySet(), seen.keySet());
        for (Map.Entry<String, Integer> e : next.entrySet()) {
            assertEquals(IntStream.range(0, e.getValue()).boxed().toList(), seen.get(e.getKey()), e.getKey());
        }
    }
}
