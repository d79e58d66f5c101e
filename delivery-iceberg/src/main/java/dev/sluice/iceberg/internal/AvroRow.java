package dev.sluice.iceberg.internal;

import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.apache.iceberg.StructLike;
import org.apache.iceberg.types.Type;
import org.apache.iceberg.types.Types;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;

/**
 * An Avro row seen as an Iceberg {@link StructLike} of the table schema, so Iceberg's own {@code PartitionKey}
 * computes partition values (identity, day, hour, bucket) exactly as Iceberg readers and writers do.
 *
 * <p>Design note: not thread-safe; one instance per writing thread, re-pointed with {@link #wrap}. Positions are the
 * table schema's; each maps by name to the Avro field ({@code -1}: the delivery does not send the column, so it
 * reads null). Values are turned into Iceberg's internal forms: strings and enum symbols as {@link CharSequence},
 * decimals as {@link BigDecimal}, nested records as nested views; dates, timestamps (microseconds), numbers and
 * binary already match.
 */
final class AvroRow implements StructLike {

    private final Types.StructType struct;
    private final int[] avroPositions;
    private GenericRecord record;

    AvroRow(Types.StructType struct, Schema avro) {
        this.struct = struct;
        this.avroPositions = new int[struct.fields().size()];
        for (int i = 0; i < avroPositions.length; i++) {
            Schema.Field avroField = avro.getField(struct.fields().get(i).name());
            avroPositions[i] = avroField == null ? -1 : avroField.pos();
        }
    }

    AvroRow wrap(GenericRecord row) {
        this.record = row;
        return this;
    }

    @Override
    public int size() {
        return avroPositions.length;
    }

    @Override
    public <T> T get(int pos, Class<T> javaClass) {
        int avroPos = avroPositions[pos];
        Object value = avroPos < 0 || record == null ? null : record.get(avroPos);
        if (value == null) {
            return null;
        }
        Type type = struct.fields().get(pos).type();
        switch (type.typeId()) {
            case STRING:
                return javaClass.cast(value instanceof CharSequence ? value : value.toString());
            case DECIMAL: {
                ByteBuffer bytes = ((ByteBuffer) value).duplicate();
                byte[] unscaled = new byte[bytes.remaining()];
                bytes.get(unscaled);
                return javaClass.cast(new BigDecimal(new BigInteger(unscaled),
                        ((Types.DecimalType) type).scale()));
            }
            case STRUCT:
                return javaClass.cast(new AvroRow(type.asStructType(), ((GenericRecord) value).getSchema())
                        .wrap((GenericRecord) value));
            default:
                return javaClass.cast(value);
        }
    }

    @Override
    public <T> void set(int pos, T value) {
        throw new UnsupportedOperationException("an Avro row view is read-only");
    }
}
