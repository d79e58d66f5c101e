package dev.sluice.server.internal;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.delivery.BufferingHints;
import dev.sluice.delivery.Compression;
import dev.sluice.delivery.DeliveryException;
import dev.sluice.delivery.DeliveryStream;
import dev.sluice.delivery.OutputFormat;
import dev.sluice.stream.StreamEngine;
import dev.sluice.stream.Ticker;
import dev.sluice.transform.ProcessingResponse;
import dev.sluice.transform.ProcessingResult;
import dev.sluice.transform.Processor;
import dev.sluice.transform.SourceRecord;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds the delivery streams of a channel: one {@link DeliveryStream} per source stream, reading it with the
 * exactly-once stream source (checkpoints under the channel's state directory, starting at the channel's start
 * instant) and writing objects to the destination bucket.
 *
 * <p>Design note: stateless apart from its collaborators. Mapping: DataFreshnessInSeconds is the buffer interval
 * (size hint 128 MiB, Firehose's largest); CompressionType is the object compression; the OutputKeyTemplate is the
 * prefix ({@link ChannelKeyTemplate}); the dead-letter bucket and ErrorOutputPrefix are the error output. Record
 * formats: {@code JSON} records must each be one JSON value (others go to the dead-letter output as
 * {@code processing-failed}) and are written one per line (a record spread over lines is written compactly);
 * {@code STRING} records must be UTF-8 (others go to the dead-letter output) and are written one per line;
 * {@code BYTE_ARRAY} records are written as they are, back to back. The validation is deterministic, as the
 * exactly-once source requires. Delivery stream {@code n} of a channel is named {@code <ChannelId>-<n>}, which is
 * also its reader name on the stream ({@code delivery-<ChannelId>-<n>}) and part of every object name.
 */
final class ChannelDeliveries {

    /** The size hint: channels buffer by time only, so the largest Firehose size hint (128 MiB). */
    static final long BUFFER_BYTES = 128L << 20;

    /** Made when a channel first needs it, not at server start (see {@link PlainJson}). */
    private static final class Json {
        static final ObjectMapper MAPPER = new ObjectMapper()
                .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    }

    private final FirehoseDestinations destinations;
    private final ChannelTables tables;
    private final StreamEngine engine;
    private final Clock clock;
    private final Ticker ticker;

    ChannelDeliveries(FirehoseDestinations destinations, ChannelTables tables, StreamEngine engine, Clock clock,
                      Ticker ticker) {
        this.destinations = destinations;
        this.tables = tables;
        this.engine = engine;
        this.clock = clock;
        this.ticker = ticker;
    }

    /** @return the name of the delivery stream reading source {@code index} of the channel */
    static String deliveryName(ChannelDefinition channel, int index) {
        return channel.id() + "-" + index;
    }

    /**
     * Starts the channel's delivery streams; on a failure closes those already started.
     *
     * @param channel    the channel, with its start instant set
     * @param stateDirectory the channel's state directory
     * @return the running streams, one per source
     * @throws DeliveryException or {@link ApiException} when one cannot start
     */
    List<DeliveryStream> start(ChannelDefinition channel, Path stateDirectory) {
        List<DeliveryStream> started = new ArrayList<>();
        try {
            for (int i = 0; i < channel.streams().size(); i++) {
                started.add(build(channel, i, stateDirectory.resolve("stream-" + i)));
            }
            return started;
        } catch (RuntimeException e) {
            started.forEach(stream -> stream.close(Duration.ZERO));
            throw e;
        }
    }

    private DeliveryStream build(ChannelDefinition channel, int index, Path checkpoints) {
        if (channel.s3Tables()) {
            return buildTables(channel, index, checkpoints);
        }
        ChannelDefinition.Source source = channel.streams().get(index);
        ObjectNode s3 = channel.s3();
        JsonNode storage = s3.get("StorageConfiguration");
        JsonNode deadLetter = s3.get("DeadLetterQueueS3Configuration");
        Compression compression = compression(ApiRequest.string(storage, "CompressionType"));
        ChannelKeyTemplate key = ChannelKeyTemplate.parse(ApiRequest.string(storage, "OutputKeyTemplate"),
                channel.name(), channel.id());
        DeliveryStream.Builder builder = DeliveryStream.builder()
                .name(deliveryName(channel, index))
                .version(channel.version())
                .clock(clock)
                .ticker(ticker)
                .sink(destinations.bucketSink(bucketNode(storage), "StorageConfiguration"))
                .errorOutputSink(destinations.bucketSink(bucketNode(deadLetter), "DeadLetterQueueS3Configuration"))
                .errorOutputPrefix(ApiRequest.string(deadLetter, "ErrorOutputPrefix"))
                .prefix(key.prefix())
                .compression(compression)
                .bufferingHints(new BufferingHints(BUFFER_BYTES,
                        Duration.ofSeconds(channel.dataFreshnessSeconds())));
        if (!key.withExtension()) {
            builder.fileExtension("");
        }
        switch (source.format()) {
            case "JSON" -> builder.outputFormat(OutputFormat.jsonLines()).processor(Processor.lambda(
                    request -> validate(request.records(), ChannelDeliveries::json)));
            case "STRING" -> builder.outputFormat(OutputFormat.jsonLines()).processor(Processor.lambda(
                    request -> validate(request.records(), ChannelDeliveries::utf8)));
            default -> builder.outputFormat(OutputFormat.raw());
        }
        builder.kinesisStreamSource(engine, source.name(), checkpoints,
                channel.startAt().orElseThrow(() -> new IllegalStateException("channel " + channel.name()
                        + " has no start instant")));
        return builder.build();
    }

    /**
     * Source {@code index} into its S3 Tables table: entry {@code index} of S3TablesConfigurationList, or its only
     * entry. Records are JSON (checked as for S3), converted with the table's schema; records that do not fit go to
     * the dead-letter bucket.
     */
    private DeliveryStream buildTables(ChannelDefinition channel, int index, Path checkpoints) {
        ChannelDefinition.Source source = channel.streams().get(index);
        JsonNode list = channel.s3().get("S3TablesConfigurationList");
        JsonNode table = list.size() == 1 ? list.get(0) : list.get(index);
        JsonNode deadLetter = channel.s3().get("DeadLetterQueueS3Configuration");
        String errorPrefix = ApiRequest.string(deadLetter, "ErrorOutputPrefix");
        DeliveryStream.Builder builder = DeliveryStream.builder()
                .name(deliveryName(channel, index))
                .version(channel.version())
                .clock(clock)
                .ticker(ticker)
                .sink(tables.destination(table, destinations.bucketSink(bucketNode(deadLetter),
                        "DeadLetterQueueS3Configuration"), errorPrefix))
                .errorOutputSink(destinations.bucketSink(bucketNode(deadLetter), "DeadLetterQueueS3Configuration"))
                .errorOutputPrefix(errorPrefix)
                .bufferingHints(new BufferingHints(BUFFER_BYTES,
                        Duration.ofSeconds(channel.dataFreshnessSeconds())))
                .processor(Processor.lambda(request -> validate(request.records(), ChannelDeliveries::json)));
        builder.kinesisStreamSource(engine, source.name(), checkpoints,
                channel.startAt().orElseThrow(() -> new IllegalStateException("channel " + channel.name()
                        + " has no start instant")));
        return builder.build();
    }

    /** The delivery layer's bucket ARNs are {@code arn:aws:s3:::<bucket>}; a partition's prefix is irrelevant here. */
    private static ObjectNode bucketNode(JsonNode config) {
        String arn = ApiRequest.string(config, "BucketARN");
        return Json.MAPPER.createObjectNode().put("BucketARN", "arn:aws:s3:::" + arn.substring(arn.indexOf(":::") + 3));
    }

    static Compression compression(String type) {
        return switch (type) {
            case "GZIP" -> Compression.GZIP;
            case "ZSTD" -> Compression.ZSTD;
            default -> Compression.UNCOMPRESSED;
        };
    }

    /** Checks one record: its bytes to write, or the reason it goes to the dead-letter output. */
    @FunctionalInterface
    private interface Check {
        ProcessingResult check(String recordId, byte[] data);
    }

    private static ProcessingResponse validate(List<SourceRecord> records, Check check) {
        List<ProcessingResult> results = new ArrayList<>(records.size());
        for (SourceRecord record : records) {
            ByteBuffer view = record.data();
            byte[] data = new byte[view.remaining()];
            view.get(data);
            results.add(check.check(record.recordId(), data));
        }
        return new ProcessingResponse(results);
    }

    private static ProcessingResult json(String recordId, byte[] data) {
        JsonNode value;
        try {
            value = Json.MAPPER.readTree(data);
        } catch (IOException e) {
            return new ProcessingResult.ProcessingFailed(recordId, "RecordFormatType is JSON but record " + recordId
                    + " is not valid JSON: " + firstLine(e.getMessage()));
        }
        if (value == null || value.isMissingNode()) {
            return new ProcessingResult.ProcessingFailed(recordId, "RecordFormatType is JSON but record "
                    + recordId + " is empty");
        }
        int end = data.length;
        while (end > 0 && (data[end - 1] == '\n' || data[end - 1] == '\r' || data[end - 1] == ' '
                || data[end - 1] == '\t')) {
            end--;
        }
        for (int i = 0; i < end; i++) {
            if (data[i] == '\n' || data[i] == '\r') {
                try {
                    return new ProcessingResult.Ok(recordId, Json.MAPPER.writeValueAsBytes(value));
                } catch (IOException e) {
                    return new ProcessingResult.ProcessingFailed(recordId, "record " + recordId
                            + " cannot be written on one line: " + e.getMessage());
                }
            }
        }
        return new ProcessingResult.Ok(recordId, data);
    }

    private static ProcessingResult utf8(String recordId, byte[] data) {
        try {
            StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(data));
            return new ProcessingResult.Ok(recordId, data);
        } catch (CharacterCodingException e) {
            return new ProcessingResult.ProcessingFailed(recordId, "RecordFormatType is STRING but record "
                    + recordId + " is not valid UTF-8");
        }
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "malformed";
        }
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }
}
