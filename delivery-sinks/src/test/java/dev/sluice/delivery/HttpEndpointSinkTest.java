package dev.sluice.delivery;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.sluice.stream.testing.ManualClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.zip.GZIPInputStream;

import static dev.sluice.delivery.TestData.lines;
import static dev.sluice.delivery.TestData.rawData;
import static dev.sluice.delivery.TestData.records;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The HTTP endpoint protocol against an in-test receiver on the loopback address. */
class HttpEndpointSinkTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** What the receiver saw. */
    record Received(Map<String, List<String>> headers, JsonNode body) {
    }

    private HttpServer server;
    private final List<Received> received = new CopyOnWriteArrayList<>();
    /** Scripted answers: status, or -1 for "200 with a wrong requestId"; empty means 200 echoing the id. */
    private final ConcurrentLinkedQueue<Integer> script = new ConcurrentLinkedQueue<>();
    private final ManualClock time = new ManualClock(Instant.parse("2026-03-04T05:06:07Z"));
    private final FakeSink backup = new FakeSink();

    @BeforeEach
    void startServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/ingest", exchange -> {
            byte[] raw;
            try (InputStream in = exchange.getRequestBody()) {
                raw = in.readAllBytes();
            }
            if ("gzip".equals(exchange.getRequestHeaders().getFirst("Content-Encoding"))) {
                raw = new GZIPInputStream(new java.io.ByteArrayInputStream(raw)).readAllBytes();
            }
            JsonNode body = JSON.readTree(raw);
            received.add(new Received(Map.copyOf(exchange.getRequestHeaders()), body));
            Integer scripted = script.poll();
            int status = scripted == null || scripted == -1 ? 200 : scripted;
            String requestId = scripted != null && scripted == -1 ? "someone-else" : body.get("requestId").asText();
            byte[] answer = ("{\"requestId\":\"" + requestId + "\",\"timestamp\":1"
                    + (status == 200 ? "" : ",\"errorMessage\":\"scripted " + status + "\"") + "}")
                    .getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(status, answer.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(answer);
            }
        });
        server.start();
    }

    @AfterEach
    void stopServer() {
        server.stop(0);
    }

    private HttpEndpointConfiguration endpoint() {
        return HttpEndpointConfiguration.of(URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/ingest"))
                .withAccessKey("secret-key").withCommonAttributes(Map.of("env", "test"));
    }

    private DeliveryStream.Builder builder(HttpEndpointConfiguration endpoint) {
        return DeliveryStream.builder().name("hooks").clock(time).ticker(time).sink(Sink.httpEndpoint(endpoint))
                .errorOutputSink(backup).retryBackoff(Duration.ofMillis(10));
    }

    private static List<String> decoded(JsonNode body) {
        List<String> out = new ArrayList<>();
        for (JsonNode record : body.get("records")) {
            out.add(new String(Base64.getDecoder().decode(record.get("data").asText()), StandardCharsets.UTF_8));
        }
        return out;
    }

    @Test
    void delivery_success_sendsProtocolHeadersAndBase64Records() {
        try (DeliveryStream stream = builder(endpoint().withGzip(true)).build()) {
            stream.putRecordBatch(records(3, "{\"i\":%d}"));
            stream.flush();
            assertEquals(3, stream.stats().deliveredRecords());
        }
        assertEquals(1, received.size());
        Received request = received.get(0);
        assertEquals(List.of("1.0"), request.headers().get("X-amz-firehose-protocol-version"));
        assertEquals(List.of("secret-key"), request.headers().get("X-amz-firehose-access-key"));
        assertEquals(List.of("{\"commonAttributes\":{\"env\":\"test\"}}"),
                request.headers().get("X-amz-firehose-common-attributes"));
        assertEquals(List.of("gzip"), request.headers().get("Content-encoding"));
        assertEquals(request.body().get("requestId").asText(),
                request.headers().get("X-amz-firehose-request-id").get(0));
        assertTrue(request.body().get("timestamp").asLong() > 0);
        assertEquals(List.of("{\"i\":0}", "{\"i\":1}", "{\"i\":2}"), decoded(request.body()));
    }

    @Test
    void delivery_failingThenSucceeding_retriesWithTheSameRequestId() {
        script.add(500);
        script.add(-1);
        script.add(503);
        try (DeliveryStream stream = builder(endpoint()).retryDuration(Duration.ofSeconds(60)).build()) {
            stream.putRecordBatch(records(2, "{\"i\":%d}"));
            time.autoAdvance(Duration.ofMillis(10)); // every reading of the clock moves it on
            stream.flush(Duration.ofSeconds(20));
            time.autoAdvance(Duration.ZERO);
            assertEquals(2, stream.stats().deliveredRecords());
            assertTrue(stream.stats().reconciles());
        }
        assertEquals(4, received.size());
        String id = received.get(0).body().get("requestId").asText();
        for (Received r : received) {
            assertEquals(id, r.body().get("requestId").asText());
            assertEquals(id, r.headers().get("X-amz-firehose-request-id").get(0));
        }
    }

    @Test
    void delivery_413_isPermanentAndGoesToHttpEndpointFailedAtOnce() {
        script.add(413);
        try (DeliveryStream stream = builder(endpoint()).retryDuration(Duration.ofHours(1)).build()) {
            stream.putRecordBatch(records(2, "{\"i\":%d}"));
            stream.flush(Duration.ofSeconds(20));
            assertEquals(2, stream.stats().errorOutputRecords());
            assertTrue(stream.stats().reconciles());
        }
        assertEquals(1, received.size());
        List<String> errors = new ArrayList<>();
        for (String key : backup.keys("http-endpoint-failed/2026/03/04/05/")) {
            errors.addAll(lines(backup.objects.get(key)));
        }
        assertEquals(2, errors.size());
        assertTrue(errors.get(0).contains("\"errorCode\":\"HttpEndpoint.RequestEntityTooLarge\""), errors.get(0));
        assertTrue(errors.get(0).contains("\"attemptsMade\":1"), errors.get(0));
        assertEquals("{\"i\":0}", rawData(errors.get(0)));
    }

    @Test
    void delivery_endpointDownPastRetryDuration_goesToErrorOutput() {
        for (int i = 0; i < 1000; i++) {
            script.add(500);
        }
        try (DeliveryStream stream = builder(endpoint()).retryDuration(Duration.ofSeconds(5)).build()) {
            stream.putRecord("{\"x\":1}".getBytes(StandardCharsets.UTF_8));
            // 5 ms of virtual time per real millisecond: the 5 s retry duration lasts about a real second, so a
            // delivery thread starved by a loaded machine still makes its retries (at 50 ms it lasted 0.1 s and
            // the test failed under load with a single attempt).
            time.autoAdvance(Duration.ofMillis(5)); // every reading of the clock moves it on
            stream.flush(Duration.ofSeconds(20));
            time.autoAdvance(Duration.ZERO);
            assertEquals(1, stream.stats().errorOutputRecords());
        }
        assertTrue(received.size() >= 2);
        String line = lines(backup.objects.get(backup.keys("http-endpoint-failed/").get(0))).get(0);
        assertTrue(line.contains("HttpEndpoint.InvalidResponseFromDestination") && line.contains("scripted 500"), line);
    }

    @Test
    void builder_httpEndpointWithoutErrorOutputSink_isRejected() {
        DeliveryException e = org.junit.jupiter.api.Assertions.assertThrows(DeliveryException.class,
                () -> DeliveryStream.builder().name("x").sink(Sink.httpEndpoint(endpoint())).build());
        assertTrue(e.getMessage().startsWith("errorOutputSink must be set"), e.getMessage());
    }
}
