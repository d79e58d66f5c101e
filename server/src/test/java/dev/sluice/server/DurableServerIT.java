package dev.sluice.server;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.kinesis.model.ShardIteratorType;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** A server with a data directory keeps streams and records across a restart (Chronicle Queue storage). */
class DurableServerIT {

    @Test
    void dataDirectory_keepsStreamsAndRecordsAcrossARestart(@TempDir Path data) {
        String sequence;
        try (SluiceServer first = SluiceServer.builder().port(0).dataDirectory(data).build().start();
             KinesisClient kinesis = Clients.kinesis(first.endpoint(), true, false)) {
            kinesis.createStream(b -> b.streamName("kept").shardCount(1));
            sequence = kinesis.putRecord(b -> b.streamName("kept").partitionKey("k")
                    .data(SdkBytes.fromUtf8String("survives"))).sequenceNumber();
        }
        try (SluiceServer second = SluiceServer.builder().port(0).dataDirectory(data).build().start();
             KinesisClient kinesis = Clients.kinesis(second.endpoint(), true, false)) {
            assertEquals(List.of("kept"), kinesis.listStreams().streamNames());
            String iterator = kinesis.getShardIterator(b -> b.streamName("kept").shardId("shardId-000000000000")
                    .shardIteratorType(ShardIteratorType.TRIM_HORIZON)).shardIterator();
            var records = kinesis.getRecords(b -> b.shardIterator(iterator)).records();
            assertEquals(1, records.size());
            assertEquals(sequence, records.get(0).sequenceNumber());
            assertEquals("survives", records.get(0).data().asUtf8String());
        }
    }
}
