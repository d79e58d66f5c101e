package dev.sluice.perf.bench.scenario;

import dev.sluice.delivery.BufferingHints;
import dev.sluice.delivery.Compression;
import dev.sluice.delivery.DeliveryStream;
import dev.sluice.delivery.OutputFormat;
import dev.sluice.delivery.ParquetConversion;
import dev.sluice.iceberg.DestinationTableConfiguration;
import dev.sluice.iceberg.PartitionField;
import dev.sluice.transform.Processor;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns a scenario's {@link Scenario.DeliverySpec} into a configured {@link DeliveryStream.Builder}: processing
 * chain, dynamic partitioning, format, codec, buffering hints. Measure mode and the simulator's calibration use
 * the same builder, so both encode exactly what the design says.
 *
 * <p>Thread-safety: stateless.
 */
public final class DeliveryDesign {

    /**
     * The Avro schema of the generated records ({@code t, seq, key, type, pad}); every field nullable so a
     * {@code dropFields} transform still converts.
     */
    public static final String AVRO_SCHEMA = """
            {"type":"record","name":"BenchRecord","namespace":"dev.sluice.perf.bench","fields":[
             {"name":"t","type":["null","long"],"default":null},
             {"name":"seq","type":["null","long"],"default":null},
             {"name":"key","type":["null","string"],"default":null},
             {"name":"type","type":["null","string"],"default":null},
             {"name":"pad","type":["null","string"],"default":null}]}""";

    /** The database of an {@code ICEBERG} design's table. */
    public static final String ICEBERG_DATABASE = "bench";
    /** The table of an {@code ICEBERG} design. */
    public static final String ICEBERG_TABLE = "records";

    private DeliveryDesign() {
    }

    /**
     * A builder with the design's processing, format, codec and (optionally) buffering and partitioning; the
     * caller sets name, sink, clock and source.
     *
     * @param spec         the delivery design
     * @param partitioned  whether to apply {@code partitionBy} (the calibration leaves it out: one object per flush)
     * @param hints        the buffering hints to use
     * @return the builder
     */
    public static DeliveryStream.Builder builder(Scenario.DeliverySpec spec, boolean partitioned, BufferingHints hints) {
        DeliveryStream.Builder b = DeliveryStream.builder().bufferingHints(hints);
        List<Processor> chain = new ArrayList<>();
        for (Scenario.TransformSpec t : spec.transforms()) {
            chain.add(switch (t.type()) {
                case "dropFields" -> Processor.dropFields(t.fields().toArray(String[]::new));
                case "maskFields" -> Processor.maskFields(t.fields().toArray(String[]::new));
                case "filter" -> Processor.filter(t.query());
                default -> throw new ScenarioException("delivery.transforms: unknown type " + t.type());
            });
        }
        String prefix = "bench/";
        if (partitioned && !spec.partitionBy().isEmpty()) {
            Map<String, String> queries = new LinkedHashMap<>();
            StringBuilder p = new StringBuilder("bench/");
            for (String field : spec.partitionBy()) {
                queries.put(field, "." + field);
                p.append(field).append("=!{partitionKeyFromQuery:").append(field).append("}/");
            }
            chain.add(Processor.metadataExtraction(queries));
            prefix = p.append("!{timestamp:yyyy/MM/dd/HH}/").toString();
        }
        if (!chain.isEmpty()) {
            b.processor(Processor.chain(chain));
        }
        b.prefix(prefix);
        // An Iceberg table's data files are Parquet, so simulate mode's calibration sizes them as Parquet objects;
        // measure mode gives the table's destination JSON records instead (see icebergTable).
        if (spec.format() != Scenario.Format.JSON) {
            b.outputFormat(OutputFormat.parquet(ParquetConversion.of(AVRO_SCHEMA).withCompression(parquetCodec(spec))));
        } else {
            b.outputFormat(OutputFormat.jsonLines()).compression(switch (spec.compression()) {
                case NONE -> Compression.UNCOMPRESSED;
                case GZIP -> Compression.GZIP;
                case SNAPPY -> Compression.SNAPPY;
                case ZSTD -> Compression.ZSTD;
            });
        }
        return b;
    }

    /**
     * The Iceberg table an {@code ICEBERG} design delivers to: {@code bench.records}, with the generated records'
     * schema, partitioned by identity on the design's {@code partitionBy} fields. The delivery stream hands the
     * table's destination JSON records (an Iceberg destination stores no objects of its own), and the destination
     * writes them as Parquet data files with the design's codec.
     *
     * @param spec the delivery design
     * @return the table configuration
     */
    public static DestinationTableConfiguration icebergTable(Scenario.DeliverySpec spec) {
        DestinationTableConfiguration table = DestinationTableConfiguration.of(ICEBERG_DATABASE, ICEBERG_TABLE,
                AVRO_SCHEMA);
        List<PartitionField> fields = new ArrayList<>();
        for (String field : spec.partitionBy()) {
            fields.add(PartitionField.identity(field));
        }
        return fields.isEmpty() ? table : table.withPartitioning(fields.toArray(PartitionField[]::new));
    }

    /**
     * The Parquet page codec of a Parquet or Iceberg design.
     *
     * @param spec the delivery design
     * @return its codec
     */
    public static ParquetConversion.Codec parquetCodec(Scenario.DeliverySpec spec) {
        return switch (spec.compression()) {
            case NONE -> ParquetConversion.Codec.UNCOMPRESSED;
            case GZIP -> ParquetConversion.Codec.GZIP;
            case SNAPPY -> ParquetConversion.Codec.SNAPPY;
            case ZSTD -> ParquetConversion.Codec.ZSTD;
        };
    }

    /**
     * The design's own buffering hints.
     *
     * @param spec the delivery design
     * @return its hints
     */
    public static BufferingHints hints(Scenario.DeliverySpec spec) {
        return new BufferingHints(spec.bufferSize(), spec.bufferInterval());
    }

    /** Hints that never seal by themselves (the largest size and interval): only {@code flush()} cuts objects. */
    public static BufferingHints flushOnly() {
        return new BufferingHints(BufferingHints.MAX_SIZE_BYTES, BufferingHints.MAX_INTERVAL);
    }
}
