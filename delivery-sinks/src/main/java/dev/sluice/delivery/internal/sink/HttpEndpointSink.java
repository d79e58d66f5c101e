package dev.sluice.delivery.internal.sink;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.delivery.DeliveryException;
import dev.sluice.delivery.ErrorCode;
import dev.sluice.delivery.HttpEndpointConfiguration;
import dev.sluice.delivery.Sink;
import dev.sluice.delivery.SinkObject;
import dev.sluice.delivery.SinkResult;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Duration;
import java.util.zip.GZIPOutputStream;

/**
 * Firehose's HTTP endpoint delivery protocol 1.0 over the JDK's {@link HttpClient}.
 *
 * <p>Design note: thread-safe (the JDK client is). One request per buffer: {@code POST} with
 * {@code {"requestId", "timestamp", "records":[{"data": base64}]}} and the headers
 * {@code X-Amz-Firehose-Protocol-Version: 1.0}, {@code X-Amz-Firehose-Request-Id} (the object's request id, so
 * the same across retries), {@code X-Amz-Firehose-Access-Key}, {@code X-Amz-Firehose-Common-Attributes}
 * ({@code {"commonAttributes":{...}}}) and, when configured, {@code Content-Encoding: gzip}. Only a 200 whose JSON
 * body echoes the request id is success. 413 is permanent ({@link ErrorCode#HTTP_REQUEST_TOO_LARGE}); any other
 * status or a mismatched body is retried ({@link ErrorCode#HTTP_INVALID_RESPONSE}), as are connection failures
 * and timeouts ({@link ErrorCode#HTTP_CONNECTION_FAILED}).
 */
public final class HttpEndpointSink implements Sink {

    private static final JsonFactory JSON = new JsonFactory();
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final HttpEndpointConfiguration configuration;
    private final HttpClient client;
    private final Clock clock;
    private final String commonAttributes;

    /**
     * Creates the sink.
     *
     * @param configuration the endpoint
     */
    public HttpEndpointSink(HttpEndpointConfiguration configuration) {
        this.configuration = configuration;
        this.client = HttpClient.newBuilder().connectTimeout(configuration.requestTimeout()).build();
        this.clock = Clock.systemUTC();
        try {
            this.commonAttributes = MAPPER.writeValueAsString(
                    java.util.Map.of("commonAttributes", configuration.commonAttributes()));
        } catch (IOException e) {
            throw new DeliveryException(ErrorCode.INVALID_ARGUMENT, "common attributes cannot be written as JSON", e);
        }
    }

    @Override
    public SinkResult write(SinkObject object) throws InterruptedException {
        byte[] body = body(object);
        HttpRequest.Builder request = HttpRequest.newBuilder(configuration.url())
                .timeout(configuration.requestTimeout())
                .header("Content-Type", "application/json")
                .header("X-Amz-Firehose-Protocol-Version", "1.0")
                .header("X-Amz-Firehose-Request-Id", object.requestId())
                .header("X-Amz-Firehose-Common-Attributes", commonAttributes)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        configuration.accessKey().ifPresent(key -> request.header("X-Amz-Firehose-Access-Key", key));
        if (configuration.gzipContentEncoding()) {
            request.header("Content-Encoding", "gzip");
        }
        HttpResponse<byte[]> response;
        try {
            response = client.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new DeliveryException(ErrorCode.HTTP_CONNECTION_FAILED, "request " + object.requestId() + " to "
                    + configuration.url() + " failed: " + e, e);
        }
        int status = response.statusCode();
        String answer = new String(response.body(), java.nio.charset.StandardCharsets.UTF_8);
        if (status == 413) {
            throw new DeliveryException(ErrorCode.HTTP_REQUEST_TOO_LARGE, "endpoint " + configuration.url()
                    + " answered 413 to request " + object.requestId() + " (" + body.length + " bytes): " + answer);
        }
        if (status != 200) {
            throw new DeliveryException(ErrorCode.HTTP_INVALID_RESPONSE, "endpoint " + configuration.url()
                    + " answered " + status + " to request " + object.requestId() + ": " + errorMessage(answer));
        }
        String echoed;
        try {
            JsonNode node = MAPPER.readTree(answer);
            echoed = node == null || node.get("requestId") == null ? null : node.get("requestId").asText();
        } catch (IOException e) {
            echoed = null;
        }
        if (!object.requestId().equals(echoed)) {
            throw new DeliveryException(ErrorCode.HTTP_INVALID_RESPONSE, "endpoint " + configuration.url()
                    + " answered 200 to request " + object.requestId() + " but its body does not echo that requestId: "
                    + answer);
        }
        return SinkResult.CREATED;
    }

    private static String errorMessage(String answer) {
        try {
            JsonNode node = MAPPER.readTree(answer);
            if (node != null && node.hasNonNull("errorMessage")) {
                return node.get("errorMessage").asText();
            }
        } catch (IOException e) {
            return answer;
        }
        return answer;
    }

    private byte[] body(SinkObject object) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (OutputStream out = configuration.gzipContentEncoding() ? new GZIPOutputStream(bytes) : bytes;
             JsonGenerator json = JSON.createGenerator(out)) {
            json.writeStartObject();
            json.writeStringField("requestId", object.requestId());
            json.writeNumberField("timestamp", clock.millis());
            json.writeArrayFieldStart("records");
            for (ByteBuffer record : object.records()) {
                ByteBuffer view = record.duplicate();
                byte[] data = new byte[view.remaining()];
                view.get(data);
                json.writeStartObject();
                json.writeFieldName("data");
                json.writeBinary(data);
                json.writeEndObject();
            }
            json.writeEndArray();
            json.writeEndObject();
        } catch (IOException e) {
            throw new DeliveryException(ErrorCode.INTERNAL_FAILURE, "cannot build the request body", e);
        }
        return bytes.toByteArray();
    }

    @Override
    public boolean storesObjects() {
        return false;
    }

    @Override
    public String errorOutputType() {
        return "http-endpoint-failed";
    }

    @Override
    public String metricsPrefix() {
        return "DeliveryToHttpEndpoint";
    }

    @Override
    public Duration defaultRetryDuration() {
        return Duration.ofSeconds(300);
    }

    @Override
    public String toString() {
        return "HttpEndpointSink[" + configuration.url() + "]";
    }
}
