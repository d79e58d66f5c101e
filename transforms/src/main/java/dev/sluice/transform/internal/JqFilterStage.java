package dev.sluice.transform.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.transform.ErrorCode;
import net.thisptr.jackson.jq.JsonQuery;
import net.thisptr.jackson.jq.exception.JsonQueryException;

import java.util.List;

/**
 * Keeps a JSON record when a JQ predicate yields a truthy value, drops it when the value is {@code false} or
 * {@code null}.
 *
 * <p>Design note: the predicate must yield exactly one value; zero or several values, or a JQ runtime error,
 * fail the record ({@link ErrorCode#FILTER_FAILED}) rather than silently keeping or dropping it. The record's
 * bytes pass through unchanged when kept.
 */
public final class JqFilterStage implements RecordStage {

    private final String expression;
    private final JsonQuery query;

    public JqFilterStage(String expression) {
        this.expression = expression;
        this.query = Jq.compile(expression, "filter predicate");
    }

    @Override
    public void apply(Item item, StageOutput out) {
        JsonNode tree = Json.readTree(item, out);
        if (tree == null) {
            return;
        }
        List<JsonNode> outputs;
        try {
            outputs = Jq.apply(query, tree);
        } catch (JsonQueryException e) {
            out.fail(item, ErrorCode.FILTER_FAILED, "filter '" + expression + "' failed: " + Jq.describe(e));
            return;
        }
        if (outputs.size() != 1) {
            out.fail(item, ErrorCode.FILTER_FAILED, "filter '" + expression + "' must yield exactly one value but yielded "
                    + outputs.size());
            return;
        }
        JsonNode verdict = outputs.get(0);
        boolean keep = !(verdict.isNull() || verdict.isMissingNode() || (verdict.isBoolean() && !verdict.booleanValue()));
        if (keep) {
            out.emit(item);
        }
    }

    @Override
    public String toString() {
        return "filter[" + expression + "]";
    }
}
