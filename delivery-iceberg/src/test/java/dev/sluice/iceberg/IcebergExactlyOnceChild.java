package dev.sluice.iceberg;

import dev.sluice.delivery.BufferingHints;
import dev.sluice.delivery.DeliveryStream;
import dev.sluice.delivery.Sink;
import dev.sluice.stream.PutRecordsRequestEntry;
import dev.sluice.stream.PutRecordsResult;
import dev.sluice.stream.StreamEngine;
import dev.sluice.stream.ThrottleMode;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The delivering process of {@link IcebergExactlyOnceIT}: rebuilds the same 4-shard stream (same keys, order and
 * fixed clock, hence the same sequence numbers), delivers it from the checkpoints in the state directory into a
 * bucket-partitioned Iceberg table of an embedded catalog, and exits 0 once every shard is checkpointed at its end.
 * The parent kills it with SIGKILL at random moments.
 */
public final class IcebergExactlyOnceChild {

    static final int SHARDS = 4;
    static final String SCHEMA = "{\"type\":\"record\",\"name\":\"r\",\"fields\":[{\"name\":\"i\",\"type\":\"long\"},"
            + "{\"name\":\"pad\",\"type\":\"string\"}]}";
    /** The upsert mode's table: unique key {@code k}, the record's number modulo {@link #KEYS}. */
    static final String UPSERT_SCHEMA = "{\"type\":\"record\",\"name\":\"r\",\"fields\":[{\"name\":\"i\",\"type\":\"long\"},"
            + "{\"name\":\"k\",\"type\":\"long\"},{\"name\":\"pad\",\"type\":\"string\"}]}";
    static final int KEYS = 1000;

    private IcebergExactlyOnceChild() {
    }

    /**
     * Runs one delivering process.
     *
     * @param args warehouse directory, state directory, record count, optionally N: halt the JVM (as SIGKILL
     *        does, no shutdown hooks) right after the N-th commit of this run, before its checkpoint can advance
     *        (0: never), and optionally {@code upsert}: records carry key {@code k = i % KEYS} (also their
     *        partition key, so a key's records stay in order on one shard), the first of each key is an insert and
     *        the others updates, into table {@code db.upserts} with unique key {@code k}
     * @throws Exception on any failure (the parent sees a non-zero exit)
     */
    public static void main(String[] args) throws Exception {
        Path warehouse = Path.of(args[0]);
        Path state = Path.of(args[1]);
        int count = Integer.parseInt(args[2]);
        int haltAfter = args.length > 3 ? Integer.parseInt(args[3]) : 0;
        boolean upsert = args.length > 4 && args[4].equals("upsert");
        // direct: an unpartitioned table, whose data files the delivery stream encodes (IcebergDestination's
        // parquetContent) instead of the destination converting the records.
        boolean direct = args.length > 4 && args[4].equals("direct");
        Clock fixed = Clock.fixed(Instant.parse("2026-05-06T07:08:09Z"), ZoneOffset.UTC);
        try (StreamEngine engine = StreamEngine.builder().clock(fixed).throttleMode(ThrottleMode.OFF).build();
             IcebergCatalog catalog = IcebergCatalog.embedded(warehouse)) {
            engine.createStream("source", SHARDS);
            List<String> last = new ArrayList<>(Collections.nCopies(SHARDS, ""));
            for (int start = 0; start < count; start += 500) {
                List<PutRecordsRequestEntry> batch = new ArrayList<>();
                for (int i = start; i < Math.min(count, start + 500); i++) {
                    String record = upsert
                            ? "{\"i\":" + i + ",\"k\":" + i % KEYS + ",\"op\":\"" + (i < KEYS ? "insert" : "update")
                                    + "\",\"pad\":\"" + "p".repeat(i % 17) + "\"}"
                            : "{\"i\":" + i + ",\"pad\":\"" + "p".repeat(i % 17) + "\"}";
                    batch.add(PutRecordsRequestEntry.of("key-" + (upsert ? i % KEYS : i),
                            record.getBytes(StandardCharsets.UTF_8)));
                }
                PutRecordsResult result = engine.putRecords("source", batch);
                if (result.failedRecordCount() != 0) {
                    throw new IllegalStateException("put failed: " + result);
                }
                for (var entry : result.records()) {
                    var success = (dev.sluice.stream.PutRecordsResultEntry.Success) entry;
                    last.set(Integer.parseInt(success.shardId().substring("shardId-".length())),
                            success.sequenceNumber());
                }
            }
            Sink errors = Sink.localBucket(warehouse.resolve("errors"));
            IcebergDestination destination = upsert
                    ? IcebergDestination.builder().catalog(catalog)
                            .table(DestinationTableConfiguration.of("db", "upserts", UPSERT_SCHEMA).withUniqueKeys("k")
                                    .withPartitioning(PartitionField.bucket("k", 3)))
                            .routingQuery("{destinationDatabaseName: \"db\", destinationTableName: \"upserts\","
                                    + " operation: .op}")
                            .errorOutputSink(errors).build()
                    : direct ? IcebergDestination.builder().catalog(catalog)
                            .table(DestinationTableConfiguration.of("db", "direct", SCHEMA))
                            .errorOutputSink(errors).build()
                    : IcebergDestination.builder().catalog(catalog)
                            .table(DestinationTableConfiguration.of("db", "events", SCHEMA)
                                    .withPartitioning(PartitionField.bucket("i", 3)))
                            .errorOutputSink(errors).build();
            System.out.println("direct content: " + destination.parquetContent().isPresent());
            try (DeliveryStream stream = DeliveryStream.builder().name("exactly").version(3).clock(fixed)
                    .sink(haltAfter == 0 ? destination : haltingAfter(destination, haltAfter)).errorOutputSink(Sink.localBucket(warehouse.resolve("stream-errors")))
                    .prefix("data/").bufferingHints(new BufferingHints(4096, Duration.ofMillis(20)))
                    .kinesisStreamSource(engine, "source", state).build()) {
                java.util.Optional<ProcessHandle> parent = ProcessHandle.current().parent();
                long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
                while (!done(state, last)) {
                    if (parent.isPresent() && !parent.get().isAlive() || System.nanoTime() > deadline) {
                        System.exit(2);
                    }
                    java.util.concurrent.locks.LockSupport.parkNanos(5_000_000);
                }
            }
        }
        System.out.println("DONE");
    }

    /** Commits through {@code sink}, then dies on the spot after the n-th commit. */
    private static Sink haltingAfter(IcebergDestination sink, int n) {
        java.util.concurrent.atomic.AtomicInteger commits = new java.util.concurrent.atomic.AtomicInteger();
        return new Sink() {
            @Override
            public dev.sluice.delivery.SinkResult write(dev.sluice.delivery.SinkObject object) throws Exception {
                dev.sluice.delivery.SinkResult result = sink.write(object);
                if (commits.incrementAndGet() == n) {
                    Runtime.getRuntime().halt(137);
                }
                return result;
            }

            @Override
            public boolean storesObjects() {
                return false;
            }

            @Override
            public java.util.Optional<ParquetContent> parquetContent() {
                return sink.parquetContent();
            }
        };
    }

    private static boolean done(Path state, List<String> last) throws java.io.IOException {
        for (int shard = 0; shard < SHARDS; shard++) {
            Path file = state.resolve(String.format("shardId-%012d.json", shard));
            if (!Files.exists(file) || !Files.readString(file).contains("\"checkpoint\":\"" + last.get(shard) + "\"")) {
                return false;
            }
        }
        return true;
    }
}
