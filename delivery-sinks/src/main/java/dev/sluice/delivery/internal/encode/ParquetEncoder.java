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
import java.util.ArrayList;
import java.util.List;

/**
 * Record-format conversion: JSON records to one Parquet object, with no Hadoop class loaded.
 *
 * <p>Design note: immutable and thread-safe; each call builds its own writer. Hadoop stays out because of four
 * choices: an in-memory {@link OutputFile} (not Hadoop's), {@link PlainParquetConfiguration},
 * {@code withDataModel(GenericData.get())} (otherwise parquet-avro builds a Hadoop {@code Configuration}) and
 * {@link NoHadoopCodecFactory}. Every record is converted before anything is written, so a record that does not
 * fit the schema is rejected alone (to {@code format-conversion-failed}) and never corrupts the object.
 */
public final class ParquetEncoder implements ObjectEncoder {

    private final JsonToAvro converter;
    private final ParquetConversion conversion;
    private final CompressionCodecName codec;

    public ParquetEncoder(ParquetConversion conversion) {
        Schema schema = JsonToAvro.checkSchema(conversion.schema());
        // Rows only the Parquet writer reads: strings as Avro Utf8 bytes, written without a re-encoding.
        this.converter = new JsonToAvro(schema, conversion, true);
        this.conversion = conversion;
        this.codec = CompressionCodecName.valueOf(conversion.compression().name());
    }

    @Override
    public Encoded encode(List<Item> items, String objectName) throws IOException {
        List<Item> written = new ArrayList<>(items.size());
        List<Rejected> rejected = new ArrayList<>();
        List<GenericData.Record> rows = new ArrayList<>(items.size());
        long rawBytes = 0;
        for (Item item : items) {
            try {
                converter.convert(item.data, rows);
                written.add(item);
                rawBytes += item.data.length;
            } catch (DeliveryException e) {
                rejected.add(new Rejected(item, e.errorCode(), e.getMessage()));
            }
        }
        if (rows.isEmpty()) {
            return new Encoded(java.nio.ByteBuffer.allocate(0).asReadOnlyBuffer(), written, rejected);
        }
        Bytes bytes = new Bytes((int) Math.min(Integer.MAX_VALUE - 16, rawBytes / 3 + 4096));
        try (ParquetWriter<GenericData.Record> writer = AvroParquetWriter.<GenericData.Record>builder(new MemoryOutputFile(bytes))
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
                .build()) {
            for (GenericData.Record row : rows) {
                writer.write(row);
            }
        }
        return new Encoded(bytes.view(), written, rejected);
    }

    @Override
    public String extension() {
        return ".parquet";
    }

    @Override
    public String contentType() {
        return "application/vnd.apache.parquet";
    }
}
