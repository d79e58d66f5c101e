package dev.sluice.iceberg;

import dev.sluice.delivery.DeliveryStream;
import dev.sluice.delivery.ParquetConversion;
import dev.sluice.delivery.Sink;

import java.nio.file.Path;

/** Runs the Iceberg write and commit path; loaded by {@link NoHadoopTest} in a class loader that has no Hadoop. */
public final class NoHadoopProbe {

    private NoHadoopProbe() {
    }

    /**
     * Delivers records into a partitioned table with every codec, from a fresh catalog each time, then updates and
     * deletes keys of table {@code shop.orders}.
     *
     * @param work a scratch directory
     * @return the records delivered
     */
    public static long run(Path work) {
        long delivered = 0;
        for (ParquetConversion.Codec codec : ParquetConversion.Codec.values()) {
            try (IcebergCatalog catalog = IcebergCatalog.embedded(work.resolve("warehouse"));
                 DeliveryStream stream = DeliveryStream.builder().name("nohadoop")
                         .sink(IcebergDestination.builder().catalog(catalog).compression(codec)
                                 .table(DestinationTableConfiguration.of("web", "clicks", IcebergDestinationTest.CLICK)
                                         .withPartitioning(PartitionField.hour("ts"), PartitionField.bucket("user", 3)))
                                 .errorOutputSink(Sink.localBucket(work.resolve("errors"))).build())
                         .errorOutputSink(Sink.localBucket(work.resolve("errors"))).build()) {
                for (int i = 0; i < 10; i++) {
                    stream.putRecord(IcebergDestinationTest.click(i));
                }
                stream.flush();
                delivered += stream.stats().deliveredRecords();
            }
        }
        // The upsert path: a RowDelta of equality-delete and data files, partitioned.
        try (IcebergCatalog catalog = IcebergCatalog.embedded(work.resolve("warehouse"));
             IcebergDestination orders = IcebergDestination.builder().catalog(catalog)
                     .routingQuery(IcebergUpsertTest.ROUTE)
                     .table(DestinationTableConfiguration.of("shop", "orders", IcebergUpsertTest.ORDER)
                             .withUniqueKeys("region", "id").withPartitioning(PartitionField.identity("region")))
                     .errorOutputSink(Sink.localBucket(work.resolve("errors"))).build()) {
            orders.write(IcebergUpsertTest.object("u1", java.util.List.of(IcebergUpsertTest.order("insert", 1, "eu", 1),
                    IcebergUpsertTest.order("insert", 2, "eu", 2))));
            orders.write(IcebergUpsertTest.object("u2", java.util.List.of(
                    IcebergUpsertTest.order("update", 1, "eu", 10), IcebergUpsertTest.order("delete", 2, "eu", 0))));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        return delivered;
    }
}
