package dev.sluice.stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every Kinesis limit is refused with its error code and a message naming the limit and the value. */
class LimitsTest {

    private final StreamEngine engine = StreamEngine.builder().throttleMode(ThrottleMode.OFF).shardQuota(10).build();

    @AfterEach
    void close() {
        engine.close();
    }

    @Test
    void createStream_withInvalidName_throwsValidationNamingPattern() {
        assertError(ErrorCode.VALIDATION, "[a-zA-Z0-9_.-]", () -> engine.createStream("bad name", 1));
        assertError(ErrorCode.VALIDATION, "[a-zA-Z0-9_.-]", () -> engine.createStream("slash/name", 1));
        assertError(ErrorCode.VALIDATION, "but was 129", () -> engine.createStream("a".repeat(129), 1));
        assertError(ErrorCode.VALIDATION, "but was 0", () -> engine.createStream("", 1));
        engine.createStream("a".repeat(128), 1);
        engine.createStream("Az09_.-", 1);
    }

    @Test
    void createStream_withBadShardCountOrRetention_throws() {
        assertError(ErrorCode.VALIDATION, "shardCount must be >= 1 but was 0", () -> engine.createStream("s", 0));
        assertError(ErrorCode.INVALID_ARGUMENT, "[PT24H, PT8760H] but was PT23H",
                () -> engine.createStream(CreateStreamRequest.of("s", 1).withRetention(Duration.ofHours(23))));
        assertError(ErrorCode.INVALID_ARGUMENT, "but was PT8761H",
                () -> engine.createStream(CreateStreamRequest.of("s", 1).withRetention(Duration.ofHours(8_761))));
    }

    @Test
    void createStream_existingOrOverQuota_throws() {
        engine.createStream("s", 6);
        assertError(ErrorCode.RESOURCE_IN_USE, "already exists", () -> engine.createStream("s", 1));
        assertError(ErrorCode.LIMIT_EXCEEDED, "Current limit: 10", () -> engine.createStream("t", 5));
        engine.createStream("t", 4);
        engine.deleteStream("s");
        engine.createStream("u", 6);
    }

    @Test
    void putRecord_partitionKeyLength_mustBe1To256Characters() {
        engine.createStream("s", 1);
        assertError(ErrorCode.VALIDATION, "1-256 Unicode characters but was 0", () -> engine.putRecord("s", "", new byte[1]));
        assertError(ErrorCode.VALIDATION, "but was 257", () -> engine.putRecord("s", "k".repeat(257), new byte[1]));
        engine.putRecord("s", "k".repeat(256), new byte[1]);
        engine.putRecord("s", "😀".repeat(256), new byte[1]); // 256 characters, 512 UTF-16 units
    }

    @Test
    void putRecordsRequestEntry_keyAndSizeLimits_sameErrorsWhateverTheKeysCharacters() {
        int max = 10 * 1024 * 1024; // the largest MaxRecordSizeInKiB, checked when an entry is made
        assertError(ErrorCode.VALIDATION, "partitionKey must not be null", () -> PutRecordsRequestEntry.of(null, null));
        assertError(ErrorCode.VALIDATION, "1-256 Unicode characters but was 0", () -> PutRecordsRequestEntry.of("", null));
        assertError(ErrorCode.VALIDATION, "data must not be null", () -> PutRecordsRequestEntry.of("k", null));
        assertError(ErrorCode.VALIDATION, "but was 257", () -> PutRecordsRequestEntry.of("k".repeat(257), new byte[1]));
        assertError(ErrorCode.VALIDATION, "but was 257", () -> PutRecordsRequestEntry.of("😀".repeat(257), new byte[1]));
        PutRecordsRequestEntry.of("😀".repeat(256), new byte[1]); // 256 characters in 512 UTF-16 units
        // At the size limit the key's exact UTF-8 size counts: 256 ASCII chars are 256 bytes, 128 emoji 512, 256 "é" 512.
        PutRecordsRequestEntry.of("k".repeat(256), new byte[max - 256]);
        assertError(ErrorCode.VALIDATION, "(data 10485505 bytes + partition key 256 bytes = 10485761 bytes) exceeds",
                () -> PutRecordsRequestEntry.of("k".repeat(256), new byte[max - 255]));
        PutRecordsRequestEntry.of("😀".repeat(128), new byte[max - 512]);
        assertError(ErrorCode.VALIDATION, "partition key 512 bytes = 10485761 bytes",
                () -> PutRecordsRequestEntry.of("😀".repeat(128), new byte[max - 511]));
        PutRecordsRequestEntry.of("é".repeat(256), new byte[max - 512]);
        assertError(ErrorCode.VALIDATION, "partition key 512 bytes = 10485761 bytes",
                () -> PutRecordsRequestEntry.of("é".repeat(256), new byte[max - 511]));
        PutRecordRequest.of("s", "€".repeat(256), new byte[max - 768]);
        assertError(ErrorCode.VALIDATION, "partition key 768 bytes = 10485761 bytes",
                () -> PutRecordRequest.of("s", "€".repeat(256), new byte[max - 767]));
    }

    @Test
    void putRecord_dataPlusKeyOver1MiB_throwsNamingTheLimit() {
        engine.createStream("s", 1);
        assertError(ErrorCode.VALIDATION, "= 1048577 bytes) exceeds the maximum record size of stream s: 1048576 bytes",
                () -> engine.putRecord("s", "kk", new byte[1_048_575]));
        engine.putRecord("s", "k", new byte[1_048_575]);
    }

    @Test
    void putRecords_over500EntriesOr10MiB_throwsWholeRequest() {
        engine.createStream("s", 2);
        List<PutRecordsRequestEntry> tooMany = new ArrayList<>(Collections.nCopies(501, PutRecordsRequestEntry.of("k", new byte[1])));
        assertError(ErrorCode.VALIDATION, "1-500 entries but had 501", () -> engine.putRecords("s", tooMany));
        assertError(ErrorCode.VALIDATION, "but had 0", () -> engine.putRecords("s", List.of()));
        // Kinesis PutRecords takes 10 MiB per request since large records (5 MiB before).
        List<PutRecordsRequestEntry> tooBig = new ArrayList<>(Collections.nCopies(11, PutRecordsRequestEntry.of("k", new byte[1_000_000])));
        assertError(ErrorCode.INVALID_ARGUMENT, "11000011 bytes", () -> engine.putRecords("s", tooBig));
        assertEquals(0, engine.putRecords("s", tooBig.subList(0, 10)).failedRecordCount());
    }

    @Test
    void putRecord_explicitHashKeyOutOfRange_throwsInvalidArgument() {
        engine.createStream("s", 1);
        assertError(ErrorCode.INVALID_ARGUMENT, "explicitHashKey must be in [0, 340282366920938463463374607431768211455]",
                () -> engine.putRecord(PutRecordRequest.of("s", "k", new byte[1]).withExplicitHashKey("340282366920938463463374607431768211456")));
        assertError(ErrorCode.INVALID_ARGUMENT, "decimal integer",
                () -> engine.putRecord(PutRecordRequest.of("s", "k", new byte[1]).withExplicitHashKey("-1")));
    }

    @Test
    void operations_onUnknownStreamOrShard_throwResourceNotFound() {
        assertError(ErrorCode.RESOURCE_NOT_FOUND, "Stream nope under account 000000000000 not found.",
                () -> engine.putRecord("nope", "k", new byte[1]));
        assertError(ErrorCode.RESOURCE_NOT_FOUND, "not found", () -> engine.describeStreamSummary("nope"));
        assertError(ErrorCode.RESOURCE_NOT_FOUND, "not found", () -> engine.deleteStream("nope"));
        engine.createStream("s", 1);
        assertError(ErrorCode.RESOURCE_NOT_FOUND, "Shard shardId-000000000001 in stream s",
                () -> engine.getShardIterator("s", "shardId-000000000001", ShardIteratorType.latest()));
    }

    @Test
    void getRecords_limitOutsideRange_throwsInvalidArgument() {
        engine.createStream("s", 1);
        String iterator = engine.getShardIterator("s", "shardId-000000000000", ShardIteratorType.trimHorizon());
        assertError(ErrorCode.INVALID_ARGUMENT, "[1, 10000] but was 0", () -> engine.getRecords(iterator, 0));
        assertError(ErrorCode.INVALID_ARGUMENT, "but was 10001", () -> engine.getRecords(iterator, 10_001));
        engine.getRecords(iterator, 10_000);
    }

    @Test
    void getRecords_withGarbageIterator_throwsInvalidArgument() {
        engine.createStream("s", 1);
        String iterator = engine.getShardIterator("s", "shardId-000000000000", ShardIteratorType.trimHorizon());
        String flipped = (iterator.charAt(5) == 'A' ? 'B' : 'A') + "";
        assertError(ErrorCode.INVALID_ARGUMENT, "Invalid ShardIterator",
                () -> engine.getRecords(iterator.substring(0, 5) + flipped + iterator.substring(6)));
        assertError(ErrorCode.INVALID_ARGUMENT, "Invalid ShardIterator", () -> engine.getRecords("not-an-iterator!"));
        assertError(ErrorCode.INVALID_ARGUMENT, "Invalid ShardIterator", () -> engine.getRecords(iterator.substring(0, 20)));
    }

    @Test
    void getShardIterator_withSequenceNumberOfAnotherShard_throwsInvalidArgument() {
        engine.createStream("s", 2);
        PutRecordResult put = engine.putRecord(PutRecordRequest.of("s", "k", new byte[1]).withExplicitHashKey("0"));
        assertEquals("shardId-000000000000", put.shardId());
        assertError(ErrorCode.INVALID_ARGUMENT, "It encodes shardId-000000000000, while it was used in a call to a shard with shardId-000000000001",
                () -> engine.getShardIterator("s", "shardId-000000000001", ShardIteratorType.atSequenceNumber(put.sequenceNumber())));
        assertError(ErrorCode.INVALID_ARGUMENT, "not a sequence number",
                () -> engine.getShardIterator("s", "shardId-000000000000", ShardIteratorType.atSequenceNumber("12x")));
    }

    @Test
    void retentionChanges_outsideRangeOrWrongDirection_throwInvalidArgument() {
        engine.createStream("s", 1);
        engine.increaseStreamRetentionPeriod("s", Duration.ofHours(48));
        assertError(ErrorCode.INVALID_ARGUMENT, "can not be shorter than existing retention period (PT48H)",
                () -> engine.increaseStreamRetentionPeriod("s", Duration.ofHours(30)));
        assertError(ErrorCode.INVALID_ARGUMENT, "can not be longer than existing retention period (PT48H)",
                () -> engine.decreaseStreamRetentionPeriod("s", Duration.ofHours(50)));
        assertError(ErrorCode.INVALID_ARGUMENT, "[PT24H, PT8760H] but was PT8761H",
                () -> engine.increaseStreamRetentionPeriod("s", Duration.ofHours(8_761)));
        assertError(ErrorCode.INVALID_ARGUMENT, "but was PT12H", () -> engine.decreaseStreamRetentionPeriod("s", Duration.ofHours(12)));
        engine.decreaseStreamRetentionPeriod("s", Duration.ofHours(24));
        assertEquals(Duration.ofHours(24), engine.describeStreamSummary("s").retentionPeriod());
    }

    @Test
    void builder_withBadOption_namesOptionRangeAndValue() {
        StreamException e = assertThrows(StreamException.class,
                () -> StreamEngine.builder().ringBufferSize(1000).build());
        assertEquals(ErrorCode.INVALID_ARGUMENT, e.errorCode());
        assertTrue(e.getMessage().contains("ringBufferSize must be a power of two in [64, 16777216] but was 1000"), e.getMessage());
        e = assertThrows(StreamException.class, () -> StreamEngine.builder().writerThreads(0).build());
        assertEquals(ErrorCode.INVALID_ARGUMENT, e.errorCode());
        assertTrue(e.getMessage().contains("writerThreads must be in [1, 64] but was 0"), e.getMessage());
        e = assertThrows(StreamException.class, () -> new ShardLimits(0, 1, 1, 1));
        assertEquals(ErrorCode.INVALID_ARGUMENT, e.errorCode());
        e = assertThrows(StreamException.class, () -> StreamEngine.builder().region("eu-west-").build());
        assertEquals(ErrorCode.INVALID_ARGUMENT, e.errorCode());
        assertTrue(e.getMessage().contains("region must be an AWS region name such as us-east-1 but was 'eu-west-'"), e.getMessage());
    }

    @Test
    void isRegionName_acceptsExactlyWhatTheRegionPatternAccepts() {
        List<String> names = List.of("us-east-1", "eu-west-1", "ap-southeast-2", "us-gov-west-1", "cn-north-1", "il-central-1",
                "us-isob-east-1", "aa-0", "ab-c-d-9", "", "u", "us", "us-", "us-east-", "us--east-1", "-us-east-1", "US-east-1",
                "us-East-1", "u1-east-1", "use-1", "us_east_1", "us-east-1 ", "us-ea$t-1", "1s-east-1", "us-é-1");
        for (String name : names) {
            assertEquals(name.matches("[a-z]{2}(-[a-z0-9]+)+"), StreamEngine.Builder.isRegionName(name), name);
        }
    }

    @Test
    void closedEngine_refusesEveryOperation() {
        engine.createStream("s", 1);
        engine.close();
        assertError(ErrorCode.ENGINE_CLOSED, "closed", () -> engine.putRecord("s", "k", new byte[1]));
        assertError(ErrorCode.ENGINE_CLOSED, "closed", () -> engine.listStreams());
        assertError(ErrorCode.ENGINE_CLOSED, "closed", () -> engine.createStream("t", 1));
        engine.close(); // idempotent
    }

    static void assertError(ErrorCode code, String messagePart, Executable call) {
        StreamException e = assertThrows(StreamException.class, call);
        assertEquals(code, e.code(), e.getMessage());
        assertTrue(e.getMessage().contains(messagePart), () -> "message '" + e.getMessage() + "' should contain '" + messagePart + "'");
    }
}
