package dev.sluice.delivery.internal.encode;

import dev.sluice.delivery.DeliveryException;
import dev.sluice.delivery.ParquetConversion;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.parquet.avro.AvroSchemaConverter;
import org.apache.parquet.avro.AvroWriteSupport;
import org.apache.parquet.conf.ParquetConfiguration;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.api.WriteSupport;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.OutputFile;
import org.apache.parquet.schema.MessageType;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * The record-format conversion of {@link ParquetEncoder} in two steps that other modules can drive: JSON records to
 * Avro rows (Firehose's conversion rules, {@link JsonToAvro}), and Avro rows to one Parquet file written against a
 * caller-supplied {@link MessageType}, for example one whose columns carry Iceberg field ids.
 *
 * <p>Design note: immutable and thread-safe; each {@link #write} builds its own writer. Hadoop stays out for the
 * reasons given in {@link ParquetEncoder} ({@link PlainParquetConfiguration}, an in-memory {@link OutputFile},
 * {@link NoHadoopCodecFactory}); the write support is parquet-avro's own {@link AvroWriteSupport}, built with the
 * given message type. Lists are written in the three-level form of the Parquet spec ({@code <list> / list /
 * element}), which Iceberg and every current reader expect; {@link #messageType()} describes exactly that layout,
 * so a caller that only adds field ids to it writes a file parquet-avro can fill.
 */
public final class ParquetRows {

    private final JsonToAvro converter;
    private final MessageType messageType;

    private ParquetRows(String avroSchemaJson, Schema schema, boolean caseInsensitive, boolean utf8Strings) {
        // Firehose's default (OpenX) deserializer rules, as a delivery stream's ParquetConversion.of(...) uses.
        this.converter = new JsonToAvro(schema, ParquetConversion.of(avroSchemaJson)
                .withCaseInsensitive(caseInsensitive), utf8Strings);
        this.messageType = new AvroSchemaConverter(configuration()).convert(schema);
    }

    /**
     * Prepares conversion for one Avro record schema.
     *
     * @param avroSchemaJson the schema as JSON; its top level is a record
     * @param caseInsensitive whether JSON keys match schema fields ignoring case
     * @return the converter
     * @throws DeliveryException {@code INVALID_ARGUMENT} if the schema does not parse or is not a record
     */
    public static ParquetRows of(String avroSchemaJson, boolean caseInsensitive) {
        return new ParquetRows(avroSchemaJson, JsonToAvro.checkSchema(avroSchemaJson), caseInsensitive, false);
    }

    /**
     * As {@link #of(String, boolean)}, but string values are Avro {@code Utf8} (the bytes read from the JSON, which
     * parquet-avro writes without decoding and re-encoding them) instead of {@code String}; a caller that reads values
     * back must accept any {@link CharSequence}.
     *
     * @param avroSchemaJson the schema as JSON; its top level is a record
     * @param caseInsensitive whether JSON keys match schema fields ignoring case
     * @return the converter
     * @throws DeliveryException {@code INVALID_ARGUMENT} if the schema does not parse or is not a record
     */
    public static ParquetRows withUtf8Strings(String avroSchemaJson, boolean caseInsensitive) {
        return new ParquetRows(avroSchemaJson, JsonToAvro.checkSchema(avroSchemaJson), caseInsensitive, true);
    }

    /** The Avro schema rows are built with. */
    public Schema avroSchema() {
        return converter.schema();
    }

    /** The Parquet layout parquet-avro writes for {@link #avroSchema()} (three-level lists), without field ids. */
    public MessageType messageType() {
        return messageType;
    }

    /**
     * Converts one record's bytes into one or more rows, appended to {@code rows}; on failure nothing is appended.
     *
     * @param json UTF-8 JSON: one object or several concatenated objects
     * @param rows where the rows go
     * @throws DeliveryException {@code CONVERSION_MALFORMED_DATA} or {@code CONVERSION_SCHEMA_MISMATCH}
     */
    public void convert(byte[] json, List<GenericData.Record> rows) {
        converter.convert(json, rows);
    }

    /**
     * Writes rows as one Parquet file in memory.
     *
     * @param rows the rows, built with {@link #avroSchema()}; not empty
     * @param fileSchema {@link #messageType()} or the same layout with field ids added
     * @param codec the page codec
     * @param rowGroupBytes the row-group size
     * @param pageBytes the page size
     * @param dictionary whether to dictionary-encode
     * @return the file's bytes, read-only
     * @throws IOException if a codec fails
     */
    public ByteBuffer write(List<GenericData.Record> rows, MessageType fileSchema, ParquetConversion.Codec codec,
                            long rowGroupBytes, int pageBytes, boolean dictionary) throws IOException {
        ObjectEncoder.Bytes bytes = new ObjectEncoder.Bytes(64 * 1024);
        try (ParquetWriter<GenericData.Record> writer = new Builder<GenericData.Record>(new MemoryOutputFile(bytes),
                new AvroWriteSupport<>(fileSchema, converter.schema(), GenericData.get()))
                .withConf(configuration())
                .withCodecFactory(NoHadoopCodecFactory.INSTANCE)
                .withCompressionCodec(CompressionCodecName.valueOf(codec.name()))
                .withRowGroupSize(rowGroupBytes)
                .withPageSize(pageBytes)
                .withDictionaryEncoding(dictionary)
                .withWriteMode(ParquetFileWriter.Mode.OVERWRITE)
                .build()) {
            for (GenericData.Record row : rows) {
                writer.write(row);
            }
        }
        return bytes.view();
    }

    /** The writer configuration matching {@link #messageType()}: three-level lists. */
    static ParquetConfiguration configuration() {
        PlainParquetConfiguration conf = new PlainParquetConfiguration();
        conf.setBoolean(AvroWriteSupport.WRITE_OLD_LIST_STRUCTURE, false);
        return conf;
    }

    /**
     * A writer builder whose write support is given, never derived from a Hadoop configuration.
     *
     * @param <T> what the write support writes (Avro rows, or {@link FlatRowsWriteSupport}'s rows and Avro rows)
     */
    static final class Builder<T> extends ParquetWriter.Builder<T, Builder<T>> {

        private final WriteSupport<T> writeSupport;

        Builder(OutputFile file, WriteSupport<T> writeSupport) {
            super(file);
            this.writeSupport = writeSupport;
        }

        @Override
        protected Builder<T> self() {
            return this;
        }

        @Override
        protected WriteSupport<T> getWriteSupport(ParquetConfiguration conf) {
            return writeSupport;
        }

        /** Never called: {@link #getWriteSupport(ParquetConfiguration)} is overridden and the conf is plain. */
        @Override
        @Deprecated
        protected WriteSupport<T> getWriteSupport(org.apache.hadoop.conf.Configuration conf) {
            return writeSupport;
        }
    }
}
