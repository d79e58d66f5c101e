package dev.sluice.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.transform.FakeLambdaEndpoint;
import dev.sluice.transform.FakeLambdaEndpoint.Reply;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.firehose.FirehoseClient;
import software.amazon.awssdk.services.firehose.model.InvalidArgumentException;
import software.amazon.awssdk.services.firehose.model.ProcessorParameter;
import software.amazon.awssdk.services.firehose.model.ProcessorType;
import software.amazon.awssdk.services.firehose.model.Record;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Firehose {@code Lambda} processors over the wire: the real Firehose SDK client creates delivery streams whose
 * processor names a function, the server calls it through Lambda's Invoke API on an in-test endpoint, and the
 * bucket directory holds what the function returned, or the {@code processing-failed} error output.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(120)
class LambdaProcessorIT {

    private static final String ACCOUNT = "arn:aws:lambda:us-east-1:000000000000:function:";

    private FakeLambdaEndpoint lambda;
    private SluiceServer server;
    private FirehoseClient firehose;

    @BeforeAll
    void start() {
        lambda = new FakeLambdaEndpoint((invocation, call) -> {
            String function = invocation.functionName().substring(invocation.functionName().lastIndexOf(':') + 1);
            JsonNode event = invocation.event();
            return switch (function) {
                case "upper" -> Reply.ok(FakeLambdaEndpoint.upperCase(event));
                case "picky" -> {
                    ObjectNode response = (ObjectNode) FakeLambdaEndpoint.upperCase(event);
                    for (JsonNode record : response.path("records")) {
                        String data = new String(Base64.getDecoder().decode(record.path("data").asText()),
                                StandardCharsets.UTF_8);
                        if (data.contains("BAD")) {
                            ((ObjectNode) record).put("result", "ProcessingFailed");
                        } else if (data.contains("DROP")) {
                            ((ObjectNode) record).put("result", "Dropped");
                        }
                    }
                    yield Reply.ok(response);
                }
                case "broken" -> Reply.unhandled("handler crashed");
                case "garbage" -> Reply.ok("not json".getBytes(StandardCharsets.UTF_8));
                case "flaky" -> flakyCalls.getAndIncrement() == 0 ? Reply.serviceError(500, "ServiceException", "try again")
                        : Reply.ok(FakeLambdaEndpoint.upperCase(event));
                default -> Reply.serviceError(404, "ResourceNotFoundException", "Function not found: " + function);
            };
        });
        server = SluiceServer.builder().port(0).lambdaEndpoint(lambda.endpoint()).build().start();
        firehose = Clients.firehose(server.endpoint());
    }

    private final java.util.concurrent.atomic.AtomicInteger flakyCalls = new java.util.concurrent.atomic.AtomicInteger();

    @AfterAll
    void stop() {
        firehose.close();
        server.close();
        lambda.close();
    }

    private void create(String name, String function, String... extraParameters) {
        List<ProcessorParameter> parameters = new ArrayList<>();
        parameters.add(ProcessorParameter.builder().parameterName("LambdaArn").parameterValue(ACCOUNT + function).build());
        parameters.add(ProcessorParameter.builder().parameterName("RoleArn")
                .parameterValue("arn:aws:iam::000000000000:role/firehose").build());
        for (int i = 0; i < extraParameters.length; i += 2) {
            parameters.add(ProcessorParameter.builder().parameterName(extraParameters[i])
                    .parameterValue(extraParameters[i + 1]).build());
        }
        firehose.createDeliveryStream(b -> b.deliveryStreamName(name).extendedS3DestinationConfiguration(d -> d
                .bucketARN("arn:aws:s3:::" + name + "-bucket").roleARN("arn:aws:iam::000000000000:role/firehose")
                .prefix("data/").errorOutputPrefix("errors/!{firehose:error-output-type}/")
                .bufferingHints(h -> h.sizeInMBs(1).intervalInSeconds(0))
                .processingConfiguration(p -> p.enabled(true).processors(pr -> pr.type(ProcessorType.LAMBDA)
                        .parameters(parameters)))));
    }

    private void put(String name, String... records) {
        firehose.putRecordBatch(b -> b.deliveryStreamName(name).records(Stream.of(records)
                .map(r -> Record.builder().data(SdkBytes.fromUtf8String(r + "\n")).build()).toList()));
    }

    private static List<String> lines(Path root) {
        if (!Files.isDirectory(root)) {
            return List.of();
        }
        List<String> lines = new ArrayList<>();
        // Objects are written as hidden temporary files, then renamed: only visible names are objects, and a
        // walk may see a temporary file that is gone when it is read.
        try (Stream<Path> files = Files.walk(root)) {
            for (Path file : files.filter(f -> !f.getFileName().toString().startsWith(".")).sorted().toList()) {
                try {
                    if (Files.isRegularFile(file)) {
                        lines.addAll(Files.readAllLines(file, StandardCharsets.UTF_8));
                    }
                } catch (java.nio.file.NoSuchFileException gone) {
                    // renamed away between the walk and the read; the next poll sees the object
                }
            }
        } catch (IOException | UncheckedIOException e) {
            return List.of();
        }
        return lines.stream().filter(l -> !l.isEmpty()).toList();
    }

    private static List<JsonNode> errorLines(Path bucket) {
        return lines(bucket.resolve("errors/processing-failed")).stream().map(line -> {
            try {
                return FakeLambdaEndpoint.JSON.readTree(line);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }).toList();
    }

    private static String rawData(JsonNode errorLine) {
        return new String(Base64.getDecoder().decode(errorLine.path("rawData").asText()), StandardCharsets.UTF_8).trim();
    }

    @Test
    void lambdaProcessor_deliversWhatTheFunctionReturned() {
        create("upper", "upper", "NumberOfRetries", "1", "BufferSizeInMBs", "1", "BufferIntervalInSeconds", "60");
        put("upper", "alpha", "beta", "gamma");

        Path bucket = server.bucketDirectory("upper-bucket");
        await().atMost(Duration.ofSeconds(30)).until(() -> lines(bucket.resolve("data")).size() == 3);
        assertEquals(List.of("ALPHA", "BETA", "GAMMA"), lines(bucket.resolve("data")).stream().sorted().toList());
        assertTrue(lambda.invocations.stream().anyMatch(i -> i.functionName().equals(ACCOUNT + "upper")));
        JsonNode event = lambda.invocations.stream().filter(i -> i.functionName().equals(ACCOUNT + "upper"))
                .findFirst().orElseThrow().event();
        assertEquals("arn:aws:firehose:us-east-1:000000000000:deliverystream/upper",
                event.path("deliveryStreamArn").asText());
        assertEquals("us-east-1", event.path("region").asText());
    }

    @Test
    void lambdaProcessor_droppedRecordsVanish_andProcessingFailedGoToTheErrorOutput() {
        create("picky", "picky");
        put("picky", "keep", "drop me", "bad one", "keep too");

        Path bucket = server.bucketDirectory("picky-bucket");
        await().atMost(Duration.ofSeconds(30)).until(() -> lines(bucket.resolve("data")).size() == 2
                && errorLines(bucket).size() == 1);
        assertEquals(List.of("KEEP", "KEEP TOO"), lines(bucket.resolve("data")).stream().sorted().toList());
        JsonNode failed = errorLines(bucket).get(0);
        assertEquals("Lambda.ProcessingFailedStatus", failed.path("errorCode").asText());
        assertEquals("bad one", rawData(failed));
    }

    @Test
    void lambdaProcessor_whenFunctionFailsAfterRetries_sendsEveryRecordToProcessingFailed() {
        create("broken", "broken", "NumberOfRetries", "1");
        put("broken", "r1", "r2");

        Path bucket = server.bucketDirectory("broken-bucket");
        await().atMost(Duration.ofSeconds(30)).until(() -> errorLines(bucket).size() == 2);
        for (JsonNode failed : errorLines(bucket)) {
            assertEquals("Lambda.FunctionError", failed.path("errorCode").asText());
            assertTrue(failed.path("errorMessage").asText().contains("handler crashed"), failed.toString());
        }
        assertEquals(List.of("r1", "r2"), errorLines(bucket).stream().map(LambdaProcessorIT::rawData).sorted().toList());
        assertEquals(List.of(), lines(bucket.resolve("data")));
        assertEquals(2, lambda.invocations.stream().filter(i -> i.functionName().endsWith(":broken")).count(),
                "1 attempt + NumberOfRetries 1");
    }

    @Test
    void lambdaProcessor_whenResponseIsNotJson_sendsRecordsToProcessingFailed() {
        create("garbage", "garbage", "NumberOfRetries", "0");
        put("garbage", "x");

        Path bucket = server.bucketDirectory("garbage-bucket");
        await().atMost(Duration.ofSeconds(30)).until(() -> errorLines(bucket).size() == 1);
        assertEquals("Lambda.JsonProcessingException", errorLines(bucket).get(0).path("errorCode").asText());
    }

    @Test
    void lambdaProcessor_when5xxThenSuccess_retriesAndDelivers() {
        create("flaky", "flaky", "NumberOfRetries", "2");
        put("flaky", "once", "more");

        Path bucket = server.bucketDirectory("flaky-bucket");
        await().atMost(Duration.ofSeconds(30)).until(() -> lines(bucket.resolve("data")).size() == 2);
        assertEquals(List.of("MORE", "ONCE"), lines(bucket.resolve("data")).stream().sorted().toList());
        assertEquals(List.of(), errorLines(bucket));
        assertEquals(2, lambda.invocations.stream().filter(i -> i.functionName().endsWith(":flaky")).count());
    }

    @Test
    void createDeliveryStream_withBadLambdaParameters_isRefusedNamingTheParameter() {
        record Case(String[] parameters, String message) {
        }
        List<Case> cases = List.of(
                new Case(new String[]{"BufferSizeInMBs", "5"}, "Lambda.BufferSizeInMBs must be in [0.2, 3] but was 5"),
                new Case(new String[]{"BufferSizeInMBs", "0.1"}, "Lambda.BufferSizeInMBs must be in [0.2, 3]"),
                new Case(new String[]{"BufferIntervalInSeconds", "30"},
                        "Lambda.BufferIntervalInSeconds must be in [60, 900] but was 30"),
                new Case(new String[]{"NumberOfRetries", "301"}, "Lambda.NumberOfRetries must be in [0, 300] but was 301"),
                new Case(new String[]{"NumberOfRetries", "two"}, "Lambda.NumberOfRetries must be a number"),
                new Case(new String[]{"MetadataExtractionQuery", "{a:.a}"},
                        "Lambda processor parameter 'MetadataExtractionQuery' is not one of"));
        int n = 0;
        for (Case c : cases) {
            String name = "bad" + n++;
            InvalidArgumentException e = assertThrows(InvalidArgumentException.class,
                    () -> create(name, "upper", c.parameters()));
            assertTrue(e.awsErrorDetails().errorMessage().contains(c.message()), e.awsErrorDetails().errorMessage());
        }
        InvalidArgumentException noArn = assertThrows(InvalidArgumentException.class, () -> firehose
                .createDeliveryStream(b -> b.deliveryStreamName("noarn").extendedS3DestinationConfiguration(d -> d
                        .bucketARN("arn:aws:s3:::noarn-bucket").processingConfiguration(p -> p.enabled(true)
                                .processors(pr -> pr.type(ProcessorType.LAMBDA))))));
        assertTrue(noArn.awsErrorDetails().errorMessage().contains("LambdaArn"), noArn.awsErrorDetails().errorMessage());
        InvalidArgumentException badArn = assertThrows(InvalidArgumentException.class,
                () -> create("badarn", "not a function!"));
        assertTrue(badArn.awsErrorDetails().errorMessage().contains("Lambda.LambdaArn"),
                badArn.awsErrorDetails().errorMessage());
    }

    @Test
    void createDeliveryStream_withLambdaProcessorButNoEndpoint_isRefusedNamingTheOption() {
        try (SluiceServer plain = SluiceServer.builder().port(0).build().start();
             FirehoseClient client = Clients.firehose(plain.endpoint())) {
            InvalidArgumentException e = assertThrows(InvalidArgumentException.class, () -> client
                    .createDeliveryStream(b -> b.deliveryStreamName("nolambda").extendedS3DestinationConfiguration(d -> d
                            .bucketARN("arn:aws:s3:::nolambda-bucket").processingConfiguration(p -> p.enabled(true)
                                    .processors(pr -> pr.type(ProcessorType.LAMBDA).parameters(q -> q
                                            .parameterName("LambdaArn").parameterValue(ACCOUNT + "upper")))))));
            assertEquals(400, e.statusCode());
            assertTrue(e.awsErrorDetails().errorMessage().contains("--lambda-endpoint"),
                    e.awsErrorDetails().errorMessage());
            assertTrue(plain.bucketsDirectory().toString().toLowerCase(Locale.ROOT).contains("sluice"));
        }
    }
}
