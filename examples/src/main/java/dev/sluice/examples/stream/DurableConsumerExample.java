package dev.sluice.examples.stream;

import dev.sluice.stream.ConsumerApplication;
import dev.sluice.stream.ConsumerRecord;
import dev.sluice.stream.FsyncPolicy;
import dev.sluice.stream.PutRecordsRequestEntry;
import dev.sluice.stream.ShardIteratorType;
import dev.sluice.stream.Storage;
import dev.sluice.stream.StreamEngine;
import dev.sluice.stream.ThrottleMode;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * A service that ingests into a durable stream, is stopped and restarted, and whose consumer application
 * resumes from its checkpoint: every record is processed exactly once across the restart.
 *
 * <p>Durable storage needs Chronicle Queue's JVM flags on JDK 17+:
 * <pre>{@code
 * java --add-exports=java.base/sun.nio.ch=ALL-UNNAMED --add-opens=java.base/java.lang.reflect=ALL-UNNAMED \
 *      --add-exports=java.base/jdk.internal.ref=ALL-UNNAMED \
 *      -cp examples/target/sluice-demo.jar dev.sluice.examples.stream.DurableConsumerExample [--dir DIR] [--records N]
 * }</pre>
 * {@code N} is the number of records each run produces (default 20,000).
 */
public final class DurableConsumerExample {

    private static final String STREAM = "orders";
    private static final int DEFAULT_PER_RUN = 20_000;
    private static final int BATCH = 500;

    private DurableConsumerExample() {
    }

    /**
     * Runs the service twice on one data directory; exits with status 1 unless every record was processed once.
     *
     * @param args {@code --dir DIR} (default: a new temporary directory; a bare path is also read as the directory),
     *             {@code --records N} per run (default 20,000, a multiple of 500)
     * @throws Exception if the data directory cannot be created
     */
    public static void main(String[] args) throws Exception {
        if (!run(args)) {
            System.exit(1);
        }
    }

    /**
     * Runs the service twice on one data directory.
     *
     * @param args as {@link #main}
     * @return whether every record was processed exactly once across both runs
     * @throws Exception if the data directory cannot be created
     */
    static boolean run(String[] args) throws Exception {
        Path dataDir = null;
        int perRun = DEFAULT_PER_RUN;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--dir" -> dataDir = Path.of(args[++i]);
                case "--records" -> perRun = Integer.parseInt(args[++i]);
                default -> dataDir = Path.of(args[i]);
            }
        }
        if (perRun < BATCH || perRun % BATCH != 0) {
            throw new IllegalArgumentException("--records must be a positive multiple of " + BATCH + " but was " + perRun);
        }
        if (dataDir == null) {
            dataDir = Files.createTempDirectory("sluice-durable-");
        }
        BitSet processed = new BitSet();
        AtomicInteger duplicates = new AtomicInteger();

        System.out.println("Data directory: " + dataDir);
        runService(1, dataDir, 0, perRun, processed, duplicates);
        System.out.println("Service stopped. Starting it again on the same directory...");
        runService(2, dataDir, perRun, perRun, processed, duplicates);

        int expected = 2 * perRun;
        boolean exact = processed.cardinality() == expected && processed.nextClearBit(0) == expected && duplicates.get() == 0;
        System.out.printf("Across both runs: %,d records produced, %,d processed, %d processed twice, %d missing -> %s%n",
                expected, processed.cardinality(), duplicates.get(), expected - processed.cardinality(),
                exact ? "every record processed exactly once" : "MISMATCH");
        return exact;
    }

    /** One life of the service: open the engine, produce, consume until caught up, stop. */
    private static void runService(int run, Path dataDir, int firstId, int perRun, BitSet processed,
                                   AtomicInteger duplicates) {
        Storage storage = Storage.durable(dataDir).withFsyncPolicy(FsyncPolicy.interval(Duration.ofMillis(100)));
        // BLOCK: over the Kinesis shard limits the producer waits for capacity instead of being refused.
        try (StreamEngine engine = StreamEngine.builder().storage(storage).throttleMode(ThrottleMode.BLOCK).build()) {
            if (engine.listStreams().contains(STREAM)) {
                System.out.printf("Run %d: recovered stream %s with %d shards from disk%n", run, STREAM,
                        engine.listShards(STREAM).size());
            } else {
                engine.createStream(STREAM, 4);
                System.out.printf("Run %d: created stream %s with 4 shards%n", run, STREAM);
            }
            for (int id = firstId; id < firstId + perRun; id += BATCH) {
                List<PutRecordsRequestEntry> batch = new ArrayList<>(BATCH);
                for (int i = id; i < id + BATCH; i++) {
                    batch.add(PutRecordsRequestEntry.of("customer-" + (i % 997), ("order-" + i).getBytes(StandardCharsets.UTF_8)));
                }
                if (engine.putRecords(STREAM, batch).failedRecordCount() > 0) {
                    throw new IllegalStateException("a put failed after waiting the block timeout for capacity");
                }
            }
            System.out.printf("Run %d: produced orders %,d..%,d (paced by the shards' 1,000 records/s limits)%n", run, firstId,
                    firstId + perRun - 1);

            AtomicInteger thisRun = new AtomicInteger();
            ConsumerApplication billing = ConsumerApplication.builder(engine)
                    .applicationName("billing").streamName(STREAM)
                    .initialPosition(ShardIteratorType.trimHorizon())
                    .pollInterval(Duration.ofMillis(50))
                    .processor(input -> {
                        for (ConsumerRecord record : input.records()) {
                            String text = StandardCharsets.UTF_8.decode(record.data()).toString();
                            int id = Integer.parseInt(text.substring("order-".length()));
                            synchronized (processed) {
                                if (processed.get(id)) {
                                    duplicates.incrementAndGet();
                                }
                                processed.set(id);
                            }
                            thisRun.incrementAndGet();
                        }
                        input.checkpointer().checkpoint();
                    })
                    .build();
            try {
                long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                while (thisRun.get() < perRun && System.nanoTime() < deadline) {
                    LockSupport.parkNanos(Duration.ofMillis(10).toNanos());
                }
            } finally {
                billing.close(); // graceful: in-flight batches finish and their checkpoints are written
            }
            System.out.printf("Run %d: the billing application processed %,d records (%s)%n", run, thisRun.get(),
                    run == 1 ? "from TRIM_HORIZON" : "resuming after its checkpoint on disk");
        }
    }
}
