package dev.sluice.iceberg;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.SupportsNamespaces;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.exceptions.AlreadyExistsException;
import org.apache.iceberg.exceptions.CommitFailedException;
import org.apache.iceberg.exceptions.NoSuchNamespaceException;
import org.apache.iceberg.exceptions.NoSuchTableException;
import org.apache.iceberg.exceptions.ValidationException;
import org.apache.iceberg.rest.CatalogHandlers;
import org.apache.iceberg.rest.RESTCatalogProperties;
import org.apache.iceberg.rest.RESTSerializers;
import org.apache.iceberg.rest.requests.CreateNamespaceRequest;
import org.apache.iceberg.rest.requests.CreateTableRequest;
import org.apache.iceberg.rest.requests.UpdateTableRequest;
import org.apache.iceberg.rest.responses.ConfigResponse;
import org.apache.iceberg.rest.responses.ErrorResponse;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A minimal Iceberg REST catalog server for tests: the JDK's HTTP server in front of a backing catalog, with the
 * request handling of iceberg-core's own {@link CatalogHandlers} and its REST JSON serializers. It serves what a
 * writer needs: config, namespaces (create, load, exists), tables (create, load, exists, commit). iceberg-core's
 * tests jar, which has a full REST servlet, is not available from this machine's registry.
 */
final class InProcessRestCatalog implements AutoCloseable {

    private static final Pattern NAMESPACE = Pattern.compile("/v1/namespaces/([^/]+)");
    private static final Pattern TABLES = Pattern.compile("/v1/namespaces/([^/]+)/tables");
    private static final Pattern TABLE = Pattern.compile("/v1/namespaces/([^/]+)/tables/([^/]+)");

    private final Catalog catalog;
    private final HttpServer server;
    private final ExecutorService threads;
    private final ObjectMapper json = new ObjectMapper()
            .setVisibility(com.fasterxml.jackson.annotation.PropertyAccessor.FIELD,
                    com.fasterxml.jackson.annotation.JsonAutoDetect.Visibility.ANY)
            .setPropertyNamingStrategy(new PropertyNamingStrategies.KebabCaseStrategy())
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
    final AtomicInteger commits = new AtomicInteger();

    InProcessRestCatalog(Catalog catalog) throws IOException {
        this.catalog = catalog;
        RESTSerializers.registerAll(json);
        this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        AtomicInteger n = new AtomicInteger();
        this.threads = Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, "rest-catalog-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(threads);
        server.createContext("/", this::handle);
        server.start();
    }

    URI uri() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String method = exchange.getRequestMethod();
            String path = exchange.getRequestURI().getRawPath();
            byte[] body = exchange.getRequestBody().readAllBytes();
            Object response;
            try {
                response = route(method, path, body);
            } catch (NoSuchNamespaceException | NoSuchTableException e) {
                error(exchange, 404, e);
                return;
            } catch (AlreadyExistsException | CommitFailedException e) {
                error(exchange, 409, e);
                return;
            } catch (ValidationException | IllegalArgumentException e) {
                error(exchange, 400, e);
                return;
            } catch (RuntimeException e) {
                error(exchange, 500, e);
                return;
            }
            if (response == null) {
                exchange.sendResponseHeaders(204, -1);
                return;
            }
            if (response instanceof Integer status) {
                exchange.sendResponseHeaders(status, -1);
                return;
            }
            byte[] out = json.writeValueAsBytes(response);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, out.length);
            exchange.getResponseBody().write(out);
        }
    }

    private Object route(String method, String path, byte[] body) throws IOException {
        SupportsNamespaces namespaces = (SupportsNamespaces) catalog;
        if (path.equals("/v1/config") && method.equals("GET")) {
            return ConfigResponse.builder().build();
        }
        if (path.equals("/v1/namespaces") && method.equals("POST")) {
            return CatalogHandlers.createNamespace(namespaces, json.readValue(body, CreateNamespaceRequest.class));
        }
        Matcher m;
        if ((m = TABLE.matcher(path)).matches()) {
            TableIdentifier id = TableIdentifier.of(namespace(m.group(1)), decode(m.group(2)));
            switch (method) {
                case "HEAD":
                    return catalog.tableExists(id) ? null : (Object) 404;
                case "GET":
                    return CatalogHandlers.loadTable(catalog, id, RESTCatalogProperties.SnapshotMode.ALL);
                case "POST":
                    commits.incrementAndGet();
                    return CatalogHandlers.updateTable(catalog, id, json.readValue(body, UpdateTableRequest.class));
                default:
                    return 405;
            }
        }
        if ((m = TABLES.matcher(path)).matches() && method.equals("POST")) {
            return CatalogHandlers.createTable(catalog, namespace(m.group(1)),
                    json.readValue(body, CreateTableRequest.class));
        }
        if ((m = NAMESPACE.matcher(path)).matches()) {
            Namespace namespace = namespace(m.group(1));
            if (method.equals("HEAD")) {
                return namespaces.namespaceExists(namespace) ? null : (Object) 404;
            }
            if (method.equals("GET")) {
                return CatalogHandlers.loadNamespace(namespaces, namespace);
            }
        }
        return 404;
    }

    private static Namespace namespace(String encoded) {
        return Namespace.of(Arrays.stream(decode(encoded).split("\u001f")).toArray(String[]::new));
    }

    private static String decode(String part) {
        return URLDecoder.decode(part, StandardCharsets.UTF_8);
    }

    private void error(HttpExchange exchange, int status, RuntimeException e) throws IOException {
        byte[] out = json.writeValueAsBytes(ErrorResponse.builder().responseCode(status)
                .withType(e.getClass().getSimpleName()).withMessage(e.getMessage()).build());
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, out.length);
        exchange.getResponseBody().write(out);
    }

    @Override
    public void close() {
        server.stop(0);
        threads.shutdownNow();
    }
}
