package dev.sluice.stream;

import dev.sluice.stream.testing.ManualClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** PutRecord(s) DryRun (validate, write nothing) and the Kinesis StreamId each stream gets. */
class DryRunAndStreamIdTest {

    @TempDir
    Path directory;

    private final ManualClock time = new ManualClock();
    private final List<StreamEngine> engines = new ArrayList<>();

    @AfterEach
    void close() {
        engines.forEach(StreamEngine::close);
    }

    private StreamEngine engine(Storage storage) {
        StreamEngine engine = StreamEngine.builder().time(time).storage(storage).build();
        engines.add(engine);
        return engine;
    }

    @Test
    void dryRun_validRecords_writeNothing() {
        StreamEngine engine = engine(Storage.inMemory());
        engine.createStream("s", 1);
        engine.dryRunPutRecord(PutRecordRequest.of("s", "k", new byte[10]));
        engine.dryRunPutRecords("s", List.of(PutRecordsRequestEntry.of("a", new byte[10]),
                PutRecordsRequestEntry.of("b", new byte[10]).withExplicitHashKey("7")));
        GetRecordsResult read = engine.getRecords(engine.getShardIterator("s", "shardId-000000000000",
                ShardIteratorType.trimHorizon()));
        assertTrue(read.records().isEmpty());
    }

    @Test
    void dryRun_invalidRequests_failAsTheRealPutWould() {
        StreamEngine engine = engine(Storage.inMemory());
        engine.createStream("s", 1);
        assertEquals(ErrorCode.RESOURCE_NOT_FOUND, assertThrows(StreamException.class,
                () -> engine.dryRunPutRecords("nope", List.of(PutRecordsRequestEntry.of("a", new byte[1])))).errorCode());
        assertEquals(ErrorCode.VALIDATION, assertThrows(StreamException.class,
                () -> engine.dryRunPutRecords("s", List.of(PutRecordsRequestEntry.of("a", new byte[2 << 20])))).errorCode());
        assertEquals(ErrorCode.VALIDATION, assertThrows(StreamException.class,
                () -> engine.dryRunPutRecords("s", List.of())).errorCode());
        assertEquals(ErrorCode.VALIDATION, assertThrows(StreamException.class,
                () -> engine.dryRunPutRecord(PutRecordRequest.of("s", "k", new byte[2 << 20]))).errorCode());
        assertEquals(ErrorCode.RESOURCE_NOT_FOUND, assertThrows(StreamException.class,
                () -> engine.dryRunPutRecord(PutRecordRequest.of("nope", "k", new byte[1]))).errorCode());
    }

    @Test
    void streamId_matchesKinesisPattern_isStableAcrossRestarts_andNewForARecreatedStream() {
        StreamEngine first = engine(Storage.durable(directory));
        first.createStream("s", 1);
        String id = first.describeStreamSummary("s").streamId();
        assertTrue(id.matches("[a-z0-9]{20}-[a-z0-9]{3}"), id);
        first.close();
        engines.remove(first);
        StreamEngine second = engine(Storage.durable(directory));
        assertEquals(id, second.describeStreamSummary("s").streamId());
        second.deleteStream("s");
        second.createStream("s", 1);
        assertNotEquals(id, second.describeStreamSummary("s").streamId());
    }
}
