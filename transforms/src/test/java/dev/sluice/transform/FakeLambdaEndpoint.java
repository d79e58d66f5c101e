package dev.sluice.transform;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;

/**
 * A small HTTP server speaking Lambda's Invoke API ({@code POST /2015-03-31/functions/{name}/invocations}) whose
 * answers a test scripts; records every invocation (function name, event, payload size). Public in the transforms
 * test jar: the server's Lambda ITs use it too.
 */
public final class FakeLambdaEndpoint implements AutoCloseable {

    public static final ObjectMapper JSON = new ObjectMapper();

    /** One invocation as received. */
    public record Invocation(String functionName, JsonNode event, int payloadBytes, String authorization) {
    }

    /** An HTTP answer. */
    public record Reply(int status, Map<String, String> headers, byte[] body) {
        public static Reply ok(byte[] body) {
            return new Reply(200, Map.of(), body);
        }

        public static Reply ok(JsonNode body) {
            return ok(body.toString().getBytes(StandardCharsets.UTF_8));
        }

        /** What Lambda answers when the function throws: 200 with X-Amz-Function-Error. */
        public static Reply unhandled(String message) {
            return new Reply(200, Map.of("X-Amz-Function-Error", "Unhandled"),
                    ("{\"errorMessage\":\"" + message + "\",\"errorType\":\"Error\"}").getBytes(StandardCharsets.UTF_8));
        }

        /** A Lambda service error, as the API reference shapes it. */
        public static Reply serviceError(int status, String type, String message) {
            return new Reply(status, Map.of("x-amzn-ErrorType", type, "Content-Type", "application/json"),
                    ("{\"Type\":\"Service\",\"message\":\"" + message + "\"}").getBytes(StandardCharsets.UTF_8));
        }
    }

    /** What the function does on its {@code call}-th invocation (1-based). */
    @FunctionalInterface
    public interface Script {
        /**
         * @param invocation what was received
         * @param call 1-based call count
         * @return the answer
         * @throws Exception to fail the exchange
         */
        Reply answer(Invocation invocation, int call) throws Exception;
    }

    public final List<Invocation> invocations = new CopyOnWriteArrayList<>();
    private final AtomicInteger calls = new AtomicInteger();
    /** Released at close, so a script that hangs ({@link #hang()}) ends with the test. */
    private final CountDownLatch closing = new CountDownLatch(1);
    private final HttpServer server;
    private final ExecutorService executor = Executors.newFixedThreadPool(4);

    /** @param script the function's behaviour */
    public FakeLambdaEndpoint(Script script) {
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.createContext("/2015-03-31/functions/", exchange -> handle(exchange, script));
        server.setExecutor(executor);
        server.start();
    }

    /** @return the endpoint URL */
    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    /** @return how many invocations arrived */
    public int calls() {
        return calls.get();
    }

    /** Blocks the answering thread until the endpoint closes. */
    public void hang() throws InterruptedException {
        closing.await(60, TimeUnit.SECONDS);
    }

    private void handle(HttpExchange exchange, Script script) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getRawPath();
            String prefix = "/2015-03-31/functions/";
            String suffix = "/invocations";
            if (!"POST".equals(exchange.getRequestMethod()) || !path.endsWith(suffix)) {
                exchange.sendResponseHeaders(404, -1);
                return;
            }
            String name = URLDecoder.decode(path.substring(prefix.length(), path.length() - suffix.length()),
                    StandardCharsets.UTF_8);
            byte[] body = exchange.getRequestBody().readAllBytes();
            Invocation invocation = new Invocation(name, JSON.readTree(body), body.length,
                    exchange.getRequestHeaders().getFirst("Authorization"));
            invocations.add(invocation);
            Reply reply;
            try {
                reply = script.answer(invocation, calls.incrementAndGet());
            } catch (Exception e) {
                reply = Reply.serviceError(500, "ServiceException", "script failed: " + e);
            }
            reply.headers().forEach((k, v) -> exchange.getResponseHeaders().add(k, v));
            if (!reply.headers().containsKey("Content-Type")) {
                exchange.getResponseHeaders().add("Content-Type", "application/json");
            }
            exchange.sendResponseHeaders(reply.status(), reply.body().length == 0 ? -1 : reply.body().length);
            exchange.getResponseBody().write(reply.body());
        }
    }

    /** A Firehose response answering every record of the event with {@code result}, data transformed. */
    public static JsonNode respond(JsonNode event, String result, UnaryOperator<String> transform) {
        ObjectNode response = JSON.createObjectNode();
        ArrayNode records = response.putArray("records");
        for (JsonNode record : event.path("records")) {
            ObjectNode out = records.addObject();
            out.put("recordId", record.path("recordId").asText());
            out.put("result", result);
            String data = new String(Base64.getDecoder().decode(record.path("data").asText()), StandardCharsets.UTF_8);
            out.put("data", Base64.getEncoder().encodeToString(transform.apply(data).getBytes(StandardCharsets.UTF_8)));
        }
        return response;
    }

    public static JsonNode upperCase(JsonNode event) {
        return respond(event, "Ok", s -> s.toUpperCase(java.util.Locale.ROOT));
    }

    @Override
    public void close() {
        closing.countDown();
        server.stop(0);
        executor.shutdownNow();
    }
}
