package dev.sluice.transform.internal;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.transform.ErrorCode;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Firehose's {@code CloudWatchLogProcessing}: unpacks a CloudWatch Logs subscription message into one record
 * per log event.
 *
 * <p>Design note: the input is gzip-compressed (as CloudWatch Logs delivers it) or already decompressed JSON
 * {@code {messageType, owner, logGroup, logStream, subscriptionFilters, logEvents:[{id, timestamp, message}]}}.
 * {@code CONTROL_MESSAGE} records are dropped. Each log event becomes
 * {@code {"id", "timestamp", "message", "owner", "logGroup", "logStream"}} with id {@code <recordId>.<n>}.
 * Anything else fails the record ({@link ErrorCode#MALFORMED_CLOUDWATCH_LOGS}; bad gzip is
 * {@link ErrorCode#DECOMPRESSION_FAILED}).
 */
public final class CloudWatchLogsStage implements RecordStage {

    @Override
    public void apply(Item item, StageOutput out) {
        if (Gzip.isGzip(item.data)) {
            byte[][] result = new byte[1][];
            String problem = Gzip.decompress(item.data, result);
            if (problem != null) {
                out.fail(item, ErrorCode.DECOMPRESSION_FAILED, problem);
                return;
            }
            item.data = result[0];
        }
        JsonNode message = Json.readTree(item, out);
        if (message == null) {
            return;
        }
        String messageType = message.path("messageType").asText("");
        if ("CONTROL_MESSAGE".equals(messageType)) {
            return;
        }
        if (!"DATA_MESSAGE".equals(messageType)) {
            out.fail(item, ErrorCode.MALFORMED_CLOUDWATCH_LOGS, "not a CloudWatch Logs subscription message: "
                    + "messageType is " + Jq.show(message.path("messageType")) + ", expected DATA_MESSAGE or CONTROL_MESSAGE");
            return;
        }
        JsonNode events = message.path("logEvents");
        if (!events.isArray()) {
            out.fail(item, ErrorCode.MALFORMED_CLOUDWATCH_LOGS, "DATA_MESSAGE has no logEvents array");
            return;
        }
        for (int i = 0; i < events.size(); i++) {
            JsonNode event = events.get(i);
            if (!event.isObject() || !event.path("message").isTextual() || !event.path("timestamp").canConvertToLong()) {
                out.fail(item, ErrorCode.MALFORMED_CLOUDWATCH_LOGS, "logEvents[" + i
                        + "] must be an object with a string message and a numeric timestamp but was " + Jq.show(event));
                return;
            }
            out.emit(item.derive(i, render(event, message)));
        }
    }

    private static byte[] render(JsonNode event, JsonNode message) {
        ByteArrayBuilder buffer = Json.buffer();
        try (JsonGenerator generator = Json.FACTORY.createGenerator(buffer)) {
            generator.writeStartObject();
            generator.writeStringField("id", event.path("id").asText(""));
            generator.writeNumberField("timestamp", event.path("timestamp").asLong());
            generator.writeStringField("message", event.path("message").textValue());
            generator.writeStringField("owner", message.path("owner").asText(""));
            generator.writeStringField("logGroup", message.path("logGroup").asText(""));
            generator.writeStringField("logStream", message.path("logStream").asText(""));
            generator.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return buffer.toByteArray();
    }

    @Override
    public boolean fansOut() {
        return true;
    }

    @Override
    public String toString() {
        return "cloudWatchLogs";
    }
}
