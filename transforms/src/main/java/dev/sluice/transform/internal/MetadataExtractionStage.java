package dev.sluice.transform.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.transform.ErrorCode;
import net.thisptr.jackson.jq.JsonQuery;
import net.thisptr.jackson.jq.exception.JsonQueryException;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Firehose's {@code MetadataExtraction}: partition keys from JQ queries over the JSON record, feeding dynamic
 * partitioning downstream. The record's bytes pass through unchanged.
 *
 * <p>Design note: each query must yield exactly one string, number or boolean; {@code null}, a missing field,
 * an object, an array, no output, several outputs or a JQ runtime error fail the record
 * ({@link ErrorCode#METADATA_EXTRACTION_FAILED}), as Firehose sends such records to the error output. Keys
 * are added in configuration order; a key already present is overwritten.
 */
public final class MetadataExtractionStage implements RecordStage {

    private final Map<String, String> expressions;
    private final Map<String, JsonQuery> queries;

    public MetadataExtractionStage(Map<String, String> keyToExpression) {
        this.expressions = new LinkedHashMap<>(keyToExpression);
        Map<String, JsonQuery> compiled = new LinkedHashMap<>();
        keyToExpression.forEach((key, expression) ->
                compiled.put(key, Jq.compile(expression, "partition key '" + key + "' query")));
        this.queries = compiled;
    }

    /**
     * Reads Firehose's {@code MetadataExtractionQuery} (a JQ object construction such as
     * {@code {customer_id: .customer_id}}) into partition key name to JQ query.
     *
     * @throws dev.sluice.transform.TransformException {@link ErrorCode#INVALID_ARGUMENT} if it is not valid JQ,
     *         not one object construction, or a key is computed from the record; the message names the key
     */
    public static Map<String, String> parseQuery(String metadataExtractionQuery) {
        return MetadataQuery.parse(metadataExtractionQuery);
    }

    @Override
    public void apply(Item item, StageOutput out) {
        JsonNode tree = Json.readTree(item, out);
        if (tree == null) {
            return;
        }
        for (Map.Entry<String, JsonQuery> entry : queries.entrySet()) {
            String key = entry.getKey();
            String problem;
            try {
                List<JsonNode> outputs = Jq.apply(entry.getValue(), tree);
                if (outputs.size() == 1 && isScalar(outputs.get(0))) {
                    item.putPartitionKey(key, outputs.get(0).asText());
                    continue;
                }
                problem = outputs.size() == 1 ? "yielded " + Jq.show(outputs.get(0)) + ", not a string, number or boolean"
                        : "yielded " + outputs.size() + " values instead of exactly one";
            } catch (JsonQueryException e) {
                problem = "failed: " + Jq.describe(e);
            }
            out.fail(item, ErrorCode.METADATA_EXTRACTION_FAILED, "partition key '" + key + "' query '"
                    + expressions.get(key) + "' " + problem);
            return;
        }
        out.emit(item);
    }

    private static boolean isScalar(JsonNode node) {
        return node.isTextual() || node.isNumber() || node.isBoolean();
    }

    @Override
    public String toString() {
        return "metadataExtraction" + expressions;
    }
}
