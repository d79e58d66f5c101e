package dev.sluice.transform;

import java.util.Objects;
import java.util.Optional;

/**
 * Where a transformed record goes in an open table format destination and what it does there: Firehose's
 * {@code metadata.otfMetadata} in a Lambda response record, the "Lambda method" of routing records to Apache Iceberg
 * tables.
 *
 * <pre>{@code
 * {"recordId": "...", "result": "Ok", "data": "...",
 *  "metadata": {"otfMetadata": {"destinationDatabaseName": "shop", "destinationTableName": "orders",
 *                               "operation": "update"}}}
 * }</pre>
 *
 * <p>Thread-safety: immutable.
 *
 * <p>The values are carried as the function returned them; the destination decides what they mean (an Iceberg
 * destination sends a record naming a table it does not configure, or an operation other than {@code insert},
 * {@code update} or {@code delete}, to its error output). Every field is optional in the JSON; a field that is
 * absent or JSON {@code null} is empty here.
 *
 * @param destinationDatabaseName the database (namespace) of the record's table; empty when not given
 * @param destinationTableName the record's table; empty when not given
 * @param operation {@code insert}, {@code update} or {@code delete} as the function wrote it; empty when not given
 *        (an insert)
 */
public record OtfMetadata(Optional<String> destinationDatabaseName, Optional<String> destinationTableName,
                          Optional<String> operation) {

    /**
     * Validates.
     *
     * @throws NullPointerException if a component is {@code null}
     */
    public OtfMetadata {
        Objects.requireNonNull(destinationDatabaseName, "destinationDatabaseName");
        Objects.requireNonNull(destinationTableName, "destinationTableName");
        Objects.requireNonNull(operation, "operation");
    }

    /**
     * Routes a record to a table with an operation.
     *
     * @param destinationDatabaseName the database; not {@code null}
     * @param destinationTableName the table; not {@code null}
     * @param operation {@code insert}, {@code update} or {@code delete}; not {@code null}
     * @return the metadata
     * @throws NullPointerException if an argument is {@code null}
     */
    public static OtfMetadata of(String destinationDatabaseName, String destinationTableName, String operation) {
        return new OtfMetadata(Optional.of(destinationDatabaseName), Optional.of(destinationTableName),
                Optional.of(operation));
    }
}
