package dev.sluice.server;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.kinesis.model.DryRunOperationException;
import software.amazon.awssdk.services.kinesis.model.InvalidArgumentException;
import software.amazon.awssdk.services.kinesis.model.KinesisException;
import software.amazon.awssdk.services.kinesis.model.LimitExceededException;
import software.amazon.awssdk.services.kinesis.model.PutRecordsRequestEntry;
import software.amazon.awssdk.services.kinesis.model.PutRecordsResponse;
import software.amazon.awssdk.services.kinesis.model.Record;
import software.amazon.awssdk.services.kinesis.model.RecordDistributionStrategy;
import software.amazon.awssdk.services.kinesis.model.ResourceInUseException;
import software.amazon.awssdk.services.kinesis.model.ResourceNotFoundException;
import software.amazon.awssdk.services.kinesis.model.ShardIteratorType;
import software.amazon.awssdk.services.kinesis.model.StreamDescriptionSummary;
import software.amazon.awssdk.services.kinesis.model.StreamMode;
import software.amazon.awssdk.services.kinesis.model.StreamStatus;
import software.amazon.awssdk.services.kinesis.model.UpdateStreamWarmThroughputResponse;
import software.amazon.awssdk.services.kinesis.model.ValidationException;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The 2026 record-path operations and members through the real SDK v2 {@link KinesisClient} (2.59.1 model):
 * UpdateMaxRecordSize and 10 MiB records, UpdateStreamRecordDistributionStrategy, UpdateStreamWarmThroughput, the
 * new CreateStream members, PutRecord(s) and GetShardIterator DryRun, StreamId; one test per error each documents
 * that Sluice can produce. Run in CBOR and in JSON by the subclasses.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class KinesisRecordPathContract {

    static final int MIB = 1 << 20;
    static final String SHARD0 = "shardId-000000000000";
    static final String MAX_HASH_KEY = "340282366920938463463374607431768211455";
    private static final Duration WAIT = Duration.ofSeconds(60);

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

    private static String arn(String stream) {
        return "arn:aws:kinesis:us-east-1:000000000000:stream/" + stream;
    }

    private String name(String base) {
        return base + (cbor() ? "-cbor" : "-json");
    }

    static byte[] blob(int size, int seed) {
        byte[] data = new byte[size];
        data[0] = 'L';
        for (int i = 1; i < size; i++) {
            data[i] = (byte) (i * 31 + seed);
        }
        return data;
    }

    private List<Record> readShard(String stream, String shardId) {
        String iterator = kinesis.getShardIterator(b -> b.streamName(stream).shardId(shardId)
                .shardIteratorType(ShardIteratorType.TRIM_HORIZON)).shardIterator();
        return kinesis.getRecords(b -> b.shardIterator(iterator)).records();
    }

    private StreamDescriptionSummary summary(String stream) {
        return kinesis.describeStreamSummary(b -> b.streamName(stream)).streamDescriptionSummary();
    }

    private void awaitActive(String stream) {
        await().atMost(WAIT).until(() -> summary(stream).streamStatus() == StreamStatus.ACTIVE);
    }

    // --- Large records -----------------------------------------------------------------------------------------

    @Test
    void createStream_withMaxRecordSize_takesATenMiBPutRecord_readBackByteIdentical() {
        String stream = name("big");
        kinesis.createStream(b -> b.streamName(stream).shardCount(1).maxRecordSizeInKiB(10_240));
        assertEquals(10_240, summary(stream).maxRecordSizeInKiB());
        byte[] data = blob(10 * MIB - 1, 1); // with the 1-byte key: exactly 10 MiB
        String sequence = kinesis.putRecord(b -> b.streamName(stream).partitionKey("k")
                .data(SdkBytes.fromByteArray(data))).sequenceNumber();
        List<Record> read = readShard(stream, SHARD0);
        assertEquals(1, read.size());
        assertEquals(sequence, read.get(0).sequenceNumber());
        assertArrayEquals(data, read.get(0).data().asByteArray());

        ValidationException tooBig = assertThrows(ValidationException.class, () -> kinesis.putRecord(b -> b
                .streamName(stream).partitionKey("k").data(SdkBytes.fromByteArray(new byte[10 * MIB]))));
        assertEquals(400, tooBig.statusCode());
        assertTrue(tooBig.getMessage().contains("10485760"), tooBig.getMessage());
    }

    @Test
    void putRecords_aTenMiBRequestOnALargeRecordStream_isAccepted() {
        String stream = name("bigbatch");
        kinesis.createStream(b -> b.streamName(stream).shardCount(2)); // one large record per shard: each bursts once
        kinesis.updateMaxRecordSize(b -> b.streamARN(arn(stream)).maxRecordSizeInKiB(10_240));
        byte[] first = blob(6 * MIB, 2);
        byte[] second = blob(4 * MIB - 2, 3); // 6 MiB + 1 + 4 MiB - 2 + 1 = 10 MiB
        PutRecordsResponse put = kinesis.putRecords(b -> b.streamName(stream).records(
                PutRecordsRequestEntry.builder().partitionKey("a").explicitHashKey("0")
                        .data(SdkBytes.fromByteArray(first)).build(),
                PutRecordsRequestEntry.builder().partitionKey("b").explicitHashKey(MAX_HASH_KEY)
                        .data(SdkBytes.fromByteArray(second)).build()));
        assertEquals(0, put.failedRecordCount(), put.records().toString());
        assertArrayEquals(first, readShard(stream, SHARD0).get(0).data().asByteArray());
        assertArrayEquals(second, readShard(stream, "shardId-000000000001").get(0).data().asByteArray());
    }

    @Test
    void putRecord_overTheStreamsMaximum_isValidationExceptionNamingTheLimit() {
        String stream = name("small");
        kinesis.createStream(b -> b.streamName(stream).shardCount(1));
        assertEquals(1024, summary(stream).maxRecordSizeInKiB());
        ValidationException e = assertThrows(ValidationException.class, () -> kinesis.putRecord(b -> b
                .streamName(stream).partitionKey("k").data(SdkBytes.fromByteArray(new byte[2 * MIB]))));
        assertTrue(e.getMessage().contains("MaxRecordSizeInKiB 1024"), e.getMessage());
        ValidationException batch = assertThrows(ValidationException.class, () -> kinesis.putRecords(b -> b
                .streamName(stream).records(PutRecordsRequestEntry.builder().partitionKey("k")
                        .data(SdkBytes.fromByteArray(new byte[2 * MIB])).build())));
        assertEquals(400, batch.statusCode());
    }

    @Test
    void updateMaxRecordSize_errors_validationNotFoundInvalidArgumentInUse() {
        String stream = name("mrs");
        kinesis.createStream(b -> b.streamName(stream).streamModeDetails(m -> m.streamMode(StreamMode.ON_DEMAND)));
        ValidationException range = assertThrows(ValidationException.class,
                () -> kinesis.updateMaxRecordSize(b -> b.streamARN(arn(stream)).maxRecordSizeInKiB(1023)));
        assertTrue(range.getMessage().contains("1024 and 10240"), range.getMessage());
        assertThrows(ValidationException.class,
                () -> kinesis.updateMaxRecordSize(b -> b.streamARN(arn(stream)).maxRecordSizeInKiB(10_241)));
        assertThrows(ResourceNotFoundException.class,
                () -> kinesis.updateMaxRecordSize(b -> b.streamARN(arn(name("nope"))).maxRecordSizeInKiB(2048)));
        assertThrows(InvalidArgumentException.class, () -> kinesis.updateMaxRecordSize(b -> b
                .streamARN("arn:aws:kinesis:eu-west-1:000000000000:stream/" + stream).maxRecordSizeInKiB(2048)));
        kinesis.updateStreamWarmThroughput(b -> b.streamARN(arn(stream)).warmThroughputMiBps(64));
        assertThrows(ResourceInUseException.class,
                () -> kinesis.updateMaxRecordSize(b -> b.streamARN(arn(stream)).maxRecordSizeInKiB(2048)));
        awaitActive(stream);
        kinesis.updateMaxRecordSize(b -> b.streamARN(arn(stream)).maxRecordSizeInKiB(2048));
        assertEquals(2048, summary(stream).maxRecordSizeInKiB());
    }

    // --- Record distribution -----------------------------------------------------------------------------------

    @Test
    void updateStreamRecordDistributionStrategy_auto_spreadsOneKeyOverEveryShard() {
        String stream = name("auto");
        kinesis.createStream(b -> b.streamName(stream).streamModeDetails(m -> m.streamMode(StreamMode.ON_DEMAND)));
        assertEquals(RecordDistributionStrategy.USER_PARTITION_KEY, summary(stream).recordDistributionStrategy());
        kinesis.updateStreamRecordDistributionStrategy(b -> b.streamARN(arn(stream))
                .recordDistributionStrategy(RecordDistributionStrategy.AUTO));
        assertEquals(RecordDistributionStrategy.AUTO, summary(stream).recordDistributionStrategy());
        PutRecordsResponse put = kinesis.putRecords(b -> b.streamName(stream).records(IntStream.range(0, 8)
                .mapToObj(i -> PutRecordsRequestEntry.builder().partitionKey("same").explicitHashKey("0")
                        .data(SdkBytes.fromUtf8String("r" + i)).build()).toList()));
        Set<String> shards = new HashSet<>();
        put.records().forEach(r -> shards.add(r.shardId()));
        assertEquals(4, shards.size(), shards.toString());
    }

    @Test
    void updateStreamRecordDistributionStrategy_errors_invalidArgumentValidationNotFoundInUse() {
        String provisioned = name("prov");
        kinesis.createStream(b -> b.streamName(provisioned).shardCount(1));
        InvalidArgumentException e = assertThrows(InvalidArgumentException.class, () -> kinesis
                .updateStreamRecordDistributionStrategy(b -> b.streamARN(arn(provisioned))
                        .recordDistributionStrategy(RecordDistributionStrategy.AUTO)));
        assertTrue(e.getMessage().contains("ON_DEMAND"), e.getMessage());
        assertThrows(ValidationException.class, () -> kinesis.updateStreamRecordDistributionStrategy(b -> b
                .streamARN(arn(provisioned)).recordDistributionStrategy("SOMETIMES")));
        assertThrows(ResourceNotFoundException.class, () -> kinesis.updateStreamRecordDistributionStrategy(b -> b
                .streamARN(arn(name("nope"))).recordDistributionStrategy(RecordDistributionStrategy.AUTO)));
        String onDemand = name("rds");
        kinesis.createStream(b -> b.streamName(onDemand).streamModeDetails(m -> m.streamMode(StreamMode.ON_DEMAND)));
        kinesis.updateStreamWarmThroughput(b -> b.streamARN(arn(onDemand)).warmThroughputMiBps(64));
        assertThrows(ResourceInUseException.class, () -> kinesis.updateStreamRecordDistributionStrategy(b -> b
                .streamARN(arn(onDemand)).recordDistributionStrategy(RecordDistributionStrategy.AUTO)));
        awaitActive(onDemand);
    }

    // --- Warm throughput ---------------------------------------------------------------------------------------

    @Test
    void updateStreamWarmThroughput_scalesUpdatingThenActive_andIsReported() {
        String stream = name("warm");
        kinesis.createStream(b -> b.streamName(stream).streamModeDetails(m -> m.streamMode(StreamMode.ON_DEMAND)));
        UpdateStreamWarmThroughputResponse r = kinesis.updateStreamWarmThroughput(b -> b.streamName(stream)
                .warmThroughputMiBps(20));
        assertEquals(stream, r.streamName());
        assertEquals(arn(stream), r.streamARN());
        assertEquals(20, r.warmThroughput().targetMiBps());
        assertEquals(4, r.warmThroughput().currentMiBps());
        assertEquals(StreamStatus.UPDATING, summary(stream).streamStatus());
        awaitActive(stream);
        StreamDescriptionSummary s = summary(stream);
        assertEquals(20, s.openShardCount());
        assertEquals(20, s.warmThroughput().targetMiBps());
        assertEquals(20, s.warmThroughput().currentMiBps());
    }

    @Test
    void updateStreamWarmThroughput_errors_invalidArgumentLimitValidationNotFoundInUse() {
        String provisioned = name("wprov");
        kinesis.createStream(b -> b.streamName(provisioned).shardCount(1));
        assertThrows(InvalidArgumentException.class, () -> kinesis.updateStreamWarmThroughput(b -> b
                .streamName(provisioned).warmThroughputMiBps(4)));
        String stream = name("werr");
        kinesis.createStream(b -> b.streamName(stream).streamModeDetails(m -> m.streamMode(StreamMode.ON_DEMAND)));
        LimitExceededException limit = assertThrows(LimitExceededException.class, () -> kinesis
                .updateStreamWarmThroughput(b -> b.streamName(stream).warmThroughputMiBps(10_241)));
        assertTrue(limit.getMessage().contains("10240"), limit.getMessage());
        assertThrows(LimitExceededException.class, () -> kinesis.updateStreamWarmThroughput(b -> b.streamName(stream)
                .warmThroughputMiBps(10_000))); // 10,000 shards: over the account's 500
        assertThrows(ValidationException.class, () -> kinesis.updateStreamWarmThroughput(b -> b.streamName(stream)
                .warmThroughputMiBps(-1)));
        assertThrows(ResourceNotFoundException.class, () -> kinesis.updateStreamWarmThroughput(b -> b
                .streamName(name("nope")).warmThroughputMiBps(4)));
        kinesis.updateStreamWarmThroughput(b -> b.streamName(stream).warmThroughputMiBps(64));
        assertThrows(ResourceInUseException.class, () -> kinesis.updateStreamWarmThroughput(b -> b.streamName(stream)
                .warmThroughputMiBps(8)));
        awaitActive(stream);
    }

    @Test
    void createStream_withWarmThroughputAndAuto_startsScaledAndSpreading() {
        String stream = name("created");
        kinesis.createStream(b -> b.streamName(stream).streamModeDetails(m -> m.streamMode(StreamMode.ON_DEMAND))
                .warmThroughputMiBps(6).recordDistributionStrategy(RecordDistributionStrategy.AUTO)
                .maxRecordSizeInKiB(2048));
        StreamDescriptionSummary s = summary(stream);
        assertEquals(6, s.openShardCount());
        assertEquals(6, s.warmThroughput().targetMiBps());
        assertEquals(RecordDistributionStrategy.AUTO, s.recordDistributionStrategy());
        assertEquals(2048, s.maxRecordSizeInKiB());
        assertThrows(InvalidArgumentException.class, () -> kinesis.createStream(b -> b.streamName(name("bad"))
                .shardCount(1).recordDistributionStrategy(RecordDistributionStrategy.AUTO)));
        assertThrows(InvalidArgumentException.class, () -> kinesis.createStream(b -> b.streamName(name("bad"))
                .shardCount(1).warmThroughputMiBps(4)));
        assertThrows(ValidationException.class, () -> kinesis.createStream(b -> b.streamName(name("bad"))
                .shardCount(1).maxRecordSizeInKiB(512)));
    }

    // --- DryRun and StreamId ------------------------------------------------------------------------------------

    @Test
    void dryRun_validPuts_areDryRunOperationException_andWriteNothing() {
        String stream = name("dry");
        kinesis.createStream(b -> b.streamName(stream).shardCount(1));
        DryRunOperationException records = assertThrows(DryRunOperationException.class, () -> kinesis.putRecords(b -> b
                .streamName(stream).dryRun(true).records(PutRecordsRequestEntry.builder().partitionKey("k")
                        .data(SdkBytes.fromUtf8String("x")).build())));
        assertEquals(400, records.statusCode());
        assertThrows(DryRunOperationException.class, () -> kinesis.putRecord(b -> b.streamName(stream).dryRun(true)
                .partitionKey("k").data(SdkBytes.fromUtf8String("x"))));
        assertThrows(DryRunOperationException.class, () -> kinesis.getShardIterator(b -> b.streamName(stream)
                .shardId(SHARD0).shardIteratorType(ShardIteratorType.TRIM_HORIZON).dryRun(true)));
        assertTrue(readShard(stream, SHARD0).isEmpty());
        // A dry run that would fail fails as the put would.
        assertThrows(ValidationException.class, () -> kinesis.putRecords(b -> b.streamName(stream).dryRun(true)
                .records(PutRecordsRequestEntry.builder().partitionKey("k")
                        .data(SdkBytes.fromByteArray(new byte[2 * MIB])).build())));
        assertThrows(ResourceNotFoundException.class, () -> kinesis.putRecords(b -> b.streamName(name("nope"))
                .dryRun(true).records(PutRecordsRequestEntry.builder().partitionKey("k")
                        .data(SdkBytes.fromUtf8String("x")).build())));
        PutRecordsResponse real = kinesis.putRecords(b -> b.streamName(stream).dryRun(false).records(
                PutRecordsRequestEntry.builder().partitionKey("k").data(SdkBytes.fromUtf8String("x")).build()));
        assertEquals(0, real.failedRecordCount());
        assertEquals(1, readShard(stream, SHARD0).size());
    }

    @Test
    void streamId_isReported_identifiesTheStream_andAMismatchIsNotFound() {
        try (KinesisClient pinned = Clients.kinesisPinned(server.endpoint(), cbor())) {
            streamIdChecks(pinned);
        }
    }

    private void streamIdChecks(KinesisClient kinesis) {
        String stream = name("ids");
        kinesis.createStream(b -> b.streamName(stream).shardCount(1));
        String id = summary(stream).streamId();
        assertTrue(id.matches("[a-z0-9]{20}-[a-z0-9]{3}"), id);
        assertEquals(stream, kinesis.describeStreamSummary(b -> b.streamId(id)).streamDescriptionSummary().streamName());
        assertEquals(stream, kinesis.describeStreamSummary(b -> b.streamName(stream).streamId(id))
                .streamDescriptionSummary().streamName());
        kinesis.putRecord(b -> b.streamARN(arn(stream)).streamId(id).partitionKey("k").data(SdkBytes.fromUtf8String("x")));
        kinesis.updateMaxRecordSize(b -> b.streamId(id).maxRecordSizeInKiB(4096));
        assertEquals(4096, summary(stream).maxRecordSizeInKiB());
        String other = "aaaaaaaaaaaaaaaaaaaa-aaa";
        assertThrows(ResourceNotFoundException.class, () -> kinesis.describeStreamSummary(b -> b.streamName(stream)
                .streamId(other)));
        assertThrows(ResourceNotFoundException.class, () -> kinesis.putRecords(b -> b.streamARN(arn(stream))
                .streamId(other).records(PutRecordsRequestEntry.builder().partitionKey("k")
                        .data(SdkBytes.fromUtf8String("x")).build())));
        assertThrows(ResourceNotFoundException.class, () -> kinesis.describeStreamSummary(b -> b.streamId(other)));
        KinesisException malformed = assertThrows(KinesisException.class, () -> kinesis.describeStreamSummary(b -> b
                .streamName(stream).streamId("NOT-AN-ID")));
        assertEquals("ValidationException", malformed.awsErrorDetails().errorCode());
    }
}
