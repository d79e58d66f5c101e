package dev.sluice.server;

import dev.sluice.delivery.Sink;
import dev.sluice.iceberg.DestinationTableConfiguration;
import dev.sluice.iceberg.IcebergCatalog;
import dev.sluice.iceberg.IcebergDestination;
import dev.sluice.iceberg.PartitionField;
import dev.sluice.stream.Storage;
import dev.sluice.stream.StreamEngine;
import dev.sluice.stream.ThrottleMode;
import dev.sluice.stream.testing.ManualClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.kinesis.model.ChannelDescription;
import software.amazon.awssdk.services.kinesis.model.ChannelDestinationType;
import software.amazon.awssdk.services.kinesis.model.ChannelStatus;
import software.amazon.awssdk.services.kinesis.model.CreateChannelRequest;
import software.amazon.awssdk.services.kinesis.model.InvalidArgumentException;
import software.amazon.awssdk.services.kinesis.model.PartitionTransform;
import software.amazon.awssdk.services.kinesis.model.PutRecordsRequestEntry;
import software.amazon.awssdk.services.kinesis.model.S3TablesConfiguration;
import software.amazon.awssdk.services.kinesis.model.StreamMode;
import software.amazon.awssdk.services.kinesis.model.ValidationException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Kinesis channels to S3 Tables through the SDK's {@link KinesisClient}: the Iceberg table is created by the test
 * with the delivery-iceberg library in the table bucket's warehouse (the directory the server's missing-table
 * refusal names: {@code <iceberg-root>/s3tables/<bucket>}),
 * records are put to the stream, the clock is moved until the channel commits, and the table is read back with
 * {@link IcebergTableWalk} (metadata → manifest list → manifests as plain Avro → DuckDB). Run in CBOR and JSON.
 */
abstract class KinesisChannelsS3TablesContract {

    static final String ROLE = "arn:aws:iam::000000000000:role/channel";
    static final String OWNER = "000000000000";
    static final String BUCKET_ARN = "arn:aws:s3tables:us-east-1:000000000000:bucket/lake";
    static final String EVENTS = """
            {"type":"record","name":"events","fields":[
              {"name":"id","type":"long"},
              {"name":"user","type":["null","string"],"default":null},
              {"name":"ts","type":{"type":"long","logicalType":"timestamp-micros"}}]}""";
    static final Instant T0 = Instant.parse("2026-05-06T22:30:00Z");

    @TempDir
    Path data;

    private final ManualClock time = new ManualClock();
    private StreamEngine engine;
    private SluiceServer server;
    private KinesisClient kinesis;

    /** @return whether the client speaks CBOR */
    abstract boolean cbor();

    /** The table bucket's warehouse, as the server's missing-table message names it. */
    private Path tableBucket;

    private Path tableBucket() {
        return tableBucket;
    }

    private String start() {
        engine = StreamEngine.builder().time(time).throttleMode(ThrottleMode.OFF)
                .storage(Storage.durable(data.resolve("streams"))).build();
        server = SluiceServer.builder().engine(engine).clock(time).dataDirectory(data).port(0).build().start();
        kinesis = Clients.kinesis(server.endpoint(), cbor(), false);
        kinesis.createStream(b -> b.streamName("events").streamModeDetails(m -> m.streamMode(StreamMode.ON_DEMAND)));
        return kinesis.describeStreamSummary(b -> b.streamName("events")).streamDescriptionSummary().streamARN();
    }

    @AfterEach
    void stop() {
        if (kinesis != null) {
            kinesis.close();
            server.close();
            engine.close();
            kinesis = null;
        }
    }

    /** Stops the server and its engine, then starts them again on the same directories. */
    private void restart() {
        stop();
        engine = StreamEngine.builder().time(time).throttleMode(ThrottleMode.OFF)
                .storage(Storage.durable(data.resolve("streams"))).build();
        server = SluiceServer.builder().engine(engine).clock(time).dataDirectory(data).port(0)
                .build().start();
        kinesis = Clients.kinesis(server.endpoint(), cbor(), false);
    }

    private void putEvents(int from, int to) {
        List<PutRecordsRequestEntry> entries = IntStream.range(from, to).mapToObj(i -> PutRecordsRequestEntry.builder()
                .partitionKey("k" + (i % 7)).data(SdkBytes.fromUtf8String("{\"id\":" + i + ",\"ts\":\""
                        + T0.plusSeconds(60L * i) + "\"}")).build()).toList();
        assertEquals(0, kinesis.putRecords(b -> b.streamName("events").records(entries)).failedRecordCount());
    }

    @Test
    void aChannelComesBackAfterARestart_andAppendsEachRecordOnce() throws Exception {
        String stream = start();
        createTable(stream);
        time.advance(Duration.ofSeconds(1));
        String arn = kinesis.createChannel(channel(stream, table("SNAPPY").build())).channelDescription().channelARN();
        time.advance(Duration.ofSeconds(1));
        await().atMost(Duration.ofSeconds(20)).until(() -> kinesis.describeChannel(b -> b.channelARN(arn))
                .channelDescription().channelStatus() == ChannelStatus.ACTIVE);
        putEvents(0, 50);
        advanceUntil(Duration.ofSeconds(30), () -> committed() == 50);

        restart();
        await().atMost(Duration.ofSeconds(20)).until(() -> kinesis.describeChannel(b -> b.channelARN(arn))
                .channelDescription().channelStatus() == ChannelStatus.ACTIVE);
        putEvents(50, 100);
        advanceUntil(Duration.ofSeconds(30), () -> committed() == 100);

        List<Object> counts = IcebergTableWalk.of(tableBucket(), "ns", "events")
                .query("SELECT count(*), count(DISTINCT id) FROM rows").get(0);
        assertEquals(List.of(100L, 100L), counts.stream().map(v -> ((Number) v).longValue()).toList());
    }

    /**
     * Creates {@code ns.events} partitioned by the hour of {@code ts}, as a client of the table bucket would, in the
     * directory the server's refusal of a channel to the missing table names.
     */
    private void createTable(String stream) {
        InvalidArgumentException missing = assertThrows(InvalidArgumentException.class, () -> kinesis.createChannel(
                channel(stream, table("NONE").build())));
        String message = missing.awsErrorDetails().errorMessage();
        int at = message.indexOf("Path.of(\"") + "Path.of(\"".length();
        tableBucket = Path.of(message.substring(at, message.indexOf('"', at)));
        assertTrue(tableBucket.endsWith(Path.of("iceberg", "s3tables", "lake"))
                || tableBucket.endsWith(Path.of(".iceberg", "s3tables", "lake")), tableBucket.toString());
        time.advance(Duration.ofSeconds(1));
        try (IcebergCatalog catalog = IcebergCatalog.embedded(tableBucket())) {
            IcebergDestination.builder().catalog(catalog)
                    .table(DestinationTableConfiguration.of("ns", "events", EVENTS)
                            .withPartitioning(PartitionField.hour("ts")))
                    .errorOutputSink(Sink.localBucket(data.resolve("unused"))).build().close();
        }
    }

    private static S3TablesConfiguration.Builder table(String compression) {
        return S3TablesConfiguration.builder().tableBucketARN(BUCKET_ARN).namespace("ns").tableName("events")
                .compressionType(compression)
                .partitionSpec(p -> p.partitionFields(f -> f.transform(PartitionTransform.TIME_HOUR).sourceName("ts")));
    }

    private static CreateChannelRequest channel(String streamArn, S3TablesConfiguration table) {
        return CreateChannelRequest.builder().channelName("to-lake").serviceExecutionRoleARN(ROLE)
                .streamConfigurationList(s -> s.streamARN(streamArn).recordConfiguration(r -> r.recordFormatType("JSON")))
                .s3TablesDestinationConfiguration(t -> t.dataFreshnessInSeconds(300)
                        .deadLetterQueueS3Configuration(q -> q.bucketARN("arn:aws:s3:::dlq").expectedBucketOwner(OWNER)
                                .errorOutputPrefix("failed/"))
                        .s3TablesConfigurationList(table))
                .build();
    }

    private Duration advanceUntil(Duration step, Callable<Boolean> done) {
        Duration[] moved = {Duration.ZERO};
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50)).until(() -> {
            if (done.call()) {
                return true;
            }
            time.advance(step);
            moved[0] = moved[0].plus(step);
            return false;
        });
        return moved[0];
    }

    private long committed() {
        try {
            return IcebergTableWalk.of(tableBucket(), "ns", "events").recordCount();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private List<String> deadLetters() {
        Path root = data.resolve("buckets").resolve("dlq");
        if (!Files.isDirectory(root)) {
            return List.of();
        }
        try (Stream<Path> walk = Files.walk(root)) {
            List<String> lines = new ArrayList<>();
            // Hidden names are the bucket's temporary files, renamed onto their objects: not objects yet.
            for (Path file : walk.filter(Files::isRegularFile)
                    .filter(p -> !p.getFileName().toString().startsWith(".")).toList()) {
                lines.addAll(Files.readAllLines(file));
            }
            return lines;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void jsonRecordsLandInTheTable_onceEach_partitionedByHour() throws Exception {
        String stream = start();
        createTable(stream);
        time.advance(Duration.ofSeconds(1));
        String arn = kinesis.createChannel(channel(stream, table("ZSTD").build())).channelDescription().channelARN();
        time.advance(Duration.ofSeconds(1));
        await().atMost(Duration.ofSeconds(20)).until(() -> kinesis.describeChannel(b -> b.channelARN(arn))
                .channelDescription().channelStatus() == ChannelStatus.ACTIVE);

        // Three hours of events; two records that do not fit go to the dead-letter bucket.
        List<PutRecordsRequestEntry> entries = new ArrayList<>(IntStream.range(0, 180).mapToObj(i ->
                PutRecordsRequestEntry.builder().partitionKey("k" + (i % 7)).data(SdkBytes.fromUtf8String(
                        "{\"id\":" + i + ",\"user\":\"u" + (i % 5) + "\",\"ts\":\"" + T0.plusSeconds(60L * i) + "\"}"))
                        .build()).toList());
        entries.add(PutRecordsRequestEntry.builder().partitionKey("bad").data(SdkBytes.fromUtf8String("not json"))
                .build());
        entries.add(PutRecordsRequestEntry.builder().partitionKey("bad").data(SdkBytes.fromUtf8String(
                "{\"id\":\"x\",\"ts\":\"" + T0 + "\"}")).build());
        assertEquals(0, kinesis.putRecords(b -> b.streamName("events").records(entries)).failedRecordCount());

        advanceUntil(Duration.ofSeconds(30), () -> Files.exists(tableBucket().resolve("catalog.db"))
                && committed() == 180 && deadLetters().size() == 2);

        IcebergTableWalk walk = IcebergTableWalk.of(tableBucket(), "ns", "events");
        List<List<Object>> counts = walk.query("SELECT count(*), count(DISTINCT id), min(id), max(id) FROM rows");
        assertEquals(List.of(180L, 180L, 0L, 179L), counts.get(0).stream().map(v -> ((Number) v).longValue())
                .toList(), "every record exactly once");
        long firstHour = T0.getEpochSecond() / 3600;
        Set<Integer> hours = new TreeSet<>();
        for (IcebergTableWalk.DataFile file : walk.files) {
            int hour = ((Number) file.partition().get("ts_hour")).intValue();
            hours.add(hour);
            List<List<Object>> span = walk.only(file).query(
                    "SELECT min(epoch(ts)) // 3600, max(epoch(ts)) // 3600 FROM rows");
            assertEquals(List.of((long) hour, (long) hour), span.get(0).stream()
                    .map(v -> ((Number) v).longValue()).toList(), "file " + file.path() + " holds only its hour");
        }
        assertEquals(Set.of((int) firstHour, (int) firstHour + 1, (int) firstHour + 2, (int) firstHour + 3), hours);
        assertTrue(walk.files.stream().allMatch(f -> f.path().startsWith(tableBucket().toString())),
                "data files are in the table bucket's warehouse");
        assertTrue(deadLetters().stream().anyMatch(l -> l.contains("not valid JSON")), deadLetters().toString());

        ChannelDescription described = kinesis.describeChannel(b -> b.channelARN(arn)).channelDescription();
        assertEquals("events", described.s3TablesDestinationConfiguration().s3TablesConfigurationList().get(0)
                .tableName());
        assertEquals(ChannelDestinationType.S3_TABLES, kinesis.listChannels(b -> { }).channelSummaries().get(0)
                .channelDestinationType());
    }

    @Test
    void updateChannelTakesTheS3TablesFreshness_andRefusesTheS3Shape() {
        String stream = start();
        createTable(stream);
        time.advance(Duration.ofSeconds(1));
        String arn = kinesis.createChannel(channel(stream, table("NONE").build())).channelDescription().channelARN();
        time.advance(Duration.ofSeconds(1));
        await().atMost(Duration.ofSeconds(20)).until(() -> kinesis.describeChannel(b -> b.channelARN(arn))
                .channelDescription().channelStatus() == ChannelStatus.ACTIVE);

        InvalidArgumentException wrongShape = assertThrows(InvalidArgumentException.class, () -> kinesis.updateChannel(
                b -> b.channelARN(arn).s3DestinationConfiguration(d -> d.dataFreshnessInSeconds(600))));
        assertTrue(wrongShape.awsErrorDetails().errorMessage().contains("S3TablesDestinationConfiguration"),
                wrongShape.getMessage());
        kinesis.updateChannel(b -> b.channelARN(arn).s3TablesDestinationConfiguration(d -> d.dataFreshnessInSeconds(600)));
        time.advance(Duration.ofSeconds(1));
        await().atMost(Duration.ofSeconds(20)).until(() -> kinesis.describeChannel(b -> b.channelARN(arn))
                .channelDescription().channelStatus() == ChannelStatus.ACTIVE);
        assertEquals(600, kinesis.describeChannel(b -> b.channelARN(arn)).channelDescription()
                .s3TablesDestinationConfiguration().dataFreshnessInSeconds());
    }

    @Test
    void aBadTableBucketArnIsAValidationError() {
        String stream = start();
        ValidationException e = assertThrows(ValidationException.class, () -> kinesis.createChannel(channel(stream,
                table("ZSTD").tableBucketARN("arn:aws:s3:::lake").build())));
        assertTrue(e.awsErrorDetails().errorMessage().contains("tableBucketARN"), e.getMessage());
        InvalidArgumentException other = assertThrows(InvalidArgumentException.class, () -> kinesis.createChannel(
                channel(stream, table("ZSTD").tableBucketARN("arn:aws:s3tables:eu-west-1:000000000000:bucket/lake")
                        .build())));
        assertTrue(other.awsErrorDetails().errorMessage().contains("region us-east-1"), other.getMessage());
    }

    @Test
    void aMissingTableIsRefusedNamingItAndHowToCreateIt() {
        String stream = start();
        InvalidArgumentException e = assertThrows(InvalidArgumentException.class, () -> kinesis.createChannel(
                channel(stream, table("SNAPPY").build())));
        assertTrue(e.awsErrorDetails().errorMessage().startsWith("Table ns.events does not exist in table bucket "
                + BUCKET_ARN), e.getMessage());
        assertTrue(e.awsErrorDetails().errorMessage().contains("IcebergCatalog.embedded"), e.getMessage());
        assertEquals(0, kinesis.listChannels(b -> { }).channelSummaries().size(), "nothing was created");
    }

    @Test
    void aCompressionS3TablesDoNotHaveIsAValidationError() {
        String stream = start();
        createTable(stream);
        ValidationException e = assertThrows(ValidationException.class, () -> kinesis.createChannel(channel(stream,
                table("GZIP").build())));
        assertTrue(e.awsErrorDetails().errorMessage().contains("[NONE, SNAPPY, ZSTD]"), e.getMessage());
    }

    @Test
    void aPartitionColumnTheTableLacksIsRefused() {
        String stream = start();
        createTable(stream);
        InvalidArgumentException e = assertThrows(InvalidArgumentException.class, () -> kinesis.createChannel(
                channel(stream, table("NONE").partitionSpec(p -> p.partitionFields(f -> f
                        .transform(PartitionTransform.TIME_HOUR).sourceName("event_time"))).build())));
        assertTrue(e.awsErrorDetails().errorMessage().contains("event_time"), e.getMessage());
    }
}
