package dev.sluice.transform.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import dev.sluice.transform.TransformException;
import dev.sluice.transform.ErrorCode;
import net.thisptr.jackson.jq.BuiltinFunctionLoader;
import net.thisptr.jackson.jq.JsonQuery;
import net.thisptr.jackson.jq.Scope;
import net.thisptr.jackson.jq.Version;
import net.thisptr.jackson.jq.Versions;
import net.thisptr.jackson.jq.exception.JsonQueryException;

import java.util.ArrayList;
import java.util.List;

/**
 * Real JQ through jackson-jq, at the language level Firehose's {@code MetadataExtraction} uses ({@code JQ-1.6}).
 *
 * <p>Design note: the root scope with the builtin functions is built once and never modified afterwards;
 * every evaluation runs in a fresh child scope, which is how jackson-jq supports concurrent evaluation.
 * {@link JsonQuery} instances are immutable and shared.
 */
final class Jq {

    /** Firehose dynamic partitioning documents {@code JQ-1.6} as its query language. */
    static final Version VERSION = Versions.JQ_1_6;

    private static final class RootScope {
        static final Scope INSTANCE = create();

        private static Scope create() {
            Scope scope = Scope.newEmptyScope();
            BuiltinFunctionLoader.getInstance().loadFunctions(VERSION, scope);
            return scope;
        }
    }

    private Jq() {
    }

    /**
     * Compiles an expression, failing fast with a message naming the setting.
     *
     * @throws TransformException {@link ErrorCode#INVALID_ARGUMENT} if the expression does not compile
     */
    static JsonQuery compile(String expression, String what) {
        if (expression == null || expression.isBlank()) {
            throw new TransformException(ErrorCode.INVALID_ARGUMENT, what + " must be a JQ expression but was '"
                    + expression + "'");
        }
        JsonQuery query;
        try {
            query = JsonQuery.compile(expression, VERSION);
        } catch (JsonQueryException | RuntimeException e) {
            throw new TransformException(ErrorCode.INVALID_ARGUMENT, what + " is not a valid JQ expression: '"
                    + expression + "': " + describe(e), e);
        }
        rejectUnknownFunctions(query, expression, what);
        return query;
    }

    /**
     * jackson-jq resolves function names when a query runs, so a misspelt function would fail every record.
     * Running the query once on {@code null} surfaces that at build time; any other error on {@code null} is
     * normal (the query expects real input) and ignored.
     */
    private static void rejectUnknownFunctions(JsonQuery query, String expression, String what) {
        try {
            apply(query, NullNode.getInstance());
        } catch (JsonQueryException | RuntimeException e) {
            String message = String.valueOf(e.getMessage());
            if (message.startsWith("Function ") && message.endsWith(" does not exist")) {
                throw new TransformException(ErrorCode.INVALID_ARGUMENT, what + " uses an unknown JQ function: '"
                        + expression + "': " + message, e);
            }
        }
    }

    /**
     * A JQ failure's message; jackson-jq reports some failures as "N/A" with the reason in the cause. A parse
     * error's cause lists every token the parser expected on the lines after the first: only the first line
     * (what was found, and where) is kept.
     */
    static String describe(Exception e) {
        String message = e.getMessage();
        Throwable cause = e.getCause();
        String reason = cause == null || cause.getMessage() == null ? null : cause.getMessage().strip().lines()
                .findFirst().orElse("");
        if (message == null || message.equals("N/A")) {
            return reason == null ? e.getClass().getSimpleName() : reason;
        }
        return reason == null ? message : message + " (" + reason + ")";
    }

    /** Runs the query against one input and returns all outputs. */
    static List<JsonNode> apply(JsonQuery query, JsonNode input) throws JsonQueryException {
        List<JsonNode> outputs = new ArrayList<>(1);
        query.apply(Scope.newChildScope(RootScope.INSTANCE), input, outputs::add);
        return outputs;
    }

    /** Describes a JQ output for messages, truncated. */
    static String show(JsonNode node) {
        String text = node.toString();
        return text.length() <= 60 ? text : text.substring(0, 57) + "...";
    }
}
