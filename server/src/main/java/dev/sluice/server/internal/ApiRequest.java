package dev.sluice.server.internal;

import com.fasterxml.jackson.databind.JsonNode;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * One decoded API call: the operation name (from {@code X-Amz-Target}), the body's encoding and its fields.
 * Accessors check types and constraints and fail with the AWS error a service would return
 * ({@code SerializationException} for a wrong type, {@code ValidationException} for a missing or out-of-range
 * member, with AWS's "1 validation error detected" wording).
 *
 * @param operation the action, e.g. {@code PutRecords}
 * @param format    the body encoding, also used for the response
 * @param body      the body, an object node
 */
record ApiRequest(String operation, WireFormat format, JsonNode body) {

    ApiRequest {
        Objects.requireNonNull(operation, "operation");
        Objects.requireNonNull(format, "format");
        Objects.requireNonNull(body, "body");
    }

    JsonNode node(String field) {
        JsonNode node = body.get(field);
        return node == null || node.isNull() ? null : node;
    }

    Optional<String> string(String field) {
        return Optional.ofNullable(string(body, field));
    }

    String requiredString(String field) {
        return required(field, string(body, field));
    }

    Optional<Integer> integer(String field) {
        return Optional.ofNullable(integer(body, field));
    }

    int requiredInteger(String field) {
        return required(field, integer(body, field));
    }

    Optional<Instant> timestamp(String field) {
        JsonNode node = node(field);
        return node == null ? Optional.empty() : Optional.of(format.timestamp(node, field));
    }

    byte[] requiredBlob(JsonNode parent, String field) {
        JsonNode node = parent.get(field);
        if (node == null || node.isNull()) {
            throw missing(field);
        }
        return format.blob(node, field);
    }

    static String string(JsonNode parent, String field) {
        JsonNode node = parent.get(field);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isTextual()) {
            throw ApiException.serialization(field + " must be a string but was " + node.getNodeType());
        }
        return node.textValue();
    }

    static Integer integer(JsonNode parent, String field) {
        JsonNode node = parent.get(field);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isIntegralNumber() || !node.canConvertToInt()) {
            throw ApiException.serialization(field + " must be an integer but was " + node.getNodeType());
        }
        return node.intValue();
    }

    static <T> T required(String field, T value) {
        if (value == null) {
            throw missing(field);
        }
        return value;
    }

    static ApiException missing(String field) {
        return ApiException.validation("1 validation error detected: Value null at '" + lowerFirst(field)
                + "' failed to satisfy constraint: Member must not be null");
    }

    static ApiException outOfRange(String field, Object value, long min, long max) {
        return ApiException.validation("1 validation error detected: Value '" + value + "' at '" + lowerFirst(field)
                + "' failed to satisfy constraint: Member must have value between " + min + " and " + max);
    }

    private static String lowerFirst(String field) {
        return Character.toLowerCase(field.charAt(0)) + field.substring(1);
    }
}
