package dev.sluice.transform.internal;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.transform.ErrorCode;
import dev.sluice.transform.OtfMetadata;
import dev.sluice.transform.ProcessingRequest;
import dev.sluice.transform.ProcessingResponse;
import dev.sluice.transform.ProcessingResult;
import dev.sluice.transform.SourceRecord;
import dev.sluice.transform.SourceRecord.KinesisRecordMetadata;
import dev.sluice.transform.TransformException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Firehose's Lambda JSON: the event (request) and the response.
 *
 * <p>Design note: the event is written in the shape and field order Firehose sends: timestamps as epoch
 * milliseconds, {@code data} as standard base64, {@code kinesisRecordMetadata} with a numeric
 * {@code subsequenceNumber}, optional fields omitted when absent. Reading accepts that shape and also the
 * string-typed metadata of the Lambda console's sample event ({@code "approximateArrivalTimestamp":
 * "2012-04-23T18:25:43.511Z"}, {@code "subsequenceNumber": ""}), which is written back in Firehose's numeric
 * form. Timestamps keep millisecond precision, as in the JSON. Unknown fields are ignored.
 */
public final class FirehoseJsonCodec {

    /** The fields of {@code metadata.otfMetadata}, in {@link OtfMetadata}'s order. */
    private static final List<String> OTF_FIELDS = List.of("destinationDatabaseName", "destinationTableName",
            "operation");

    private FirehoseJsonCodec() {
    }

    public static byte[] writeEvent(ProcessingRequest request) {
        ByteArrayBuilder buffer = new ByteArrayBuilder(256 + request.records().size() * 256);
        Base64.Encoder base64 = Base64.getEncoder();
        try (JsonGenerator out = Json.FACTORY.createGenerator(buffer)) {
            out.writeStartObject();
            out.writeStringField("invocationId", request.invocationId());
            if (request.sourceKinesisStreamArn().isPresent()) {
                out.writeStringField("sourceKinesisStreamArn", request.sourceKinesisStreamArn().get());
            }
            out.writeStringField("deliveryStreamArn", request.deliveryStreamArn());
            out.writeStringField("region", request.region());
            out.writeArrayFieldStart("records");
            for (SourceRecord record : request.records()) {
                out.writeStartObject();
                out.writeStringField("recordId", record.recordId());
                out.writeNumberField("approximateArrivalTimestamp", record.approximateArrivalTimestamp().toEpochMilli());
                out.writeStringField("data", base64.encodeToString(bytes(record.data())));
                if (record.kinesisRecordMetadata().isPresent()) {
                    KinesisRecordMetadata metadata = record.kinesisRecordMetadata().get();
                    out.writeObjectFieldStart("kinesisRecordMetadata");
                    out.writeStringField("sequenceNumber", metadata.sequenceNumber());
                    out.writeNumberField("subsequenceNumber", metadata.subsequenceNumber());
                    out.writeStringField("partitionKey", metadata.partitionKey());
                    out.writeStringField("shardId", metadata.shardId());
                    out.writeNumberField("approximateArrivalTimestamp",
                            metadata.approximateArrivalTimestamp().toEpochMilli());
                    out.writeEndObject();
                }
                out.writeEndObject();
            }
            out.writeEndArray();
            out.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return buffer.toByteArray();
    }

    /**
     * @throws TransformException {@link ErrorCode#INVALID_ARGUMENT} naming the first field that does not fit
     */
    public static ProcessingRequest readEvent(byte[] json) {
        JsonNode event = parse(json, ErrorCode.INVALID_ARGUMENT, "event");
        Reader in = new Reader(ErrorCode.INVALID_ARGUMENT, "Firehose event");
        JsonNode recordsNode = in.array(event, "records");
        List<SourceRecord> records = new ArrayList<>(recordsNode.size());
        for (int i = 0; i < recordsNode.size(); i++) {
            JsonNode node = recordsNode.get(i);
            String where = "records[" + i + "]";
            Optional<KinesisRecordMetadata> metadata = Optional.empty();
            JsonNode metadataNode = node.get("kinesisRecordMetadata");
            if (metadataNode != null && !metadataNode.isNull()) {
                String at = where + ".kinesisRecordMetadata";
                metadata = Optional.of(new KinesisRecordMetadata(in.text(metadataNode, "shardId", at),
                        in.text(metadataNode, "partitionKey", at), in.instant(metadataNode, "approximateArrivalTimestamp", at),
                        in.text(metadataNode, "sequenceNumber", at), in.subsequence(metadataNode, at)));
            }
            records.add(new SourceRecord(in.text(node, "recordId", where),
                    in.instant(node, "approximateArrivalTimestamp", where),
                    ByteBuffer.wrap(in.base64(node, "data", where)), metadata));
        }
        JsonNode source = event.get("sourceKinesisStreamArn");
        return new ProcessingRequest(in.text(event, "invocationId", ""), in.text(event, "deliveryStreamArn", ""),
                in.text(event, "region", ""), source == null || source.isNull() ? Optional.empty()
                : Optional.of(in.text(event, "sourceKinesisStreamArn", "")), records);
    }

    /**
     * @throws TransformException {@link ErrorCode#JSON_PROCESSING} naming the first field that does not fit
     */
    public static ProcessingResponse readResponse(byte[] json) {
        JsonNode response = parse(json, ErrorCode.JSON_PROCESSING, "response");
        Reader in = new Reader(ErrorCode.JSON_PROCESSING, "Firehose response");
        JsonNode recordsNode = in.array(response, "records");
        List<ProcessingResult> results = new ArrayList<>(recordsNode.size());
        for (int i = 0; i < recordsNode.size(); i++) {
            JsonNode node = recordsNode.get(i);
            String where = "records[" + i + "]";
            String id = in.text(node, "recordId", where);
            String result = in.text(node, "result", where);
            switch (result) {
                case "Ok" -> results.add(ok(in, node, id, where));
                case "Dropped" -> results.add(new ProcessingResult.Dropped(id));
                case "ProcessingFailed" -> results.add(new ProcessingResult.ProcessingFailed(id,
                        "record '" + id + "': the function returned result ProcessingFailed"));
                default -> throw in.error(where + ".result must be Ok, Dropped or ProcessingFailed but was '"
                        + result + "'");
            }
        }
        return new ProcessingResponse(results);
    }

    /**
     * An {@code Ok} record. Its {@code metadata.otfMetadata} is read field by field; a malformed one (not an object,
     * a field that is neither a string nor null) fails this record alone with {@link ErrorCode#INVALID_OTF_METADATA},
     * as the record's routing cannot be known, while the rest of the response stands.
     */
    private static ProcessingResult ok(Reader in, JsonNode node, String id, String where) {
        ByteBuffer data = ByteBuffer.wrap(in.base64(node, "data", where));
        Map<String, String> partitionKeys = in.partitionKeys(node, where);
        JsonNode otf = node.path("metadata").path("otfMetadata");
        if (otf.isMissingNode() || otf.isNull()) {
            return new ProcessingResult.Ok(id, data, partitionKeys);
        }
        String at = where + ".metadata.otfMetadata";
        if (!otf.isObject()) {
            return invalidOtfMetadata(id, at + " must be an object but was " + otf.getNodeType());
        }
        List<Optional<String>> fields = new ArrayList<>(OTF_FIELDS.size());
        for (String field : OTF_FIELDS) {
            JsonNode value = otf.get(field);
            if (value == null || value.isNull()) {
                fields.add(Optional.empty());
            } else if (value.isTextual()) {
                fields.add(Optional.of(value.textValue()));
            } else {
                return invalidOtfMetadata(id, at + "." + field + " must be a string but was " + value.getNodeType());
            }
        }
        return new ProcessingResult.Ok(id, data, partitionKeys,
                Optional.of(new OtfMetadata(fields.get(0), fields.get(1), fields.get(2))));
    }

    private static ProcessingResult invalidOtfMetadata(String id, String problem) {
        return new ProcessingResult.ProcessingFailed(id, ErrorCode.INVALID_OTF_METADATA, "record '" + id
                + "': the function returned " + problem + " (Firehose's otfMetadata holds the strings"
                + " destinationDatabaseName, destinationTableName and operation)");
    }

    private static JsonNode parse(byte[] json, ErrorCode code, String what) {
        try {
            JsonNode node = Json.MAPPER.readTree(json);
            if (node == null || !node.isObject()) {
                throw new TransformException(code, "Firehose " + what + " must be a JSON object but was "
                        + (node == null ? "empty" : node.getNodeType()));
            }
            return node;
        } catch (IOException e) {
            throw new TransformException(code, "Firehose " + what + " is not valid JSON: " + e.getMessage(), e);
        }
    }

    private static byte[] bytes(ByteBuffer view) {
        byte[] data = new byte[view.remaining()];
        view.get(data);
        return data;
    }

    /** Typed field access that fails with the field's path. */
    private record Reader(ErrorCode code, String what) {

        TransformException error(String problem) {
            return new TransformException(code, what + ": " + problem);
        }

        private static String path(String where, String field) {
            return where.isEmpty() ? field : where + "." + field;
        }

        JsonNode array(JsonNode node, String field) {
            JsonNode value = node.get(field);
            if (value == null || !value.isArray()) {
                throw error(field + " must be an array but was " + (value == null ? "absent" : value.getNodeType()));
            }
            return value;
        }

        String text(JsonNode node, String field, String where) {
            JsonNode value = node.get(field);
            if (value == null || !value.isTextual()) {
                throw error(path(where, field) + " must be a string but was "
                        + (value == null ? "absent" : value.getNodeType()));
            }
            return value.textValue();
        }

        Instant instant(JsonNode node, String field, String where) {
            JsonNode value = node.get(field);
            if (value != null && value.canConvertToLong() && value.isIntegralNumber()) {
                return Instant.ofEpochMilli(value.longValue());
            }
            if (value != null && value.isTextual()) {
                try {
                    return Instant.parse(value.textValue());
                } catch (DateTimeParseException e) {
                    throw error(path(where, field) + " must be epoch milliseconds or an ISO-8601 instant but was '"
                            + value.textValue() + "'");
                }
            }
            throw error(path(where, field) + " must be epoch milliseconds but was "
                    + (value == null ? "absent" : value.getNodeType()));
        }

        long subsequence(JsonNode node, String where) {
            JsonNode value = node.get("subsequenceNumber");
            if (value == null || value.isNull() || (value.isTextual() && value.textValue().isEmpty())) {
                return 0;
            }
            if (value.isIntegralNumber() && value.canConvertToLong() && value.longValue() >= 0) {
                return value.longValue();
            }
            if (value.isTextual()) {
                try {
                    return Long.parseLong(value.textValue());
                } catch (NumberFormatException e) {
                    throw error(path(where, "subsequenceNumber") + " must be a non-negative integer but was '"
                            + value.textValue() + "'");
                }
            }
            throw error(path(where, "subsequenceNumber") + " must be a non-negative integer but was " + value);
        }

        byte[] base64(JsonNode node, String field, String where) {
            String text = text(node, field, where);
            try {
                return Base64.getDecoder().decode(text);
            } catch (IllegalArgumentException e) {
                throw error(path(where, field) + " is not valid base64: " + e.getMessage());
            }
        }

        Map<String, String> partitionKeys(JsonNode node, String where) {
            JsonNode keys = node.path("metadata").path("partitionKeys");
            if (keys.isMissingNode() || keys.isNull()) {
                return Map.of();
            }
            if (!keys.isObject()) {
                throw error(where + ".metadata.partitionKeys must be an object but was " + keys.getNodeType());
            }
            Map<String, String> result = new LinkedHashMap<>();
            keys.properties().forEach(entry -> {
                if (!entry.getValue().isTextual()) {
                    throw error(where + ".metadata.partitionKeys." + entry.getKey() + " must be a string but was "
                            + entry.getValue().getNodeType());
                }
                result.put(entry.getKey(), entry.getValue().textValue());
            });
            return result;
        }
    }
}
