package dev.sluice.server.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.delivery.BufferingHints;
import dev.sluice.delivery.DeliveryException;
import dev.sluice.delivery.DeliveryStream;
import dev.sluice.delivery.OutputFormat;
import dev.sluice.delivery.ParquetConversion;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Firehose's {@code DataFormatConversionConfiguration} on an S3 destination, mapped onto {@link ParquetConversion}
 * with the schema read from the server's {@link GlueCatalog}.
 *
 * <p>SchemaConfiguration: DatabaseName and TableName are required; CatalogId and Region, when given, must be this
 * server's account and region; VersionId {@code LATEST} (the default) follows the table, a version id pins it;
 * RoleARN is kept and not checked. The table's columns become the Avro schema ({@link GlueSchemas}).
 * InputFormatConfiguration: exactly one of OpenXJsonSerDe (CaseInsensitive, ColumnToJsonKeyMappings,
 * ConvertDotsInJsonKeysToUnderscores) or HiveJsonSerDe (TimestampFormats). OutputFormatConfiguration: ParquetSerDe
 * (Compression UNCOMPRESSED/GZIP/SNAPPY, BlockSizeBytes at least 64 MiB, PageSizeBytes at least 64 KiB,
 * EnableDictionaryCompression, MaxPaddingBytes, WriterVersion V1/V2); OrcSerDe is refused (Sluice writes no ORC).
 * As on Firehose, the destination's CompressionFormat must be UNCOMPRESSED (Parquet compresses its pages) and the
 * buffer size is 64 to 128 MiB, 128 by default. Every client mistake is an {@code InvalidArgumentException} naming
 * the member.
 *
 * <p>Stateless apart from the catalog it reads.
 */
final class FirehoseFormatConversion {

    /** Firehose: with format conversion the buffer size is at least 64 MiB, default 128 MiB. */
    static final int MIN_BUFFER_MB = 64;
    static final int DEFAULT_BUFFER_MB = 128;
    /** Firehose ParquetSerDe: BlockSizeBytes at least 64 MiB. */
    static final long MIN_BLOCK_SIZE_BYTES = 64L << 20;
    /** Firehose ParquetSerDe: PageSizeBytes at least 64 KiB. */
    static final int MIN_PAGE_SIZE_BYTES = 64 << 10;
    static final String LATEST = "LATEST";

    private final GlueCatalog catalog;
    private final String region;

    FirehoseFormatConversion(GlueCatalog catalog, String region) {
        this.catalog = catalog;
        this.region = region;
    }

    /** The Glue table a conversion reads; {@code versionId} is {@link #LATEST} or a pinned id. */
    record TableRef(String database, String table, String versionId) {
        boolean follows(String db, String name) {
            return versionId.equals(LATEST) && database.equals(db) && table.equals(name);
        }
    }

    /** A resolved conversion: the table it came from and the ParquetConversion built from it. */
    record Resolved(TableRef table, ParquetConversion conversion) {
    }

    /**
     * @param destination an S3 destination configuration
     * @return the conversion, or {@code null} when there is none or it is disabled
     * @throws ApiException {@code InvalidArgumentException} naming what is wrong
     */
    Resolved resolve(JsonNode destination) {
        JsonNode config = destination.get("DataFormatConversionConfiguration");
        if (config == null || config.isNull() || !config.path("Enabled").asBoolean(true)) {
            return null;
        }
        String field = "DataFormatConversionConfiguration";
        TableRef ref = tableRef(config.path("SchemaConfiguration"), field + ".SchemaConfiguration");
        JsonNode table;
        try {
            table = catalog.getTable(ref.database(), ref.table(), ref.versionId().equals(LATEST) ? null
                    : ref.versionId());
        } catch (ApiException e) {
            throw ApiException.invalidArgument(field + ".SchemaConfiguration names Glue table " + ref.database()
                    + "." + ref.table() + " (version " + ref.versionId() + ") but: " + e.getMessage());
        }
        String schema = GlueSchemas.avroSchema(table);
        try {
            ParquetConversion conversion = ParquetConversion.of(schema);
            conversion = input(conversion, config.path("InputFormatConfiguration"), field + ".InputFormatConfiguration");
            conversion = output(conversion, config.path("OutputFormatConfiguration"),
                    field + ".OutputFormatConfiguration");
            return new Resolved(ref, conversion);
        } catch (DeliveryException e) {
            throw ApiException.invalidArgument(field + ": " + e.getMessage());
        }
    }

    private TableRef tableRef(JsonNode schema, String field) {
        if (!schema.isObject()) {
            throw ApiException.invalidArgument(field + " is required when format conversion is enabled");
        }
        String database = required(schema, "DatabaseName", field);
        String table = required(schema, "TableName", field);
        String catalogId = ApiRequest.string(schema, "CatalogId");
        if (catalogId != null && !catalogId.equals(catalog.accountId())) {
            throw ApiException.invalidArgument(field + ".CatalogId must be this server's account "
                    + catalog.accountId() + " but was '" + WireFormat.abbreviate(catalogId) + "'");
        }
        String tableRegion = ApiRequest.string(schema, "Region");
        if (tableRegion != null && !tableRegion.equals(region)) {
            throw ApiException.invalidArgument(field + ".Region must be this server's region " + region
                    + " but was '" + WireFormat.abbreviate(tableRegion) + "'");
        }
        String version = ApiRequest.string(schema, "VersionId");
        return new TableRef(GlueCatalog.name(field + ".DatabaseName", database),
                GlueCatalog.name(field + ".TableName", table), version == null ? LATEST : version);
    }

    private static String required(JsonNode node, String member, String field) {
        String value = ApiRequest.string(node, member);
        if (value == null || value.isEmpty()) {
            throw ApiException.invalidArgument(field + "." + member + " is required when format conversion is"
                    + " enabled");
        }
        return value;
    }

    private static ParquetConversion input(ParquetConversion conversion, JsonNode input, String field) {
        JsonNode deserializer = input.path("Deserializer");
        JsonNode openX = deserializer.get("OpenXJsonSerDe");
        JsonNode hive = deserializer.get("HiveJsonSerDe");
        if ((openX == null) == (hive == null)) {
            throw ApiException.invalidArgument(field + ".Deserializer must have exactly one of OpenXJsonSerDe and"
                    + " HiveJsonSerDe");
        }
        if (openX != null) {
            Map<String, String> mappings = new LinkedHashMap<>();
            openX.path("ColumnToJsonKeyMappings").properties().forEach(e -> mappings.put(e.getKey(),
                    e.getValue().asText()));
            return conversion.withOpenXJsonSerDe(openX.path("CaseInsensitive").asBoolean(true), mappings,
                    openX.path("ConvertDotsInJsonKeysToUnderscores").asBoolean(false));
        }
        List<String> formats = new ArrayList<>();
        hive.path("TimestampFormats").forEach(f -> formats.add(f.asText()));
        return conversion.withHiveJsonSerDe(formats);
    }

    private static ParquetConversion output(ParquetConversion conversion, JsonNode output, String field) {
        JsonNode serializer = output.path("Serializer");
        if (serializer.has("OrcSerDe")) {
            throw ApiException.invalidArgument(field + ".Serializer.OrcSerDe: ORC output is not supported by the"
                    + " Sluice server; use ParquetSerDe");
        }
        JsonNode parquet = serializer.get("ParquetSerDe");
        if (parquet == null) {
            throw ApiException.invalidArgument(field + ".Serializer must have ParquetSerDe (ORC is not supported)");
        }
        String where = field + ".Serializer.ParquetSerDe";
        String compression = ApiRequest.string(parquet, "Compression");
        if (compression != null) {
            conversion = conversion.withCompression(switch (compression) {
                case "UNCOMPRESSED" -> ParquetConversion.Codec.UNCOMPRESSED;
                case "GZIP" -> ParquetConversion.Codec.GZIP;
                case "SNAPPY" -> ParquetConversion.Codec.SNAPPY;
                default -> throw ApiException.invalidArgument(where + ".Compression must be one of UNCOMPRESSED,"
                        + " GZIP, SNAPPY but was '" + WireFormat.abbreviate(compression) + "'");
            });
        }
        JsonNode block = parquet.get("BlockSizeBytes");
        if (block != null) {
            if (!block.canConvertToLong() || block.longValue() < MIN_BLOCK_SIZE_BYTES) {
                throw ApiException.invalidArgument(where + ".BlockSizeBytes must be at least " + MIN_BLOCK_SIZE_BYTES
                        + " (64 MiB) but was " + block);
            }
            conversion = conversion.withBlockSizeBytes(block.longValue());
        }
        JsonNode page = parquet.get("PageSizeBytes");
        if (page != null) {
            if (!page.canConvertToInt() || page.intValue() < MIN_PAGE_SIZE_BYTES) {
                throw ApiException.invalidArgument(where + ".PageSizeBytes must be at least " + MIN_PAGE_SIZE_BYTES
                        + " (64 KiB) but was " + page);
            }
            conversion = conversion.withPageSizeBytes(page.intValue());
        }
        if (parquet.has("EnableDictionaryCompression")) {
            conversion = conversion.withDictionary(parquet.path("EnableDictionaryCompression").asBoolean());
        }
        JsonNode padding = parquet.get("MaxPaddingBytes");
        if (padding != null) {
            if (!padding.canConvertToInt() || padding.intValue() < 0) {
                throw ApiException.invalidArgument(where + ".MaxPaddingBytes must be at least 0 but was " + padding);
            }
            conversion = conversion.withMaxPaddingBytes(padding.intValue());
        }
        String writer = ApiRequest.string(parquet, "WriterVersion");
        if (writer != null) {
            conversion = conversion.withWriterVersion(switch (writer) {
                case "V1" -> ParquetConversion.WriterVersion.V1;
                case "V2" -> ParquetConversion.WriterVersion.V2;
                default -> throw ApiException.invalidArgument(where + ".WriterVersion must be V1 or V2 but was '"
                        + WireFormat.abbreviate(writer) + "'");
            });
        }
        return conversion;
    }

    /**
     * Sets the Parquet output and Firehose's buffering rules for conversion on the builder.
     *
     * @throws ApiException {@code InvalidArgumentException} for a CompressionFormat other than UNCOMPRESSED or a
     *                      buffer size under 64 MiB
     */
    static void apply(DeliveryStream.Builder builder, JsonNode destination, String field, Resolved resolved) {
        String compression = ApiRequest.string(destination, "CompressionFormat");
        if (compression != null && !compression.equals("UNCOMPRESSED")) {
            throw ApiException.invalidArgument(field + ".CompressionFormat must be UNCOMPRESSED when format"
                    + " conversion is enabled (ParquetSerDe.Compression compresses the pages) but was '"
                    + WireFormat.abbreviate(compression) + "'");
        }
        JsonNode hints = destination.get("BufferingHints");
        Integer megabytes = hints == null ? null : ApiRequest.integer(hints, "SizeInMBs");
        if (megabytes != null && megabytes < MIN_BUFFER_MB) {
            throw ApiException.invalidArgument(field + ".BufferingHints.SizeInMBs must be at least " + MIN_BUFFER_MB
                    + " when format conversion is enabled but was " + megabytes);
        }
        if (megabytes == null) {
            BufferingHints given = FirehoseDestinations.bufferingHints(hints, field);
            builder.bufferingHints(new BufferingHints((long) DEFAULT_BUFFER_MB << 20, given.interval()));
        }
        builder.outputFormat(OutputFormat.parquet(resolved.conversion()));
    }
}
