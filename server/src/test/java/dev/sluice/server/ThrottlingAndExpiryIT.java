package dev.sluice.server;

import dev.sluice.stream.StreamEngine;
import dev.sluice.stream.testing.ManualClock;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.kinesis.model.ExpiredIteratorException;
import software.amazon.awssdk.services.kinesis.model.ExpiredNextTokenException;
import software.amazon.awssdk.services.kinesis.model.ProvisionedThroughputExceededException;
import software.amazon.awssdk.services.kinesis.model.PutRecordsRequestEntry;
import software.amazon.awssdk.services.kinesis.model.PutRecordsResponse;
import software.amazon.awssdk.services.kinesis.model.ShardIteratorType;

import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Errors that depend on time, on an engine and server driven by a {@link ManualClock}: shard write throttling,
 * iterator expiry (5 minutes) and NextToken expiry (300 s). SDK retries are off, so the SDK sees the first answer.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ThrottlingAndExpiryIT {

    private final ManualClock time = new ManualClock();
    private StreamEngine engine;
    private SluiceServer server;
    private KinesisClient kinesis;

    @BeforeAll
    void start() {
        engine = StreamEngine.builder().clock(time).ticker(time).build();
        server = SluiceServer.builder().engine(engine).clock(time).port(0).build().start();
        kinesis = Clients.kinesis(server.endpoint(), true, false);
    }

    @AfterAll
    void stop() {
        kinesis.close();
        server.close();
        engine.close();
    }

    private static List<PutRecordsRequestEntry> batch(int n) {
        return IntStream.range(0, n).mapToObj(i -> PutRecordsRequestEntry.builder().partitionKey("k")
                .data(SdkBytes.fromUtf8String("x")).build()).toList();
    }

    @Test
    void overTheShardLimit_putRecordThrowsAndPutRecordsFailsEntries() {
        kinesis.createStream(b -> b.streamName("hot").shardCount(1));
        assertEquals(0, kinesis.putRecords(b -> b.streamName("hot").records(batch(500))).failedRecordCount());
        assertEquals(0, kinesis.putRecords(b -> b.streamName("hot").records(batch(500))).failedRecordCount());

        ProvisionedThroughputExceededException e = assertThrows(ProvisionedThroughputExceededException.class,
                () -> kinesis.putRecord(b -> b.streamName("hot").partitionKey("k").data(SdkBytes.fromUtf8String("x"))));
        assertTrue(e.getMessage().contains("shardId-000000000000"), e.getMessage());
        PutRecordsResponse partial = kinesis.putRecords(b -> b.streamName("hot").records(batch(3)));
        assertEquals(3, partial.failedRecordCount());
        assertEquals("ProvisionedThroughputExceededException", partial.records().get(0).errorCode());

        time.advance(Duration.ofSeconds(1));
        assertEquals(0, kinesis.putRecords(b -> b.streamName("hot").records(batch(3))).failedRecordCount());
    }

    @Test
    void iteratorOlderThanFiveMinutes_isExpired() {
        kinesis.createStream(b -> b.streamName("slow").shardCount(1));
        String iterator = kinesis.getShardIterator(b -> b.streamName("slow").shardId("shardId-000000000000")
                .shardIteratorType(ShardIteratorType.TRIM_HORIZON)).shardIterator();
        time.advance(Duration.ofMinutes(5).plusSeconds(1));
        assertThrows(ExpiredIteratorException.class, () -> kinesis.getRecords(b -> b.shardIterator(iterator)));
    }

    @Test
    void nextTokenOlderThan300Seconds_isExpired() {
        kinesis.createStream(b -> b.streamName("paged").shardCount(3));
        String token = kinesis.listShards(b -> b.streamName("paged").maxResults(1)).nextToken();
        time.advance(Duration.ofSeconds(301));
        assertThrows(ExpiredNextTokenException.class, () -> kinesis.listShards(b -> b.nextToken(token)));
    }
}
