package dev.sluice.server.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.delivery.DeliveryException;
import dev.sluice.delivery.DeliveryStream;
import dev.sluice.iceberg.DestinationTableConfiguration;
import dev.sluice.iceberg.IcebergDestination;
import dev.sluice.iceberg.PartitionField;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Firehose's {@code IcebergDestinationConfiguration} mapped onto an {@link IcebergDestination}, with each table's
 * schema read from the server's {@link GlueCatalog}.
 *
 * <p>Mapping. CatalogConfiguration.CatalogARN must be this server's Glue Data Catalog,
 * {@code arn:aws:glue:<region>:<account>:catalog}; its Iceberg tables live in the embedded catalog of
 * {@link IcebergWarehouses#glueWarehouse()} ({@code <data-dir>/iceberg/glue-catalog/<database>/<table>});
 * WarehouseLocation ({@code s3://...}) is validated, stored and reported, not used. Each
 * DestinationTableConfiguration names a Glue table that must exist: its columns ({@link GlueSchemas}) are the
 * Iceberg table's schema, read when the stream is created or its destination updated. The Iceberg table is created
 * from it when absent (so TableCreationConfiguration is stored and reported only), and evolved (added optional
 * columns) when the Glue table gained columns by the next UpdateDestination. PartitionSpec.Identity columns are the
 * partition spec of a table the server creates; S3ErrorOutputPrefix is the table's error prefix; UniqueKeys (Glue
 * columns, lower-cased as Glue stores them; partition columns must be among them) make the table take updates and
 * deletes through equality deletes. Routing: with one table every record goes to it as an insert; with several, or
 * to update or delete, ProcessingConfiguration must hold a MetadataExtraction processor whose query returns
 * {@code destinationDatabaseName}, {@code destinationTableName} and optionally {@code operation} (insert, update,
 * delete); that processor routes and is not run as a processor (other processors are). Or a Lambda processor
 * (Firehose's Lambda method) whose function returns each record's {@code metadata.otfMetadata} with the same
 * fields: a record's otfMetadata, when it names a table, wins over the query; with several tables and no query, a
 * record whose function returned no otfMetadata goes to the error output ({@code Iceberg.RoutingFailed}).
 * S3Configuration (required) is the bucket of failed records (under its ErrorOutputPrefix, default
 * {@code iceberg-failed/}); S3BackupMode AllData also backs every source record up there under its Prefix.
 * BufferingHints, RetryOptions (0 to 7,200 s, default 300) apply; RoleARN, AppendOnly, SchemaEvolutionConfiguration
 * and CloudWatchLoggingOptions are stored and reported.
 *
 * <p>Stateless apart from its collaborators.
 */
final class FirehoseIceberg {

    static final String KIND = "IcebergDestinationConfiguration";
    private static final Pattern CATALOG_ARN = Pattern.compile("arn:aws[-a-z0-9]*:glue:([-a-z0-9]+):(\\d{12}):catalog");
    private static final int MAX_RETRY_SECONDS = 7_200;
    /** Firehose's model: each UniqueKeys element is 1 to 1,024 characters. */
    private static final int MAX_UNIQUE_KEY_CHARS = 1_024;

    private final GlueCatalog glue;
    private final FirehoseDestinations destinations;
    private final IcebergWarehouses warehouses;
    private final String region;

    FirehoseIceberg(GlueCatalog glue, FirehoseDestinations destinations, IcebergWarehouses warehouses,
                    String region) {
        this.glue = glue;
        this.destinations = destinations;
        this.warehouses = warehouses;
        this.region = region;
    }

    /**
     * Configures the builder: sink, error output, buffering, retries, processing and backup.
     *
     * @throws ApiException {@code InvalidArgumentException} naming the member that is wrong
     */
    void apply(DeliveryStream.Builder builder, JsonNode config) {
        checkCatalog(config.get("CatalogConfiguration"));
        JsonNode s3 = config.get("S3Configuration");
        if (s3 == null || !s3.isObject()) {
            throw ApiRequest.missing(KIND + ".S3Configuration");
        }
        Optional<String> route = routingQuery(config.get("ProcessingConfiguration"));
        List<DestinationTableConfiguration> tables = tables(config.get("DestinationTableConfigurationList"));
        boolean lambda = hasLambda(config.get("ProcessingConfiguration"));
        if (tables.size() > 1 && route.isEmpty() && !lambda) {
            throw ApiException.invalidArgument(KIND + ".DestinationTableConfigurationList has " + tables.size()
                    + " tables but nothing routes records to them: add a MetadataExtraction processor whose"
                    + " MetadataExtractionQuery returns {destinationDatabaseName, destinationTableName}, or a Lambda"
                    + " processor whose function returns each record's metadata.otfMetadata");
        }
        String errorPrefix = Optional.ofNullable(ApiRequest.string(s3, "ErrorOutputPrefix"))
                .filter(p -> !p.isEmpty()).orElse(IcebergDestination.DEFAULT_ERROR_OUTPUT_PREFIX);
        JsonNode retry = config.get("RetryOptions");
        Integer seconds = retry == null ? null : ApiRequest.integer(retry, "DurationInSeconds");
        if (seconds != null) {
            if (seconds < 0 || seconds > MAX_RETRY_SECONDS) {
                throw ApiRequest.outOfRange(KIND + ".RetryOptions.DurationInSeconds", seconds, 0,
                        MAX_RETRY_SECONDS);
            }
            builder.retryDuration(Duration.ofSeconds(seconds));
        }
        // A commit's evidence (its snapshot) must outlive the longest retry, or a restart after a long retry could
        // commit an object twice: Firehose allows up to 2 h, longer than the destination's default retention.
        Duration retention = Duration.ofSeconds(seconds == null ? 0 : seconds).plus(DeliveryStream.REDELIVERY_MARGIN);
        IcebergDestination.Builder sink = IcebergDestination.builder()
                .snapshotRetention(retention.compareTo(IcebergDestination.DEFAULT_SNAPSHOT_RETENTION) > 0
                        ? retention : IcebergDestination.DEFAULT_SNAPSHOT_RETENTION)
                .catalog(warehouses.catalog(warehouses.glueWarehouse()))
                .errorOutputSink(destinations.bucketSink(s3, KIND + ".S3Configuration"))
                .errorOutputPrefix(errorPrefix);
        tables.forEach(sink::table);
        route.ifPresent(sink::routingQuery);
        sink.routeByOtfMetadata(lambda);
        try {
            builder.sink(sink.build());
        } catch (DeliveryException e) {
            throw ApiException.invalidArgument(KIND + ": " + e.getMessage());
        }
        builder.errorOutputSink(destinations.bucketSink(s3, KIND + ".S3Configuration"));
        builder.errorOutputPrefix(errorPrefix);
        builder.bufferingHints(FirehoseDestinations.bufferingHints(config.get("BufferingHints"), KIND));
        destinations.applyProcessing(builder, withoutRouting(config.get("ProcessingConfiguration")));
        String backup = Optional.ofNullable(ApiRequest.string(config, "S3BackupMode")).orElse("FailedDataOnly");
        switch (backup) {
            case "FailedDataOnly" -> { }
            case "AllData" -> {
                builder.sourceRecordBackup(Optional.ofNullable(ApiRequest.string(s3, "Prefix")).orElse(""));
                builder.backupSink(destinations.bucketSink(s3, KIND + ".S3Configuration"));
            }
            default -> throw ApiException.validation("1 validation error detected: Value '"
                    + WireFormat.abbreviate(backup) + "' at 'icebergDestinationConfiguration.s3BackupMode' failed"
                    + " to satisfy constraint: Member must satisfy enum value set: [FailedDataOnly, AllData]");
        }
    }

    private void checkCatalog(JsonNode catalog) {
        if (catalog == null || !catalog.isObject()) {
            throw ApiRequest.missing(KIND + ".CatalogConfiguration");
        }
        String arn = ApiRequest.required(KIND + ".CatalogConfiguration.CatalogARN",
                ApiRequest.string(catalog, "CatalogARN"));
        Matcher m = CATALOG_ARN.matcher(arn);
        if (!m.matches()) {
            throw ApiException.invalidArgument(KIND + ".CatalogConfiguration.CatalogARN must be the Glue Data"
                    + " Catalog arn:aws:glue:" + region + ":" + glue.accountId() + ":catalog but was '"
                    + WireFormat.abbreviate(arn) + "' (S3 Tables catalogs are served as Kinesis channel"
                    + " destinations, not through Firehose)");
        }
        if (!m.group(1).equals(region) || !m.group(2).equals(glue.accountId())) {
            throw ApiException.invalidArgument(KIND + ".CatalogConfiguration.CatalogARN must name this server's"
                    + " catalog arn:aws:glue:" + region + ":" + glue.accountId() + ":catalog but was '" + arn + "'");
        }
        String warehouse = ApiRequest.string(catalog, "WarehouseLocation");
        if (warehouse != null && !warehouse.startsWith("s3://")) {
            throw ApiException.invalidArgument(KIND + ".CatalogConfiguration.WarehouseLocation must be an"
                    + " s3://bucket/prefix location but was '" + WireFormat.abbreviate(warehouse) + "'");
        }
    }

    private List<DestinationTableConfiguration> tables(JsonNode list) {
        String field = KIND + ".DestinationTableConfigurationList";
        if (list == null || !list.isArray() || list.isEmpty()) {
            throw ApiException.invalidArgument(field + " must name at least one table");
        }
        List<DestinationTableConfiguration> tables = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            JsonNode entry = list.get(i);
            String at = field + "[" + i + "]";
            String database = glueName(at + ".DestinationDatabaseName", entry, "DestinationDatabaseName");
            String table = glueName(at + ".DestinationTableName", entry, "DestinationTableName");
            List<String> uniqueKeys = uniqueKeys(at + ".UniqueKeys", entry.get("UniqueKeys"));
            JsonNode glueTable;
            try {
                glueTable = glue.getTable(database, table, null);
            } catch (ApiException e) {
                throw ApiException.invalidArgument(at + " names Glue table " + database + "." + table
                        + ", which does not exist in the server's Glue Data Catalog (" + e.getMessage() + "); create"
                        + " it with Glue CreateTable first: its columns are the Iceberg table's schema");
            }
            String schema = GlueSchemas.avroSchema(glueTable);
            List<PartitionField> partitioning = new ArrayList<>();
            for (JsonNode identity : entry.path("PartitionSpec").path("Identity")) {
                partitioning.add(PartitionField.identity(ApiRequest.required(at + ".PartitionSpec.Identity.SourceName",
                        ApiRequest.string(identity, "SourceName"))));
            }
            try {
                tables.add(new DestinationTableConfiguration(database, table, schema, partitioning, uniqueKeys,
                        Optional.ofNullable(ApiRequest.string(entry, "S3ErrorOutputPrefix")).orElse("")));
            } catch (DeliveryException e) {
                throw ApiException.invalidArgument(at + ": " + e.getMessage());
            }
        }
        return tables;
    }

    /**
     * The UniqueKeys list: strings of 1 to 1,024 characters without whitespace (Firehose's model), lower-cased as
     * Glue stores column names; whether they name columns is checked against the schema by the library.
     */
    private static List<String> uniqueKeys(String field, JsonNode keys) {
        if (keys == null || keys.isNull()) {
            return List.of();
        }
        if (!keys.isArray()) {
            throw ApiException.invalidArgument(field + " must be a list of column names but was " + keys);
        }
        List<String> out = new ArrayList<>();
        for (JsonNode key : keys) {
            if (!key.isTextual() || key.asText().isEmpty() || key.asText().length() > MAX_UNIQUE_KEY_CHARS
                    || !key.asText().matches("\\S+")) {
                throw ApiException.invalidArgument(field + " must hold column names of 1 to " + MAX_UNIQUE_KEY_CHARS
                        + " characters without whitespace but held " + WireFormat.abbreviate(key.toString()));
            }
            out.add(key.asText().toLowerCase(java.util.Locale.ROOT));
        }
        return out;
    }

    /** A Glue name (lower-cased as Glue stores it); a bad one is Firehose's InvalidArgumentException. */
    private static String glueName(String field, JsonNode entry, String member) {
        String value = ApiRequest.required(field, ApiRequest.string(entry, member));
        try {
            return GlueCatalog.name(field, value);
        } catch (ApiException e) {
            throw ApiException.invalidArgument(e.getMessage());
        }
    }

    /** The MetadataExtraction query, which routes records to tables. */
    private static Optional<String> routingQuery(JsonNode processing) {
        if (processing == null || !processing.path("Enabled").asBoolean(false)) {
            return Optional.empty();
        }
        for (JsonNode processor : processing.path("Processors")) {
            if ("MetadataExtraction".equals(ApiRequest.string(processor, "Type"))) {
                for (JsonNode parameter : processor.path("Parameters")) {
                    if ("MetadataExtractionQuery".equals(ApiRequest.string(parameter, "ParameterName"))) {
                        return Optional.of(ApiRequest.string(parameter, "ParameterValue"));
                    }
                }
                throw ApiRequest.missing("MetadataExtraction.MetadataExtractionQuery");
            }
        }
        return Optional.empty();
    }

    /** Whether an enabled processing configuration has a Lambda processor, whose otfMetadata routes records. */
    private static boolean hasLambda(JsonNode processing) {
        if (processing == null || !processing.path("Enabled").asBoolean(false)) {
            return false;
        }
        for (JsonNode processor : processing.path("Processors")) {
            if ("Lambda".equals(ApiRequest.string(processor, "Type"))) {
                return true;
            }
        }
        return false;
    }

    /** The processing configuration without the routing processor. */
    private static JsonNode withoutRouting(JsonNode processing) {
        if (!(processing instanceof ObjectNode object)) {
            return processing;
        }
        ObjectNode copy = object.deepCopy();
        ArrayNode kept = copy.putArray("Processors");
        for (JsonNode processor : object.path("Processors")) {
            if (!"MetadataExtraction".equals(ApiRequest.string(processor, "Type"))) {
                kept.add(processor);
            }
        }
        return copy;
    }

    /** The IcebergDestinationDescription: the configuration with Firehose's defaults, S3Configuration renamed. */
    static ObjectNode describe(ObjectNode config) {
        ObjectNode d = config.deepCopy();
        ObjectNode hints = d.get("BufferingHints") instanceof ObjectNode h ? h : d.putObject("BufferingHints");
        if (!hints.has("SizeInMBs")) {
            hints.put("SizeInMBs", 5);
        }
        if (!hints.has("IntervalInSeconds")) {
            hints.put("IntervalInSeconds", 300);
        }
        if (!d.has("S3BackupMode")) {
            d.put("S3BackupMode", "FailedDataOnly");
        }
        if (!d.has("RetryOptions")) {
            d.putObject("RetryOptions").put("DurationInSeconds",
                    IcebergDestination.DEFAULT_RETRY_DURATION.toSeconds());
        }
        if (!d.has("ProcessingConfiguration")) {
            d.putObject("ProcessingConfiguration").put("Enabled", false).putArray("Processors");
        }
        if (!d.has("CloudWatchLoggingOptions")) {
            d.putObject("CloudWatchLoggingOptions").put("Enabled", false);
        }
        if (!d.has("AppendOnly")) {
            d.put("AppendOnly", false);
        }
        if (d.get("S3Configuration") != null) {
            d.set("S3DestinationDescription", d.remove("S3Configuration"));
        }
        return d;
    }
}
