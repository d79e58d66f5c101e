package dev.sluice.iceberg;

import dev.sluice.iceberg.internal.Problems;
import dev.sluice.delivery.DeliveryException;
import dev.sluice.delivery.internal.encode.JsonToAvro;

import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One table an {@link IcebergDestination} writes to (Firehose's {@code DestinationTableConfiguration}): the
 * database (Iceberg namespace) and table, the schema records are converted with, the partition spec used when the
 * table is created, and where this table's failed records go.
 *
 * <p>Thread-safety: immutable.
 *
 * <p>The schema is an Avro record schema, as for Parquet conversion ({@code ParquetConversion}), with Firehose's
 * conversion rules. It maps to Iceberg types: boolean, int, long, float, double, string and enum (string), bytes
 * (binary), {@code decimal}, {@code date}, {@code timestamp-micros} (timestamptz), records (struct), arrays (list)
 * and maps with string keys; a union with {@code null} is an optional column, anything else required.
 * {@code timestamp-millis} is refused: Iceberg stores microseconds. When the table exists, columns are matched by
 * name; a field the table lacks is added as an optional column (old data files read it as null); a table column the
 * schema lacks is written as null and must be optional.
 *
 * @param database the Iceberg namespace, for example {@code analytics}; 1 to 255 characters of {@code [A-Za-z0-9_-]}
 * @param table the table name; 1 to 255 characters of {@code [A-Za-z0-9_-]}
 * @param schema the Avro record schema as JSON
 * @param partitioning the partition spec of a table created by the destination, in order; empty for none. An
 *        existing table keeps its own spec.
 * @param uniqueKeys Firehose's unique keys: top-level columns of the schema (primitive, not float or double) that
 *        identify a row, used by records whose operation is {@code update} or {@code delete} (given by the
 *        destination's routing query); empty for an append-only table. A table with unique keys gets one Iceberg
 *        RowDelta per delivery object: equality deletes on these columns plus data files. Every partition source
 *        column must be one of them, and the table must be format version 2 (tables the destination creates are).
 * @param errorOutputPrefix the prefix, in the destination's error-output bucket, of this table's failed records;
 *        empty for the destination's default
 */
public record DestinationTableConfiguration(String database, String table, String schema,
                                            List<PartitionField> partitioning, List<String> uniqueKeys,
                                            String errorOutputPrefix) {

    /** Names Sluice accepts for databases and tables (Glue's and S3 Tables' common ground). */
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]{1,255}");

    /**
     * Validates; the schema is parsed here so a bad schema fails at configuration time.
     *
     * @throws DeliveryException {@code INVALID_ARGUMENT} naming the field, the allowed form and the value
     */
    public DestinationTableConfiguration {
        checkName("database", database);
        checkName("table", table);
        Objects.requireNonNull(schema, "schema");
        JsonToAvro.checkSchema(schema);
        partitioning = List.copyOf(Objects.requireNonNull(partitioning, "partitioning"));
        uniqueKeys = List.copyOf(Objects.requireNonNull(uniqueKeys, "uniqueKeys"));
        checkUniqueKeys(database + "." + table, schema, uniqueKeys);
        Objects.requireNonNull(errorOutputPrefix, "errorOutputPrefix");
    }

    /**
     * An unpartitioned table with the destination's error prefix.
     *
     * @param database the namespace
     * @param table the table
     * @param avroSchema the Avro record schema as JSON
     * @return the configuration
     */
    public static DestinationTableConfiguration of(String database, String table, String avroSchema) {
        return new DestinationTableConfiguration(database, table, avroSchema, List.of(), List.of(), "");
    }

    /**
     * Returns a copy with a partition spec.
     *
     * @param fields the partition fields, in order
     * @return the copy
     */
    public DestinationTableConfiguration withPartitioning(PartitionField... fields) {
        return new DestinationTableConfiguration(database, table, schema, List.of(fields), uniqueKeys,
                errorOutputPrefix);
    }

    /**
     * Returns a copy with unique keys, so records routed with operation {@code update} or {@code delete} replace or
     * remove the rows with their key.
     *
     * @param columns the key columns, top-level fields of the schema
     * @return the copy
     * @throws DeliveryException {@code INVALID_ARGUMENT} if a column is not a top-level primitive field of the
     *         schema, is float or double, or is named twice
     */
    public DestinationTableConfiguration withUniqueKeys(String... columns) {
        return new DestinationTableConfiguration(database, table, schema, partitioning, List.of(columns),
                errorOutputPrefix);
    }

    /**
     * Returns a copy with another schema (bump the delivery stream's version when the schema changes).
     *
     * @param avroSchema the Avro record schema as JSON
     * @return the copy
     */
    public DestinationTableConfiguration withSchema(String avroSchema) {
        return new DestinationTableConfiguration(database, table, avroSchema, partitioning, uniqueKeys,
                errorOutputPrefix);
    }

    /**
     * Returns a copy with its own error-output prefix.
     *
     * @param prefix the prefix, for example {@code errors/orders/}
     * @return the copy
     */
    public DestinationTableConfiguration withErrorOutputPrefix(String prefix) {
        return new DestinationTableConfiguration(database, table, schema, partitioning, uniqueKeys, prefix);
    }

    /**
     * The table's name in the catalog.
     *
     * @return {@code database.table}
     */
    public String qualifiedName() {
        return database + "." + table;
    }

    private static void checkUniqueKeys(String table, String schema, List<String> keys) {
        if (keys.isEmpty()) {
            return;
        }
        org.apache.avro.Schema avro = new org.apache.avro.Schema.Parser().parse(schema);
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (String key : keys) {
            Objects.requireNonNull(key, "uniqueKeys element");
            if (!seen.add(key)) {
                throw Problems.invalidArgument("uniqueKeys of table " + table + " name " + key + " twice: " + keys);
            }
            org.apache.avro.Schema.Field field = avro.getField(key);
            if (field == null) {
                throw Problems.invalidArgument("unique key '" + key + "' of table " + table + " is not a top-level"
                        + " field of its schema; the fields are " + avro.getFields().stream()
                        .map(org.apache.avro.Schema.Field::name).toList());
            }
            org.apache.avro.Schema type = field.schema();
            if (type.getType() == org.apache.avro.Schema.Type.UNION) {
                type = type.getTypes().stream().filter(t -> t.getType() != org.apache.avro.Schema.Type.NULL)
                        .findFirst().orElse(type);
            }
            switch (type.getType()) {
                case RECORD, ARRAY, MAP, UNION, FLOAT, DOUBLE, NULL -> throw Problems.invalidArgument("unique key '"
                        + key + "' of table " + table + " has type " + type.getType().getName() + "; a unique key"
                        + " must be a primitive column other than float and double");
                default -> { }
            }
        }
    }

    private static void checkName(String what, String value) {
        Objects.requireNonNull(value, what);
        if (!NAME.matcher(value).matches()) {
            throw Problems.invalidArgument(what + " must be 1 to 255 characters of [A-Za-z0-9_-] but was '"
                    + value + "'");
        }
    }
}
