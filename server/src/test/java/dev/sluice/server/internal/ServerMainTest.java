package dev.sluice.server.internal;

import dev.sluice.server.Clients;
import dev.sluice.server.SluiceServer;
import dev.sluice.stream.ShardLimits;
import dev.sluice.stream.StreamEngine;
import dev.sluice.stream.StreamException;
import dev.sluice.stream.ThrottleMode;
import dev.sluice.stream.WaitStrategy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.kinesis.model.PutRecordsRequestEntry;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The command line: every option documented with its default, values reaching the builder, mistakes refused. */
@Timeout(60)
class ServerMainTest {

    private static ServerMain parse(String... args) {
        return ServerMain.parse(args);
    }

    @Test
    void help_describesEveryOptionWithItsDefault() {
        CommandLine command = new CommandLine(ServerMain.spec());
        for (CommandLine.Model.OptionSpec option : command.getCommandSpec().options()) {
            if (option.usageHelp()) {
                continue;
            }
            String description = String.join(" ", option.description());
            assertTrue(description.contains("Default") || option.longestName().equals("--in-memory"),
                    option.longestName() + " does not state its default: " + description);
        }
        String usage = command.getUsageMessage(CommandLine.Help.Ansi.OFF);
        for (String name : List.of("--host", "--port", "--data-dir", "--in-memory", "--buckets-dir", "--s3-endpoint",
                "--lambda-endpoint", "--region", "--throttle", "--writer-wait", "--shard-write-bytes-per-second",
                "--shard-write-records-per-second", "--shard-read-bytes-per-second", "--shard-read-calls-per-second",
                "--credentials", "--access-key-id", "--max-request-bytes", "--tls", "--header-timeout-seconds",
                "--idle-timeout-seconds", "--max-connections", "--log-level", "--help")) {
            assertTrue(usage.contains(name), name + " missing from --help");
        }
        assertTrue(usage.contains("Default: reject"), usage);
        assertTrue(usage.contains("Default: auto"), usage);
        assertTrue(usage.contains("Default: ./sluice-data"), usage);
        assertTrue(usage.contains("Default: warn"), usage);
    }

    /** Every option field of a parse, by name, to compare the hand parser with picocli. */
    private static java.util.Map<String, Object> fields(ServerMain options) throws IllegalAccessException {
        java.util.Map<String, Object> fields = new java.util.TreeMap<>();
        for (java.lang.reflect.Field field : ServerMain.class.getDeclaredFields()) {
            if (!java.lang.reflect.Modifier.isStatic(field.getModifiers())) {
                fields.put(field.getName(), field.get(options));
            }
        }
        return fields;
    }

    @Test
    void parseSimple_onPlainLines_equalsPicocli() throws IllegalAccessException {
        List<List<String>> lines = List.of(List.of(), List.of("--port", "0"), List.of("--port=0", "--in-memory"),
                List.of("--host", "0.0.0.0", "--port", "4568", "--data-dir", "/tmp/x y", "--buckets-dir", "b",
                        "--region", "eu-west-1", "--throttle", "OFF", "--writer-wait", "blocking", "--tls"),
                List.of("--writer-wait=Busy-Spin"), List.of("--writer-wait", "AUTO"),
                List.of("--s3-endpoint", "http://127.0.0.1:9000", "--lambda-endpoint=http://localhost:9001/",
                        "--shard-write-bytes-per-second", "2097152", "--shard-write-records-per-second", "5000",
                        "--shard-read-bytes-per-second", "4194304", "--shard-read-calls-per-second", "50"),
                List.of("--credentials", "AKID:se=cret", "--credentials=B:c", "--access-key-id", "x",
                        "--access-key-id", "y", "--max-request-bytes", "1024", "--header-timeout-seconds", "5",
                        "--idle-timeout-seconds", "7", "--max-connections", "10", "--log-level", "DEBUG"),
                List.of("--throttle=block", "--log-level", "loud", "--port", "70000"));
        for (List<String> line : lines) {
            String[] args = line.toArray(String[]::new);
            ServerMain simple = ServerMain.parseSimple(args);
            assertTrue(simple != null, "parsed without picocli: " + line);
            assertEquals(fields(ServerMain.parseWithPicocli(args)), fields(simple), line.toString());
        }
    }

    @Test
    void parseSimple_onHelpMistakesAndUnusualForms_leavesThemToPicocli() {
        for (List<String> line : List.of(List.of("--help"), List.of("-h"), List.of("--port", "many"),
                List.of("--port", "-1"), List.of("--port", "0x10"), List.of("--port", "010"), List.of("--port"),
                List.of("--port", "1", "--port", "2"), List.of("--no-such-option"), List.of("positional"),
                List.of("--throttle", "fast"), List.of("--writer-wait", "spin"), List.of("--tls=true"), List.of("--in-memory", "--in-memory"),
                List.of("@args.txt"), List.of("--region", "@r"), List.of("--s3-endpoint", "http://a b"),
                List.of("--shard-write-bytes-per-second", "10485760000"), List.of("--host", ""),
                List.of("--region", "--port"))) {
            assertEquals(null, ServerMain.parseSimple(line.toArray(String[]::new)), line.toString());
        }
    }

    @Test
    void logLevelArgument_isReadBeforeParsing_andFallsBackToWarnWhenInvalid() {
        assertEquals("warn", ServerMain.logLevelArgument(new String[]{"--port", "0"}));
        assertEquals("debug", ServerMain.logLevelArgument(new String[]{"--log-level", "DEBUG"}));
        assertEquals("error", ServerMain.logLevelArgument(new String[]{"--log-level=error"}));
        assertEquals("warn", ServerMain.logLevelArgument(new String[]{"--log-level", "loud"}));
        assertEquals("warn", ServerMain.logLevelArgument(new String[]{"--log-level"}));
    }

    @Test
    void defaults_areTheDataDirectoryRejectAndWarn() {
        ServerMain options = parse();
        assertEquals(false, options.inMemory);
        assertEquals(false, options.help);
        assertEquals(List.of(), options.credentials);
        assertEquals(SluiceServer.DEFAULT_MAX_REQUEST_BYTES, options.maxRequestBytes);
        assertEquals(Path.of("sluice-data"), options.dataDirectory());
        assertEquals(ThrottleMode.REJECT, options.throttle);
        assertEquals(null, options.writerWait, "auto: the server picks by processor count");
        assertEquals("warn", options.logLevel);
        assertEquals(4567, options.port);
    }

    @Test
    void dataDirectory_holdsBucketsAndFirehoseStateSideBySide(@TempDir Path dir) {
        Path data = dir.resolve("data");
        try (SluiceServer server = parse("--port", "0", "--data-dir", data.toString()).builder().build().start()) {
            assertEquals(data.resolve("buckets").toAbsolutePath(), server.bucketsDirectory());
            assertTrue(Files.isDirectory(data.resolve("streams")), "durable streams under the data directory");
        }
    }

    @Test
    void inMemory_keepsBucketsAndStateInOneTemporaryDirectory_stateOutsideTheBuckets() {
        try (SluiceServer server = parse("--port", "0", "--in-memory").builder().build().start()) {
            Path buckets = server.bucketsDirectory();
            assertEquals("buckets", buckets.getFileName().toString());
            assertTrue(buckets.getParent().getFileName().toString().startsWith("sluice-"), buckets.toString());
            assertTrue(Files.notExists(buckets.resolve(".firehose-state")));
        }
    }

    private static List<PutRecordsRequestEntry> batch(int n) {
        return IntStream.range(0, n).mapToObj(i -> PutRecordsRequestEntry.builder().partitionKey("k")
                .data(SdkBytes.fromUtf8String("x")).build()).toList();
    }

    private static int failedOfTen(String throttle) {
        try (SluiceServer server = parse("--port", "0", "--in-memory", "--throttle", throttle,
                "--shard-write-records-per-second", "1").builder().build().start();
             KinesisClient kinesis = Clients.kinesis(server.endpoint(), true, false)) {
            kinesis.createStream(b -> b.streamName("limited").shardCount(1));
            return kinesis.putRecords(b -> b.streamName("limited").records(batch(10))).failedRecordCount();
        }
    }

    @Test
    void throttleAndShardLimits_reachTheEngine_rejectThrottlesAndOffDoesNot() {
        assertTrue(failedOfTen("reject") >= 8, "1 record/s per shard, 10 at once: most are throttled");
        assertEquals(0, failedOfTen("OFF"));
    }

    @Test
    void shardLimits_reachNewStreams_unsetOnesKeepKinesisValues() {
        try (SluiceServer server = parse("--port", "0", "--in-memory", "--shard-read-calls-per-second", "50",
                "--shard-write-bytes-per-second", "2097152").builder().build().start();
             KinesisClient kinesis = Clients.kinesis(server.endpoint(), false, false)) {
            kinesis.createStream(b -> b.streamName("tuned").shardCount(1));
            ShardLimits kinesisLimits = ShardLimits.KINESIS;
            assertEquals(new ShardLimits(2_097_152, kinesisLimits.writeRecordsPerSecond(),
                    kinesisLimits.readBytesPerSecond(), 50), server.engine().describeStreamSummary("tuned").shardLimits());
        }
        StreamException tooSmall = assertThrows(StreamException.class,
                () -> parse("--shard-write-bytes-per-second", "10").builder());
        assertTrue(tooSmall.getMessage().startsWith("writeBytesPerSecond must be in [1048576"), tooSmall.getMessage());
    }

    @Test
    void writerWait_reachesTheEngine_autoPicksByProcessorCount() {
        try (SluiceServer server = parse("--port", "0", "--in-memory", "--writer-wait", "busy-spin").builder().build()
                .start()) {
            assertEquals(WaitStrategy.BUSY_SPIN, server.engine().waitStrategy());
        }
        try (SluiceServer server = parse("--port", "0", "--in-memory").builder().build().start()) {
            assertEquals(ServerRuntime.defaultWriterWaitStrategy(Runtime.getRuntime().availableProcessors()),
                    server.engine().waitStrategy());
        }
        assertEquals(WaitStrategy.BLOCKING, ServerRuntime.defaultWriterWaitStrategy(1));
        assertEquals(WaitStrategy.BLOCKING, ServerRuntime.defaultWriterWaitStrategy(2));
        assertEquals(WaitStrategy.PHASED_BACKOFF, ServerRuntime.defaultWriterWaitStrategy(3));
        assertEquals(WaitStrategy.PHASED_BACKOFF, ServerRuntime.defaultWriterWaitStrategy(64));
    }

    @Test
    void writerWaitStrategy_andAnEngineOfOnesOwn_areExclusive() {
        try (StreamEngine engine = StreamEngine.builder().build()) {
            StreamException both = assertThrows(StreamException.class, () -> SluiceServer.builder().engine(engine)
                    .writerWaitStrategy(WaitStrategy.BLOCKING).build());
            assertTrue(both.getMessage().contains("engine and writerWaitStrategy are exclusive"), both.getMessage());
        }
    }

    @Test
    void mistakes_areRefusedNamingTheOption() {
        CommandLine.ParameterException throttle = assertThrows(CommandLine.ParameterException.class,
                () -> parse("--throttle", "fast"));
        assertTrue(throttle.getMessage().contains("must be reject, block or off but was 'fast'"), throttle.getMessage());
        CommandLine.ParameterException wait = assertThrows(CommandLine.ParameterException.class,
                () -> parse("--writer-wait", "spin"));
        assertTrue(wait.getMessage().contains(
                "must be auto, phased-backoff, blocking, sleeping, yielding or busy-spin but was 'spin'"), wait.getMessage());
        assertThrows(CommandLine.ParameterException.class, () -> parse("--port", "many"));
        assertThrows(CommandLine.UnmatchedArgumentException.class, () -> parse("--no-such-option"));
        IllegalArgumentException both = assertThrows(IllegalArgumentException.class,
                () -> parse("--in-memory", "--data-dir", "x").builder());
        assertTrue(both.getMessage().contains("--in-memory and --data-dir are exclusive"), both.getMessage());
        IllegalArgumentException credentials = assertThrows(IllegalArgumentException.class,
                () -> parse("--credentials", "KEYONLY").builder());
        assertTrue(credentials.getMessage().contains("ACCESS_KEY_ID:SECRET"), credentials.getMessage());
        IllegalArgumentException secretHidden = assertThrows(IllegalArgumentException.class,
                () -> parse("--credentials", "KEY:").builder());
        assertTrue(!secretHidden.getMessage().contains("KEY:'"), secretHidden.getMessage());
        IllegalArgumentException level = assertThrows(IllegalArgumentException.class,
                () -> parse("--log-level", "loud").checkLogLevel());
        assertTrue(level.getMessage().contains("--log-level must be error, warn, info, debug or trace"),
                level.getMessage());
        StreamException port = assertThrows(StreamException.class, () -> parse("--port", "70000").builder().build());
        assertTrue(port.getMessage().contains("port must be in [0, 65535] but was 70000"), port.getMessage());
    }

    @Test
    void credentials_reachTheServer_whichThenVerifiesSignatures() {
        try (SluiceServer server = parse("--port", "0", "--in-memory", "--credentials", "AKIDSLUICETEST:secret")
                .builder().build().start();
             KinesisClient right = Clients.kinesis(server.endpoint(), true, false)) {
            right.listStreams();
        }
        try (SluiceServer server = parse("--port", "0", "--in-memory", "--credentials", "AKIDSLUICETEST:se:cret")
                .builder().build().start();
             KinesisClient wrong = Clients.kinesis(server.endpoint(), true, false)) {
            software.amazon.awssdk.awscore.exception.AwsServiceException e = assertThrows(
                    software.amazon.awssdk.awscore.exception.AwsServiceException.class, wrong::listStreams);
            assertEquals("InvalidSignatureException", e.awsErrorDetails().errorCode());
        }
    }
}
