package dev.sluice.server.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.delivery.DeliveryException;
import dev.sluice.delivery.ParquetConversion;
import dev.sluice.delivery.Sink;
import dev.sluice.iceberg.DestinationTableConfiguration;
import dev.sluice.iceberg.IcebergCatalog;
import dev.sluice.iceberg.IcebergDestination;
import dev.sluice.iceberg.PartitionField;
import org.apache.avro.Schema;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The S3 Tables side of Kinesis channels: a table bucket ARN {@code arn:aws:s3tables:<region>:<account>:bucket/<name>}
 * is the embedded Iceberg catalog of {@link IcebergWarehouses#tableBucket} ({@code <data-dir>/iceberg/s3tables/<name>},
 * tables under {@code <namespace>/<table>}), and a channel writes into a table that already exists there, with that
 * table's schema and partition spec (as S3 Tables channels do: Kinesis never creates the table).
 *
 * <p>Stateless apart from the warehouses.
 */
final class ChannelTables {

    static final Pattern TABLE_BUCKET_ARN = Pattern.compile(
            "arn:aws[-a-z0-9]*:s3tables:([-a-z0-9]+):(\\d{12}):bucket/([a-z0-9_-]{3,63})");

    private final IcebergWarehouses warehouses;
    private final String region;
    private final String accountId;

    ChannelTables(IcebergWarehouses warehouses, String region, String accountId) {
        this.warehouses = warehouses;
        this.region = region;
        this.accountId = accountId;
    }

    /** The warehouse directory of a table bucket ARN already matched against {@link #TABLE_BUCKET_ARN}. */
    Path warehouse(String tableBucketArn) {
        Matcher m = TABLE_BUCKET_ARN.matcher(tableBucketArn);
        if (!m.matches()) {
            throw ApiException.invalidArgument("TableBucketARN must be arn:aws:s3tables:<region>:<account>:bucket/"
                    + "<name> but was '" + WireFormat.abbreviate(tableBucketArn) + "'");
        }
        if (!m.group(1).equals(region) || !m.group(2).equals(accountId)) {
            throw ApiException.invalidArgument("TableBucketARN " + tableBucketArn + " must be a table bucket of"
                    + " this server's region " + region + " and account " + accountId);
        }
        return warehouses.tableBucket(m.group(3));
    }

    /**
     * The Avro schema of an existing table; checks the partition spec's source columns exist.
     *
     * @param table one normalised S3TablesConfiguration
     * @throws ApiException {@code InvalidArgumentException} naming the missing table and how to create it, or the
     *                      missing partition column
     */
    String schema(JsonNode table) {
        String arn = ApiRequest.string(table, "TableBucketARN");
        String namespace = ApiRequest.string(table, "Namespace");
        String name = ApiRequest.string(table, "TableName");
        Path warehouse = warehouse(arn);
        IcebergCatalog catalog = warehouses.catalog(warehouse);
        String schema;
        try {
            schema = catalog.tableSchema(namespace, name).orElseThrow(() -> ApiException.invalidArgument(
                    "Table " + namespace + "." + name + " does not exist in table bucket " + arn + ": create it"
                            + " first (Kinesis channels do not create tables), for example with the delivery-iceberg"
                            + " library's IcebergCatalog.embedded(Path.of(\"" + warehouse + "\")) or any Iceberg"
                            + " JDBC client on " + warehouse.resolve(IcebergCatalog.EMBEDDED_CATALOG_FILE)));
        } catch (DeliveryException e) {
            throw ApiException.invalidArgument(e.getMessage());
        }
        Schema avro = new Schema.Parser().parse(schema);
        for (JsonNode field : table.path("PartitionSpec").path("PartitionFields")) {
            String source = ApiRequest.string(field, "SourceName");
            if (avro.getField(source) == null) {
                throw ApiException.invalidArgument("PartitionSpec names SourceName " + source + " but table "
                        + namespace + "." + name + " has no such column (it has "
                        + avro.getFields().stream().map(Schema.Field::name).toList() + ")");
            }
        }
        return schema;
    }

    /**
     * The destination writing into the table.
     *
     * @param table       one normalised S3TablesConfiguration
     * @param deadLetters where records that do not fit the table go
     * @param errorPrefix their prefix there
     */
    IcebergDestination destination(JsonNode table, Sink deadLetters, String errorPrefix) {
        String schema = schema(table);
        List<PartitionField> partitioning = new ArrayList<>();
        for (JsonNode field : table.path("PartitionSpec").path("PartitionFields")) {
            // TIME_HOUR is the only transform the API has.
            partitioning.add(PartitionField.hour(ApiRequest.string(field, "SourceName")));
        }
        try {
            return IcebergDestination.builder()
                    .catalog(warehouses.catalog(warehouse(ApiRequest.string(table, "TableBucketARN"))))
                    .table(new DestinationTableConfiguration(ApiRequest.string(table, "Namespace"),
                            ApiRequest.string(table, "TableName"), schema, partitioning, List.of(), ""))
                    .compression(codec(ApiRequest.string(table, "CompressionType")))
                    .errorOutputSink(deadLetters)
                    .errorOutputPrefix(errorPrefix.isEmpty() ? IcebergDestination.DEFAULT_ERROR_OUTPUT_PREFIX
                            : errorPrefix)
                    .build();
        } catch (DeliveryException e) {
            throw ApiException.invalidArgument(e.getMessage());
        }
    }

    static ParquetConversion.Codec codec(String compression) {
        return switch (compression) {
            case "ZSTD" -> ParquetConversion.Codec.ZSTD;
            case "SNAPPY" -> ParquetConversion.Codec.SNAPPY;
            default -> ParquetConversion.Codec.UNCOMPRESSED;
        };
    }
}
