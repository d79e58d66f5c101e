package dev.sluice.delivery;

import dev.sluice.delivery.internal.encode.JsonToAvro;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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
 * float, double, bytes (base64 text), and the logical types {@code timestamp-millis}/{@code timestamp-micros}
 * (epoch numbers or ISO-8601 strings), {@code date} (days or {@code yyyy-MM-dd}) and {@code decimal} on bytes.
 *
 * @param schema the Avro schema as JSON ({@code .avsc} text) whose top level is a record; for a schema built in
 *        code pass {@code schema.toString()}
 * @param compression the page codec; Firehose's default {@link Codec#SNAPPY}
 * @param blockSizeBytes the row-group size; Firehose's default 256 MiB, at least {@link #MIN_BLOCK_SIZE_BYTES}
 * @param pageSizeBytes the page size; Firehose's default 1 MiB, at least {@link #MIN_PAGE_SIZE_BYTES}
 * @param enableDictionary whether to dictionary-encode columns (Firehose's {@code EnableDictionaryCompression},
 *        default {@code false})
 * @param caseInsensitive whether JSON keys match schema fields ignoring case (the OpenX JSON SerDe default,
 *        {@code true})
 */
public record ParquetConversion(String schema, Codec compression, long blockSizeBytes, int pageSizeBytes,
                                boolean enableDictionary, boolean caseInsensitive) {

    /** Firehose's default Parquet block size (256 MiB). */
    public static final long DEFAULT_BLOCK_SIZE_BYTES = 256L << 20;
    /** Smallest row-group size Sluice accepts (64 KiB); Firehose's minimum is 64 MiB. */
    public static final long MIN_BLOCK_SIZE_BYTES = 64L << 10;
    /** Firehose's default Parquet page size (1 MiB). */
    public static final int DEFAULT_PAGE_SIZE_BYTES = 1 << 20;
    /** Smallest page size (Firehose's minimum, 64 KiB). */
    public static final int MIN_PAGE_SIZE_BYTES = 64 << 10;

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
     * Validates; the schema is parsed once here so a bad schema fails at configuration time.
     *
     * @throws DeliveryException {@link ErrorCode#INVALID_ARGUMENT} naming the field, its range and the value, or
     *         describing why the schema is not usable
     */
    public ParquetConversion {
        Objects.requireNonNull(schema, "schema");
        Objects.requireNonNull(compression, "compression");
        if (blockSizeBytes < MIN_BLOCK_SIZE_BYTES) {
            throw DeliveryException.invalidArgument("parquet blockSizeBytes must be >= " + MIN_BLOCK_SIZE_BYTES
                    + " but was " + blockSizeBytes);
        }
        if (pageSizeBytes < MIN_PAGE_SIZE_BYTES) {
            throw DeliveryException.invalidArgument("parquet pageSizeBytes must be >= " + MIN_PAGE_SIZE_BYTES
                    + " but was " + pageSizeBytes);
        }
        JsonToAvro.checkSchema(schema);
    }

    /**
     * A conversion with Firehose's defaults (SNAPPY, 256 MiB blocks, 1 MiB pages, no dictionary, case-insensitive).
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
     * Returns a copy with another codec.
     *
     * @param codec the codec
     * @return the copy
     */
    public ParquetConversion withCompression(Codec codec) {
        return new ParquetConversion(schema, codec, blockSizeBytes, pageSizeBytes, enableDictionary, caseInsensitive);
    }

    /**
     * Returns a copy with another row-group size.
     *
     * @param bytes at least {@link #MIN_BLOCK_SIZE_BYTES}
     * @return the copy
     */
    public ParquetConversion withBlockSizeBytes(long bytes) {
        return new ParquetConversion(schema, compression, bytes, pageSizeBytes, enableDictionary, caseInsensitive);
    }

    /**
     * Returns a copy with another page size.
     *
     * @param bytes at least {@link #MIN_PAGE_SIZE_BYTES}
     * @return the copy
     */
    public ParquetConversion withPageSizeBytes(int bytes) {
        return new ParquetConversion(schema, compression, blockSizeBytes, bytes, enableDictionary, caseInsensitive);
    }

    /**
     * Returns a copy with dictionary encoding on or off.
     *
     * @param enabled whether to dictionary-encode
     * @return the copy
     */
    public ParquetConversion withDictionary(boolean enabled) {
        return new ParquetConversion(schema, compression, blockSizeBytes, pageSizeBytes, enabled, caseInsensitive);
    }

    /**
     * Returns a copy with case-sensitive or case-insensitive key matching.
     *
     * @param enabled {@code true} to ignore case
     * @return the copy
     */
    public ParquetConversion withCaseInsensitive(boolean enabled) {
        return new ParquetConversion(schema, compression, blockSizeBytes, pageSizeBytes, enableDictionary, enabled);
    }
}
