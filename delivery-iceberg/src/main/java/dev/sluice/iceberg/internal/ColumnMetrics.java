package dev.sluice.iceberg.internal;

import org.apache.iceberg.Metrics;
import org.apache.iceberg.types.Comparators;
import org.apache.iceberg.types.Conversions;
import org.apache.iceberg.types.Type;
import org.apache.iceberg.types.Types;
import org.apache.iceberg.util.BinaryUtil;
import org.apache.iceberg.util.UnicodeUtil;
import org.apache.parquet.format.ColumnChunk;
import org.apache.parquet.format.ColumnMetaData;
import org.apache.parquet.format.FileMetaData;
import org.apache.parquet.format.RowGroup;
import org.apache.parquet.format.Statistics;
import org.apache.parquet.format.Util;
import org.apache.parquet.schema.GroupType;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Iceberg column metrics of a data file, read back from the Parquet footer this process just wrote: per column
 * (by field id) the value count, null count and on-disk size, and lower/upper bounds, so that engines can skip files.
 *
 * <p>Design note: stateless. Iceberg's own {@code ParquetUtil.fileMetrics} lives in iceberg-parquet, which needs
 * Hadoop; the footer is plain Thrift, so it is parsed here with parquet-format's {@link Util} and mapped to table
 * columns through the field ids the file schema carries. Bounds follow Iceberg's defaults: strings and binaries are
 * truncated to {@value #TRUNCATE_LENGTH} characters/bytes (the upper bound rounded up so it still bounds). Bounds
 * are left out, never guessed, where Parquet's statistics do not map byte for byte onto Iceberg's single-value
 * encoding: float and double (Parquet statistics say nothing of NaN), decimals, times, timestamps other than
 * microseconds, columns inside lists or maps, and any column one of whose row groups has values but no min/max.
 */
final class ColumnMetrics {

    /** Iceberg's default {@code write.metadata.metrics.default}: {@code truncate(16)}. */
    static final int TRUNCATE_LENGTH = 16;

    private static final int FOOTER_TAIL = 8; // 4-byte footer length + "PAR1"

    private ColumnMetrics() {
    }

    /**
     * Computes the metrics of one Parquet file.
     *
     * @param file the whole file as written; its position and limit are not changed
     * @param fileSchema the file's schema, carrying the table's field ids
     * @param tableSchema the table schema the ids refer to
     * @param rowCount the file's record count
     * @throws IOException if the footer cannot be parsed
     */
    static Metrics of(ByteBuffer file, MessageType fileSchema, org.apache.iceberg.Schema tableSchema, long rowCount)
            throws IOException {
        return of(footer(file), fileSchema, tableSchema, rowCount);
    }

    /**
     * Computes the metrics of one Parquet file encoded elsewhere, from its parsed footer, its record count included.
     *
     * @param footer the file's footer ({@link #footer})
     * @param fileSchema the file's schema, carrying the table's field ids
     * @param tableSchema the table schema the ids refer to
     */
    static Metrics of(FileMetaData footer, MessageType fileSchema, org.apache.iceberg.Schema tableSchema) {
        return of(footer, fileSchema, tableSchema, footer.getNum_rows());
    }

    /**
     * Whether a footer's schema is {@code fileSchema}: the same columns, nesting, names and field ids, in order (a
     * file encoded elsewhere is taken as a data file only if it carries exactly the ids the table expects).
     */
    static boolean sameLayout(FileMetaData footer, MessageType fileSchema) {
        List<org.apache.parquet.format.SchemaElement> elements = footer.getSchema();
        int[] next = {1};
        return elements != null && !elements.isEmpty() && elements.get(0).getNum_children()
                == fileSchema.getFieldCount() && sameFields(elements, next, fileSchema)
                && next[0] == elements.size();
    }

    private static boolean sameFields(List<org.apache.parquet.format.SchemaElement> elements, int[] next,
                                      GroupType group) {
        for (org.apache.parquet.schema.Type field : group.getFields()) {
            if (next[0] >= elements.size()) {
                return false;
            }
            org.apache.parquet.format.SchemaElement element = elements.get(next[0]++);
            boolean idsMatch = field.getId() == null ? !element.isSetField_id()
                    : element.isSetField_id() && element.getField_id() == field.getId().intValue();
            if (!field.getName().equals(element.getName()) || !idsMatch) {
                return false;
            }
            if (field.isPrimitive()) {
                if (element.isSetNum_children() && element.getNum_children() > 0) {
                    return false;
                }
            } else if (element.getNum_children() != field.asGroupType().getFieldCount()
                    || !sameFields(elements, next, field.asGroupType())) {
                return false;
            }
        }
        return true;
    }

    /**
     * The values of one top-level column across a whole file, from its footer statistics, untruncated.
     *
     * @param min the smallest value as an Iceberg value (a {@code String} for strings); {@code null} when all null
     * @param max the largest; {@code null} when all null
     */
    record Range(Object min, Object max) {
    }

    /**
     * Reads the range of a top-level column from a footer's statistics, or {@code null} when it is not known exactly:
     * no statistics (or no null count), nulls mixed with values, a column inside a group, or a type whose Parquet
     * statistics do not decode exactly to Iceberg values. A column whose every value is null has the range
     * {@code (null, null)}.
     *
     * @param footer the file's footer ({@link #footer})
     * @param fileSchema the file's schema, carrying the table's field ids
     * @param tableSchema the table schema the ids refer to
     * @param fieldId the column's field id
     */
    static Range range(FileMetaData footer, MessageType fileSchema, org.apache.iceberg.Schema tableSchema,
                       int fieldId) {
        Object min = null;
        Object max = null;
        long values = 0;
        long nulls = 0;
        boolean found = false;
        for (RowGroup group : footer.getRow_groups()) {
            for (ColumnChunk chunk : group.getColumns()) {
                ColumnMetaData meta = chunk.getMeta_data();
                if (meta.getPath_in_schema().size() != 1) {
                    continue;
                }
                Column column = column(fileSchema, meta.getPath_in_schema());
                if (column == null || column.repeated || column.type.getId().intValue() != fieldId) {
                    continue;
                }
                found = true;
                Type.PrimitiveType type = boundable(column.type, tableSchema, fieldId);
                Statistics stats = meta.isSetStatistics() ? meta.getStatistics() : null;
                if (type == null || stats == null || !stats.isSetNull_count()) {
                    return null;
                }
                values += meta.getNum_values();
                nulls += stats.getNull_count();
                if (stats.getNull_count() == meta.getNum_values()) {
                    continue;
                }
                if (!stats.isSetMin_value() || !stats.isSetMax_value()) {
                    return null;
                }
                Object low = exact(value(type, column.type, stats.getMin_value()));
                Object high = exact(value(type, column.type, stats.getMax_value()));
                Comparator<Object> order = comparator(type);
                min = min == null || order.compare(low, min) < 0 ? low : min;
                max = max == null || order.compare(high, max) > 0 ? high : max;
            }
        }
        if (!found || (nulls > 0 && nulls < values)) {
            return null;
        }
        return new Range(min, max);
    }

    private static Object exact(Object value) {
        return value instanceof CharSequence text ? text.toString() : value;
    }

    private static Metrics of(FileMetaData footer, MessageType fileSchema, org.apache.iceberg.Schema tableSchema,
                              long rowCount) {
        Map<Integer, Long> sizes = new HashMap<>();
        Map<Integer, Long> values = new HashMap<>();
        Map<Integer, Long> nulls = new HashMap<>();
        Map<Integer, Object> lower = new HashMap<>();
        Map<Integer, Object> upper = new HashMap<>();
        Set<Integer> unbounded = new HashSet<>();
        Set<Integer> nullsUnknown = new HashSet<>();
        Map<Integer, Type.PrimitiveType> types = new HashMap<>();
        for (RowGroup group : footer.getRow_groups()) {
            for (ColumnChunk chunk : group.getColumns()) {
                ColumnMetaData meta = chunk.getMeta_data();
                List<String> path = meta.getPath_in_schema();
                Column column = column(fileSchema, path);
                if (column == null) {
                    continue;
                }
                int id = column.type.getId().intValue();
                sizes.merge(id, meta.getTotal_compressed_size(), Long::sum);
                values.merge(id, meta.getNum_values(), Long::sum);
                Statistics stats = meta.isSetStatistics() ? meta.getStatistics() : null;
                if (stats != null && stats.isSetNull_count()) {
                    nulls.merge(id, stats.getNull_count(), Long::sum);
                } else {
                    nullsUnknown.add(id);
                }
                Type.PrimitiveType icebergType = column.repeated ? null : boundable(column.type, tableSchema, id);
                if (icebergType == null) {
                    unbounded.add(id);
                    continue;
                }
                types.put(id, icebergType);
                boolean allNull = stats != null && stats.isSetNull_count()
                        && stats.getNull_count() == meta.getNum_values();
                if (allNull) {
                    continue;
                }
                if (stats == null || !stats.isSetMin_value() || !stats.isSetMax_value()) {
                    unbounded.add(id);
                    continue;
                }
                Object min = value(icebergType, column.type, stats.getMin_value());
                Object max = value(icebergType, column.type, stats.getMax_value());
                Comparator<Object> order = comparator(icebergType);
                lower.merge(id, min, (a, b) -> order.compare(a, b) <= 0 ? a : b);
                upper.merge(id, max, (a, b) -> order.compare(a, b) >= 0 ? a : b);
            }
        }
        nullsUnknown.forEach(nulls::remove);
        Map<Integer, ByteBuffer> lowerBounds = new HashMap<>();
        Map<Integer, ByteBuffer> upperBounds = new HashMap<>();
        for (Map.Entry<Integer, Object> min : lower.entrySet()) {
            int id = min.getKey();
            if (unbounded.contains(id) || !upper.containsKey(id)) {
                continue;
            }
            Type.PrimitiveType type = types.get(id);
            ByteBuffer low = truncatedLower(type, min.getValue());
            ByteBuffer high = truncatedUpper(type, upper.get(id));
            if (low != null && high != null) {
                lowerBounds.put(id, low);
                upperBounds.put(id, high);
            }
        }
        return new Metrics(rowCount, sizes, values, nulls, Map.of(), lowerBounds, upperBounds);
    }

    static FileMetaData footer(ByteBuffer file) throws IOException {
        ByteBuffer bytes = file.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        int end = bytes.limit();
        if (end - bytes.position() < FOOTER_TAIL + 4) {
            throw new IOException("not a Parquet file: " + (end - bytes.position()) + " bytes");
        }
        int length = bytes.getInt(end - FOOTER_TAIL);
        int start = end - FOOTER_TAIL - length;
        if (length <= 0 || start < bytes.position()) {
            throw new IOException("Parquet footer length " + length + " does not fit the file");
        }
        byte[] footer = new byte[length];
        bytes.position(start);
        bytes.get(footer);
        return Util.readFileMetaData(new ByteArrayInputStream(footer));
    }

    /** A leaf column of the file schema, and whether a list or map encloses it. */
    private record Column(PrimitiveType type, boolean repeated) {
    }

    private static Column column(MessageType schema, List<String> path) {
        GroupType group = schema;
        boolean repeated = false;
        for (int i = 0; i < path.size(); i++) {
            if (!group.containsField(path.get(i))) {
                return null;
            }
            org.apache.parquet.schema.Type field = group.getType(path.get(i));
            repeated |= field.isRepetition(org.apache.parquet.schema.Type.Repetition.REPEATED)
                    || field.getLogicalTypeAnnotation() instanceof LogicalTypeAnnotation.ListLogicalTypeAnnotation
                    || field.getLogicalTypeAnnotation() instanceof LogicalTypeAnnotation.MapLogicalTypeAnnotation;
            if (i == path.size() - 1) {
                return field.isPrimitive() && field.getId() != null ? new Column(field.asPrimitiveType(), repeated)
                        : null;
            }
            if (field.isPrimitive()) {
                return null;
            }
            group = field.asGroupType();
        }
        return null;
    }

    /** The Iceberg type of a column whose Parquet min/max decode to Iceberg values exactly, else {@code null}. */
    private static Type.PrimitiveType boundable(PrimitiveType parquet, org.apache.iceberg.Schema table, int id) {
        Type type = table.findType(id);
        if (type == null || !type.isPrimitiveType()) {
            return null;
        }
        LogicalTypeAnnotation logical = parquet.getLogicalTypeAnnotation();
        PrimitiveType.PrimitiveTypeName physical = parquet.getPrimitiveTypeName();
        boolean plainInt = logical == null || logical instanceof LogicalTypeAnnotation.IntLogicalTypeAnnotation i
                && i.isSigned();
        boolean ok = switch (type.typeId()) {
            case BOOLEAN -> physical == PrimitiveType.PrimitiveTypeName.BOOLEAN;
            case INTEGER -> physical == PrimitiveType.PrimitiveTypeName.INT32 && plainInt;
            case LONG -> (physical == PrimitiveType.PrimitiveTypeName.INT32
                    || physical == PrimitiveType.PrimitiveTypeName.INT64) && plainInt;
            case DATE -> physical == PrimitiveType.PrimitiveTypeName.INT32
                    && logical instanceof LogicalTypeAnnotation.DateLogicalTypeAnnotation;
            case TIMESTAMP -> physical == PrimitiveType.PrimitiveTypeName.INT64
                    && logical instanceof LogicalTypeAnnotation.TimestampLogicalTypeAnnotation ts
                    && ts.getUnit() == LogicalTypeAnnotation.TimeUnit.MICROS
                    && ts.isAdjustedToUTC() == ((Types.TimestampType) type).shouldAdjustToUTC();
            case STRING -> physical == PrimitiveType.PrimitiveTypeName.BINARY
                    && logical instanceof LogicalTypeAnnotation.StringLogicalTypeAnnotation;
            case BINARY -> physical == PrimitiveType.PrimitiveTypeName.BINARY && logical == null;
            default -> false;
        };
        return ok ? type.asPrimitiveType() : null;
    }

    /** Decodes a Parquet statistics value (plain encoding) as the Iceberg value of {@code type}. */
    private static Object value(Type.PrimitiveType type, PrimitiveType parquet, byte[] bytes) {
        ByteBuffer buffer = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        return switch (type.typeId()) {
            case BOOLEAN -> bytes[0] != 0;
            case INTEGER, DATE -> buffer.getInt(0);
            case LONG -> parquet.getPrimitiveTypeName() == PrimitiveType.PrimitiveTypeName.INT32
                    ? (long) buffer.getInt(0) : buffer.getLong(0);
            case TIMESTAMP -> buffer.getLong(0);
            case STRING -> Conversions.fromByteBuffer(Types.StringType.get(), buffer);
            case BINARY -> buffer.asReadOnlyBuffer();
            default -> throw new IllegalStateException("no bounds for " + type);
        };
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static Comparator<Object> comparator(Type.PrimitiveType type) {
        return (Comparator) Comparators.forType(type);
    }

    private static ByteBuffer truncatedLower(Type.PrimitiveType type, Object value) {
        return switch (type.typeId()) {
            case STRING -> Conversions.toByteBuffer(type,
                    UnicodeUtil.truncateStringMin(value.toString(), TRUNCATE_LENGTH));
            case BINARY -> BinaryUtil.truncateBinaryMin((ByteBuffer) value, TRUNCATE_LENGTH);
            default -> Conversions.toByteBuffer(type, value);
        };
    }

    /** The upper bound, rounded up when truncated; {@code null} when no truncated value bounds it (all 0xFF...). */
    private static ByteBuffer truncatedUpper(Type.PrimitiveType type, Object value) {
        return switch (type.typeId()) {
            case STRING -> {
                String max = UnicodeUtil.truncateStringMax(value.toString(), TRUNCATE_LENGTH);
                yield max == null ? null : Conversions.toByteBuffer(type, max);
            }
            case BINARY -> BinaryUtil.truncateBinaryMax((ByteBuffer) value, TRUNCATE_LENGTH);
            default -> Conversions.toByteBuffer(type, value);
        };
    }
}
