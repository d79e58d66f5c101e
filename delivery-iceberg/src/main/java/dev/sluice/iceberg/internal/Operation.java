package dev.sluice.iceberg.internal;

import java.util.Locale;

/**
 * What a record does to its table, as Firehose's {@code operation} routing field says: {@code insert} (the default)
 * appends a row; {@code update} replaces every row with the record's unique key by the record; {@code delete} removes
 * every row with the record's unique key. Update and delete need a table with unique keys.
 */
public enum Operation {
    /** Append the record as a new row (Firehose's default). */
    INSERT,
    /** Delete the rows with the record's key, then insert the record. */
    UPDATE,
    /** Delete the rows with the record's key. */
    DELETE;

    /**
     * The operation named by Firehose's {@code operation} field, ignoring case.
     *
     * @return the operation, or {@code null} if the name is none of insert, update, delete
     */
    static Operation named(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "insert" -> INSERT;
            case "update" -> UPDATE;
            case "delete" -> DELETE;
            default -> null;
        };
    }
}
