package dev.sluice.examples.delivery;

import dev.sluice.delivery.BufferingHints;
import dev.sluice.delivery.DeliveryStats;
import dev.sluice.delivery.DeliveryStream;
import dev.sluice.delivery.Sink;
import dev.sluice.iceberg.DestinationTableConfiguration;
import dev.sluice.iceberg.IcebergCatalog;
import dev.sluice.iceberg.IcebergDestination;
import dev.sluice.iceberg.PartitionField;
import dev.sluice.stream.StreamEngine;
import dev.sluice.stream.ThrottleMode;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.io.CloseableIterable;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The clickstream pipeline into an Apache Iceberg table instead of loose Parquet objects: the same generator, 4-shard
 * stream, exactly-once source and transforms (mask PII, drop debug events), delivered by {@link IcebergDestination}
 * into the table {@code web.clicks} of an embedded catalog (SQLite, no server), created on first run and partitioned
 * by the hour of {@code event_time}. Each 1 MiB buffer becomes a Parquet data file; objects written while the
 * previous commit ran share one snapshot. Records the table cannot take go to the error output. The summary reads
 * the table back through Iceberg's own metadata (snapshots, data files per partition) and checks that
 * {@code in = rows in the table + dropped + failed}.
 *
 * <p>Run: {@code mvn -B -q install -DskipTests && java -cp examples/target/sluice-demo.jar
 * dev.sluice.examples.delivery.ClickstreamIcebergTable [--records N] [--dir PATH]}
 */
public final class ClickstreamIcebergTable {

    /** The table's columns; Iceberg wants {@code timestamp-micros} (a timestamptz column). */
    static final String SCHEMA = """
            {"type":"record","name":"Click","namespace":"dev.sluice.examples","fields":[
              {"name":"customer_id","type":"string"},
              {"name":"event_type","type":"string"},
              {"name":"level","type":"string"},
              {"name":"page","type":["null","string"],"default":null},
              {"name":"email","type":["null","string"],"default":null},
              {"name":"event_time","type":{"type":"long","logicalType":"timestamp-micros"}}
            ]}""";

    private ClickstreamIcebergTable() {
    }

    /**
     * Runs the pipeline; exits with status 1 if the counts do not reconcile.
     *
     * @param args {@code --records N} (default 20,000), {@code --dir PATH} (default a new temporary directory)
     * @throws Exception if the pipeline fails
     */
    public static void main(String[] args) throws Exception {
        if (!run(args)) {
            System.exit(1);
        }
    }

    /**
     * Runs the pipeline.
     *
     * @param args as {@link #main}
     * @return whether {@code in = rows + dropped + failed} and every produced record came in
     * @throws Exception if the pipeline fails
     */
    static boolean run(String[] args) throws Exception {
        int records = 20_000;
        Path dir = null;
        for (int i = 0; i < args.length - 1; i += 2) {
            switch (args[i]) {
                case "--records" -> records = Integer.parseInt(args[i + 1]);
                case "--dir" -> dir = Path.of(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        if (dir == null) {
            dir = Files.createTempDirectory("sluice-iceberg-");
        }
        Path warehouse = dir.resolve("warehouse");
        Files.createDirectories(warehouse);
        Sink errors = Sink.localBucket(dir.resolve("errors"));
        long started = System.nanoTime();
        AtomicLong produced = new AtomicLong();

        try (StreamEngine engine = StreamEngine.builder().throttleMode(ThrottleMode.BLOCK).build();
             IcebergCatalog catalog = IcebergCatalog.embedded(warehouse)) {
            engine.createStream("clickstream", 4);
            IcebergDestination table = IcebergDestination.builder().catalog(catalog)
                    .table(DestinationTableConfiguration.of("web", "clicks", SCHEMA)
                            .withPartitioning(PartitionField.hour("event_time")))
                    .errorOutputSink(errors)
                    .build();
            try (DeliveryStream delivery = DeliveryStream.builder()
                    .name("clicks")
                    .processor(ClickstreamDeliveryPipeline.transforms())
                    .bufferingHints(new BufferingHints(1 << 20, Duration.ofSeconds(2)))
                    .sink(table)
                    .errorOutputSink(errors)
                    .kinesisStreamSource(engine, "clickstream", dir.resolve("state"))
                    .build()) {
                ClickstreamDeliveryPipeline.produceAndDeliver(engine, records, produced, delivery, started);
                return summary(catalog, warehouse, dir.resolve("errors"), produced.get(), delivery.stats());
            }
        }
    }

    private static boolean summary(IcebergCatalog catalog, Path warehouse, Path errors, long produced,
                                   DeliveryStats stats) throws Exception {
        Table table = catalog.loadTable("web", "clicks").orElseThrow();
        int snapshots = 0;
        for (Snapshot ignored : table.snapshots()) {
            snapshots++;
        }
        Map<String, long[]> byPartition = new TreeMap<>();
        try (CloseableIterable<FileScanTask> tasks = table.newScan().planFiles()) {
            for (FileScanTask task : tasks) {
                long[] entry = byPartition.computeIfAbsent(table.spec().partitionToPath(task.file().partition()),
                        k -> new long[2]);
                entry[0]++;
                entry[1] += task.file().recordCount();
            }
        }
        long rows = byPartition.values().stream().mapToLong(e -> e[1]).sum();
        org.apache.iceberg.PartitionField hourly = table.spec().fields().get(0);
        System.out.printf("Iceberg table web.clicks (%s): %d snapshots, partitioned by %s(%s)%n", table.location(),
                snapshots, hourly.transform(), table.schema().findColumnName(hourly.sourceId()));
        byPartition.forEach((partition, entry) -> System.out.printf("  %-32s %3d data files %,8d rows%n", partition,
                entry[0], entry[1]));
        System.out.println();
        boolean reconciled = stats.reconciles() && stats.incomingRecords() == produced
                && rows == stats.deliveredRecords();
        System.out.printf("Records: in %,d = rows in the table %,d + dropped %,d + failed (error output) %,d  -> %s%n",
                stats.incomingRecords(), rows, stats.droppedRecords(), stats.errorOutputRecords(),
                reconciled ? "reconciled" : "NOT RECONCILED (delivered " + stats.deliveredRecords() + ")");
        System.out.println();
        System.out.println("Read the table with any Iceberg reader (Spark, Trino, pyiceberg) through its JDBC catalog:");
        System.out.println("  jdbc:sqlite:" + warehouse.resolve(IcebergCatalog.EMBEDDED_CATALOG_FILE)
                + " (warehouse " + warehouse + ")");
        System.out.println("or its data files with DuckDB (the table has appends only, nothing expired yet):");
        System.out.println("  duckdb -c \"SELECT date_trunc('hour', event_time) AS hour, event_type, count(*) FROM"
                + " read_parquet('" + table.location() + "/data/**/*.parquet') GROUP BY ALL ORDER BY ALL\"");
        System.out.println("Failed records, one Firehose error envelope per line, under " + errors);
        return reconciled;
    }
}
