package dev.sluice.iceberg.internal;

import dev.sluice.transform.OtfMetadata;

import java.util.List;
import java.util.Optional;

/**
 * Decides each record's table and operation from Firehose's two routing methods: the Lambda method (the
 * {@code metadata.otfMetadata} a Lambda transformation returned with the record) and the JSONQuery method (the
 * {@link Router routing query}), falling back to the only table and {@code insert}.
 *
 * <p>Precedence, per record:
 * <ol>
 *   <li>otfMetadata that names the table ({@code destinationDatabaseName} and {@code destinationTableName}, both or
 *       neither) routes the record alone: that table, with its {@code operation} ({@code insert} when absent); the
 *       routing query is not run for it. A record's own metadata is the most specific answer there is, and
 *       Firehose takes a single table's routing from JQ or Lambda whenever they give it.</li>
 *   <li>otfMetadata without names (only an operation) takes the table from the routing query, else the only
 *       table; its operation replaces the query's.</li>
 *   <li>No otfMetadata: the routing query (table and operation), else the only table as an insert.</li>
 * </ol>
 * With several tables, no routing query and no otfMetadata, nothing names the table: the record is
 * {@link FailedRecords#UNROUTABLE}, as a record the query cannot route. An operation other than insert, update or
 * delete is {@link FailedRecords#INVALID_OPERATION}. Whether the named table is configured is the caller's check
 * ({@link FailedRecords#NO_SUCH_TABLE}), as for the query.
 *
 * <p>Design note: immutable and thread-safe (the router is).
 */
public final class RecordRouting {

    private final Optional<Router> query;
    private final List<String> tables;

    /**
     * Routes with the query, when configured, among the tables.
     *
     * @param query the routing query, when configured
     * @param tables the configured tables as {@code database.table}; at least one
     */
    public RecordRouting(Optional<Router> query, List<String> tables) {
        this.query = query;
        this.tables = List.copyOf(tables);
    }

    /**
     * Whether every record without otfMetadata goes to the one table as an insert (no query to run), the common
     * case that needs no routing at all.
     */
    public boolean single() {
        return query.isEmpty() && tables.size() == 1;
    }

    /**
     * The record's table ({@code database.table}) and operation.
     *
     * @param record the processed record (JSON)
     * @param otf the otfMetadata its transformation returned, if any
     * @throws Router.Unroutable when nothing names its table, or names it by half, or its operation is invalid
     */
    public Router.Route route(byte[] record, Optional<OtfMetadata> otf) throws Router.Unroutable {
        if (otf.isEmpty()) {
            return withoutOtf(record);
        }
        OtfMetadata metadata = otf.get();
        Optional<Operation> operation = Optional.empty();
        if (metadata.operation().isPresent()) {
            Operation named = Operation.named(metadata.operation().get());
            if (named == null) {
                throw new Router.Unroutable(FailedRecords.INVALID_OPERATION, "the Lambda transformation's"
                        + " otfMetadata.operation was \"" + metadata.operation().get() + "\"; it must be \"insert\","
                        + " \"update\" or \"delete\"");
            }
            operation = Optional.of(named);
        }
        Optional<String> database = metadata.destinationDatabaseName();
        Optional<String> table = metadata.destinationTableName();
        if (database.isPresent() != table.isPresent()) {
            throw new Router.Unroutable("the Lambda transformation's otfMetadata has "
                    + (database.isPresent() ? "destinationDatabaseName but no destinationTableName"
                    : "destinationTableName but no destinationDatabaseName") + "; give both to route the record, or"
                    + " neither to leave the table to the routing query");
        }
        if (database.isPresent()) {
            return new Router.Route(database.get() + "." + table.get(), operation.orElse(Operation.INSERT));
        }
        Router.Route base = withoutOtf(record);
        return operation.isEmpty() ? base : new Router.Route(base.table(), operation.get());
    }

    private Router.Route withoutOtf(byte[] record) throws Router.Unroutable {
        if (query.isPresent()) {
            return query.get().route(record);
        }
        if (tables.size() == 1) {
            return new Router.Route(tables.get(0), Operation.INSERT);
        }
        throw new Router.Unroutable("the record has no otfMetadata naming its table (destinationDatabaseName and"
                + " destinationTableName) from a Lambda transformation, and no routing query is configured, so"
                + " nothing picks one of the " + tables.size() + " tables " + tables);
    }
}
