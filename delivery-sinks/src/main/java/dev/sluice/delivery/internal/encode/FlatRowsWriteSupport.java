package dev.sluice.delivery.internal.encode;

import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.util.Utf8;
import org.apache.parquet.avro.AvroWriteSupport;
import org.apache.parquet.conf.ParquetConfiguration;
import org.apache.parquet.hadoop.api.WriteSupport;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.io.api.RecordConsumer;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Type;

import java.util.List;

/**
 * The write support of {@link ParquetEncoder}: Avro rows go to parquet-avro's own {@link AvroWriteSupport}, and the
 * flat records {@link FlatJsonRecords} reads ({@link FlatJsonRecords.Rows}) are written straight from their values and
 * bytes with the same calls on Parquet's {@link RecordConsumer}, without an Avro row, a {@code Utf8}, a byte copy or
 * a boxed number per value.
 *
 * <p>Design note: the footer comes from the Avro write support (schema and Avro metadata) and each flat row makes the
 * calls parquet-avro makes for the Avro row the general path builds from the same record: fields in schema order,
 * Avro {@code null}-typed fields skipped, a null value writes nothing, a value is {@code startField}, one
 * {@code add*}, {@code endField} with the Parquet column's name and index. So an object's bytes do not depend on which
 * path read its records, and exactly-once replays get the same bytes (tests compare them against writing every
 * record as an Avro row). Direct writing is enabled only where that holds, checked once ({@link #direct}): every
 * non-null Avro field is a primitive Parquet column of the same name and the type its kind writes, in order, and a
 * flat row never holds a non-scalar default; otherwise the encoder gives this only Avro rows. Strings are slices of
 * the record's bytes ({@link Binary#fromConstantByteArray}): an item's bytes never change once buffered, and a
 * dictionary or statistic that keeps a value keeps the item's array, which its buffer holds until the object is
 * written anyway. Not thread-safe: one per writer.
 */
final class FlatRowsWriteSupport extends WriteSupport<Object> {

    private final AvroWriteSupport<GenericData.Record> avro;
    private final FlatJsonRecords flat;
    /** Per Avro field: its Parquet column's name and index, or {@code null} for a {@code null}-typed field. */
    private final String[] names;
    private final int[] indexes;
    private final boolean[] required;
    private final Schema.Type[] types;
    private RecordConsumer consumer;

    /**
     * Prepares a writer's support.
     *
     * @param messageType the Parquet layout of {@code flat}'s schema, as parquet-avro converts it
     * @param flat the flat-record reader whose rows this writes; only given Avro rows unless {@link #direct} holds
     */
    FlatRowsWriteSupport(MessageType messageType, FlatJsonRecords flat) {
        Schema schema = flat.schema();
        this.avro = new AvroWriteSupport<>(messageType, schema, GenericData.get());
        this.flat = flat;
        List<Schema.Field> fields = schema.getFields();
        this.names = new String[fields.size()];
        this.indexes = new int[fields.size()];
        this.required = new boolean[fields.size()];
        this.types = new Schema.Type[fields.size()];
        int index = 0;
        for (Schema.Field field : fields) {
            Schema type = nonNull(field.schema());
            types[field.pos()] = type.getType();
            if (field.schema().getType() == Schema.Type.NULL || index >= messageType.getFieldCount()) {
                continue;
            }
            Type column = messageType.getType(index);
            names[field.pos()] = column.getName();
            indexes[field.pos()] = index;
            required[field.pos()] = column.isRepetition(Type.Repetition.REQUIRED);
            index++;
        }
    }

    /**
     * Whether flat rows of {@code flat} can be written directly to {@code messageType} with exactly the calls
     * parquet-avro makes for their Avro rows.
     */
    static boolean direct(MessageType messageType, FlatJsonRecords flat) {
        Schema schema = flat.schema();
        if (schema.getLogicalType() != null || !flat.scalarRows()) {
            return false;
        }
        int index = 0;
        for (Schema.Field field : schema.getFields()) {
            if (field.schema().getType() == Schema.Type.NULL) {
                continue;
            }
            if (index >= messageType.getFieldCount()) {
                return false;
            }
            Type column = messageType.getType(index++);
            if (!column.getName().equals(field.name())) {
                return false;
            }
            Schema type = nonNull(field.schema());
            PrimitiveTypeName expected = switch (type.getType()) {
                case STRING -> PrimitiveTypeName.BINARY;
                case INT -> PrimitiveTypeName.INT32;
                case LONG -> PrimitiveTypeName.INT64;
                case FLOAT -> PrimitiveTypeName.FLOAT;
                case DOUBLE -> PrimitiveTypeName.DOUBLE;
                case BOOLEAN -> PrimitiveTypeName.BOOLEAN;
                // Only ever null in a flat row (scalarRows): nothing is written for it, whatever its column.
                default -> null;
            };
            if (expected == null || type.getLogicalType() != null) {
                continue;
            }
            if (!column.isPrimitive() || column.asPrimitiveType().getPrimitiveTypeName() != expected
                    || column.isRepetition(Type.Repetition.REPEATED)
                    || column.getLogicalTypeAnnotation() instanceof LogicalTypeAnnotation.UUIDLogicalTypeAnnotation) {
                return false;
            }
        }
        return index == messageType.getFieldCount();
    }

    /** The branch parquet-avro writes for a field's schema: the other branch of a two-branch union with null. */
    private static Schema nonNull(Schema schema) {
        if (schema.getType() == Schema.Type.UNION && schema.getTypes().size() == 2) {
            List<Schema> branches = schema.getTypes();
            if (branches.get(0).getType() == Schema.Type.NULL) {
                return branches.get(1);
            }
            if (branches.get(1).getType() == Schema.Type.NULL) {
                return branches.get(0);
            }
        }
        return schema;
    }

    @Override
    public String getName() {
        return avro.getName();
    }

    @Override
    public WriteContext init(ParquetConfiguration configuration) {
        return avro.init(configuration);
    }

    /** Never called: writers are built with a plain (non-Hadoop) configuration. */
    @Override
    @Deprecated
    public WriteContext init(org.apache.hadoop.conf.Configuration configuration) {
        return avro.init(configuration);
    }

    @Override
    public void prepareForWrite(RecordConsumer recordConsumer) {
        this.consumer = recordConsumer;
        avro.prepareForWrite(recordConsumer);
    }

    @Override
    public FinalizedWriteContext finalizeWrite() {
        return avro.finalizeWrite();
    }

    /**
     * Writes one row: an Avro {@link GenericData.Record}, or the selected row of a {@link FlatJsonRecords.Rows}
     * ({@link Row}).
     */
    @Override
    public void write(Object row) {
        if (row instanceof Row flatRow) {
            write(flatRow.rows, flatRow.row);
        } else {
            avro.write((GenericData.Record) row);
        }
    }

    private void write(FlatJsonRecords.Rows rows, int row) {
        consumer.startMessage();
        for (int pos = 0; pos < names.length; pos++) {
            String name = names[pos];
            if (name == null) {
                continue;
            }
            byte state = rows.state(row, pos);
            if (state == FlatJsonRecords.Rows.NULL
                    || (state == FlatJsonRecords.Rows.DEFAULT && flat.defaultValue(pos) == null)) {
                if (required[pos]) {
                    // parquet-avro's own failure for the same Avro row.
                    throw new RuntimeException("Null-value for required field: " + name);
                }
                continue;
            }
            int index = indexes[pos];
            consumer.startField(name, index);
            long value = rows.value(row, pos);
            switch (state) {
                case FlatJsonRecords.Rows.INT -> consumer.addInteger((int) value);
                case FlatJsonRecords.Rows.LONG -> consumer.addLong(value);
                case FlatJsonRecords.Rows.FLOAT -> consumer.addFloat(Float.intBitsToFloat((int) value));
                case FlatJsonRecords.Rows.DOUBLE -> consumer.addDouble(Double.longBitsToDouble(value));
                case FlatJsonRecords.Rows.BOOLEAN -> consumer.addBoolean(value != 0);
                case FlatJsonRecords.Rows.STRING ->
                        consumer.addBinary(Binary.fromConstantByteArray(rows.json(), (int) value, rows.length(row, pos)));
                default -> writeDefault(pos, flat.defaultValue(pos));
            }
            consumer.endField(name, index);
        }
        consumer.endMessage();
    }

    /** A field's default, converted as parquet-avro converts an Avro value of the field's type. */
    private void writeDefault(int pos, Object value) {
        switch (types[pos]) {
            case INT -> consumer.addInteger(((Number) value).intValue());
            case LONG -> consumer.addLong(((Number) value).longValue());
            case FLOAT -> consumer.addFloat(((Number) value).floatValue());
            case DOUBLE -> consumer.addDouble(((Number) value).doubleValue());
            case BOOLEAN -> consumer.addBoolean((Boolean) value);
            case STRING -> consumer.addBinary(value instanceof Utf8 utf8
                    ? Binary.fromReusedByteArray(utf8.getBytes(), 0, utf8.getByteLength())
                    : Binary.fromString(value.toString()));
            default -> throw new IllegalStateException("field " + names[pos] + " has a default of type " + types[pos]
                    + ", which flat rows never hold");
        }
    }

    /** A row of flat rows handed to the writer: which row of which record. Reused from row to row. */
    static final class Row {

        private FlatJsonRecords.Rows rows;
        private int row;

        /** Selects a row; returns this. */
        Row select(FlatJsonRecords.Rows rows, int row) {
            this.rows = rows;
            this.row = row;
            return this;
        }
    }
}
