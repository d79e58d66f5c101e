package dev.sluice.iceberg.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.delivery.DeliveryException;
import net.thisptr.jackson.jq.BuiltinFunctionLoader;
import net.thisptr.jackson.jq.JsonQuery;
import net.thisptr.jackson.jq.Scope;
import net.thisptr.jackson.jq.Version;
import net.thisptr.jackson.jq.Versions;
import net.thisptr.jackson.jq.exception.JsonQueryException;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Picks each record's table with a JQ expression, as Firehose's Iceberg destination does with its metadata
 * extraction query: the expression returns an object with {@code destinationDatabaseName} and
 * {@code destinationTableName}, for example {@code {destinationDatabaseName: .db, destinationTableName: .type}}, and
 * optionally {@code operation} ({@code insert}, {@code update} or {@code delete}; absent or null is insert).
 *
 * <p>Design note: thread-safe. The root scope with JQ's builtins is built once and never modified; each evaluation
 * runs in a fresh child scope (how jackson-jq supports concurrent use). A record the query cannot route (not JSON,
 * no output, missing names) is reported with a {@link Unroutable} naming why; it never fails the object.
 */
public final class Router {

    /** Firehose's JQ dialect for metadata extraction. */
    private static final Version VERSION = Versions.JQ_1_6;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Scope ROOT = root();

    private final JsonQuery query;
    private final String expression;

    /**
     * Where one record goes and what it does there.
     *
     * @param table the table as {@code database.table}
     * @param operation the record's operation
     */
    public record Route(String table, Operation operation) {
    }

    /** A record that could not be routed; {@link #errorCode()} is the Firehose error code of its error line. */
    public static final class Unroutable extends Exception {
        private static final long serialVersionUID = 1L;

        private final String errorCode;

        Unroutable(String message) {
            this(FailedRecords.UNROUTABLE, message);
        }

        Unroutable(String errorCode, String message) {
            super(message, null, false, false);
            this.errorCode = errorCode;
        }

        /** The error code, {@link FailedRecords#UNROUTABLE} or {@link FailedRecords#INVALID_OPERATION}. */
        public String errorCode() {
            return errorCode;
        }
    }

    private static Scope root() {
        Scope scope = Scope.newEmptyScope();
        BuiltinFunctionLoader.getInstance().loadFunctions(VERSION, scope);
        return scope;
    }

    /**
     * Compiles the routing query.
     *
     * @throws DeliveryException {@code INVALID_ARGUMENT} if it does not compile
     */
    public Router(String expression) {
        this.expression = expression;
        try {
            this.query = JsonQuery.compile(expression, VERSION);
        } catch (JsonQueryException | RuntimeException e) {
            throw Problems.invalidArgument("routing query is not a valid JQ expression: '" + expression
                    + "': " + e.getMessage());
        }
    }

    /**
     * Returns the record's table as {@code database.table} and its operation.
     *
     * @throws Unroutable when the record gives no table or an operation that is not insert, update or delete
     */
    public Route route(byte[] record) throws Unroutable {
        JsonNode input;
        try {
            input = JSON.readTree(record);
        } catch (IOException e) {
            throw new Unroutable("the record is not valid JSON: " + e.getMessage());
        }
        if (input == null) {
            throw new Unroutable("the record is empty");
        }
        List<JsonNode> out = new ArrayList<>(1);
        try {
            query.apply(Scope.newChildScope(ROOT), input, out::add);
        } catch (JsonQueryException | RuntimeException e) {
            throw new Unroutable("routing query '" + expression + "' failed: " + e.getMessage());
        }
        if (out.size() != 1 || !out.get(0).isObject()) {
            throw new Unroutable("routing query '" + expression + "' must return one object but returned " + out);
        }
        JsonNode database = out.get(0).get("destinationDatabaseName");
        JsonNode table = out.get(0).get("destinationTableName");
        if (database == null || !database.isTextual() || table == null || !table.isTextual()) {
            throw new Unroutable("routing query '" + expression + "' returned " + out.get(0)
                    + " without destinationDatabaseName and destinationTableName strings");
        }
        JsonNode operation = out.get(0).get("operation");
        Operation op = Operation.INSERT;
        if (operation != null && !operation.isNull()) {
            op = operation.isTextual() ? Operation.named(operation.asText()) : null;
            if (op == null) {
                throw new Unroutable(FailedRecords.INVALID_OPERATION, "routing query '" + expression
                        + "' returned operation " + operation + "; it must be \"insert\", \"update\" or \"delete\"");
            }
        }
        return new Route(database.asText() + "." + table.asText(), op);
    }
}
