package dev.sluice.server.internal;

import dev.sluice.server.SluiceServer;
import dev.sluice.stream.ShardLimits;
import dev.sluice.stream.SluiceException;
import dev.sluice.stream.ThrottleMode;
import dev.sluice.stream.WaitStrategy;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;

/**
 * {@code java -jar sluice-server.jar [options]}: starts a server, prints
 * {@code Sluice server listening on http://127.0.0.1:4567 (ready in N ms)} as the first stdout line (tests and users
 * parse it) and where buckets and data are on the next ones, and runs until the JVM is stopped (SIGTERM / Ctrl-C
 * close it cleanly through a shutdown hook). {@code --help} lists every option with its default.
 *
 * <p>Design note: the plain command lines are parsed by hand ({@link #parseSimple}); picocli parses the rest and
 * renders {@code --help} and the error messages, from a model built in code ({@link #spec()}) rather than from
 * annotations (the annotation scan cost about 60 ms of start-to-ready, the model itself about 80 ms). Every check of a value stays in {@link SluiceServer.Builder},
 * so the command line and the builder refuse the same things with the same messages. Logging (slf4j-simple in the
 * jar) is configured through its system properties before anything creates a logger; a {@code -D} the user passed
 * wins.
 */
public final class ServerMain {

    static final String DEFAULT_DATA_DIR = "sluice-data";

    boolean help;
    String host;
    int port;
    Path dataDir;
    boolean inMemory;
    Path bucketsDir;
    URI s3Endpoint;
    URI lambdaEndpoint;
    String region;
    ThrottleMode throttle;
    /** {@code --writer-wait}; null for {@code auto} (the server picks by processor count). */
    WaitStrategy writerWait;
    Long writeBytes;
    Integer writeRecords;
    Long readBytes;
    Integer readCalls;
    List<String> credentials;
    List<String> accessKeyIds;
    int maxRequestBytes;
    boolean tls;
    long headerTimeoutSeconds;
    long idleTimeoutSeconds;
    int maxConnections;
    String logLevel;

    ServerMain() {
    }

    /** The command line's model: every option, its type, default and help text. */
    static CommandSpec spec() {
        CommandSpec spec = CommandSpec.create().name("java -jar sluice-server.jar");
        spec.usageMessage().sortOptions(false).autoWidth(true)
                .description("Serves the Amazon Kinesis Data Streams and Amazon Data Firehose wire APIs, so the AWS"
                        + " SDKs and CLI talk to Sluice unchanged. Prints 'Sluice server listening on URL (ready in N"
                        + " ms)' first.")
                .footer("%nExit status: 0 after a clean stop (SIGTERM, Ctrl-C), 2 for a bad option, 1 if the server"
                        + " cannot start.");
        spec.addOption(flag("Print this help and exit.", "-h", "--help").usageHelp(true).build());
        spec.addOption(option("--host", String.class, "HOST", "127.0.0.1",
                "Address to bind; 0.0.0.0 for all interfaces. Default: ${DEFAULT-VALUE} (local clients only).").build());
        spec.addOption(option("--port", int.class, "PORT", "4567",
                "Port to bind; 0 picks a free one (read it from the first line). Default: ${DEFAULT-VALUE}.").build());
        spec.addOption(option("--data-dir", Path.class, "DIR", null,
                "Where everything persists: streams (durable storage) in DIR/streams, bucket directories in"
                        + " DIR/buckets, Firehose delivery streams in DIR/firehose-definitions and their checkpoints"
                        + " in DIR/firehose-state. Restarting on the same DIR recovers them. Default: ./"
                        + DEFAULT_DATA_DIR + ".").build());
        spec.addOption(flag("Keep streams in memory and put buckets and Firehose state in a new temporary directory, gone"
                + " with the process (for tests). Not with --data-dir.", "--in-memory").build());
        spec.addOption(option("--buckets-dir", Path.class, "DIR", null,
                "Where bucket directories of Firehose S3 destinations are (DIR/<bucket>). Default: <data dir>/buckets.").build());
        spec.addOption(option("--s3-endpoint", URI.class, "URL", null,
                "Send Firehose S3 destinations to this S3-compatible endpoint (path-style) instead of bucket"
                        + " directories. Needs software.amazon.awssdk:s3 on the class path. Default: none.").build());
        spec.addOption(option("--lambda-endpoint", URI.class, "URL", null,
                "Run Firehose Lambda processors by calling their LambdaArn through Lambda's Invoke API at this"
                        + " endpoint (any Lambda-compatible runtime). Default: none, Lambda processors are refused.").build());
        spec.addOption(option("--region", String.class, "REGION", SluiceServer.DEFAULT_REGION,
                "Region in stream and delivery stream ARNs. Default: ${DEFAULT-VALUE}.").build());
        spec.addOption(option("--throttle", ThrottleMode.class, "MODE", "reject",
                "Over a shard's limits: reject (as Kinesis: ProvisionedThroughputExceededException, for resilience"
                        + " tests), block (wait for capacity) or off (no limits, for load tests)."
                        + " Default: ${DEFAULT-VALUE}.").converters(new ThrottleConverter()).build());
        spec.addOption(option("--writer-wait", WaitStrategy.class, "STRATEGY", "auto",
                "How the engine's writer threads wait for work: auto (blocking on one or two processors, where spinning"
                        + " between calls takes CPU from the server and its clients, else phased-backoff), phased-backoff"
                        + " (spin 10 us, yield up to 1 ms, then park), blocking, sleeping, yielding or busy-spin."
                        + " Default: ${DEFAULT-VALUE}.").converters(new WriterWaitConverter()).build());
        spec.addOption(option("--shard-write-bytes-per-second", Long.class, "N", null,
                "Bytes per second one shard accepts, at least 1048576. Default: 1048576 (Kinesis).").build());
        spec.addOption(option("--shard-write-records-per-second", Integer.class, "N", null,
                "Records per second one shard accepts. Default: 1000 (Kinesis).").build());
        spec.addOption(option("--shard-read-bytes-per-second", Long.class, "N", null,
                "Bytes per second GetRecords returns from one shard. Default: 2097152 (Kinesis).").build());
        spec.addOption(option("--shard-read-calls-per-second", Integer.class, "N", null,
                "GetRecords calls per second on one shard. Default: 5 (Kinesis).").build());
        spec.addOption(option("--credentials", List.class, "ACCESS_KEY_ID:SECRET", null,
                "Verify SigV4 signatures of requests signed with this key (repeatable): a wrong signature gets"
                        + " InvalidSignatureException, a clock more than 5 minutes off too, another key"
                        + " UnrecognizedClientException, no signature MissingAuthenticationTokenException."
                        + " Default: none, any or no signature is accepted.").auxiliaryTypes(String.class).build());
        spec.addOption(option("--access-key-id", List.class, "ID", null,
                "Accept requests signed with this key id without verifying the signature (repeatable); others get"
                        + " UnrecognizedClientException. Default: none, any key id is accepted.")
                .auxiliaryTypes(String.class).build());
        spec.addOption(option("--max-request-bytes", int.class, "N", Integer.toString(SluiceServer.DEFAULT_MAX_REQUEST_BYTES),
                "Largest request body; larger ones get an AWS-shaped 413. Default: ${DEFAULT-VALUE} (16 MiB).").build());
        spec.addOption(flag("Serve HTTPS (ALPN h2 and http/1.1) with a self-signed certificate for localhost generated at"
                + " start. Default: cleartext HTTP/1.1 and HTTP/2.", "--tls").build());
        spec.addOption(option("--header-timeout-seconds", long.class, "S", "20",
                "Seconds a client has to send a request's headers. Default: ${DEFAULT-VALUE}.").build());
        spec.addOption(option("--idle-timeout-seconds", long.class, "S", "120",
                "Seconds an idle connection stays open. Default: ${DEFAULT-VALUE}.").build());
        spec.addOption(option("--max-connections", int.class, "N", Integer.toString(SluiceServer.DEFAULT_MAX_CONNECTIONS),
                "Connections open at once; more are closed on accept. Default: ${DEFAULT-VALUE}.").build());
        spec.addOption(option("--log-level", String.class, "LEVEL", "warn",
                "Log level on stderr: error, warn, info, debug or trace. Default: ${DEFAULT-VALUE}.").build());
        return spec;
    }

    /** An option taking a value, with its default if it has one. */
    private static OptionSpec.Builder option(String name, Class<?> type, String label,
                                             String defaultValue, String description) {
        OptionSpec.Builder option = OptionSpec.builder(name).type(type).paramLabel(label).description(description);
        if (defaultValue != null) {
            option.defaultValue(defaultValue);
        }
        return option;
    }

    /** An option without a value, false unless given. */
    private static OptionSpec.Builder flag(String description, String... names) {
        return OptionSpec.builder(names).type(boolean.class).arity("0").defaultValue("false").description(description);
    }

    /**
     * Parses a command line into options: {@link #parseSimple} when it can, else picocli.
     *
     * @throws CommandLine.ParameterException naming the bad option or value
     */
    static ServerMain parse(String... args) {
        ServerMain simple = parseSimple(args);
        return simple != null ? simple : parseWithPicocli(args);
    }

    /** Options that take one value; each may be given once. */
    private static final Set<String> SINGLE_VALUED = Set.of("--host", "--port", "--data-dir", "--buckets-dir",
            "--s3-endpoint", "--lambda-endpoint", "--region", "--throttle", "--writer-wait",
            "--shard-write-bytes-per-second",
            "--shard-write-records-per-second", "--shard-read-bytes-per-second", "--shard-read-calls-per-second",
            "--max-request-bytes", "--header-timeout-seconds", "--idle-timeout-seconds", "--max-connections",
            "--log-level");
    /** Digits of a decimal that fits an int (and a long), without sign, spaces or radix prefix. */
    private static final int MAX_PLAIN_DIGITS = 9;

    /**
     * Parses the plain forms of a command line without picocli, whose model and converters cost about 80 ms of
     * start-to-ready: known long options, as {@code --name value} or {@code --name=value}, each single-valued one
     * at most once, numbers as plain decimals of up to {@value #MAX_PLAIN_DIGITS} digits, other values not starting
     * with {@code -}. Anything else ({@code --help}, a mistake, an unusual form) returns null and picocli parses
     * the whole line, so help and error messages are picocli's. On the lines it accepts the result equals
     * picocli's ({@code ServerMainTest} checks them side by side).
     *
     * @return the options, or null if picocli must parse
     */
    static ServerMain parseSimple(String[] args) {
        Map<String, String> values = new HashMap<>();
        List<String> credentials = new ArrayList<>();
        List<String> accessKeyIds = new ArrayList<>();
        boolean inMemory = false;
        boolean tls = false;
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (arg.startsWith("@")) {
                return null; // picocli's argument files
            }
            String name = arg;
            String value = null;
            int equals = arg.indexOf('=');
            if (equals > 0) {
                name = arg.substring(0, equals);
                value = arg.substring(equals + 1);
            }
            if (name.equals("--in-memory") || name.equals("--tls")) {
                if (value != null || (name.equals("--tls") ? tls : inMemory)) {
                    return null;
                }
                if (name.equals("--tls")) {
                    tls = true;
                } else {
                    inMemory = true;
                }
                continue;
            }
            boolean repeatable = name.equals("--credentials") || name.equals("--access-key-id");
            if (!repeatable && !SINGLE_VALUED.contains(name)) {
                return null;
            }
            if (value == null) {
                if (i + 1 == args.length) {
                    return null;
                }
                value = args[++i];
            }
            if (value.isEmpty() || value.startsWith("-") || value.startsWith("@")) {
                return null;
            }
            if (repeatable) {
                (name.equals("--credentials") ? credentials : accessKeyIds).add(value);
            } else if (values.putIfAbsent(name, value) != null) {
                return null;
            }
        }
        ServerMain options = new ServerMain();
        try {
            options.host = values.getOrDefault("--host", "127.0.0.1");
            options.port = plainInt(values.getOrDefault("--port", "4567"));
            options.dataDir = values.containsKey("--data-dir") ? Path.of(values.get("--data-dir")) : null;
            options.inMemory = inMemory;
            options.bucketsDir = values.containsKey("--buckets-dir") ? Path.of(values.get("--buckets-dir")) : null;
            options.s3Endpoint = values.containsKey("--s3-endpoint") ? new URI(values.get("--s3-endpoint")) : null;
            options.lambdaEndpoint = values.containsKey("--lambda-endpoint")
                    ? new URI(values.get("--lambda-endpoint")) : null;
            options.region = values.getOrDefault("--region", SluiceServer.DEFAULT_REGION);
            options.throttle = ThrottleMode.valueOf(values.getOrDefault("--throttle", "reject")
                    .toUpperCase(Locale.ROOT));
            options.writerWait = writerWait(values.getOrDefault("--writer-wait", "auto"));
            options.writeBytes = values.containsKey("--shard-write-bytes-per-second")
                    ? (long) plainInt(values.get("--shard-write-bytes-per-second")) : null;
            options.writeRecords = values.containsKey("--shard-write-records-per-second")
                    ? plainInt(values.get("--shard-write-records-per-second")) : null;
            options.readBytes = values.containsKey("--shard-read-bytes-per-second")
                    ? (long) plainInt(values.get("--shard-read-bytes-per-second")) : null;
            options.readCalls = values.containsKey("--shard-read-calls-per-second")
                    ? plainInt(values.get("--shard-read-calls-per-second")) : null;
            options.credentials = List.copyOf(credentials);
            options.accessKeyIds = List.copyOf(accessKeyIds);
            options.maxRequestBytes = plainInt(values.getOrDefault("--max-request-bytes",
                    Integer.toString(SluiceServer.DEFAULT_MAX_REQUEST_BYTES)));
            options.tls = tls;
            options.headerTimeoutSeconds = plainInt(values.getOrDefault("--header-timeout-seconds", "20"));
            options.idleTimeoutSeconds = plainInt(values.getOrDefault("--idle-timeout-seconds", "120"));
            options.maxConnections = plainInt(values.getOrDefault("--max-connections",
                    Integer.toString(SluiceServer.DEFAULT_MAX_CONNECTIONS)));
            options.logLevel = values.getOrDefault("--log-level", "warn");
        } catch (IllegalArgumentException | java.net.URISyntaxException e) { // InvalidPathException included
            return null; // picocli reports it, in its words
        }
        return options;
    }

    /** A plain decimal of 1 to {@link #MAX_PLAIN_DIGITS} digits, no leading zero; anything else is left to picocli. */
    private static int plainInt(String value) {
        if (value.isEmpty() || value.length() > MAX_PLAIN_DIGITS || (value.length() > 1 && value.charAt(0) == '0')) {
            throw new IllegalArgumentException(value);
        }
        for (int i = 0; i < value.length(); i++) {
            if (value.charAt(i) < '0' || value.charAt(i) > '9') {
                throw new IllegalArgumentException(value);
            }
        }
        return Integer.parseInt(value);
    }

    /**
     * Parses any command line with picocli.
     *
     * @throws CommandLine.ParameterException naming the bad option or value
     */
    static ServerMain parseWithPicocli(String... args) {
        CommandSpec spec = spec();
        new CommandLine(spec).parseArgs(args);
        ServerMain options = new ServerMain();
        options.help = spec.findOption("--help").getValue();
        options.host = spec.findOption("--host").getValue();
        options.port = spec.findOption("--port").getValue();
        options.dataDir = spec.findOption("--data-dir").getValue();
        options.inMemory = spec.findOption("--in-memory").getValue();
        options.bucketsDir = spec.findOption("--buckets-dir").getValue();
        options.s3Endpoint = spec.findOption("--s3-endpoint").getValue();
        options.lambdaEndpoint = spec.findOption("--lambda-endpoint").getValue();
        options.region = spec.findOption("--region").getValue();
        options.throttle = spec.findOption("--throttle").getValue();
        options.writerWait = spec.findOption("--writer-wait").getValue();
        options.writeBytes = spec.findOption("--shard-write-bytes-per-second").getValue();
        options.writeRecords = spec.findOption("--shard-write-records-per-second").getValue();
        options.readBytes = spec.findOption("--shard-read-bytes-per-second").getValue();
        options.readCalls = spec.findOption("--shard-read-calls-per-second").getValue();
        options.credentials = valueOrEmpty(spec.findOption("--credentials").getValue());
        options.accessKeyIds = valueOrEmpty(spec.findOption("--access-key-id").getValue());
        options.maxRequestBytes = spec.findOption("--max-request-bytes").getValue();
        options.tls = spec.findOption("--tls").getValue();
        options.headerTimeoutSeconds = spec.findOption("--header-timeout-seconds").getValue();
        options.idleTimeoutSeconds = spec.findOption("--idle-timeout-seconds").getValue();
        options.maxConnections = spec.findOption("--max-connections").getValue();
        options.logLevel = spec.findOption("--log-level").getValue();
        return options;
    }

    private static List<String> valueOrEmpty(List<String> values) {
        return values == null ? List.of() : values;
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
     * A {@code --writer-wait} value: {@code auto} (null), or a {@link WaitStrategy} in lower case with hyphens, such as
     * {@code phased-backoff}, in any case.
     *
     * @throws IllegalArgumentException naming the accepted values
     */
    static WaitStrategy writerWait(String value) {
        if (value.equalsIgnoreCase("auto")) {
            return null;
        }
        for (WaitStrategy strategy : WaitStrategy.values()) {
            if (strategy.name().replace('_', '-').equalsIgnoreCase(value)) {
                return strategy;
            }
        }
        throw new IllegalArgumentException("must be auto, phased-backoff, blocking, sleeping, yielding or busy-spin but"
                + " was '" + value + "'");
    }

    /** Parses {@code --writer-wait} values ({@link #writerWait(String)}). */
    static final class WriterWaitConverter implements CommandLine.ITypeConverter<WaitStrategy> {
        @Override
        public WaitStrategy convert(String value) {
            try {
                return writerWait(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
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
        // Logging is configured before anything can create a logger.
        configureLogging(logLevelArgument(args));
        warmUpLogTimestamps();
        PrintWriter err = new PrintWriter(System.err, true);
        SluiceServer server;
        ServerMain options;
        try {
            options = parse(args);
            if (options.help) {
                new CommandLine(spec()).usage(System.out);
                return;
            }
            options.checkLogLevel();
            server = options.builder().build();
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
                + " directory, deleted when the server exits (--in-memory); --data-dir keeps them"
                : "Data: " + options.dataDirectory().toAbsolutePath().normalize() + " (streams, Firehose state)");
        System.out.flush();
        stopped.await();
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
        if (writerWait != null) {
            builder.writerWaitStrategy(writerWait);
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

    /**
     * Makes the log lines' date format on a short-lived thread while this one parses and builds: its first
     * {@link java.text.SimpleDateFormat} initialises the JDK's locale data (CLDR), which was a fifth of
     * start-to-ready when slf4j-simple did it while the server started. The JDK's class initialisation makes the
     * two safe to overlap; the format made here is dropped.
     */
    static void warmUpLogTimestamps() {
        String pattern = System.getProperty("org.slf4j.simpleLogger.dateTimeFormat");
        if (pattern == null || !Boolean.parseBoolean(System.getProperty("org.slf4j.simpleLogger.showDateTime"))) {
            return;
        }
        Thread warmUp = new Thread(() -> {
            try {
                new java.text.SimpleDateFormat(pattern).format(new java.util.Date(0));
            } catch (IllegalArgumentException e) {
                // A -D pattern slf4j-simple will reject in its own words when it reads it.
            }
        }, "sluice-server-log-format");
        warmUp.setDaemon(true);
        warmUp.start();
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
