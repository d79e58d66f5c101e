package dev.sluice.delivery;

import dev.sluice.delivery.internal.encode.JsonToAvro;
import dev.sluice.delivery.internal.encode.TimestampFormats;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Record-format conversion from JSON to Parquet through an Avro schema (Firehose's
 * {@code DataFormatConversionConfiguration} with a Parquet serializer; the schema stands in for the Glue table).
 *
 * <p>Thread-safety: immutable.
 *
 * <p>Input is one JSON object per record (split concatenated objects first with
 * {@code Processor.deaggregateJson()}). Firehose's rules for mismatches apply: fields absent from the schema are
 * dropped; a schema field missing from the record is null when its type is nullable (a union with
 * {@code "null"}) or takes its default; a value of the wrong type, a missing non-nullable field without default, or
 * malformed JSON fails <em>that record</em>, which goes to the {@code format-conversion-failed} error output, never
 * the batch. Supported Avro types: record (nested), array, map, union with null, string, enum, boolean, int, long,
 * float, double, bytes (base64 text), and the logical types {@code timestamp-millis}/{@code timestamp-micros},
 * {@code date} (days or {@code yyyy-MM-dd}) and {@code decimal} on bytes.
 *
 * <p>Deserializers (Firehose's {@code InputFormatConfiguration}):
 * <ul>
 *   <li>{@link JsonDeserializer#OPENX} (the default, Firehose's {@code OpenXJsonSerDe}): keys match columns ignoring
 *       case unless {@code caseInsensitive} is off; {@code columnToJsonKeyMappings} maps a top-level column to a JSON
 *       key of another name; {@code convertDotsInJsonKeysToUnderscores} reads key {@code a.b} as column
 *       {@code a_b}; numbers given as JSON strings ({@code "42"}) are accepted for numeric columns. Timestamps:
 *       ISO-8601 text ({@code 2017-02-07T15:13:01.39256Z}, an offset, or none for UTC), {@code yyyy-[M]M-[d]d
 *       HH:mm:ss[.S...]}, or an epoch number: a fractional number is seconds, an integer of at most 10 digits is
 *       seconds, up to 13 digits milliseconds, longer ones are in the column's unit.</li>
 *   <li>{@link JsonDeserializer#HIVE} (Firehose's {@code HiveJsonSerDe}): keys match ignoring case; numeric columns
 *       need JSON numbers; timestamps are text parsed with {@code timestampFormats} in order (Joda-Time
 *       {@code DateTimeFormat} patterns, or {@code millis} for epoch milliseconds as a number or digits), and with
 *       no formats as {@code java.sql.Timestamp.valueOf} does ({@code yyyy-[M]M-[d]d HH:mm:ss[.f...]}), in UTC.</li>
 * </ul>
 *
 * @param schema the Avro schema as JSON ({@code .avsc} text) whose top level is a record; for a schema built in
 *        code pass {@code schema.toString()}
 * @param compression the page codec; Firehose's default {@link Codec#SNAPPY}
 * @param blockSizeBytes the row-group size; Firehose's default 256 MiB, at least {@link #MIN_BLOCK_SIZE_BYTES}
 * @param pageSizeBytes the page size; Firehose's default 1 MiB, at least {@link #MIN_PAGE_SIZE_BYTES}
 * @param enableDictionary whether to dictionary-encode columns (Firehose's {@code EnableDictionaryCompression},
 *        default {@code false})
 * @param caseInsensitive whether JSON keys match schema fields ignoring case (the OpenX JSON SerDe default,
 *        {@code true}; always {@code true} for {@link JsonDeserializer#HIVE})
 * @param deserializer how JSON is read; default {@link JsonDeserializer#OPENX}
 * @param columnToJsonKeyMappings top-level column name to the JSON key that fills it (OpenX only); empty by default
 * @param convertDotsInJsonKeysToUnderscores whether key {@code a.b} fills column {@code a_b} (OpenX only); default
 *        {@code false}
 * @param timestampFormats Joda-Time patterns or {@code millis}, tried in order (Hive only); empty for
 *        {@code java.sql.Timestamp.valueOf}'s format
 * @param maxPaddingBytes the most padding written to align row groups (Firehose's {@code MaxPaddingBytes},
 *        default 0), at least 0
 * @param writerVersion the Parquet format version of data pages; Firehose's default {@link WriterVersion#V1}
 */
public record ParquetConversion(String schema, Codec compression, long blockSizeBytes, int pageSizeBytes,
                                boolean enableDictionary, boolean caseInsensitive, JsonDeserializer deserializer,
                                Map<String, String> columnToJsonKeyMappings,
                                boolean convertDotsInJsonKeysToUnderscores, List<String> timestampFormats,
                                int maxPaddingBytes, WriterVersion writerVersion) {

    /** Firehose's default Parquet block size (256 MiB). */
    public static final long DEFAULT_BLOCK_SIZE_BYTES = 256L << 20;
    /** Smallest row-group size Sluice accepts (64 KiB); Firehose's minimum is 64 MiB. */
    public static final long MIN_BLOCK_SIZE_BYTES = 64L << 10;
    /** Firehose's default Parquet page size (1 MiB). */
    public static final int DEFAULT_PAGE_SIZE_BYTES = 1 << 20;
    /** Smallest page size (Firehose's minimum, 64 KiB). */
    public static final int MIN_PAGE_SIZE_BYTES = 64 << 10;
    /** The special Hive timestamp format that reads epoch milliseconds (Firehose's {@code HiveJsonSerDe}). */
    public static final String MILLIS = "millis";

    /**
     * Parquet page compression, Firehose's {@code ParquetCompression} plus ZSTD.
     *
     * <p>Thread-safety: immutable.
     */
    public enum Codec {
        /** Snappy (Firehose's default). */
        SNAPPY,
        /** Gzip (deflate). */
        GZIP,
        /** Zstandard, level 3. */
        ZSTD,
        /** No compression. */
        UNCOMPRESSED
    }

    /**
     * The JSON deserializer, Firehose's {@code InputFormatConfiguration.Deserializer}.
     *
     * <p>Thread-safety: immutable.
     */
    public enum JsonDeserializer {
        /** The OpenX JSON SerDe (Firehose's recommended default). */
        OPENX,
        /** The Apache Hive / HCatalog JSON SerDe. */
        HIVE
    }

    /**
     * The Parquet writer version, Firehose's {@code ParquetWriterVersion}.
     *
     * <p>Thread-safety: immutable.
     */
    public enum WriterVersion {
        /** Parquet format 1.0 data pages (Firehose's default). */
        V1,
        /** Parquet format 2.0 data pages. */
        V2
    }

    /**
     * Validates; the schema is parsed once here so a bad schema fails at configuration time.
     *
     * @throws DeliveryException {@link ErrorCode#INVALID_ARGUMENT} naming the field, its range and the value, or
     *         describing why the schema is not usable
     */
    public ParquetConversion {
        Objects.requireNonNull(schema, "schema");
        Objects.requireNonNull(compression, "compression");
        Objects.requireNonNull(deserializer, "deserializer");
        Objects.requireNonNull(writerVersion, "writerVersion");
        columnToJsonKeyMappings = Map.copyOf(columnToJsonKeyMappings);
        timestampFormats = List.copyOf(timestampFormats);
        if (blockSizeBytes < MIN_BLOCK_SIZE_BYTES) {
            throw DeliveryException.invalidArgument("parquet blockSizeBytes must be >= " + MIN_BLOCK_SIZE_BYTES
                    + " but was " + blockSizeBytes);
        }
        if (pageSizeBytes < MIN_PAGE_SIZE_BYTES) {
            throw DeliveryException.invalidArgument("parquet pageSizeBytes must be >= " + MIN_PAGE_SIZE_BYTES
                    + " but was " + pageSizeBytes);
        }
        if (maxPaddingBytes < 0) {
            throw DeliveryException.invalidArgument("parquet maxPaddingBytes must be >= 0 but was " + maxPaddingBytes);
        }
        if (deserializer == JsonDeserializer.HIVE) {
            if (!caseInsensitive) {
                throw DeliveryException.invalidArgument("caseInsensitive is always true with the HIVE deserializer");
            }
            if (!columnToJsonKeyMappings.isEmpty() || convertDotsInJsonKeysToUnderscores) {
                throw DeliveryException.invalidArgument("columnToJsonKeyMappings and"
                        + " convertDotsInJsonKeysToUnderscores are options of the OPENX deserializer, not HIVE");
            }
        } else if (!timestampFormats.isEmpty()) {
            throw DeliveryException.invalidArgument("timestampFormats is an option of the HIVE deserializer, not"
                    + " OPENX (which reads ISO-8601, 'yyyy-MM-dd HH:mm:ss' and epoch numbers)");
        }
        for (Map.Entry<String, String> mapping : columnToJsonKeyMappings.entrySet()) {
            if (mapping.getKey().isBlank() || mapping.getValue().isBlank()) {
                throw DeliveryException.invalidArgument("columnToJsonKeyMappings must map non-blank column names to"
                        + " non-blank JSON keys but had '" + mapping.getKey() + "' -> '" + mapping.getValue() + "'");
            }
        }
        TimestampFormats.check(timestampFormats);
        JsonToAvro.checkSchema(schema);
    }

    /**
     * The conversion as before deserializer and writer options existed: OpenX with no mappings, no padding, V1.
     *
     * @param schema the Avro schema as JSON
     * @param compression the page codec
     * @param blockSizeBytes the row-group size
     * @param pageSizeBytes the page size
     * @param enableDictionary whether to dictionary-encode
     * @param caseInsensitive whether keys match ignoring case
     * @throws DeliveryException {@link ErrorCode#INVALID_ARGUMENT} as the canonical constructor
     */
    public ParquetConversion(String schema, Codec compression, long blockSizeBytes, int pageSizeBytes,
                             boolean enableDictionary, boolean caseInsensitive) {
        this(schema, compression, blockSizeBytes, pageSizeBytes, enableDictionary, caseInsensitive,
                JsonDeserializer.OPENX, Map.of(), false, List.of(), 0, WriterVersion.V1);
    }

    /**
     * A conversion with Firehose's defaults (SNAPPY, 256 MiB blocks, 1 MiB pages, no dictionary, OpenX
     * case-insensitive, no padding, writer V1).
     *
     * @param avroSchemaJson the schema as JSON
     * @return the conversion
     * @throws DeliveryException {@link ErrorCode#INVALID_ARGUMENT} if the schema does not parse or is not a record
     */
    public static ParquetConversion of(String avroSchemaJson) {
        return new ParquetConversion(avroSchemaJson, Codec.SNAPPY, DEFAULT_BLOCK_SIZE_BYTES, DEFAULT_PAGE_SIZE_BYTES,
                false, true);
    }

    /**
     * A conversion with Firehose's defaults whose schema is read from an {@code .avsc} file.
     *
     * @param avsc the file, UTF-8
     * @return the conversion
     * @throws DeliveryException {@link ErrorCode#INVALID_ARGUMENT} if the file cannot be read or the schema is bad
     */
    public static ParquetConversion fromAvscFile(Path avsc) {
        Objects.requireNonNull(avsc, "avsc");
        try {
            return of(Files.readString(avsc, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new DeliveryException(ErrorCode.INVALID_ARGUMENT, "cannot read Avro schema file " + avsc + ": " + e, e);
        }
    }

    /**
     * Returns a copy with another schema and the same options.
     *
     * @param avroSchemaJson the schema as JSON
     * @return the copy
     * @throws DeliveryException {@link ErrorCode#INVALID_ARGUMENT} if the schema does not parse or is not a record
     */
    public ParquetConversion withSchema(String avroSchemaJson) {
        return new ParquetConversion(avroSchemaJson, compression, blockSizeBytes, pageSizeBytes, enableDictionary,
                caseInsensitive, deserializer, columnToJsonKeyMappings, convertDotsInJsonKeysToUnderscores,
                timestampFormats, maxPaddingBytes, writerVersion);
    }

    /**
     * Returns a copy with another codec.
     *
     * @param codec the codec
     * @return the copy
     */
    public ParquetConversion withCompression(Codec codec) {
        return new ParquetConversion(schema, codec, blockSizeBytes, pageSizeBytes, enableDictionary, caseInsensitive,
                deserializer, columnToJsonKeyMappings, convertDotsInJsonKeysToUnderscores, timestampFormats,
                maxPaddingBytes, writerVersion);
    }

    /**
     * Returns a copy with another row-group size.
     *
     * @param bytes at least {@link #MIN_BLOCK_SIZE_BYTES}
     * @return the copy
     */
    public ParquetConversion withBlockSizeBytes(long bytes) {
        return new ParquetConversion(schema, compression, bytes, pageSizeBytes, enableDictionary, caseInsensitive,
                deserializer, columnToJsonKeyMappings, convertDotsInJsonKeysToUnderscores, timestampFormats,
                maxPaddingBytes, writerVersion);
    }

    /**
     * Returns a copy with another page size.
     *
     * @param bytes at least {@link #MIN_PAGE_SIZE_BYTES}
     * @return the copy
     */
    public ParquetConversion withPageSizeBytes(int bytes) {
        return new ParquetConversion(schema, compression, blockSizeBytes, bytes, enableDictionary, caseInsensitive,
                deserializer, columnToJsonKeyMappings, convertDotsInJsonKeysToUnderscores, timestampFormats,
                maxPaddingBytes, writerVersion);
    }

    /**
     * Returns a copy with dictionary encoding on or off.
     *
     * @param enabled whether to dictionary-encode
     * @return the copy
     */
    public ParquetConversion withDictionary(boolean enabled) {
        return new ParquetConversion(schema, compression, blockSizeBytes, pageSizeBytes, enabled, caseInsensitive,
                deserializer, columnToJsonKeyMappings, convertDotsInJsonKeysToUnderscores, timestampFormats,
                maxPaddingBytes, writerVersion);
    }

    /**
     * Returns a copy with case-sensitive or case-insensitive key matching.
     *
     * @param enabled {@code true} to ignore case
     * @return the copy
     * @throws DeliveryException {@link ErrorCode#INVALID_ARGUMENT} turning it off for {@link JsonDeserializer#HIVE}
     */
    public ParquetConversion withCaseInsensitive(boolean enabled) {
        return new ParquetConversion(schema, compression, blockSizeBytes, pageSizeBytes, enableDictionary, enabled,
                deserializer, columnToJsonKeyMappings, convertDotsInJsonKeysToUnderscores, timestampFormats,
                maxPaddingBytes, writerVersion);
    }

    /**
     * Returns a copy reading JSON with the OpenX JSON SerDe and these options (Firehose's {@code OpenXJsonSerDe}).
     *
     * @param caseInsensitive whether keys match ignoring case (Firehose's default {@code true})
     * @param columnToJsonKeyMappings top-level column name to JSON key
     * @param convertDotsInJsonKeysToUnderscores whether key {@code a.b} fills column {@code a_b}
     * @return the copy
     * @throws DeliveryException {@link ErrorCode#INVALID_ARGUMENT} for a blank column or key
     */
    public ParquetConversion withOpenXJsonSerDe(boolean caseInsensitive, Map<String, String> columnToJsonKeyMappings,
                                                boolean convertDotsInJsonKeysToUnderscores) {
        return new ParquetConversion(schema, compression, blockSizeBytes, pageSizeBytes, enableDictionary,
                caseInsensitive, JsonDeserializer.OPENX, columnToJsonKeyMappings, convertDotsInJsonKeysToUnderscores,
                List.of(), maxPaddingBytes, writerVersion);
    }

    /**
     * Returns a copy reading JSON with the Hive JSON SerDe (Firehose's {@code HiveJsonSerDe}).
     *
     * @param timestampFormats Joda-Time {@code DateTimeFormat} patterns or {@link #MILLIS}, tried in order; empty
     *        for {@code java.sql.Timestamp.valueOf}'s format
     * @return the copy
     * @throws DeliveryException {@link ErrorCode#INVALID_ARGUMENT} for a pattern that does not compile
     */
    public ParquetConversion withHiveJsonSerDe(List<String> timestampFormats) {
        return new ParquetConversion(schema, compression, blockSizeBytes, pageSizeBytes, enableDictionary, true,
                JsonDeserializer.HIVE, Map.of(), false, timestampFormats, maxPaddingBytes, writerVersion);
    }

    /**
     * Returns a copy with another row-group alignment padding.
     *
     * @param bytes at least 0
     * @return the copy
     */
    public ParquetConversion withMaxPaddingBytes(int bytes) {
        return new ParquetConversion(schema, compression, blockSizeBytes, pageSizeBytes, enableDictionary,
                caseInsensitive, deserializer, columnToJsonKeyMappings, convertDotsInJsonKeysToUnderscores,
                timestampFormats, bytes, writerVersion);
    }

    /**
     * Returns a copy with another writer version.
     *
     * @param version the data page version
     * @return the copy
     */
    public ParquetConversion withWriterVersion(WriterVersion version) {
        return new ParquetConversion(schema, compression, blockSizeBytes, pageSizeBytes, enableDictionary,
                caseInsensitive, deserializer, columnToJsonKeyMappings, convertDotsInJsonKeysToUnderscores,
                timestampFormats, maxPaddingBytes, version);
    }
}
