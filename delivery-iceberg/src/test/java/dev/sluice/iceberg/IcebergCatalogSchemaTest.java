package dev.sluice.iceberg;

import dev.sluice.delivery.Sink;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link IcebergCatalog#tableSchema}: an existing table's schema as Avro, usable to write into that table again. */
class IcebergCatalogSchemaTest {

    @TempDir
    Path work;

    @Test
    void existingTableSchemaRoundTripsIntoADestination() {
        try (IcebergCatalog catalog = IcebergCatalog.embedded(work.resolve("warehouse"))) {
            IcebergDestination.builder().catalog(catalog)
                    .table(DestinationTableConfiguration.of("web", "clicks", IcebergDestinationTest.CLICK)
                            .withPartitioning(PartitionField.hour("ts")))
                    .errorOutputSink(Sink.localBucket(work.resolve("errors"))).build().close();

            Schema schema = new Schema.Parser().parse(catalog.tableSchema("web", "clicks").orElseThrow());

            assertEquals(List.of("id", "user", "country", "ts", "tags"),
                    schema.getFields().stream().map(Schema.Field::name).toList());
            assertEquals(Schema.Type.LONG, schema.getField("id").schema().getType(), "required stays required");
            assertEquals(Schema.Type.UNION, schema.getField("country").schema().getType(), "optional is a union");
            assertEquals("timestamp-micros", schema.getField("ts").schema().getLogicalType().getName());
            assertEquals(1, ((Number) schema.getField("id").getObjectProp("field-id")).intValue(),
                    "fields carry their Iceberg ids");
            // The schema is accepted back as a destination table's schema (the channel path does exactly this).
            IcebergDestination.builder().catalog(catalog)
                    .table(DestinationTableConfiguration.of("web", "clicks", schema.toString()))
                    .errorOutputSink(Sink.localBucket(work.resolve("errors"))).build().close();
            assertEquals(schema.toString(), catalog.tableSchema("web", "clicks").orElseThrow(),
                    "writing with the table's own schema does not evolve it");
        }
    }

    @Test
    void missingTableOrNamespaceIsEmpty() {
        try (IcebergCatalog catalog = IcebergCatalog.embedded(work.resolve("warehouse"))) {
            assertEquals(Optional.empty(), catalog.tableSchema("nope", "clicks"));
            IcebergDestination.builder().catalog(catalog)
                    .table(DestinationTableConfiguration.of("web", "clicks", IcebergDestinationTest.CLICK))
                    .errorOutputSink(Sink.localBucket(work.resolve("errors"))).build().close();
            assertEquals(Optional.empty(), catalog.tableSchema("web", "views"));
            assertTrue(catalog.tableSchema("web", "clicks").isPresent());
            assertEquals(Optional.empty(), catalog.loadTable("web", "views"));
            assertEquals(Optional.empty(), catalog.loadTable("nope", "clicks"));
            org.apache.iceberg.Table table = catalog.loadTable("web", "clicks").orElseThrow();
            assertEquals(List.of("id", "user", "country", "ts", "tags"), table.schema().columns().stream()
                    .map(org.apache.iceberg.types.Types.NestedField::name).toList(), "the table as Iceberg sees it");
            assertEquals(null, table.currentSnapshot(), "created, nothing committed yet");
        }
    }
}
