package dev.sluice.server;

import dev.sluice.server.testing.SluiceServerExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.services.firehose.model.FirehoseRequest;
import software.amazon.awssdk.services.glue.model.GlueRequest;
import software.amazon.awssdk.services.kinesis.model.KinesisRequest;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.jar.JarFile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every operation of the AWS SDK's own Kinesis and Firehose models (the request classes in the SDK jars on the test
 * class path) is served: an empty request to each gets a client error about its input, never
 * {@code UnknownOperationException} and never a 5xx. The list is read from the SDK, so a newer model with more
 * operations fails this test until they are served.
 */
@ExtendWith(SluiceServerExtension.class)
class OperationCoverageIT {

    /** Glue is served only for the catalog operations a Firehose user runs. */
    private static final List<String> GLUE_SERVED = List.of("CreateDatabase", "GetDatabase", "GetDatabases",
            "UpdateDatabase", "DeleteDatabase", "CreateTable", "GetTable", "GetTables", "UpdateTable", "DeleteTable");

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void everyKinesisOperationOfTheSdkModel_isServed(URI endpoint) throws Exception {
        List<String> operations = operations(KinesisRequest.class);
        assertEquals(45, operations.size(), "the 2026 Kinesis model has 45 operations: " + operations);
        List<String> unserved = unserved(endpoint, "Kinesis_20131202.", operations);
        assertEquals(List.of(), unserved);
    }

    @Test
    void everyFirehoseOperationOfTheSdkModel_isServed(URI endpoint) throws Exception {
        List<String> operations = operations(FirehoseRequest.class);
        assertEquals(12, operations.size(), "Firehose has 12 operations: " + operations);
        assertEquals(List.of(), unserved(endpoint, "Firehose_20150804.", operations));
    }

    @Test
    void theGlueCatalogOperations_areServed(URI endpoint) throws Exception {
        assertTrue(operations(GlueRequest.class).containsAll(GLUE_SERVED), "names from the SDK model");
        assertEquals(List.of(), unserved(endpoint, "AWSGlue.", GLUE_SERVED));
    }

    /** The operations whose answer to an empty request is not a 4xx naming the input, with what came back. */
    private List<String> unserved(URI endpoint, String prefix, List<String> operations)
            throws IOException, InterruptedException {
        List<String> unserved = new ArrayList<>();
        for (String operation : operations) {
            HttpRequest request = HttpRequest.newBuilder(endpoint).timeout(Duration.ofSeconds(20))
                    .header("Content-Type", "application/x-amz-json-1.1")
                    .header("X-Amz-Target", prefix + operation)
                    .POST(HttpRequest.BodyPublishers.ofString("{}")).build();
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            // SubscribeToShard answers an empty request with an error before any event stream; the account-level
            // operations (ListStreams, DescribeLimits, ...) need no input and succeed.
            boolean served = response.statusCode() < 500 && !response.body().contains("UnknownOperationException");
            if (!served) {
                unserved.add(operation + " -> " + response.statusCode() + " " + response.body());
            }
        }
        return unserved;
    }

    /** The request classes of the model {@code base} belongs to, as operation names. */
    private static List<String> operations(Class<?> base) throws IOException, URISyntaxException {
        Path jar = Path.of(base.getProtectionDomain().getCodeSource().getLocation().toURI());
        String model = base.getPackageName().replace('.', '/') + "/";
        TreeSet<String> names = new TreeSet<>();
        try (JarFile file = new JarFile(jar.toFile())) {
            file.stream().map(e -> e.getName())
                    .filter(n -> n.startsWith(model) && n.endsWith("Request.class") && !n.contains("$"))
                    .map(n -> n.substring(model.length(), n.length() - "Request.class".length()))
                    .filter(n -> !n.equals(base.getSimpleName().replace("Request", "")))
                    .forEach(names::add);
        }
        return List.copyOf(names);
    }
}
