package dev.sluice.stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Every writer wait strategy: the engine reports the one it was built with, and puts are written and read back. */
class WaitStrategyTest {

    @Test
    void default_isPhasedBackoff() {
        try (StreamEngine engine = StreamEngine.builder().build()) {
            assertEquals(WaitStrategy.PHASED_BACKOFF, engine.waitStrategy());
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void everyStrategy_writesConcurrentPuts_andReportsItself() {
        for (WaitStrategy strategy : WaitStrategy.values()) {
            try (StreamEngine engine = StreamEngine.builder().waitStrategy(strategy).writerThreads(2).build()) {
                assertEquals(strategy, engine.waitStrategy());
                engine.createStream("s", 4);
                // Puts from four threads at once, then one at a time: each waits for its record, so the writers go
                // idle between them and every put after the first wakes one (a parked writer under BLOCKING).
                List<CompletableFuture<Void>> producers = new ArrayList<>();
                for (int p = 0; p < 4; p++) {
                    int producer = p;
                    producers.add(CompletableFuture.runAsync(() -> {
                        for (int i = 0; i < 250; i++) {
                            engine.putRecord(PutRecordRequest.of("s", "k-" + producer + "-" + i,
                                    ("r" + i).getBytes(StandardCharsets.UTF_8)));
                        }
                    }));
                }
                producers.forEach(CompletableFuture::join);
                for (int i = 0; i < 20; i++) {
                    engine.putRecord(PutRecordRequest.of("s", "one-at-a-time-" + i, new byte[]{(byte) i}));
                }
                int read = 0;
                for (String shard : List.of("shardId-000000000000", "shardId-000000000001", "shardId-000000000002",
                        "shardId-000000000003")) {
                    read += engine.getRecords(engine.getShardIterator("s", shard, ShardIteratorType.trimHorizon()))
                            .records().size();
                }
                assertEquals(1_020, read, strategy + ": every acknowledged record is readable");
            }
        }
    }
}
