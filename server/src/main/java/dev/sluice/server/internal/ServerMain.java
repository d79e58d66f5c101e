package dev.sluice.server.internal;

import dev.sluice.server.SluiceServer;
import dev.sluice.stream.ShardLimits;
import dev.sluice.stream.SluiceException;
import dev.sluice.stream.ThrottleMode;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;

/**
 * {@code java -jar sluice-server.jar [options]}: starts a server, prints
 * {@code Sluice server listening on http://127.0.0.1:4567 (ready in N ms)} as the first stdout line (tests and users
 * parse it) and where buckets and data are on the next ones, and runs until the JVM is stopped (SIGTERM / Ctrl-C
 * close it cleanly through a shutdown hook). {@code --help} lists every option with its default.
 *
 * <p>Design note: picocli parses; every check of a value stays in {@link SluiceServer.Builder}, so the command line
 * and the builder refuse the same things with the same messages. Logging (slf4j-simple in the jar) is configured
 * through its system properties before anything creates a logger; a {@code -D} the user passed wins.
 */
@Command(name = "java -jar sluice-server.jar", sortOptions = false, usageHelpAutoWidth = true,
        description = "Serves the Amazon Kinesis Data Streams and Amazon Data Firehose wire APIs, so the AWS SDKs and"
                + " CLI talk to Sluice unchanged. Prints 'Sluice server listening on URL (ready in N ms)' first.",
        footer = "%nExit status: 0 after a clean stop (SIGTERM, Ctrl-C), 2 for a bad option, 1 if the server cannot"
                + " start.")
public final class ServerMain {

    static final String DEFAULT_DATA_DIR = "sluice-data";

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Print this help and exit.")
    boolean help;

    @Option(names = "--host", paramLabel = "HOST", defaultValue = "127.0.0.1",
            description = "Address to bind; 0.0.0.0 for all interfaces. Default: ${DEFAULT-VALUE} (local clients only).")
    String host;

    @Option(names = "--port", paramLabel = "PORT", defaultValue = "4567",
            description = "Port to bind; 0 picks a free one (read it from the first line). Default: ${DEFAULT-VALUE}.")
    int port;

    @Option(names = "--data-dir", paramLabel = "DIR",
            description = "Where everything persists: streams (durable storage) in DIR/streams, bucket directories"
                    + " in DIR/buckets, Firehose delivery streams in DIR/firehose-state. Restarting on the same DIR"
                    + " recovers them. Default: ./" + DEFAULT_DATA_DIR + ".")
    Path dataDir;

    @Option(names = "--in-memory",
            description = "Keep streams in memory and put buckets and Firehose state in a new temporary directory,"
                    + " gone with the process (for tests). Not with --data-dir.")
    boolean inMemory;

    @Option(names = "--buckets-dir", paramLabel = "DIR",
            description = "Where bucket directories of Firehose S3 destinations are (DIR/<bucket>). Default:"
                    + " <data dir>/buckets.")
    Path bucketsDir;

    @Option(names = "--s3-endpoint", paramLabel = "URL",
            description = "Send Firehose S3 destinations to this S3-compatible endpoint (path-style) instead of bucket"
                    + " directories. Needs software.amazon.awssdk:s3 on the class path. Default: none.")
    URI s3Endpoint;

    @Option(names = "--lambda-endpoint", paramLabel = "URL",
            description = "Run Firehose Lambda processors by calling their LambdaArn through Lambda's Invoke API at"
                    + " this endpoint (any Lambda-compatible runtime). Default: none, Lambda processors are refused.")
    URI lambdaEndpoint;

    @Option(names = "--region", paramLabel = "REGION", defaultValue = SluiceServer.DEFAULT_REGION,
            description = "Region in stream and delivery stream ARNs. Default: ${DEFAULT-VALUE}.")
    String region;

    @Option(names = "--throttle", paramLabel = "MODE", defaultValue = "reject",
            converter = ThrottleConverter.class,
            description = "Over a shard's limits: reject (as Kinesis: ProvisionedThroughputExceededException, for"
                    + " resilience tests), block (wait for capacity) or off (no limits, for load tests)."
                    + " Default: ${DEFAULT-VALUE}.")
    ThrottleMode throttle;

    @Option(names = "--shard-write-bytes-per-second", paramLabel = "N",
            description = "Bytes per second one shard accepts, at least 1048576. Default: 1048576 (Kinesis).")
    Long writeBytes;

    @Option(names = "--shard-write-records-per-second", paramLabel = "N",
            description = "Records per second one shard accepts. Default: 1000 (Kinesis).")
    Integer writeRecords;

    @Option(names = "--shard-read-bytes-per-second", paramLabel = "N",
            description = "Bytes per second GetRecords returns from one shard. Default: 2097152 (Kinesis).")
    Long readBytes;

    @Option(names = "--shard-read-calls-per-second", paramLabel = "N",
            description = "GetRecords calls per second on one shard. Default: 5 (Kinesis).")
    Integer readCalls;

    @Option(names = "--credentials", paramLabel = "ACCESS_KEY_ID:SECRET",
            description = "Verify SigV4 signatures of requests signed with this key (repeatable): a wrong signature"
                    + " gets InvalidSignatureException, a clock more than 5 minutes off too, another key"
                    + " UnrecognizedClientException, no signature MissingAuthenticationTokenException."
                    + " Default: none, any or no signature is accepted.")
    List<String> credentials = new ArrayList<>();

    @Option(names = "--access-key-id", paramLabel = "ID",
            description = "Accept requests signed with this key id without verifying the signature (repeatable);"
                    + " others get UnrecognizedClientException. Default: none, any key id is accepted.")
    List<String> accessKeyIds = new ArrayList<>();

    @Option(names = "--max-request-bytes", paramLabel = "N", defaultValue = "" + SluiceServer.DEFAULT_MAX_REQUEST_BYTES,
            description = "Largest request body; larger ones get an AWS-shaped 413. Default: ${DEFAULT-VALUE}"
                    + " (16 MiB).")
    int maxRequestBytes;

    @Option(names = "--tls", description = "Serve HTTPS (ALPN h2 and http/1.1) with a self-signed certificate for"
            + " localhost generated at start. Default: cleartext HTTP/1.1 and HTTP/2.")
    boolean tls;

    @Option(names = "--header-timeout-seconds", paramLabel = "S", defaultValue = "20",
            description = "Seconds a client has to send a request's headers. Default: ${DEFAULT-VALUE}.")
    long headerTimeoutSeconds;

    @Option(names = "--idle-timeout-seconds", paramLabel = "S", defaultValue = "120",
            description = "Seconds an idle connection stays open. Default: ${DEFAULT-VALUE}.")
    long idleTimeoutSeconds;

    @Option(names = "--max-connections", paramLabel = "N", defaultValue = "" + SluiceServer.DEFAULT_MAX_CONNECTIONS,
            description = "Connections open at once; more are closed on accept. Default: ${DEFAULT-VALUE}.")
    int maxConnections;

    @Option(names = "--log-level", paramLabel = "LEVEL", defaultValue = "warn",
            description = "Log level on stderr: error, warn, info, debug or trace. Default: ${DEFAULT-VALUE}.")
    String logLevel;

    ServerMain() {
    }

    /** Parses {@code reject}, {@code block}, {@code off} in any case. */
    static final class ThrottleConverter implements CommandLine.ITypeConverter<ThrottleMode> {
        @Override
        public ThrottleMode convert(String value) {
            try {
                return ThrottleMode.valueOf(value.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException("must be reject, block or off but was '" + value + "'");
            }
        }
    }

    /**
     * Entry point.
     *
     * @param args the options; {@code --help} lists them
     * @throws InterruptedException if interrupted while running
     */
    public static void main(String[] args) throws InterruptedException {
        long startNanos = System.nanoTime();
        // Logging is configured before anything can create a logger, the warm-up's network classes included.
        configureLogging(logLevelArgument(args));
        Thread warmUp = new Thread(ServerMain::warmUp, "sluice-server-warmup");
        warmUp.setDaemon(true);
        warmUp.start();
        ServerMain options = new ServerMain();
        CommandLine command = new CommandLine(options);
        PrintWriter err = new PrintWriter(System.err, true);
        SluiceServer server;
        try {
            command.parseArgs(args);
            if (command.isUsageHelpRequested()) {
                command.usage(System.out);
                return;
            }
            options.checkLogLevel();
            server = options.builder().build();
            // Joined before the server starts, so no class is initialised by two threads at once.
            warmUp.join(WARM_UP_WAIT.toMillis());
        } catch (CommandLine.ParameterException | IllegalArgumentException | SluiceException e) {
            err.println("error: " + e.getMessage());
            err.println("Run with --help for the options and their defaults.");
            System.exit(2);
            return;
        }
        try {
            server.start();
        } catch (RuntimeException e) {
            err.println("error: the server cannot start: " + e.getMessage());
            System.exit(1);
            return;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stopped.countDown();
        }, "sluice-server-shutdown"));
        System.out.println("Sluice server listening on " + server.endpoint() + " (ready in "
                + (System.nanoTime() - startNanos) / 1_000_000 + " ms)");
        System.out.println("Buckets: " + server.bucketsDirectory() + " (Firehose S3 destinations write"
                + " <buckets>/<bucket>/<key>)");
        System.out.println(options.inMemory ? "Data: streams in memory, buckets and Firehose state in a new temporary"
                + " directory (--in-memory); --data-dir keeps them"
                : "Data: " + options.dataDirectory().toAbsolutePath().normalize() + " (streams, Firehose state)");
        System.out.flush();
        stopped.await();
    }

    /** How long start waits for the warm-up; it takes a fraction of a second. */
    private static final Duration WARM_UP_WAIT = Duration.ofSeconds(5);

    /**
     * Classes every start initialises (the network layer, the engine's ring buffer and meters), initialised on a
     * second thread while picocli parses the command line, which halves what picocli adds to start-to-ready on two
     * cores. A class that fails here fails the same way in the start that follows.
     */
    private static final List<String> WARM_CLASSES = List.of(
            "io.netty.util.internal.PlatformDependent", "io.netty.channel.nio.NioEventLoopGroup",
            "io.netty.bootstrap.ServerBootstrap", "io.netty.channel.socket.nio.NioServerSocketChannel",
            "io.netty.buffer.PooledByteBufAllocator", "com.lmax.disruptor.dsl.Disruptor",
            "io.micrometer.core.instrument.simple.SimpleMeterRegistry");

    private static void warmUp() {
        ClassLoader loader = ServerMain.class.getClassLoader();
        for (String name : WARM_CLASSES) {
            try {
                Class.forName(name, true, loader);
            } catch (ClassNotFoundException | LinkageError e) {
                return;
            }
        }
    }

    Path dataDirectory() {
        return dataDir != null ? dataDir : Path.of(DEFAULT_DATA_DIR);
    }

    SluiceServer.Builder builder() {
        if (inMemory && dataDir != null) {
            throw new IllegalArgumentException("--in-memory and --data-dir are exclusive: --in-memory keeps no data"
                    + " directory");
        }
        SluiceServer.Builder builder = SluiceServer.builder().host(host).port(port).region(region)
                .maxRequestBytes(maxRequestBytes).throttleMode(throttle)
                .requestHeaderTimeout(Duration.ofSeconds(headerTimeoutSeconds))
                .idleTimeout(Duration.ofSeconds(idleTimeoutSeconds)).maxConnections(maxConnections)
                .accessKeyIds(accessKeyIds);
        if (!inMemory) {
            builder.dataDirectory(dataDirectory());
        }
        if (bucketsDir != null) {
            builder.bucketsDirectory(bucketsDir);
        }
        if (s3Endpoint != null) {
            builder.s3Endpoint(s3Endpoint);
        }
        if (lambdaEndpoint != null) {
            builder.lambdaEndpoint(lambdaEndpoint);
        }
        if (tls) {
            builder.tls();
        }
        for (String credential : credentials) {
            int colon = credential.indexOf(':');
            if (colon <= 0 || colon == credential.length() - 1) {
                throw new IllegalArgumentException("--credentials must be ACCESS_KEY_ID:SECRET but was '"
                        + (colon < 0 ? credential : credential.substring(0, colon) + ":***") + "'");
            }
            builder.credentials(credential.substring(0, colon), credential.substring(colon + 1));
        }
        if (writeBytes != null || writeRecords != null || readBytes != null || readCalls != null) {
            ShardLimits kinesis = ShardLimits.KINESIS;
            builder.shardLimits(new ShardLimits(
                    writeBytes != null ? writeBytes : kinesis.writeBytesPerSecond(),
                    writeRecords != null ? writeRecords : kinesis.writeRecordsPerSecond(),
                    readBytes != null ? readBytes : kinesis.readBytesPerSecond(),
                    readCalls != null ? readCalls : kinesis.readCallsPerSecond()));
        }
        return builder;
    }

    private static final List<String> LOG_LEVELS = List.of("error", "warn", "info", "debug", "trace");

    void checkLogLevel() {
        if (!LOG_LEVELS.contains(logLevel.toLowerCase(Locale.ROOT))) {
            throw new IllegalArgumentException("--log-level must be error, warn, info, debug or trace but was '"
                    + logLevel + "'");
        }
    }

    /** The value of {@code --log-level L} or {@code --log-level=L} if valid, else the default; picocli checks later. */
    static String logLevelArgument(String[] args) {
        String level = "warn";
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--log-level") && i + 1 < args.length) {
                level = args[i + 1];
            } else if (args[i].startsWith("--log-level=")) {
                level = args[i].substring("--log-level=".length());
            }
        }
        level = level.toLowerCase(Locale.ROOT);
        return LOG_LEVELS.contains(level) ? level : "warn";
    }

    /** slf4j-simple reads these when the first logger is made; a property set with -D wins. */
    static void configureLogging(String level) {
        setIfAbsent("org.slf4j.simpleLogger.defaultLogLevel", level);
        setIfAbsent("org.slf4j.simpleLogger.logFile", "System.err");
        setIfAbsent("org.slf4j.simpleLogger.showDateTime", "true");
        setIfAbsent("org.slf4j.simpleLogger.dateTimeFormat", "yyyy-MM-dd'T'HH:mm:ss.SSSZ");
        setIfAbsent("org.slf4j.simpleLogger.showShortLogName", "true");
    }

    private static void setIfAbsent(String property, String value) {
        if (System.getProperty(property) == null) {
            System.setProperty(property, value);
        }
    }
}
