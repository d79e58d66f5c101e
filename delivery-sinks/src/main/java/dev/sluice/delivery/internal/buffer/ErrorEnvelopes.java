package dev.sluice.delivery.internal.buffer;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;

/**
 * Firehose's error-output documents, one JSON line per failed record.
 *
 * <p>Design note: stateless. Shapes: {@code processing-failed} and destination failures
 * ({@code http-endpoint-failed}, {@code s3-failed}, ...) write {@code {attemptsMade, arrivalTimestamp, errorCode,
 * errorMessage, attemptEndingTimestamp, rawData}}; {@code format-conversion-failed} writes {@code lastErrorCode}
 * and {@code lastErrorMessage} instead and adds {@code sequenceNumber} and {@code subSequenceNumber}. Timestamps
 * are epoch milliseconds, {@code rawData} is base64. When the record came from a stream, Sluice adds
 * {@code shardId} and (outside format conversion) {@code sequenceNumber}, {@code subSequenceNumber}, so a failed
 * record can be traced to its source.
 */
public final class ErrorEnvelopes {

    static final String PROCESSING_FAILED = "processing-failed";
    static final String FORMAT_CONVERSION_FAILED = "format-conversion-failed";

    private static final JsonFactory JSON = new JsonFactory();

    private ErrorEnvelopes() {
    }

    static byte[] envelope(String errorOutputType, InputRecord input, byte[] rawData, int attemptsMade,
                           String errorCode, String errorMessage, Instant attemptEnding) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(rawData.length * 4 / 3 + 256);
        boolean conversion = FORMAT_CONVERSION_FAILED.equals(errorOutputType);
        try (JsonGenerator json = JSON.createGenerator(out)) {
            json.writeStartObject();
            json.writeNumberField("attemptsMade", attemptsMade);
            json.writeNumberField("arrivalTimestamp", input.arrival.toEpochMilli());
            json.writeStringField(conversion ? "lastErrorCode" : "errorCode", errorCode);
            json.writeStringField(conversion ? "lastErrorMessage" : "errorMessage", errorMessage);
            json.writeNumberField("attemptEndingTimestamp", attemptEnding.toEpochMilli());
            json.writeFieldName("rawData");
            json.writeBinary(rawData);
            if (input.kinesis.isPresent()) {
                json.writeStringField("sequenceNumber", input.kinesis.get().sequenceNumber());
                json.writeNumberField("subSequenceNumber", input.kinesis.get().subsequenceNumber());
                json.writeStringField("shardId", input.kinesis.get().shardId());
            } else if (conversion) {
                json.writeNullField("sequenceNumber");
                json.writeNullField("subSequenceNumber");
            }
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        out.write('\n');
        return out.toByteArray();
    }
}
