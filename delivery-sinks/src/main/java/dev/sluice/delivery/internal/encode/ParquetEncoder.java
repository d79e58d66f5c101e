package dev.sluice.delivery.internal.encode;

import dev.sluice.delivery.internal.buffer.Item;
import dev.sluice.delivery.DeliveryException;
import dev.sluice.delivery.ParquetConversion;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.parquet.avro.AvroParquetWriter;
import org.apache.parquet.column.ParquetProperties;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.OutputFile;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Record-format conversion: JSON records to one Parquet object, with no Hadoop class loaded.
 *
 * <p>Design note: immutable and thread-safe; each object gets its own writer ({@link Open}). Hadoop stays out because
 * of four choices: an in-memory {@link OutputFile} (not Hadoop's), {@link PlainParquetConfiguration},
 * {@code withDataModel(GenericData.get())} (otherwise parquet-avro builds a Hadoop {@code Configuration}) and
 * {@link NoHadoopCodecFactory}. Each record is converted whole before any of its rows is written, so a record that
 * does not fit the schema is rejected alone (to {@code format-conversion-failed}) and never corrupts the object. Rows
 * are written as soon as their record is converted, not collected for the whole object first: the same rows in the
 * same order, so the same bytes, whether the items come in one call ({@link #encode}) or in parts while the buffer
 * fills ({@link #incremental}, see {@link EarlyEncoding}); and no object-sized list of rows lives on the heap.
 */
public final class ParquetEncoder implements ObjectEncoder {

    private final JsonToAvro converter;
    private final ParquetConversion conversion;
    private final CompressionCodecName codec;
    /** The file layout with field ids a sink asked for ({@code Sink.parquetContent}); null for parquet-avro's own. */
    private final org.apache.parquet.schema.MessageType fileSchema;

    public ParquetEncoder(ParquetConversion conversion) {
        this(conversion, java.util.Optional.empty());
    }

    /**
     * An encoder writing files with a given Parquet layout, for example one whose columns carry Iceberg field ids.
     *
     * @param conversion the schema and options
     * @param parquetSchema the message type as text: parquet-avro's three-level-list layout of the conversion's
     *        schema, ids optional; empty for parquet-avro's default layout
     * @throws DeliveryException {@code INVALID_ARGUMENT} if the schema does not parse or its layout is not the
     *         conversion schema's
     */
    public ParquetEncoder(ParquetConversion conversion, java.util.Optional<String> parquetSchema) {
        Schema schema = JsonToAvro.checkSchema(conversion.schema());
        // Rows only the Parquet writer reads: strings as Avro Utf8 bytes, written without a re-encoding.
        this.converter = new JsonToAvro(schema, conversion, true);
        this.conversion = conversion;
        this.codec = CompressionCodecName.valueOf(conversion.compression().name());
        this.fileSchema = parquetSchema.map(text -> fileSchema(text, schema)).orElse(null);
    }

    private static org.apache.parquet.schema.MessageType fileSchema(String text, Schema schema) {
        org.apache.parquet.schema.MessageType parsed;
        try {
            parsed = org.apache.parquet.schema.MessageTypeParser.parseMessageType(text);
        } catch (RuntimeException e) {
            throw new DeliveryException(dev.sluice.delivery.ErrorCode.INVALID_ARGUMENT,
                    "parquetSchema does not parse: " + e.getMessage());
        }
        org.apache.parquet.schema.MessageType layout =
                new org.apache.parquet.avro.AvroSchemaConverter(ParquetRows.configuration()).convert(schema);
        if (!withoutIds(parsed).equals(withoutIds(layout))) {
            throw new DeliveryException(dev.sluice.delivery.ErrorCode.INVALID_ARGUMENT,
                    "parquetSchema must be the three-level-list layout of the conversion schema (field ids aside)"
                    + " but was " + parsed + "; expected " + layout);
        }
        return parsed;
    }

    private static String withoutIds(org.apache.parquet.schema.MessageType type) {
        return type.toString().replaceAll(" = \\d+", "").replaceAll("\\s+", " ");
    }

    @Override
    public Encoded encode(List<Item> items, String objectName) throws IOException {
        long rawBytes = 0;
        for (Item item : items) {
            rawBytes += item.data.length;
        }
        Open object = new Open((int) Math.min(Integer.MAX_VALUE - 16, rawBytes / 3 + 4096));
        try {
            object.add(items);
            return object.finish();
        } finally {
            object.abandon();
        }
    }

    @Override
    public Incremental incremental() {
        return new Open(64 * 1024);
    }

    @Override
    public String extension() {
        return ".parquet";
    }

    @Override
    public String contentType() {
        return "application/vnd.apache.parquet";
    }

    private ParquetWriter<GenericData.Record> writer(Bytes bytes) throws IOException {
        if (fileSchema != null) {
            // The layout a sink asked for (field ids): parquet-avro's own write support, given the message type.
            return new ParquetRows.Builder(new MemoryOutputFile(bytes),
                    new org.apache.parquet.avro.AvroWriteSupport<>(fileSchema, converter.schema(), GenericData.get()))
                    .withConf(ParquetRows.configuration())
                    .withCodecFactory(NoHadoopCodecFactory.INSTANCE)
                    .withCompressionCodec(codec)
                    .withRowGroupSize(conversion.blockSizeBytes())
                    .withPageSize(conversion.pageSizeBytes())
                    .withDictionaryEncoding(conversion.enableDictionary())
                    .withMaxPaddingSize(conversion.maxPaddingBytes())
                    .withWriterVersion(conversion.writerVersion() == ParquetConversion.WriterVersion.V2
                            ? ParquetProperties.WriterVersion.PARQUET_2_0
                            : ParquetProperties.WriterVersion.PARQUET_1_0)
                    .withWriteMode(ParquetFileWriter.Mode.OVERWRITE)
                    .build();
        }
        return AvroParquetWriter.<GenericData.Record>builder(new MemoryOutputFile(bytes))
                .withConf(new PlainParquetConfiguration())
                .withDataModel(GenericData.get())
                .withSchema(converter.schema())
                .withCodecFactory(NoHadoopCodecFactory.INSTANCE)
                .withCompressionCodec(codec)
                .withRowGroupSize(conversion.blockSizeBytes())
                .withPageSize(conversion.pageSizeBytes())
                .withDictionaryEncoding(conversion.enableDictionary())
                .withMaxPaddingSize(conversion.maxPaddingBytes())
                .withWriterVersion(conversion.writerVersion() == ParquetConversion.WriterVersion.V2
                        ? ParquetProperties.WriterVersion.PARQUET_2_0 : ParquetProperties.WriterVersion.PARQUET_1_0)
                .withWriteMode(ParquetFileWriter.Mode.OVERWRITE)
                .build();
    }

    /**
     * One object: converts each item and writes its rows at once; the writer is created with the first row, so an
     * object whose items are all rejected writes nothing. Not thread-safe: one caller at a time.
     */
    private final class Open implements Incremental {

        private final int initialCapacity;
        private final List<Item> written = new ArrayList<>();
        private final List<Rejected> rejected = new ArrayList<>();
        private final List<GenericData.Record> rows = new ArrayList<>(4);
        private Bytes bytes;
        private ParquetWriter<GenericData.Record> writer;

        Open(int initialCapacity) {
            this.initialCapacity = initialCapacity;
        }

        @Override
        public void add(List<Item> items) throws IOException {
            for (Item item : items) {
                rows.clear();
                try {
                    converter.convert(item.data, rows);
                } catch (DeliveryException e) {
                    rejected.add(new Rejected(item, e.errorCode(), e.getMessage()));
                    continue;
                }
                written.add(item);
                if (rows.isEmpty()) {
                    continue;
                }
                if (writer == null) {
                    bytes = new Bytes(initialCapacity);
                    writer = writer(bytes);
                }
                for (GenericData.Record row : rows) {
                    writer.write(row);
                }
            }
            rows.clear();
        }

        @Override
        public Encoded finish() throws IOException {
            if (writer == null) {
                return new Encoded(ByteBuffer.allocate(0).asReadOnlyBuffer(), written, rejected);
            }
            ParquetWriter<GenericData.Record> closing = writer;
            writer = null;
            closing.close();
            return new Encoded(bytes.view(), written, rejected);
        }

        @Override
        public void abandon() {
            // The writer holds only heap buffers; dropping it is enough, and closing it would encode for nothing.
            writer = null;
            bytes = null;
        }
    }
}
