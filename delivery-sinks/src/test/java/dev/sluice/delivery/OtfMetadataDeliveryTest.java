package dev.sluice.delivery;

import dev.sluice.stream.testing.ManualClock;
import dev.sluice.transform.OtfMetadata;
import dev.sluice.transform.ProcessingResponse;
import dev.sluice.transform.ProcessingResult;
import dev.sluice.transform.Processor;
import dev.sluice.transform.SourceRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static dev.sluice.delivery.TestData.records;
import static dev.sluice.delivery.TestData.utf8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * A transformation's otfMetadata (Firehose's {@code metadata.otfMetadata}) travels with its record through the
 * buffer to the sink's {@link SinkObject}, and objects without any carry none.
 */
class OtfMetadataDeliveryTest {

    private final ManualClock time = new ManualClock(Instant.parse("2026-03-04T05:06:07.089Z"));
    private final FakeSink sink = new FakeSink();
    private final List<DeliveryStream> streams = new ArrayList<>();

    private DeliveryStream start(Processor processor) {
        DeliveryStream.Builder builder = DeliveryStream.builder().name("orders").clock(time).ticker(time).sink(sink)
                .retryBackoff(Duration.ofMillis(10));
        if (processor != null) {
            builder.processor(processor);
        }
        DeliveryStream stream = builder.build();
        streams.add(stream);
        return stream;
    }

    @AfterEach
    void closeAll() {
        streams.forEach(s -> s.close(Duration.ofSeconds(5)));
    }

    /** Tags records whose text contains "op=" with otfMetadata naming that operation; leaves the others bare. */
    private static Processor tagging() {
        return Processor.lambda(request -> {
            List<ProcessingResult> results = new ArrayList<>();
            for (SourceRecord r : request.records()) {
                String text = StandardCharsets.UTF_8.decode(r.data()).toString();
                ProcessingResult.Ok ok = new ProcessingResult.Ok(r.recordId(), utf8(text));
                int at = text.indexOf("op=");
                results.add(at < 0 ? ok : ok.withOtfMetadata(OtfMetadata.of("shop", "orders",
                        text.substring(at + 3, text.indexOf('"', at)))));
            }
            return new ProcessingResponse(results);
        });
    }

    private static String text(ByteBuffer record) {
        return StandardCharsets.UTF_8.decode(record.duplicate()).toString();
    }

    @Test
    void otfMetadata_fromTheTransformation_reachesTheSinkObjectPerRecord() {
        DeliveryStream stream = start(tagging());
        stream.putRecordBatch(List.of(utf8("{\"id\":1,\"t\":\"op=update\"}"), utf8("{\"id\":2}"),
                utf8("{\"id\":3,\"t\":\"op=delete\"}")));
        stream.flush();

        assertEquals(1, sink.writes.size(), sink.writes::toString);
        SinkObject object = sink.writes.get(0);
        assertEquals(3, object.records().size());
        Map<String, Optional<OtfMetadata>> byRecord = new java.util.HashMap<>();
        for (int i = 0; i < object.records().size(); i++) {
            byRecord.put(text(object.records().get(i)), object.otfMetadata(i));
        }
        assertEquals(Optional.of(OtfMetadata.of("shop", "orders", "update")),
                byRecord.get("{\"id\":1,\"t\":\"op=update\"}"));
        assertEquals(Optional.empty(), byRecord.get("{\"id\":2}"));
        assertEquals(Optional.of(OtfMetadata.of("shop", "orders", "delete")),
                byRecord.get("{\"id\":3,\"t\":\"op=delete\"}"));
        assertEquals(3, object.otfMetadata().size());
    }

    @Test
    void otfMetadata_whenNoRecordHasAny_isEmpty() {
        DeliveryStream stream = start(tagging());
        stream.putRecordBatch(records(3, "{\"i\":%d}"));
        stream.flush();

        SinkObject object = sink.writes.get(0);
        assertEquals(List.of(), object.otfMetadata());
        assertEquals(Optional.empty(), object.otfMetadata(2));
    }

    @Test
    void sinkObject_withOtfMetadataOfTheWrongLength_throwsInvalidArgument() {
        DeliveryException e = assertThrows(DeliveryException.class, () -> new SinkObject("k", ByteBuffer.allocate(0),
                "application/json", List.of(ByteBuffer.allocate(1), ByteBuffer.allocate(1)), "r", false,
                Instant.EPOCH, List.of(Optional.empty())));
        assertEquals(ErrorCode.INVALID_ARGUMENT, e.errorCode());
        assertEquals("otfMetadata must be empty or have one element per record (2) but had 1", e.getMessage());
    }
}
