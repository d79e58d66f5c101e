package dev.sluice.server;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.firehose.FirehoseClient;
import software.amazon.awssdk.services.firehose.model.CompressionFormat;
import software.amazon.awssdk.services.firehose.model.ConcurrentModificationException;
import software.amazon.awssdk.services.firehose.model.DeliveryStreamDescription;
import software.amazon.awssdk.services.firehose.model.DeliveryStreamType;
import software.amazon.awssdk.services.firehose.model.FirehoseException;
import software.amazon.awssdk.services.firehose.model.InvalidArgumentException;
import software.amazon.awssdk.services.firehose.model.ProcessorType;
import software.amazon.awssdk.services.firehose.model.PutRecordBatchResponse;
import software.amazon.awssdk.services.firehose.model.Record;
import software.amazon.awssdk.services.firehose.model.ResourceInUseException;
import software.amazon.awssdk.services.firehose.model.ResourceNotFoundException;
import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.kinesis.model.PutRecordsRequestEntry;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Firehose operations through the real SDK v2 {@link FirehoseClient}; delivered objects read from the bucket dir. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FirehoseSdkIT {

    private SluiceServer server;
    private FirehoseClient firehose;

    @BeforeAll
    void start() {
        server = SluiceServer.builder().port(0).build().start();
        firehose = Clients.firehose(server.endpoint());
    }

    @AfterAll
    void stop() {
        firehose.close();
        server.close();
    }

    private static List<Path> objects(Path bucket) {
        if (!Files.isDirectory(bucket)) {
            return List.of();
        }
        try (Stream<Path> files = Files.walk(bucket)) {
            return files.filter(Files::isRegularFile)
                    .filter(p -> !bucket.relativize(p).toString().startsWith("."))
                    .sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String read(Path object) {
        try (InputStream in = object.toString().endsWith(".gz")
                ? new GZIPInputStream(Files.newInputStream(object)) : Files.newInputStream(object)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String readAll(List<Path> objects) {
        StringBuilder all = new StringBuilder();
        objects.forEach(o -> all.append(read(o)));
        return all.toString();
    }

    @Test
    void directPut_deliversEveryRecordToTheBucketDirectory_andDescribesTheStream() {
        String arn = firehose.createDeliveryStream(b -> b.deliveryStreamName("clicks")
                .deliveryStreamType(DeliveryStreamType.DIRECT_PUT)
                .extendedS3DestinationConfiguration(d -> d.bucketARN("arn:aws:s3:::click-bucket")
                        .roleARN("arn:aws:iam::000000000000:role/firehose")
                        .prefix("clicks/").errorOutputPrefix("errors/")
                        .compressionFormat(CompressionFormat.GZIP)
                        .bufferingHints(h -> h.sizeInMBs(1).intervalInSeconds(0))
                        .processingConfiguration(p -> p.enabled(true).processors(pr -> pr
                                .type(ProcessorType.APPEND_DELIMITER_TO_RECORD)))))
                .deliveryStreamARN();
        assertEquals("arn:aws:firehose:us-east-1:000000000000:deliverystream/clicks", arn);
        assertThrows(ResourceInUseException.class, () -> firehose.createDeliveryStream(b -> b
                .deliveryStreamName("clicks").extendedS3DestinationConfiguration(d -> d
                        .bucketARN("arn:aws:s3:::click-bucket"))));

        String id = firehose.putRecord(b -> b.deliveryStreamName("clicks")
                .record(Record.builder().data(SdkBytes.fromUtf8String("{\"n\":0}")).build())).recordId();
        assertFalse(id.isEmpty());
        PutRecordBatchResponse batch = firehose.putRecordBatch(b -> b.deliveryStreamName("clicks").records(
                IntStream.range(1, 100).mapToObj(i -> Record.builder()
                        .data(SdkBytes.fromUtf8String("{\"n\":" + i + "}")).build()).toList()));
        assertEquals(0, batch.failedPutCount());
        assertEquals(99, batch.requestResponses().size());

        Path bucket = server.bucketDirectory("click-bucket");
        await().atMost(Duration.ofSeconds(20)).until(() -> readAll(objects(bucket)).lines().count() == 100);
        List<Path> objects = objects(bucket);
        List<String> lines = readAll(objects).lines().sorted().toList();
        List<String> expected = new ArrayList<>(IntStream.range(0, 100).mapToObj(i -> "{\"n\":" + i + "}").toList());
        expected.sort(null);
        assertEquals(expected, lines);
        for (Path object : objects) {
            String key = bucket.relativize(object).toString();
            assertTrue(key.startsWith("clicks/") && key.contains("/clicks-1-") && key.endsWith(".gz"), key);
        }

        DeliveryStreamDescription d = firehose.describeDeliveryStream(b -> b.deliveryStreamName("clicks"))
                .deliveryStreamDescription();
        assertEquals("ACTIVE", d.deliveryStreamStatusAsString());
        assertEquals("1", d.versionId());
        assertEquals(DeliveryStreamType.DIRECT_PUT, d.deliveryStreamType());
        assertEquals("arn:aws:s3:::click-bucket", d.destinations().get(0).extendedS3DestinationDescription().bucketARN());
        assertEquals(CompressionFormat.GZIP, d.destinations().get(0).extendedS3DestinationDescription().compressionFormat());
        assertTrue(firehose.listDeliveryStreams(b -> b.limit(10)).deliveryStreamNames().contains("clicks"));
    }

    @Test
    void updateDestination_bumpsTheVersionInObjectNames_andChecksTheCurrentVersion() {
        firehose.createDeliveryStream(b -> b.deliveryStreamName("versioned")
                .extendedS3DestinationConfiguration(d -> d.bucketARN("arn:aws:s3:::versioned-bucket")
                        .prefix("v/").bufferingHints(h -> h.sizeInMBs(1).intervalInSeconds(0))));
        Path bucket = server.bucketDirectory("versioned-bucket");
        firehose.putRecord(b -> b.deliveryStreamName("versioned").record(r -> r.data(SdkBytes.fromUtf8String("a"))));
        await().atMost(Duration.ofSeconds(20)).until(() -> objects(bucket).size() == 1);

        firehose.updateDestination(b -> b.deliveryStreamName("versioned").currentDeliveryStreamVersionId("1")
                .destinationId("destinationId-000000000001")
                .extendedS3DestinationUpdate(u -> u.prefix("w/")));
        assertThrows(ConcurrentModificationException.class, () -> firehose.updateDestination(b -> b
                .deliveryStreamName("versioned").currentDeliveryStreamVersionId("1")
                .destinationId("destinationId-000000000001").extendedS3DestinationUpdate(u -> u.prefix("x/"))));
        assertEquals("2", firehose.describeDeliveryStream(b -> b.deliveryStreamName("versioned"))
                .deliveryStreamDescription().versionId());
        firehose.putRecord(b -> b.deliveryStreamName("versioned").record(r -> r.data(SdkBytes.fromUtf8String("b"))));
        await().atMost(Duration.ofSeconds(20)).until(() -> objects(bucket).size() == 2);
        Path second = objects(bucket).stream().filter(p -> bucket.relativize(p).toString().startsWith("w/"))
                .findFirst().orElseThrow();
        assertTrue(second.getFileName().toString().startsWith("versioned-2-"), second.toString());
        assertEquals("b", read(second));
    }

    @Test
    void kinesisStreamAsSource_deliversWhatTheSdkPutIntoTheStream() {
        KinesisClient kinesis = Clients.kinesis(server.endpoint(), true, false);
        kinesis.createStream(b -> b.streamName("source").shardCount(2));
        firehose.createDeliveryStream(b -> b.deliveryStreamName("from-stream")
                .deliveryStreamType(DeliveryStreamType.KINESIS_STREAM_AS_SOURCE)
                .kinesisStreamSourceConfiguration(s -> s
                        .kinesisStreamARN("arn:aws:kinesis:us-east-1:000000000000:stream/source")
                        .roleARN("arn:aws:iam::000000000000:role/firehose"))
                .extendedS3DestinationConfiguration(d -> d.bucketARN("arn:aws:s3:::stream-bucket")
                        .bufferingHints(h -> h.sizeInMBs(1).intervalInSeconds(0))
                        .processingConfiguration(p -> p.enabled(true).processors(pr -> pr
                                .type(ProcessorType.APPEND_DELIMITER_TO_RECORD)))));
        kinesis.putRecords(b -> b.streamName("source").records(IntStream.range(0, 20).mapToObj(i ->
                PutRecordsRequestEntry.builder().partitionKey("k" + i).data(SdkBytes.fromUtf8String("r" + i)).build())
                .toList()));
        Path bucket = server.bucketDirectory("stream-bucket");
        await().atMost(Duration.ofSeconds(20)).until(() -> readAll(objects(bucket)).lines().count() == 20);
        assertEquals(IntStream.range(0, 20).mapToObj(i -> "r" + i).sorted().toList(),
                readAll(objects(bucket)).lines().sorted().toList());
        assertThrows(InvalidArgumentException.class, () -> firehose.putRecord(b -> b.deliveryStreamName("from-stream")
                .record(r -> r.data(SdkBytes.fromUtf8String("direct")))));
        assertEquals(DeliveryStreamType.KINESIS_STREAM_AS_SOURCE, firehose.describeDeliveryStream(b -> b
                .deliveryStreamName("from-stream")).deliveryStreamDescription().deliveryStreamType());
        // The delivery stream is a registered reader of its source (the engine keeps what it has not delivered)
        // until it is deleted.
        assertEquals(List.of("delivery-from-stream"), server.engine().listReaders("source"));
        firehose.deleteDeliveryStream(b -> b.deliveryStreamName("from-stream"));
        assertEquals(List.of(), server.engine().listReaders("source"));
        kinesis.close();
    }

    @Test
    void httpEndpointDestination_postsFirehoseProtocolRequestsWithTheAccessKey() throws Exception {
        List<String> bodies = new java.util.concurrent.CopyOnWriteArrayList<>();
        List<String> keys = new java.util.concurrent.CopyOnWriteArrayList<>();
        com.sun.net.httpserver.HttpServer receiver = com.sun.net.httpserver.HttpServer.create(
                new java.net.InetSocketAddress("127.0.0.1", 0), 0);
        receiver.createContext("/ingest", exchange -> {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            bodies.add(body);
            keys.add(exchange.getRequestHeaders().getFirst("X-Amz-Firehose-Access-Key"));
            String requestId = exchange.getRequestHeaders().getFirst("X-Amz-Firehose-Request-Id");
            byte[] answer = ("{\"requestId\":\"" + requestId + "\",\"timestamp\":" + System.currentTimeMillis() + "}")
                    .getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, answer.length);
            exchange.getResponseBody().write(answer);
            exchange.close();
        });
        receiver.start();
        try {
            String url = "http://127.0.0.1:" + receiver.getAddress().getPort() + "/ingest";
            firehose.createDeliveryStream(b -> b.deliveryStreamName("to-http")
                    .httpEndpointDestinationConfiguration(d -> d
                            .endpointConfiguration(e -> e.url(url).name("receiver").accessKey("s3cret"))
                            .bufferingHints(h -> h.sizeInMBs(1).intervalInSeconds(0))
                            .s3Configuration(s -> s.bucketARN("arn:aws:s3:::http-errors")
                                    .roleARN("arn:aws:iam::000000000000:role/firehose"))));
            firehose.putRecordBatch(b -> b.deliveryStreamName("to-http").records(IntStream.range(0, 5).mapToObj(i ->
                    Record.builder().data(SdkBytes.fromUtf8String("event-" + i)).build()).toList()));
            await().atMost(Duration.ofSeconds(20)).until(() -> String.join("", bodies).split("\"data\"").length - 1 == 5);
            assertTrue(keys.stream().allMatch("s3cret"::equals), keys.toString());
            String all = String.join("", bodies);
            for (int i = 0; i < 5; i++) {
                String encoded = java.util.Base64.getEncoder().encodeToString(("event-" + i)
                        .getBytes(StandardCharsets.UTF_8));
                assertTrue(all.contains(encoded), all);
            }
            var description = firehose.describeDeliveryStream(b -> b.deliveryStreamName("to-http"))
                    .deliveryStreamDescription().destinations().get(0).httpEndpointDestinationDescription();
            assertEquals(url, description.endpointConfiguration().url());
            firehose.deleteDeliveryStream(b -> b.deliveryStreamName("to-http"));
        } finally {
            receiver.stop(0);
        }
    }

    @Test
    void metadataExtractionQuery_invalidJq_isInvalidArgumentNamingTheKeyAndTheJqError() {
        List<String> invalid = List.of("{customer_id: .customer_id | }", "{customer_id: nosuchfn(.a)}",
                "{customer_id: .a..b}", "{customer_id: }", "{customer_id: .[}", "{customer id: .x}");
        for (String query : invalid) {
            InvalidArgumentException refused = assertThrows(InvalidArgumentException.class,
                    () -> firehose.createDeliveryStream(b -> b.deliveryStreamName("bad-jq")
                            .extendedS3DestinationConfiguration(d -> d.bucketARN("arn:aws:s3:::jq-bucket")
                                    .processingConfiguration(metadataExtraction(query)))), query);
            assertEquals(400, refused.statusCode(), query);
            String message = refused.awsErrorDetails().errorMessage();
            assertTrue(message.contains("customer"), query + " -> " + message);
            assertTrue(message.contains("JQ"), query + " -> " + message);
        }
        assertThrows(ResourceNotFoundException.class, () -> firehose.describeDeliveryStream(b -> b
                .deliveryStreamName("bad-jq")));
    }

    @Test
    void metadataExtractionQuery_withQuotedKeys_partitionsEveryRecordByTheUnquotedKey() {
        firehose.createDeliveryStream(b -> b.deliveryStreamName("quoted-keys")
                .extendedS3DestinationConfiguration(d -> d.bucketARN("arn:aws:s3:::quoted-bucket")
                        .prefix("customer=!{partitionKeyFromQuery:customer_id}/")
                        .errorOutputPrefix("errors/!{firehose:error-output-type}/")
                        .bufferingHints(h -> h.sizeInMBs(1).intervalInSeconds(0))
                        .processingConfiguration(metadataExtraction(
                                "{\"customer_id\": .customer_id, \"a b\": .n | tostring}"))));
        firehose.putRecordBatch(b -> b.deliveryStreamName("quoted-keys").records(IntStream.range(0, 6).mapToObj(i ->
                Record.builder().data(SdkBytes.fromUtf8String("{\"customer_id\":\"c" + (i % 2) + "\",\"n\":" + i
                        + "}\n")).build()).toList()));
        Path bucket = server.bucketDirectory("quoted-bucket");
        await().atMost(Duration.ofSeconds(20)).until(() -> readAll(objects(bucket)).lines().count() == 6);
        for (Path object : objects(bucket)) {
            String key = bucket.relativize(object).toString();
            assertTrue(key.startsWith("customer=c0/") || key.startsWith("customer=c1/"), key);
        }
        firehose.deleteDeliveryStream(b -> b.deliveryStreamName("quoted-keys"));
    }

    private static software.amazon.awssdk.services.firehose.model.ProcessingConfiguration metadataExtraction(
            String query) {
        return software.amazon.awssdk.services.firehose.model.ProcessingConfiguration.builder().enabled(true)
                .processors(p -> p.type(ProcessorType.METADATA_EXTRACTION).parameters(
                        q -> q.parameterName("MetadataExtractionQuery").parameterValue(query),
                        q -> q.parameterName("JsonParsingEngine").parameterValue("JQ-1.6")))
                .build();
    }

    @Test
    void errors_comeBackAsTheModeledSdkExceptions() {
        assertThrows(ResourceNotFoundException.class, () -> firehose.putRecord(b -> b.deliveryStreamName("nope")
                .record(r -> r.data(SdkBytes.fromUtf8String("x")))));
        assertThrows(ResourceNotFoundException.class, () -> firehose.describeDeliveryStream(b -> b
                .deliveryStreamName("nope")));
        assertThrows(InvalidArgumentException.class, () -> firehose.createDeliveryStream(b -> b
                .deliveryStreamName("lambda").extendedS3DestinationConfiguration(d -> d
                        .bucketARN("arn:aws:s3:::b-bucket").processingConfiguration(p -> p.enabled(true)
                                .processors(pr -> pr.type(ProcessorType.LAMBDA))))));
        assertThrows(InvalidArgumentException.class, () -> firehose.createDeliveryStream(b -> b
                .deliveryStreamName("badarn").extendedS3DestinationConfiguration(d -> d.bucketARN("bucket"))));
        firehose.createDeliveryStream(b -> b.deliveryStreamName("gone")
                .extendedS3DestinationConfiguration(d -> d.bucketARN("arn:aws:s3:::gone-bucket")));
        FirehoseException tooBig = assertThrows(FirehoseException.class, () -> firehose.putRecord(b -> b
                .deliveryStreamName("gone").record(r -> r.data(SdkBytes.fromByteArray(new byte[1000 * 1024 + 1])))));
        assertEquals(400, tooBig.statusCode());
        firehose.deleteDeliveryStream(b -> b.deliveryStreamName("gone"));
        assertThrows(ResourceNotFoundException.class, () -> firehose.deleteDeliveryStream(b -> b
                .deliveryStreamName("gone")));
        assertFalse(firehose.listDeliveryStreams(b -> b.limit(100)).deliveryStreamNames().contains("gone"));
    }
}
