package dev.sluice.iceberg.internal;

import dev.sluice.delivery.DeliveryException;
import org.apache.avro.LogicalType;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.iceberg.UpdateSchema;
import org.apache.iceberg.types.Type;
import org.apache.iceberg.types.TypeUtil;
import org.apache.iceberg.types.Types;
import org.apache.parquet.schema.GroupType;
import org.apache.parquet.schema.MessageType;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The three schema translations of the Iceberg destination: the delivery's Avro schema to an Iceberg schema (for a
 * new table), the evolution of an existing table towards it (added optional columns, allowed promotions, required
 * columns relaxed), and the Parquet layout of a data file with the table's field ids.
 *
 * <p>Design note: stateless. Columns are matched by name, never by position, so a table whose columns were added in
 * another order, or that has columns the delivery does not know, is still written correctly: the ids in a data
 * file are the table's ids for those names, which is all an Iceberg reader uses.
 */
public final class TableSchemas {

    private TableSchemas() {
    }

    /**
     * The Iceberg schema for an Avro record schema, with provisional ids (a catalog renumbers them on create).
     *
     * @throws DeliveryException {@code INVALID_ARGUMENT} naming the field whose type Iceberg cannot hold
     */
    public static org.apache.iceberg.Schema toIceberg(Schema avro) {
        AtomicInteger ids = new AtomicInteger();
        return new org.apache.iceberg.Schema(struct(avro, ids, "").fields());
    }

    private static Types.StructType struct(Schema record, AtomicInteger ids, String path) {
        List<Types.NestedField> fields = new ArrayList<>();
        for (Schema.Field field : record.getFields()) {
            String fieldPath = path.isEmpty() ? field.name() : path + "." + field.name();
            int id = ids.incrementAndGet();
            Schema type = nonNull(field.schema(), fieldPath);
            Type iceberg = type(type, ids, fieldPath);
            fields.add(nullable(field.schema()) ? Types.NestedField.optional(id, field.name(), iceberg)
                    : Types.NestedField.required(id, field.name(), iceberg));
        }
        return Types.StructType.of(fields);
    }

    private static Type type(Schema type, AtomicInteger ids, String path) {
        LogicalType logical = type.getLogicalType();
        switch (type.getType()) {
            case RECORD:
                return struct(type, ids, path);
            case ARRAY: {
                int elementId = ids.incrementAndGet();
                Type element = type(nonNull(type.getElementType(), path + "[]"), ids, path + "[]");
                return nullable(type.getElementType()) ? Types.ListType.ofOptional(elementId, element)
                        : Types.ListType.ofRequired(elementId, element);
            }
            case MAP: {
                int keyId = ids.incrementAndGet();
                int valueId = ids.incrementAndGet();
                Type value = type(nonNull(type.getValueType(), path + ".value"), ids, path + ".value");
                return nullable(type.getValueType())
                        ? Types.MapType.ofOptional(keyId, valueId, Types.StringType.get(), value)
                        : Types.MapType.ofRequired(keyId, valueId, Types.StringType.get(), value);
            }
            case STRING:
            case ENUM:
                return Types.StringType.get();
            case BOOLEAN:
                return Types.BooleanType.get();
            case INT:
                return logical instanceof LogicalTypes.Date ? Types.DateType.get() : Types.IntegerType.get();
            case LONG:
                if (logical instanceof LogicalTypes.TimestampMillis) {
                    throw Problems.invalidArgument("field " + path + " is timestamp-millis but Iceberg"
                            + " stores timestamps in microseconds: declare it timestamp-micros (JSON input may stay"
                            + " ISO-8601 text)");
                }
                return logical instanceof LogicalTypes.TimestampMicros ? Types.TimestampType.withZone()
                        : Types.LongType.get();
            case FLOAT:
                return Types.FloatType.get();
            case DOUBLE:
                return Types.DoubleType.get();
            case BYTES:
                if (logical instanceof LogicalTypes.Decimal decimal) {
                    return Types.DecimalType.of(decimal.getPrecision(), decimal.getScale());
                }
                return Types.BinaryType.get();
            default:
                throw Problems.invalidArgument("field " + path + " has Avro type " + type.getType()
                        + ", which the Iceberg destination does not support");
        }
    }

    /** Whether an Avro field type admits null (a union with {@code "null"}). */
    static boolean nullable(Schema type) {
        return type.getType() == Schema.Type.UNION
                && type.getTypes().stream().anyMatch(t -> t.getType() == Schema.Type.NULL);
    }

    private static Schema nonNull(Schema type, String path) {
        if (type.getType() != Schema.Type.UNION) {
            return type;
        }
        List<Schema> branches = type.getTypes().stream().filter(t -> t.getType() != Schema.Type.NULL).toList();
        if (branches.size() != 1) {
            throw Problems.invalidArgument("field " + path + " is a union of " + type.getTypes()
                    + "; the Iceberg destination supports only unions of null and one type");
        }
        return branches.get(0);
    }

    /**
     * Brings a table's schema up to {@code wanted}: adds the columns it lacks as optional, widens int to long and
     * float to double, makes required columns optional when the delivery may send null.
     *
     * @param update the table's pending schema update
     * @param table the table's current schema
     * @param wanted the delivery's schema
     * @param tableName for messages
     * @return whether anything changed (then commit {@code update})
     * @throws DeliveryException {@code INVALID_ARGUMENT} for a change Iceberg does not allow, naming the column
     */
    public static boolean evolve(UpdateSchema update, org.apache.iceberg.Schema table,
                                 org.apache.iceberg.Schema wanted, String tableName) {
        return evolve(update, null, table.asStruct(), wanted.asStruct(), tableName);
    }

    private static boolean evolve(UpdateSchema update, String parent, Types.StructType have, Types.StructType want,
                                  String tableName) {
        boolean changed = false;
        for (Types.NestedField w : want.fields()) {
            String path = parent == null ? w.name() : parent + "." + w.name();
            Types.NestedField h = have.field(w.name());
            if (h == null) {
                update.addColumn(parent, w.name(), w.type(), "added by a Sluice delivery");
                changed = true;
                continue;
            }
            if (w.type().isStructType() && h.type().isStructType()) {
                changed |= evolve(update, path, h.type().asStructType(), w.type().asStructType(), tableName);
            } else if (w.type().isPrimitiveType() && h.type().isPrimitiveType()) {
                if (!w.type().equals(h.type())) {
                    if (!TypeUtil.isPromotionAllowed(h.type(), w.type().asPrimitiveType())) {
                        throw Problems.invalidArgument("column " + path + " of table " + tableName + " is "
                                + h.type() + " but the delivery schema makes it " + w.type()
                                + "; Iceberg allows only int to long, float to double and wider decimals");
                    }
                    update.updateColumn(path, w.type().asPrimitiveType());
                    changed = true;
                }
            } else if (!sameShape(h.type(), w.type())) {
                throw Problems.invalidArgument("column " + path + " of table " + tableName + " is "
                        + h.type() + " but the delivery schema makes it " + w.type()
                        + "; only added columns and primitive promotions are applied");
            }
            if (h.isRequired() && w.isOptional()) {
                update.makeColumnOptional(path);
                changed = true;
            }
        }
        for (Types.NestedField h : have.fields()) {
            if (h.isRequired() && want.field(h.name()) == null) {
                String path = parent == null ? h.name() : parent + "." + h.name();
                throw Problems.invalidArgument("column " + path + " of table " + tableName + " is required"
                        + " but the delivery schema lacks it; add it to the schema or make the column optional");
            }
        }
        return changed;
    }

    /** Equal types ignoring field ids and nullability of nested fields' ids. */
    private static boolean sameShape(Type a, Type b) {
        if (a.isPrimitiveType() || b.isPrimitiveType()) {
            return a.equals(b);
        }
        if (a.isStructType() && b.isStructType()) {
            List<Types.NestedField> fa = a.asStructType().fields();
            List<Types.NestedField> fb = b.asStructType().fields();
            if (fa.size() != fb.size()) {
                return false;
            }
            for (int i = 0; i < fa.size(); i++) {
                if (!fa.get(i).name().equals(fb.get(i).name()) || !sameShape(fa.get(i).type(), fb.get(i).type())) {
                    return false;
                }
            }
            return true;
        }
        if (a.isListType() && b.isListType()) {
            return sameShape(a.asListType().elementType(), b.asListType().elementType());
        }
        if (a.isMapType() && b.isMapType()) {
            return sameShape(a.asMapType().keyType(), b.asMapType().keyType())
                    && sameShape(a.asMapType().valueType(), b.asMapType().valueType());
        }
        return false;
    }

    /**
     * The Parquet layout parquet-avro writes, with each column's Iceberg field id from the table schema.
     *
     * @param layout parquet-avro's layout of the delivery schema (three-level lists)
     * @param table the table's schema after {@link #evolve}
     * @return the layout with ids
     */
    public static MessageType withFieldIds(MessageType layout, org.apache.iceberg.Schema table) {
        return new MessageType(layout.getName(), struct(layout, table.asStruct()));
    }

    private static List<org.apache.parquet.schema.Type> struct(GroupType group, Types.StructType struct) {
        List<org.apache.parquet.schema.Type> out = new ArrayList<>();
        for (org.apache.parquet.schema.Type field : group.getFields()) {
            Types.NestedField column = struct.field(field.getName());
            if (column == null) {
                throw new IllegalStateException("column " + field.getName() + " is missing from the table schema");
            }
            out.add(stamp(field, column.type()).withId(column.fieldId()));
        }
        return out;
    }

    private static org.apache.parquet.schema.Type stamp(org.apache.parquet.schema.Type field, Type type) {
        if (field.isPrimitive()) {
            return field;
        }
        GroupType group = field.asGroupType();
        if (type.isStructType()) {
            return group.withNewFields(struct(group, type.asStructType()));
        }
        GroupType repeated = group.getType(0).asGroupType();
        if (type.isListType()) {
            Types.ListType list = type.asListType();
            org.apache.parquet.schema.Type element = stamp(repeated.getType(0), list.elementType())
                    .withId(list.elementId());
            return group.withNewFields(repeated.withNewFields(element));
        }
        Types.MapType map = type.asMapType();
        org.apache.parquet.schema.Type key = repeated.getType(0).withId(map.keyId());
        org.apache.parquet.schema.Type value = stamp(repeated.getType(1), map.valueType()).withId(map.valueId());
        return group.withNewFields(repeated.withNewFields(key, value));
    }
}
