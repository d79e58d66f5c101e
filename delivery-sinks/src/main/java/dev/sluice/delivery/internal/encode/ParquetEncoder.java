package dev.sluice.delivery.internal.encode;

import dev.sluice.delivery.internal.buffer.Item;
import dev.sluice.delivery.DeliveryException;
import dev.sluice.delivery.ParquetConversion;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.parquet.avro.AvroSchemaConverter;
import org.apache.parquet.column.ParquetProperties;
import org.apache.parquet.conf.ParquetConfiguration;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.OutputFile;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

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
 * Flat records of scalars (the common case, {@link FlatJsonRecords}) are not made into Avro rows at all: their values
 * go from the record's bytes to Parquet's record consumer ({@link FlatRowsWriteSupport}), with the calls parquet-avro
 * makes for their Avro rows, so the bytes are the same; every other record is an Avro row written by parquet-avro.
 */
public final class ParquetEncoder implements ObjectEncoder {

    private final JsonToAvro converter;
    private final ParquetConversion conversion;
    private final CompressionCodecName codec;
    /**
     * The Parquet layout: as parquet-avro's {@code AvroParquetWriter} derives it from the schema, or the layout with
     * field ids a sink asked for ({@code Sink.parquetContent}).
     */
    private final MessageType messageType;
    /** The writer configuration matching {@link #messageType}: three-level lists for a sink's own layout. */
    private final ParquetConfiguration configuration;
    /** Whether flat records are written straight from their bytes ({@link FlatRowsWriteSupport#direct}). */
    private final boolean directFlatRows;

    /**
     * Prepares conversion to Parquet.
     *
     * @param conversion the schema and writer settings
     * @throws DeliveryException {@code INVALID_ARGUMENT} if the schema does not parse or is not a record
     */
    public ParquetEncoder(ParquetConversion conversion) {
        this(conversion, Optional.empty(), true);
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
    public ParquetEncoder(ParquetConversion conversion, Optional<String> parquetSchema) {
        this(conversion, parquetSchema, true);
    }

    private ParquetEncoder(ParquetConversion conversion, Optional<String> parquetSchema, boolean directFlatRows) {
        Schema schema = JsonToAvro.checkSchema(conversion.schema());
        // Rows only the Parquet writer reads: strings as Avro Utf8 bytes, written without a re-encoding.
        this.converter = new JsonToAvro(schema, conversion, true);
        this.conversion = conversion;
        this.codec = CompressionCodecName.valueOf(conversion.compression().name());
        if (parquetSchema.isPresent()) {
            this.configuration = ParquetRows.configuration();
            this.messageType = fileSchema(parquetSchema.get(), schema);
        } else {
            this.configuration = new PlainParquetConfiguration();
            this.messageType = new AvroSchemaConverter(configuration).convert(schema);
        }
        this.directFlatRows = directFlatRows && FlatRowsWriteSupport.direct(messageType, converter.fastPath());
    }

    /**
     * An encoder that writes every record as an Avro row through parquet-avro, flat ones included: the reference the
     * direct writing of flat records is checked against (same bytes), and slower.
     *
     * @param conversion the schema and writer settings
     * @return the encoder
     * @throws DeliveryException {@code INVALID_ARGUMENT} if the schema does not parse or is not a record
     */
    public static ParquetEncoder throughAvroRows(ParquetConversion conversion) {
        return new ParquetEncoder(conversion, Optional.empty(), false);
    }

    private static MessageType fileSchema(String text, Schema schema) {
        MessageType parsed;
        try {
            parsed = MessageTypeParser.parseMessageType(text);
        } catch (RuntimeException e) {
            throw new DeliveryException(dev.sluice.delivery.ErrorCode.INVALID_ARGUMENT,
                    "parquetSchema does not parse: " + e.getMessage());
        }
        MessageType layout = new AvroSchemaConverter(ParquetRows.configuration()).convert(schema);
        if (!withoutIds(parsed).equals(withoutIds(layout))) {
            throw new DeliveryException(dev.sluice.delivery.ErrorCode.INVALID_ARGUMENT,
                    "parquetSchema must be the three-level-list layout of the conversion schema (field ids aside)"
                    + " but was " + parsed + "; expected " + layout);
        }
        return parsed;
    }

    private static String withoutIds(MessageType type) {
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

    private ParquetWriter<Object> writer(Bytes bytes) throws IOException {
        // As AvroParquetWriter with this schema and GenericData builds it (or parquet-avro's write support given a
        // sink's layout), with flat rows written directly.
        return new ParquetRows.Builder<Object>(new MemoryOutputFile(bytes),
                new FlatRowsWriteSupport(messageType, converter.fastPath()))
                .withConf(configuration)
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
        /** Scratch for flat records when they are written directly, else {@code null}. */
        private final FlatJsonRecords.Rows flatRows = directFlatRows ? converter.fastPath().rows() : null;
        private final FlatRowsWriteSupport.Row flatRow = new FlatRowsWriteSupport.Row();
        private Bytes bytes;
        private ParquetWriter<Object> writer;

        Open(int initialCapacity) {
            this.initialCapacity = initialCapacity;
        }

        @Override
        public void add(List<Item> items) throws IOException {
            for (Item item : items) {
                if (flatRows != null && converter.fastPath().read(item.data, flatRows)) {
                    written.add(item);
                    open();
                    for (int row = 0; row < flatRows.count(); row++) {
                        writer.write(flatRow.select(flatRows, row));
                    }
                    continue;
                }
                rows.clear();
                try {
                    if (flatRows != null) {
                        // The fast path just declined this record: straight to the general path.
                        converter.convertWithParser(item.data, rows);
                    } else {
                        converter.convert(item.data, rows);
                    }
                } catch (DeliveryException e) {
                    rejected.add(new Rejected(item, e.errorCode(), e.getMessage()));
                    continue;
                }
                written.add(item);
                if (rows.isEmpty()) {
                    continue;
                }
                open();
                for (GenericData.Record row : rows) {
                    writer.write(row);
                }
            }
            rows.clear();
        }

        /** Creates the writer with the first row. */
        private void open() throws IOException {
            if (writer == null) {
                bytes = new Bytes(initialCapacity);
                writer = writer(bytes);
            }
        }

        @Override
        public Encoded finish() throws IOException {
            if (writer == null) {
                return new Encoded(ByteBuffer.allocate(0).asReadOnlyBuffer(), written, rejected);
            }
            ParquetWriter<Object> closing = writer;
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
