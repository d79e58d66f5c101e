package dev.sluice.server;

import com.github.luben.zstd.ZstdInputStream;
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
import software.amazon.awssdk.services.kinesis.model.ChannelStatus;
import software.amazon.awssdk.services.kinesis.model.ChannelStreamConfiguration;
import software.amazon.awssdk.services.kinesis.model.CreateChannelRequest;
import software.amazon.awssdk.services.kinesis.model.InvalidArgumentException;
import software.amazon.awssdk.services.kinesis.model.KinesisException;
import software.amazon.awssdk.services.kinesis.model.LimitExceededException;
import software.amazon.awssdk.services.kinesis.model.ListChannelsResponse;
import software.amazon.awssdk.services.kinesis.model.PutRecordsRequestEntry;
import software.amazon.awssdk.services.kinesis.model.ResourceInUseException;
import software.amazon.awssdk.services.kinesis.model.ResourceNotFoundException;
import software.amazon.awssdk.services.kinesis.model.StreamMode;
import software.amazon.awssdk.services.kinesis.model.ValidationException;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The channel operations through the real SDK v2 {@link KinesisClient}, on a server and engine driven by a
 * {@link ManualClock}; run in CBOR and in JSON by the subclasses. Delivered objects are read from the bucket
 * directories, decompressed with independent readers (JDK gzip, zstd-jni) and parsed by DuckDB.
 */
abstract class KinesisChannelsContract {

    static final String ROLE = "arn:aws:iam::000000000000:role/channel";
    static final String OWNER = "000000000000";

    @TempDir
    Path data;

    private final ManualClock time = new ManualClock();
    private StreamEngine engine;
    private SluiceServer server;
    private KinesisClient kinesis;

    /** @return whether the client speaks CBOR */
    abstract boolean cbor();

    private void startServer() {
        engine = StreamEngine.builder().time(time).throttleMode(ThrottleMode.OFF)
                .storage(Storage.durable(data.resolve("streams"))).build();
        server = SluiceServer.builder().engine(engine).clock(time).dataDirectory(data).port(0)
                .build().start();
        kinesis = Clients.kinesis(server.endpoint(), cbor(), false);
    }

    private void stopServer() {
        if (kinesis != null) {
            kinesis.close();
            server.close();
            engine.close();
            kinesis = null;
        }
    }

    @AfterEach
    void stop() {
        stopServer();
    }

    private String stream(String name, boolean onDemand) {
        if (kinesis == null) {
            startServer();
        }
        if (onDemand) {
            kinesis.createStream(b -> b.streamName(name).streamModeDetails(m -> m.streamMode(StreamMode.ON_DEMAND)));
        } else {
            kinesis.createStream(b -> b.streamName(name).shardCount(1));
        }
        return kinesis.describeStreamSummary(b -> b.streamName(name)).streamDescriptionSummary().streamARN();
    }

    private static ChannelStreamConfiguration source(String streamArn, String format) {
        return ChannelStreamConfiguration.builder().streamARN(streamArn)
                .recordConfiguration(r -> r.recordFormatType(format)).build();
    }

    private CreateChannelRequest.Builder channel(String name, String streamArn, String format, String compression,
                                                 String bucket) {
        return CreateChannelRequest.builder().channelName(name).serviceExecutionRoleARN(ROLE)
                .streamConfigurationList(source(streamArn, format))
                .s3DestinationConfiguration(d -> d.storageConfiguration(s -> s.bucketARN("arn:aws:s3:::" + bucket)
                        .expectedBucketOwner(OWNER).compressionType(compression)));
    }

    /** Creates (one second after the previous create, within the 5 TPS limit) and waits until ACTIVE. */
    private ChannelDescription createActive(CreateChannelRequest request) {
        time.advance(Duration.ofSeconds(1));
        ChannelDescription created = kinesis.createChannel(request).channelDescription();
        assertEquals(ChannelStatus.CREATING, created.channelStatus());
        return awaitStatus(created.channelARN(), ChannelStatus.ACTIVE);
    }

    private ChannelDescription awaitStatus(String arn, ChannelStatus status) {
        time.advance(Duration.ofSeconds(1));
        await().atMost(Duration.ofSeconds(20)).until(() ->
                kinesis.describeChannel(b -> b.channelARN(arn)).channelDescription().channelStatus() == status);
        return kinesis.describeChannel(b -> b.channelARN(arn)).channelDescription();
    }

    private void put(String stream, int from, int to, java.util.function.IntFunction<String> record) {
        List<PutRecordsRequestEntry> entries = IntStream.range(from, to).mapToObj(i -> PutRecordsRequestEntry
                .builder().partitionKey("k" + (i % 7)).data(SdkBytes.fromUtf8String(record.apply(i))).build()).toList();
        assertEquals(0, kinesis.putRecords(b -> b.streamName(stream).records(entries)).failedRecordCount());
    }

    /**
     * Waits until {@code done}, moving the clock {@code step} per check: the channel reads records on its own
     * thread, so its buffer interval starts a little after the put, in real time; advancing in steps keeps the test
     * independent of when that is.
     *
     * @return how far the clock moved
     */
    private Duration advanceUntil(Duration step, java.util.concurrent.Callable<Boolean> done) {
        Duration[] moved = {Duration.ZERO};
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50)).until(() -> {
            if (done.call()) {
                return true;
            }
            time.advance(step);
            moved[0] = moved[0].plus(step);
            return false;
        });
        return moved[0];
    }

    private static List<Path> objects(Path root) {
        if (!Files.isDirectory(root)) {
            return List.of();
        }
        try (Stream<Path> files = Files.walk(root)) {
            // The bucket writes each object to a hidden temporary file in the object's own directory, then renames
            // it: skip hidden names at any depth, or a walk can list a file that is gone when it is read.
            return files.filter(Files::isRegularFile).filter(p -> !p.getFileName().toString().startsWith("."))
                    .sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] read(Path object) {
        try (InputStream raw = Files.newInputStream(object);
             InputStream in = object.toString().endsWith(".gz") ? new GZIPInputStream(raw)
                     : object.toString().endsWith(".zst") ? new ZstdInputStream(raw) : raw) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<String> lines(List<Path> objects) {
        List<String> lines = new ArrayList<>();
        objects.forEach(o -> lines.addAll(new String(read(o), StandardCharsets.UTF_8).lines().toList()));
        return lines;
    }

    /** The values of {@code n} in the objects' JSON lines, as DuckDB's JSON reader parses them. */
    private static List<Long> duckDbValues(List<Path> objects, Path scratch) throws Exception {
        List<Long> values = new ArrayList<>();
        try (Connection db = DriverManager.getConnection("jdbc:duckdb:"); Statement sql = db.createStatement()) {
            int i = 0;
            for (Path object : objects) {
                Path plain = scratch.resolve("object-" + i++ + ".json");
                Files.createDirectories(scratch);
                Files.write(plain, read(object));
                try (ResultSet rows = sql.executeQuery("SELECT n FROM read_json('" + plain
                        + "', format='newline_delimited', columns={n: 'BIGINT'})")) {
                    while (rows.next()) {
                        values.add(rows.getLong(1));
                    }
                }
            }
        }
        values.sort(null);
        return values;
    }

    private static List<Long> range(int from, int to) {
        return IntStream.range(from, to).mapToObj(i -> (long) i).toList();
    }

    @Test
    void createChannel_json_gzip_deliversEachRecordOnceUnderTheKeyTemplate_andInvalidJsonToTheDeadLetterPrefix()
            throws Exception {
        String streamArn = stream("orders", true);
        ChannelDescription active = createActive(channel("orders-to-s3", streamArn, "JSON", "GZIP", "orders-bucket")
                .s3DestinationConfiguration(d -> d.storageConfiguration(s -> s.bucketARN("arn:aws:s3:::orders-bucket")
                                .expectedBucketOwner(OWNER).compressionType("GZIP").storageClass("INTELLIGENT_TIERING")
                                .outputKeyTemplate("orders/!{channel-name}/!{yyyy}-!{MM}-!{dd}/!{HH}!{extension}"))
                        .deadLetterQueueS3Configuration(q -> q.bucketARN("arn:aws:s3:::orders-dlq")
                                .expectedBucketOwner(OWNER).errorOutputPrefix("bad/")))
                .tags(java.util.Map.of("team", "data")).build());
        assertEquals(300, active.s3DestinationConfiguration().dataFreshnessInSeconds());
        assertEquals("INTELLIGENT_TIERING", active.s3DestinationConfiguration().storageConfiguration()
                .storageClassAsString());
        assertEquals("bad/", active.s3DestinationConfiguration().deadLetterQueueS3Configuration().errorOutputPrefix());
        assertEquals(false, active.loggingConfiguration().cloudWatchLogs().enabled());

        put("orders", 0, 200, i -> "{\"n\":" + i + "}");
        put("orders", 200, 203, i -> "not json " + i);
        Path bucket = server.bucketDirectory("orders-bucket");
        Path dlq = server.bucketDirectory("orders-dlq");
        Duration moved = advanceUntil(Duration.ofSeconds(10), () -> lines(objects(bucket)).size() == 200
                && lines(objects(dlq)).size() == 3);
        assertTrue(moved.compareTo(Duration.ofSeconds(300)) >= 0, "delivered after " + moved
                + ", before DataFreshnessInSeconds (300 s) had passed");

        assertEquals(range(0, 200), duckDbValues(objects(bucket), data.resolve("scratch")));
        for (Path object : objects(bucket)) {
            String key = bucket.relativize(object).toString();
            assertTrue(key.matches("orders/orders-to-s3/2026-01-01/00-" + active.channelId()
                    + "-0-1-2026-01-01-00-00-\\d\\d-shardId-\\d{12}-\\d+-\\d+\\.gz"), key);
        }
        for (Path object : objects(dlq)) {
            assertTrue(dlq.relativize(object).toString().startsWith("bad/processing-failed/2026/01/01/00/"),
                    object.toString());
        }
        String errors = String.join("\n", lines(objects(dlq)));
        assertTrue(errors.contains("not valid JSON"), errors);
    }

    @Test
    void createChannel_zstdString_andByteArrayNone_writeRecordsAsTheFormatSays() {
        String streamArn = stream("logs", true);
        createActive(channel("logs-zstd", streamArn, "STRING", "ZSTD", "logs-bucket").build());
        ChannelDescription raw = createActive(channel("logs-raw", streamArn, "BYTE_ARRAY", "NONE", "raw-bucket")
                .s3DestinationConfiguration(d -> d.storageConfiguration(s -> s.bucketARN("arn:aws:s3:::raw-bucket")
                        .expectedBucketOwner(OWNER).compressionType("NONE").outputKeyTemplate("raw/!{channel-id}")))
                .build());
        put("logs", 0, 50, i -> "line " + i);
        Path zstd = server.bucketDirectory("logs-bucket");
        Path plain = server.bucketDirectory("raw-bucket");
        advanceUntil(Duration.ofSeconds(60), () -> lines(objects(zstd)).size() == 50
                && objects(plain).stream().mapToInt(o -> read(o).length).sum() == 50 * 6 + 40);
        assertEquals(IntStream.range(0, 50).mapToObj(i -> "line " + i).sorted().toList(),
                lines(objects(zstd)).stream().sorted().toList());
        objects(zstd).forEach(o -> assertTrue(o.toString().endsWith(".zst"), o.toString()));
        assertTrue(objects(zstd).get(0).toString().contains("kinesis-channel/logs-zstd/"), objects(zstd).toString());
        for (Path object : objects(plain)) {
            assertTrue(plain.relativize(object).toString().startsWith("raw/" + raw.channelId() + "-"),
                    object.toString());
        }
    }

    @Test
    void dataFreshness_isTheBufferInterval_andUpdateChannelChangesIt() {
        String streamArn = stream("clicks", true);
        String arn = createActive(channel("clicks-to-s3", streamArn, "JSON", "NONE", "clicks-bucket").build())
                .channelARN();
        Path bucket = server.bucketDirectory("clicks-bucket");
        put("clicks", 0, 10, i -> "{\"n\":" + i + "}");
        advanceUntil(Duration.ofSeconds(60), () -> lines(objects(bucket)).size() == 10);

        ChannelDescription updating = kinesis.updateChannel(b -> b.channelARN(arn)
                .s3DestinationConfiguration(s -> s.dataFreshnessInSeconds(900))
                .loggingConfiguration(l -> l.cloudWatchLogs(c -> c.enabled(true).logGroupName("/channels"))))
                .channelDescription();
        assertEquals(ChannelStatus.UPDATING, updating.channelStatus());
        assertThrows(ResourceInUseException.class, () -> kinesis.updateChannel(b -> b.channelARN(arn)
                .s3DestinationConfiguration(s -> s.dataFreshnessInSeconds(600))));
        ChannelDescription updated = awaitStatus(arn, ChannelStatus.ACTIVE);
        assertEquals(900, updated.s3DestinationConfiguration().dataFreshnessInSeconds());
        assertEquals("/channels", updated.loggingConfiguration().cloudWatchLogs().logGroupName());

        put("clicks", 10, 20, i -> "{\"n\":" + i + "}");
        Duration moved = advanceUntil(Duration.ofSeconds(10), () -> lines(objects(bucket)).size() == 20);
        assertTrue(moved.compareTo(Duration.ofSeconds(900)) >= 0, "delivered after " + moved
                + ", before the updated DataFreshnessInSeconds (900 s) had passed");
        assertEquals(IntStream.range(0, 20).mapToObj(i -> "{\"n\":" + i + "}").sorted().toList(),
                lines(objects(bucket)).stream().sorted().toList());
        assertTrue(objects(bucket).stream().anyMatch(o -> o.getFileName().toString().contains("-0-2-")),
                "objects after the update carry version 2");
    }

    @Test
    void deleteChannel_isDeletingThenGone_andTheNameCanBeReused() {
        String streamArn = stream("gone", true);
        String arn = createActive(channel("gone-channel", streamArn, "BYTE_ARRAY", "NONE", "gone-bucket").build())
                .channelARN();
        kinesis.deleteChannel(b -> b.channelARN(arn));
        assertEquals(ChannelStatus.DELETING,
                kinesis.describeChannel(b -> b.channelARN(arn)).channelDescription().channelStatus());
        time.advance(Duration.ofSeconds(1));
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThrows(ResourceNotFoundException.class,
                () -> kinesis.describeChannel(b -> b.channelARN(arn))));
        assertTrue(engine.listReaders("gone").isEmpty(), "the channel's reader is deregistered");
        createActive(channel("gone-channel", streamArn, "BYTE_ARRAY", "NONE", "gone-bucket").build());
    }

    @Test
    void listChannels_filtersByStreamAndPages() {
        String a = stream("list-a", true);
        String b = stream("list-b", true);
        for (String name : List.of("c1", "c2", "c3")) {
            createActive(channel(name, a, "JSON", "NONE", "list-bucket").build());
        }
        createActive(channel("c4", b, "JSON", "NONE", "list-bucket").build());
        ListChannelsResponse first = kinesis.listChannels(r -> r.maxResults(2).streamFilter(f -> f.streamARN(a)));
        assertEquals(List.of("c1", "c2"), first.channelSummaries().stream().map(s -> s.channelName()).toList());
        assertEquals("S3", first.channelSummaries().get(0).channelDestinationTypeAsString());
        assertEquals(a, first.channelSummaries().get(0).streams().get(0).streamARN());
        ListChannelsResponse second = kinesis.listChannels(r -> r.maxResults(2).nextToken(first.nextToken())
                .streamFilter(f -> f.streamARN(a)));
        assertEquals(List.of("c3"), second.channelSummaries().stream().map(s -> s.channelName()).toList());
        assertEquals(null, second.nextToken());
        assertEquals(List.of("c1", "c2", "c3", "c4"), kinesis.listChannels(r -> { }).channelSummaries().stream()
                .map(s -> s.channelName()).toList());
        assertThrows(ValidationException.class, () -> kinesis.listChannels(r -> r.maxResults(0)));
        assertThrows(InvalidArgumentException.class, () -> kinesis.listChannels(r -> r.nextToken("bogus")));
        time.advance(Duration.ofSeconds(301));
        KinesisException expired = assertThrows(KinesisException.class, () -> kinesis.listChannels(r -> r
                .nextToken(first.nextToken())));
        assertEquals("ExpiredNextTokenException", expired.awsErrorDetails().errorCode());
    }

    @Test
    void restart_reloadsTheChannel_andResumesWithoutDuplicates() throws Exception {
        String streamArn = stream("durable", true);
        String arn = createActive(channel("durable-channel", streamArn, "JSON", "GZIP", "durable-bucket").build())
                .channelARN();
        put("durable", 0, 100, i -> "{\"n\":" + i + "}");
        Path bucket = server.bucketDirectory("durable-bucket");
        advanceUntil(Duration.ofSeconds(60), () -> lines(objects(bucket)).size() == 100);
        put("durable", 100, 150, i -> "{\"n\":" + i + "}");
        stopServer();

        startServer();
        ChannelDescription reloaded = kinesis.describeChannel(b -> b.channelARN(arn)).channelDescription();
        assertEquals(ChannelStatus.ACTIVE, reloaded.channelStatus());
        put("durable", 150, 200, i -> "{\"n\":" + i + "}");
        advanceUntil(Duration.ofSeconds(60), () -> lines(objects(bucket)).size() >= 200);
        assertEquals(range(0, 200), duckDbValues(objects(bucket), data.resolve("scratch")));
    }

    @Test
    void createChannel_errors_asAwsDocumentsThem() {
        String onDemand = stream("errors", true);
        String provisioned = stream("provisioned", false);
        time.advance(Duration.ofSeconds(1));
        assertThrows(ValidationException.class, () -> kinesis.createChannel(channel("bad name!", onDemand, "JSON",
                "GZIP", "e-bucket").build()));
        assertThrows(ValidationException.class, () -> kinesis.createChannel(channel("e", onDemand, "JSON", "GZIP",
                "e-bucket").serviceExecutionRoleARN("role").build()));
        assertThrows(ValidationException.class, () -> kinesis.createChannel(channel("e", "arn:aws:kinesis:x", "JSON",
                "GZIP", "e-bucket").build()));
        time.advance(Duration.ofSeconds(1));
        assertThrows(ValidationException.class, () -> kinesis.createChannel(channel("e", onDemand, "XML", "GZIP",
                "e-bucket").build()));
        assertThrows(ResourceNotFoundException.class, () -> kinesis.createChannel(channel("e",
                onDemand.replace("/errors", "/missing"), "JSON", "GZIP", "e-bucket").build()));
        InvalidArgumentException mode = assertThrows(InvalidArgumentException.class, () -> kinesis.createChannel(
                channel("e", provisioned, "JSON", "GZIP", "e-bucket").build()));
        assertTrue(mode.getMessage().contains("ON_DEMAND"), mode.getMessage());
        time.advance(Duration.ofSeconds(1));
        InvalidArgumentException gsr = assertThrows(InvalidArgumentException.class, () -> kinesis.createChannel(
                channel("e", onDemand, "GSR_JSON", "GZIP", "e-bucket").build()));
        assertTrue(gsr.getMessage().contains("Glue Schema Registry"), gsr.getMessage());
        InvalidArgumentException tables = assertThrows(InvalidArgumentException.class, () -> kinesis.createChannel(
                channel("e", onDemand, "JSON", "GZIP", "e-bucket").s3DestinationConfiguration(
                        (software.amazon.awssdk.services.kinesis.model.S3DestinationConfiguration) null)
                        .s3TablesDestinationConfiguration(t -> t.dataFreshnessInSeconds(300)
                                .deadLetterQueueS3Configuration(q -> q.bucketARN("arn:aws:s3:::e-dlq")
                                        .expectedBucketOwner(OWNER))
                                .s3TablesConfigurationList(c -> c.tableBucketARN(
                                        "arn:aws:s3tables:us-east-1:000000000000:bucket/tables").namespace("ns")
                                        .tableName("t").compressionType("ZSTD"))).build()));
        // S3 Tables are served (KinesisChannelsS3TablesContract); a table that does not exist is refused.
        assertTrue(tables.awsErrorDetails().errorMessage().startsWith("Table ns.t does not exist in table bucket"),
                tables.awsErrorDetails().errorMessage());
        InvalidArgumentException none = assertThrows(InvalidArgumentException.class, () -> kinesis.createChannel(
                channel("e", onDemand, "JSON", "GZIP", "e-bucket").s3DestinationConfiguration(
                        (software.amazon.awssdk.services.kinesis.model.S3DestinationConfiguration) null).build()));
        assertTrue(none.getMessage().contains("destination is required"), none.getMessage());
        time.advance(Duration.ofSeconds(1));
        assertThrows(InvalidArgumentException.class, () -> kinesis.createChannel(channel("e", onDemand, "JSON",
                "GZIP", "e-bucket").s3DestinationConfiguration(d -> d.dataFreshnessInSeconds(60)
                .storageConfiguration(s -> s.bucketARN("arn:aws:s3:::e-bucket").expectedBucketOwner(OWNER)
                        .compressionType("GZIP"))).build()));
        InvalidArgumentException template = assertThrows(InvalidArgumentException.class, () -> kinesis.createChannel(
                channel("e", onDemand, "JSON", "GZIP", "e-bucket").s3DestinationConfiguration(d -> d
                        .storageConfiguration(s -> s.bucketARN("arn:aws:s3:::e-bucket").expectedBucketOwner(OWNER)
                                .compressionType("GZIP").outputKeyTemplate("x/!{shard}/y"))).build()));
        assertTrue(template.getMessage().contains("unknown variable !{shard}"), template.getMessage());

        createActive(channel("e", onDemand, "JSON", "GZIP", "e-bucket").build());
        time.advance(Duration.ofSeconds(1));
        assertThrows(ResourceInUseException.class, () -> kinesis.createChannel(channel("e", onDemand, "JSON", "GZIP",
                "e-bucket").build()));
    }

    @Test
    void createChannel_moreThanFivePerSecond_isLimitExceeded() {
        String streamArn = stream("burst", true);
        time.advance(Duration.ofSeconds(1));
        for (int i = 0; i < 5; i++) {
            int n = i;
            kinesis.createChannel(channel("burst-" + n, streamArn, "JSON", "NONE", "burst-bucket").build());
        }
        LimitExceededException e = assertThrows(LimitExceededException.class, () -> kinesis.createChannel(
                channel("burst-5", streamArn, "JSON", "NONE", "burst-bucket").build()));
        assertTrue(e.getMessage().contains("5 calls per second"), e.getMessage());
        time.advance(Duration.ofMillis(200));
        kinesis.createChannel(channel("burst-5", streamArn, "JSON", "NONE", "burst-bucket").build());
    }

    @Test
    void describeUpdateDelete_errors_asAwsDocumentsThem() {
        String streamArn = stream("ops", true);
        String missing = "arn:aws:kinesis:us-east-1:000000000000:channel/missing";
        assertThrows(ValidationException.class, () -> kinesis.describeChannel(b -> b.channelARN("not-an-arn")));
        assertThrows(ResourceNotFoundException.class, () -> kinesis.describeChannel(b -> b.channelARN(missing)));
        assertThrows(ResourceNotFoundException.class, () -> kinesis.deleteChannel(b -> b.channelARN(missing)));
        assertThrows(ValidationException.class, () -> kinesis.deleteChannel(b -> b.channelARN("arn:aws:s3:::x")));
        assertThrows(ResourceNotFoundException.class, () -> kinesis.updateChannel(b -> b.channelARN(missing)
                .s3DestinationConfiguration(s -> s.dataFreshnessInSeconds(600))));

        time.advance(Duration.ofSeconds(1));
        String arn = kinesis.createChannel(channel("ops-channel", streamArn, "JSON", "NONE", "ops-bucket").build())
                .channelDescription().channelARN();
        ResourceInUseException creating = assertThrows(ResourceInUseException.class, () -> kinesis.updateChannel(b ->
                b.channelARN(arn).s3DestinationConfiguration(s -> s.dataFreshnessInSeconds(600))));
        assertTrue(creating.getMessage().contains("CREATING"), creating.getMessage());
        awaitStatus(arn, ChannelStatus.ACTIVE);
        assertThrows(InvalidArgumentException.class, () -> kinesis.updateChannel(b -> b.channelARN(arn)
                .s3DestinationConfiguration(s -> s.dataFreshnessInSeconds(1000))));
        assertThrows(InvalidArgumentException.class, () -> kinesis.updateChannel(b -> b.channelARN(arn)));
        assertThrows(InvalidArgumentException.class, () -> kinesis.updateChannel(b -> b.channelARN(arn)
                .s3TablesDestinationConfiguration(s -> s.dataFreshnessInSeconds(600))));
        assertThrows(ValidationException.class, () -> kinesis.updateChannel(b -> b.channelARN(arn)
                .loggingConfiguration(l -> l.cloudWatchLogs(c -> c.enabled(true).logGroupName("bad group")))));
    }
}
