package dev.sluice.iceberg;

import dev.sluice.delivery.BufferingHints;
import dev.sluice.delivery.DeliveryException;
import dev.sluice.delivery.DeliveryStream;
import dev.sluice.delivery.ErrorCode;
import dev.sluice.delivery.Sink;
import dev.sluice.delivery.SinkObject;
import dev.sluice.delivery.SinkResult;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.io.CloseableIterable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The REST catalog client against an in-process REST catalog server (see {@link InProcessRestCatalog}). */
class RestCatalogTest {

    @TempDir
    Path work;

    @Test
    void restCatalog_deliverPartitionedAndRetry_tableReadBackOnceByBothReaders() throws Exception {
        Path warehouse = work.resolve("warehouse");
        try (IcebergCatalog backing = IcebergCatalog.embedded(warehouse);
             InProcessRestCatalog server = new InProcessRestCatalog(backing.catalog());
             IcebergCatalog rest = IcebergCatalog.rest(server.uri(), "", Map.of())) {
            IcebergDestination destination = IcebergDestination.builder().catalog(rest)
                    .table(DestinationTableConfiguration.of("web", "clicks", IcebergDestinationTest.CLICK)
                            .withPartitioning(PartitionField.hour("ts")))
                    .errorOutputSink(Sink.localBucket(work.resolve("errors"))).build();
            try (DeliveryStream stream = DeliveryStream.builder().name("clicks").sink(destination)
                    .errorOutputSink(Sink.localBucket(work.resolve("errors")))
                    .bufferingHints(new BufferingHints(8 << 10, Duration.ofSeconds(60))).build()) {
                List<byte[]> batch = new ArrayList<>();
                for (int i = 0; i < 300; i++) {
                    batch.add(IcebergDestinationTest.click(i));
                }
                stream.putRecordBatch(batch);
                stream.flush();
                assertEquals(300, stream.stats().deliveredRecords());
            }
            int commits = server.commits.get();
            assertTrue(commits >= 2, "commits through the REST server: " + commits);

            SinkObject again = new SinkObject("retry/one", ByteBuffer.allocate(0), "application/octet-stream",
                    List.of(ByteBuffer.wrap(IcebergDestinationTest.click(1000))), "r-1", true,
                    IcebergDestinationTest.T0);
            assertEquals(SinkResult.CREATED, destination.write(again));
            assertEquals(SinkResult.ALREADY_EXISTS, destination.write(again));

            MetadataWalk walk = MetadataWalk.of(warehouse, "web", "clicks");
            assertEquals(301, walk.totalRecords());
            assertEquals(List.of(301L, 301L), walk.duckdb("SELECT count(*), count(DISTINCT id) FROM FILES").get(0)
                    .stream().map(v -> ((Number) v).longValue()).toList());
            assertTrue(walk.files.stream().allMatch(f -> f.partition().containsKey("ts_hour")));

            Table table = rest.catalog().loadTable(TableIdentifier.of("web", "clicks"));
            long rows = 0;
            try (CloseableIterable<Record> records = IcebergGenerics.read(table).build()) {
                for (Record ignored : records) {
                    rows++;
                }
            }
            assertEquals(301, rows);
        }
    }

    @Test
    void rest_unreachableServer_failsWithInvalidArgumentNamingTheUri() {
        DeliveryException e = assertThrows(DeliveryException.class,
                () -> IcebergCatalog.rest(URI.create("http://127.0.0.1:1"), "", Map.of()));
        assertEquals(ErrorCode.INVALID_ARGUMENT, e.errorCode());
        assertTrue(e.getMessage().contains("http://127.0.0.1:1"), e.getMessage());
    }
}
