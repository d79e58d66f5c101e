package dev.sluice.transform;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import static dev.sluice.transform.TestRecords.failed;
import static dev.sluice.transform.TestRecords.record;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FirehoseJsonTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    /** The shape Firehose sends for a Kinesis Data Streams source (field order and types as captured). */
    private static final String KINESIS_EVENT = """
            {
              "invocationId": "7d1d1f2b-9c3e-4f7a-8a55-2f0c6d4f2b11",
              "sourceKinesisStreamArn": "arn:aws:kinesis:eu-west-1:123456789012:stream/clicks",
              "deliveryStreamArn": "arn:aws:firehose:eu-west-1:123456789012:deliverystream/clicks-to-s3",
              "region": "eu-west-1",
              "records": [
                {
                  "recordId": "49606071918085754084961748518444464546381847279259615234000000",
                  "approximateArrivalTimestamp": 1586939722216,
                  "data": "eyJjdXN0b21lcl9pZCI6ImMtMSIsInBhZ2UiOiIvaG9tZSJ9",
                  "kinesisRecordMetadata": {
                    "sequenceNumber": "49606071918085754084961748518444464546381847279259615234",
                    "subsequenceNumber": 0,
                    "partitionKey": "846407.7730515298",
                    "shardId": "shardId-000000000000",
                    "approximateArrivalTimestamp": 1586939722216
                  }
                },
                {
                  "recordId": "49606071918085754084961748518444464546381847279259615234000001",
                  "approximateArrivalTimestamp": 1586939722399,
                  "data": "eyJjdXN0b21lcl9pZCI6ImMtMiIsInBhZ2UiOiIvY2FydCJ9",
                  "kinesisRecordMetadata": {
                    "sequenceNumber": "49606071918085754084961748518445673472201462183498530818",
                    "subsequenceNumber": 3,
                    "partitionKey": "pk-2",
                    "shardId": "shardId-000000000001",
                    "approximateArrivalTimestamp": 1586939722300
                  }
                }
              ]
            }
            """;

    /** Direct PUT: no source stream, no Kinesis metadata. */
    private static final String DIRECT_PUT_EVENT = """
            {"invocationId":"inv-1","deliveryStreamArn":"arn:aws:firehose:us-east-1:123456789012:deliverystream/d",
             "region":"us-east-1","records":[{"recordId":"1","approximateArrivalTimestamp":1495072949453,
             "data":"SGVsbG8sIHRoaXMgaXMgYSB0ZXN0IDEyMy4="}]}
            """;

    private static JsonNode tree(byte[] json) throws Exception {
        return MAPPER.readTree(json);
    }

    private static JsonNode tree(String json) throws Exception {
        return MAPPER.readTree(json);
    }

    @Test
    void readEventThenWriteEvent_withKinesisSourceEvent_reproducesTheSameJsonTree() throws Exception {
        ProcessingRequest request = FirehoseJson.readEvent(KINESIS_EVENT.getBytes(StandardCharsets.UTF_8));

        assertEquals(tree(KINESIS_EVENT), tree(FirehoseJson.writeEvent(request)));
        assertEquals(Instant.ofEpochMilli(1586939722300L),
                request.records().get(1).kinesisRecordMetadata().orElseThrow().approximateArrivalTimestamp());
        assertEquals("{\"customer_id\":\"c-2\",\"page\":\"/cart\"}", TestRecords.text(request.records().get(1).data()));
    }

    @Test
    void readEventThenWriteEvent_withDirectPutEvent_reproducesTheSameJsonTree() throws Exception {
        ProcessingRequest request = FirehoseJson.readEvent(DIRECT_PUT_EVENT.getBytes(StandardCharsets.UTF_8));

        assertEquals(tree(DIRECT_PUT_EVENT), tree(FirehoseJson.writeEvent(request)));
    }

    @Test
    void adapt_handlerReceivesExactlyTheFirehoseEvent() throws Exception {
        AtomicReference<byte[]> seen = new AtomicReference<>();
        TransformFunction function = FirehoseJson.adapt((in, out) -> {
            seen.set(in.readAllBytes());
            out.write("{\"records\":[]}".getBytes(StandardCharsets.UTF_8));
        });
        ProcessingRequest request = FirehoseJson.readEvent(KINESIS_EVENT.getBytes(StandardCharsets.UTF_8));

        function.handleRequest(request);

        assertEquals(tree(KINESIS_EVENT), tree(seen.get()));
    }

    /** A handler as a team would have written it for Firehose: JSON in, JSON out, base64 data. */
    private static void uppercaseHandler(java.io.InputStream in, java.io.OutputStream out) throws java.io.IOException {
        JsonNode event = MAPPER.readTree(in);
        ArrayNode results = MAPPER.createArrayNode();
        for (JsonNode record : event.get("records")) {
            String data = new String(Base64.getDecoder().decode(record.get("data").asText()), StandardCharsets.UTF_8);
            ObjectNode result = results.addObject();
            result.put("recordId", record.get("recordId").asText());
            if (data.contains("drop")) {
                result.put("result", "Dropped");
            } else if (data.contains("fail")) {
                result.put("result", "ProcessingFailed");
                result.put("data", record.get("data").asText());
            } else {
                result.put("result", "Ok");
                result.put("data", Base64.getEncoder().encodeToString(data.toUpperCase().getBytes(StandardCharsets.UTF_8)));
                result.putObject("metadata").putObject("partitionKeys").put("len", String.valueOf(data.length()));
            }
        }
        ObjectNode response = MAPPER.createObjectNode();
        response.set("records", results);
        MAPPER.writeValue(out, response);
    }

    @Test
    void adapt_runsAFirehoseStyleHandlerUnchanged() {
        Processor processor = Processor.lambda(FirehoseJson.adapt(FirehoseJsonTest::uppercaseHandler));

        List<ProcessingResult> results = TestRecords.process(processor, record("a", "hello"), record("b", "please drop"),
                record("c", "fail me"));

        assertEquals(new ProcessingResult.Ok("a", "HELLO".getBytes(StandardCharsets.UTF_8), Map.of("len", "5")),
                results.get(0));
        assertEquals(new ProcessingResult.Dropped("b"), results.get(1));
        failed(results.get(2), ErrorCode.PROCESSING_FAILED_STATUS, "c");
    }

    @Test
    void adapt_whenHandlerWritesInvalidJson_failsInvocationWithJsonProcessing() {
        Processor processor = Processor.lambda(FirehoseJson.adapt((in, out) -> out.write('{')));

        ProcessingResult.ProcessingFailed failure = failed(TestRecords.only(processor, record("a", "x")),
                ErrorCode.JSON_PROCESSING, "a");
        assertTrue(failure.errorMessage().contains("not valid JSON"), failure.errorMessage());
    }

    @Test
    void adapt_whenResultValueIsUnknown_failsNamingTheField() {
        Processor processor = Processor.lambda(FirehoseJson.adapt((in, out) -> out.write(
                "{\"records\":[{\"recordId\":\"a\",\"result\":\"Maybe\",\"data\":\"\"}]}".getBytes(StandardCharsets.UTF_8))));

        ProcessingResult.ProcessingFailed failure = failed(TestRecords.only(processor, record("a", "x")),
                ErrorCode.JSON_PROCESSING, "a");
        assertTrue(failure.errorMessage().contains("records[0].result must be Ok, Dropped or ProcessingFailed"),
                failure.errorMessage());
    }

    @Test
    void adapt_whenOkDataIsNotBase64_failsWithJsonProcessing() {
        Processor processor = Processor.lambda(FirehoseJson.adapt((in, out) -> out.write(
                "{\"records\":[{\"recordId\":\"a\",\"result\":\"Ok\",\"data\":\"%%%\"}]}".getBytes(StandardCharsets.UTF_8))));

        failed(TestRecords.only(processor, record("a", "x")), ErrorCode.JSON_PROCESSING, "a");
    }

    @Test
    void adapt_whenHandlerThrows_failsWithFunctionError() {
        Processor processor = Processor.lambda(FirehoseJson.adapt((in, out) -> {
            throw new java.io.IOException("disk on fire");
        }));

        ProcessingResult.ProcessingFailed failure = failed(TestRecords.only(processor, record("a", "x")),
                ErrorCode.FUNCTION_ERROR, "a");
        assertTrue(failure.errorMessage().contains("disk on fire"), failure.errorMessage());
    }

    @Test
    void readEvent_withConsoleSampleStringMetadata_isReadAndWrittenInFirehoseForm() throws Exception {
        String sample = """
                {"invocationId":"invoked123","deliveryStreamArn":"aws:lambda:events","region":"us-west-2",
                 "records":[{"data":"SGVsbG8gV29ybGQ=","recordId":"record1","approximateArrivalTimestamp":1510772160000,
                  "kinesisRecordMetadata":{"shardId":"shardId-000000000000","partitionKey":"4d1ad2b9",
                   "approximateArrivalTimestamp":"2012-04-23T18:25:43.511Z","sequenceNumber":"4954","subsequenceNumber":""}}]}
                """;

        ProcessingRequest request = FirehoseJson.readEvent(sample.getBytes(StandardCharsets.UTF_8));

        SourceRecord.KinesisRecordMetadata metadata = request.records().get(0).kinesisRecordMetadata().orElseThrow();
        assertEquals(Instant.parse("2012-04-23T18:25:43.511Z"), metadata.approximateArrivalTimestamp());
        assertEquals(0, metadata.subsequenceNumber());
        JsonNode written = tree(FirehoseJson.writeEvent(request)).get("records").get(0).get("kinesisRecordMetadata");
        assertEquals(1335205543511L, written.get("approximateArrivalTimestamp").longValue());
    }

    @Test
    void readEvent_whenRecordIdIsMissing_throwsInvalidArgumentNamingTheField() {
        String event = "{\"invocationId\":\"i\",\"deliveryStreamArn\":\"a\",\"region\":\"r\",\"records\":[{\"data\":\"\","
                + "\"approximateArrivalTimestamp\":1}]}";

        TransformException e = assertThrows(TransformException.class,
                () -> FirehoseJson.readEvent(event.getBytes(StandardCharsets.UTF_8)));
        assertEquals(ErrorCode.INVALID_ARGUMENT, e.errorCode());
        assertTrue(e.getMessage().contains("records[0].recordId must be a string but was absent"), e.getMessage());
    }
}
