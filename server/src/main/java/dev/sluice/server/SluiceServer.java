package dev.sluice.server;

import dev.sluice.server.internal.ServerRuntime;
import dev.sluice.stream.ErrorCode;
import dev.sluice.stream.ShardLimits;
import dev.sluice.stream.StreamEngine;
import dev.sluice.stream.StreamException;
import dev.sluice.stream.ThrottleMode;
import dev.sluice.stream.WaitStrategy;

import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Serves a {@link StreamEngine} over the Amazon Kinesis Data Streams wire API ({@code Kinesis_20131202.*}, AWS JSON
 * 1.1 and CBOR) and Firehose delivery streams over the Amazon Data Firehose wire API ({@code Firehose_20150804.*}),
 * so the AWS SDKs and CLI talk to Sluice unchanged: point them at {@link #endpoint()} with any static credentials.
 *
 * <p>Transports: HTTP/1.1, cleartext HTTP/2 (upgrade and prior knowledge), and with {@link Builder#tls} HTTPS with
 * ALPN ({@code h2}, {@code http/1.1}). Binds {@code 127.0.0.1} by default.
 *
 * <pre>{@code
 * try (SluiceServer server = SluiceServer.builder().port(0).build().start()) {
 *     KinesisClient kinesis = KinesisClient.builder().endpointOverride(server.endpoint())
 *             .region(Region.US_EAST_1)
 *             .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("x", "y")))
 *             .build();
 *     kinesis.createStream(b -> b.streamName("orders").shardCount(2));
 * }
 * }</pre>
 *
 * <p>Thread-safety: {@link #start()} and {@link #close()} may be called from any thread; the accessors are safe
 * once started. The server owns its threads ({@code sluice-server-io-<n>} for the network,
 * {@code sluice-server-worker-<n>} for operations, {@code sluice-firehose-*} of its delivery streams) and ends them
 * in {@link #close()}. An engine passed to {@link Builder#engine} stays open; one the server built is closed.
 */
public final class SluiceServer implements AutoCloseable {

    /**
     * Default largest request body: 16 MiB, room for Kinesis's largest request, a 10 MiB PutRecord or PutRecords
     * (large records; data and keys together), base64-encoded in JSON (13.4 MiB) with its JSON around it.
     */
    public static final int DEFAULT_MAX_REQUEST_BYTES = 16 << 20;
    /** Default region in ARNs. */
    public static final String DEFAULT_REGION = "us-east-1";
    /** The account id in ARNs (the engine's, fixed). */
    public static final String DEFAULT_ACCOUNT_ID = "000000000000";
    /**
     * Default time a client has to send a request's headers: 20 s, Apache Tomcat's default {@code connectionTimeout}
     * (Kinesis documents none; the AWS SDKs send headers at once).
     */
    public static final Duration DEFAULT_REQUEST_HEADER_TIMEOUT = Duration.ofSeconds(20);
    /**
     * Default idle timeout: 120 s, longer than the AWS SDK for Java's 60 s {@code connectionMaxIdleTime}, so a
     * pooled client connection is retired by the client before the server closes it under a request.
     */
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(120);
    /** Default cap on open connections: 4,096 (the AWS SDK clients pool 50 each by default). */
    public static final int DEFAULT_MAX_CONNECTIONS = 4_096;

    private final ServerRuntime runtime;

    private SluiceServer(ServerRuntime runtime) {
        this.runtime = runtime;
    }

    /**
     * Starts a builder: in-memory engine, {@code 127.0.0.1}, a free port, any credentials accepted.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Binds the port and starts serving. Returns when the server accepts connections.
     *
     * @return this server
     * @throws IllegalStateException if the port cannot be bound or the server was closed
     */
    public SluiceServer start() {
        runtime.start();
        return this;
    }

    /**
     * Returns the URL to give the SDK's {@code endpointOverride}, e.g. {@code http://127.0.0.1:4567}.
     *
     * @return the endpoint
     * @throws IllegalStateException before {@link #start()}
     */
    public URI endpoint() {
        return runtime.endpoint();
    }

    /**
     * Returns the engine whose streams this server serves.
     *
     * @return the engine
     */
    public StreamEngine engine() {
        return runtime.engine();
    }

    /**
     * Returns the local directory that stands for an S3 bucket of Firehose destinations
     * ({@code <buckets directory>/<bucket name>}); objects land there when no S3 endpoint is configured.
     *
     * @param bucketName the bucket name from the destination's {@code BucketARN}
     * @return the directory (it may not exist yet)
     */
    public Path bucketDirectory(String bucketName) {
        return runtime.bucketDirectory(bucketName);
    }

    /**
     * Returns the directory that holds the bucket directories ({@link Builder#bucketsDirectory}, or
     * {@code <data directory>/buckets}, or {@code buckets} in a new temporary directory, deleted when the JVM exits).
     *
     * @return the absolute directory (it may not exist yet)
     * @throws IllegalStateException before {@link #start()}
     */
    public Path bucketsDirectory() {
        return runtime.bucketsDirectory();
    }

    /**
     * Stops accepting connections, closes the delivery streams (delivering what they buffer, up to a deadline), and
     * closes the engine if the server built it. Idempotent.
     */
    @Override
    public void close() {
        runtime.close();
    }

    /**
     * Configures a {@link SluiceServer}; {@link #build()} validates and names the first bad option.
     *
     * <p>Thread-safety: not thread-safe; use from one thread.
     */
    public static final class Builder {
        private StreamEngine engine;
        private Path dataDirectory;
        private Path bucketsDirectory;
        private URI s3Endpoint;
        private String host = "127.0.0.1";
        private int port;
        private int maxRequestBytes = DEFAULT_MAX_REQUEST_BYTES;
        private Set<String> accessKeyIds = Set.of();
        private String region = DEFAULT_REGION;
        private Clock clock = Clock.systemUTC();
        private boolean tls;
        private Path tlsCertificateChain;
        private Path tlsPrivateKey;
        private int workerThreads = Math.max(4, 2 * Runtime.getRuntime().availableProcessors());
        private Duration closeTimeout = Duration.ofSeconds(30);
        private Duration requestHeaderTimeout = DEFAULT_REQUEST_HEADER_TIMEOUT;
        private Duration idleTimeout = DEFAULT_IDLE_TIMEOUT;
        private int maxConnections = DEFAULT_MAX_CONNECTIONS;
        private URI lambdaEndpoint;
        private ThrottleMode throttleMode;
        private WaitStrategy writerWaitStrategy;
        private ShardLimits shardLimits = ShardLimits.KINESIS;
        private final Map<String, String> secrets = new LinkedHashMap<>();

        private Builder() {
        }

        /**
         * Serves an existing engine (it stays open after {@link SluiceServer#close()}). Default: the server builds
         * an in-memory engine, or a durable one in {@link #dataDirectory}.
         *
         * @param engine the engine
         * @return this builder
         */
        public Builder engine(StreamEngine engine) {
            this.engine = Objects.requireNonNull(engine, "engine");
            return this;
        }

        /**
         * Keeps bucket directories in {@code <dir>/buckets}, Firehose state (delivery checkpoints of stream
         * sources) in {@code <dir>/firehose-state}, and, for an engine the server builds, streams durably in
         * {@code <dir>/streams} ({@code Storage.durable}; needs Chronicle Queue's JVM flags, which the server jar's
         * manifest carries). With {@link #engine} the engine keeps its own streams; the data directory still keeps
         * buckets and state across restarts. Default: none; buckets and state go to a new temporary directory,
         * which stays readable after {@link SluiceServer#close()} and is deleted when the JVM exits.
         *
         * @param dataDirectory the directory; created if absent
         * @return this builder
         */
        public Builder dataDirectory(Path dataDirectory) {
            this.dataDirectory = Objects.requireNonNull(dataDirectory, "dataDirectory");
            return this;
        }

        /**
         * Where bucket directories of Firehose destinations are: {@code <dir>/<bucket name>}. Default
         * {@code <data directory>/buckets}, or a new temporary directory without a data directory.
         *
         * @param bucketsDirectory the directory
         * @return this builder
         */
        public Builder bucketsDirectory(Path bucketsDirectory) {
            this.bucketsDirectory = Objects.requireNonNull(bucketsDirectory, "bucketsDirectory");
            return this;
        }

        /**
         * Sends Firehose S3 destinations to this S3-compatible endpoint (path-style, the bucket from the
         * destination's ARN) instead of local bucket directories. Needs {@code software.amazon.awssdk:s3} on the
         * class path.
         *
         * @param s3Endpoint for example {@code http://127.0.0.1:9090}
         * @return this builder
         */
        public Builder s3Endpoint(URI s3Endpoint) {
            this.s3Endpoint = Objects.requireNonNull(s3Endpoint, "s3Endpoint");
            return this;
        }

        /**
         * The address to bind. Default {@code 127.0.0.1}: only local clients.
         *
         * @param host a host name or address
         * @return this builder
         */
        public Builder host(String host) {
            this.host = Objects.requireNonNull(host, "host");
            return this;
        }

        /**
         * The port to bind. Default 0: a free port, see {@link SluiceServer#endpoint()}.
         *
         * @param port in [0, 65535]
         * @return this builder
         */
        public Builder port(int port) {
            this.port = port;
            return this;
        }

        /**
         * Largest request body; larger ones get an AWS-shaped 413 without being read. Default
         * {@link #DEFAULT_MAX_REQUEST_BYTES}.
         *
         * @param maxRequestBytes in [1 KiB, 1 GiB]
         * @return this builder
         */
        public Builder maxRequestBytes(int maxRequestBytes) {
            this.maxRequestBytes = maxRequestBytes;
            return this;
        }

        /**
         * Accepts only requests signed with one of these access key ids (the {@code Credential=} of the SigV4
         * {@code Authorization} header); others get {@code UnrecognizedClientException}. Signatures of these keys are
         * not verified (see {@link #credentials} for that). Default: empty, any or no signature accepted.
         *
         * @param accessKeyIds the allowed key ids
         * @return this builder
         */
        public Builder accessKeyIds(Collection<String> accessKeyIds) {
            this.accessKeyIds = Set.copyOf(accessKeyIds);
            return this;
        }

        /**
         * The region in ARNs: given to the engine the server builds, and used in Firehose ARNs. With
         * {@link #engine}, stream ARNs carry that engine's region; set the same one here. Default
         * {@link #DEFAULT_REGION}.
         *
         * @param region the region
         * @return this builder
         */
        public Builder region(String region) {
            this.region = Objects.requireNonNull(region, "region");
            return this;
        }

        /**
         * Wall time for creation timestamps and pagination-token expiry. Default system UTC.
         *
         * @param clock the clock
         * @return this builder
         */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * Serves HTTPS (ALPN {@code h2} and {@code http/1.1}) with a self-signed certificate for {@code localhost}
         * generated at start. Clients must trust it (tests typically disable certificate checks).
         *
         * @return this builder
         */
        public Builder tls() {
            this.tls = true;
            return this;
        }

        /**
         * Serves HTTPS with the given PEM certificate chain and PKCS#8 PEM private key.
         *
         * @param certificateChain PEM file
         * @param privateKey       PEM file, unencrypted PKCS#8
         * @return this builder
         */
        public Builder tls(Path certificateChain, Path privateKey) {
            this.tls = true;
            this.tlsCertificateChain = Objects.requireNonNull(certificateChain, "certificateChain");
            this.tlsPrivateKey = Objects.requireNonNull(privateKey, "privateKey");
            return this;
        }

        /**
         * Threads that run operations (decoding, engine calls, encoding). Default twice the processors, at least 4.
         *
         * @param workerThreads in [1, 256]
         * @return this builder
         */
        public Builder workerThreads(int workerThreads) {
            this.workerThreads = workerThreads;
            return this;
        }

        /**
         * How long {@link SluiceServer#close()} lets delivery streams and an owned engine drain. Default 30 s.
         *
         * @param closeTimeout not negative
         * @return this builder
         */
        public Builder closeTimeout(Duration closeTimeout) {
            this.closeTimeout = Objects.requireNonNull(closeTimeout, "closeTimeout");
            return this;
        }

        /**
         * How long a client has to send a request's headers, counted from the connection's accept (including a TLS
         * handshake) and from the first byte of each later request on it; not extended by trickled bytes. A
         * connection that misses it is closed. HTTP/2 connections are bounded by the idle timeout only. Default
         * {@link #DEFAULT_REQUEST_HEADER_TIMEOUT}.
         *
         * @param requestHeaderTimeout in [PT0.001S, PT1H]
         * @return this builder
         */
        public Builder requestHeaderTimeout(Duration requestHeaderTimeout) {
            this.requestHeaderTimeout = Objects.requireNonNull(requestHeaderTimeout, "requestHeaderTimeout");
            return this;
        }

        /**
         * How long a connection may go with nothing read or written while no request of it is being processed;
         * then it is closed. A slow operation (a put waiting for capacity, a SubscribeToShard) is not idle. Default
         * {@link #DEFAULT_IDLE_TIMEOUT}.
         *
         * @param idleTimeout in [PT0.001S, PT24H]
         * @return this builder
         */
        public Builder idleTimeout(Duration idleTimeout) {
            this.idleTimeout = Objects.requireNonNull(idleTimeout, "idleTimeout");
            return this;
        }

        /**
         * The most connections open at once; a connection accepted beyond it is closed at once (clients retry).
         * Default {@link #DEFAULT_MAX_CONNECTIONS}.
         *
         * @param maxConnections in [1, 1000000]
         * @return this builder
         */
        public Builder maxConnections(int maxConnections) {
            this.maxConnections = maxConnections;
            return this;
        }

        /**
         * Lets Firehose {@code Lambda} processors call their function ({@code LambdaArn}) through Lambda's Invoke API
         * at this endpoint ({@code POST /2015-03-31/functions/{name}/invocations}, the AWS SDK's Lambda client), so
         * any Lambda-compatible runtime transforms records; see {@link dev.sluice.transform.LambdaInvoker}. Default:
         * none, and CreateDeliveryStream refuses Lambda processors with {@code InvalidArgumentException}.
         *
         * @param lambdaEndpoint for example {@code http://127.0.0.1:9001}
         * @return this builder
         */
        public Builder lambdaEndpoint(URI lambdaEndpoint) {
            this.lambdaEndpoint = Objects.requireNonNull(lambdaEndpoint, "lambdaEndpoint");
            return this;
        }

        /**
         * What the engine the server builds does over a shard's limits: {@link ThrottleMode#REJECT} (the default, as
         * Kinesis: {@code ProvisionedThroughputExceededException}), {@link ThrottleMode#BLOCK} (wait for capacity) or
         * {@link ThrottleMode#OFF} (no limits, for load tests). Not with {@link #engine}: set it on that engine.
         *
         * @param throttleMode the mode
         * @return this builder
         */
        public Builder throttleMode(ThrottleMode throttleMode) {
            this.throttleMode = Objects.requireNonNull(throttleMode, "throttleMode");
            return this;
        }

        /**
         * How the writer threads of the engine the server builds wait for work. Default: {@link WaitStrategy#BLOCKING}
         * when the JVM has one or two processors, where the phased back-off's spinning between calls took CPU from the
         * server's I/O and from its clients (measured in the README's <b>Server writers</b>), otherwise the engine's
         * default {@link WaitStrategy#PHASED_BACKOFF}. Not with {@link #engine}: set it on that engine.
         *
         * @param writerWaitStrategy the strategy
         * @return this builder
         */
        public Builder writerWaitStrategy(WaitStrategy writerWaitStrategy) {
            this.writerWaitStrategy = Objects.requireNonNull(writerWaitStrategy, "writerWaitStrategy");
            return this;
        }

        /**
         * Per-shard limits of the streams {@code CreateStream} makes. Default {@link ShardLimits#KINESIS}.
         *
         * @param shardLimits the limits
         * @return this builder
         */
        public Builder shardLimits(ShardLimits shardLimits) {
            this.shardLimits = Objects.requireNonNull(shardLimits, "shardLimits");
            return this;
        }

        /**
         * Verifies the SigV4 signature of requests signed with this access key id against this secret: a wrong
         * signature gets {@code InvalidSignatureException}, a request time more than 5 minutes from the server's clock
         * too ("Signature expired"), an unknown key id {@code UnrecognizedClientException} and an unsigned request
         * {@code MissingAuthenticationTokenException} (all 400, as Kinesis and Firehose answer). Repeat for more keys.
         * Default: none, and any or no signature is accepted.
         *
         * @param accessKeyId     the access key id ({@code Credential=<id>/...})
         * @param secretAccessKey its secret
         * @return this builder
         */
        public Builder credentials(String accessKeyId, String secretAccessKey) {
            Objects.requireNonNull(accessKeyId, "accessKeyId");
            Objects.requireNonNull(secretAccessKey, "secretAccessKey");
            if (accessKeyId.isEmpty() || secretAccessKey.isEmpty()) {
                throw new StreamException(ErrorCode.INVALID_ARGUMENT, "credentials need a non-empty access key id and"
                        + " secret but got '" + accessKeyId + "' and a secret of " + secretAccessKey.length()
                        + " characters");
            }
            secrets.put(accessKeyId, secretAccessKey);
            return this;
        }

        /**
         * Validates the options. Does not bind: call {@link SluiceServer#start()}.
         *
         * @return the server, not yet started
         * @throws StreamException {@link ErrorCode#INVALID_ARGUMENT} naming the option, its range and the actual value
         */
        public SluiceServer build() {
            if (port < 0 || port > 65_535) {
                throw new StreamException(ErrorCode.INVALID_ARGUMENT, "port must be in [0, 65535] but was " + port);
            }
            if (maxRequestBytes < 1024 || maxRequestBytes > (1 << 30)) {
                throw new StreamException(ErrorCode.INVALID_ARGUMENT, "maxRequestBytes must be in [1024, 1073741824] but was "
                        + maxRequestBytes);
            }
            if (workerThreads < 1 || workerThreads > 256) {
                throw new StreamException(ErrorCode.INVALID_ARGUMENT, "workerThreads must be in [1, 256] but was " + workerThreads);
            }
            if (closeTimeout.isNegative()) {
                throw new StreamException(ErrorCode.INVALID_ARGUMENT, "closeTimeout must be >= PT0S but was " + closeTimeout);
            }
            requireIn("requestHeaderTimeout", requestHeaderTimeout, Duration.ofMillis(1), Duration.ofHours(1));
            requireIn("idleTimeout", idleTimeout, Duration.ofMillis(1), Duration.ofHours(24));
            if (maxConnections < 1 || maxConnections > 1_000_000) {
                throw new StreamException(ErrorCode.INVALID_ARGUMENT, "maxConnections must be in [1, 1000000] but was " + maxConnections);
            }
            if (engine != null && throttleMode != null) {
                throw new StreamException(ErrorCode.INVALID_ARGUMENT, "engine and throttleMode are exclusive: the"
                        + " throttle mode belongs to the engine; set it on the engine you pass");
            }
            if (engine != null && writerWaitStrategy != null) {
                throw new StreamException(ErrorCode.INVALID_ARGUMENT, "engine and writerWaitStrategy are exclusive: the"
                        + " writers belong to the engine; set its waitStrategy on the engine you pass");
            }
            if (lambdaEndpoint != null && (lambdaEndpoint.getHost() == null || !("http".equals(lambdaEndpoint.getScheme())
                    || "https".equals(lambdaEndpoint.getScheme())))) {
                throw new StreamException(ErrorCode.INVALID_ARGUMENT, "lambdaEndpoint must be an http or https URL but"
                        + " was '" + lambdaEndpoint + "'");
            }
            return new SluiceServer(new ServerRuntime(new ServerRuntime.Config(Optional.ofNullable(engine),
                    Optional.ofNullable(dataDirectory), Optional.ofNullable(bucketsDirectory),
                    Optional.ofNullable(s3Endpoint), host, port, maxRequestBytes, accessKeyIds, region, DEFAULT_ACCOUNT_ID,
                    clock, tls, Optional.ofNullable(tlsCertificateChain), Optional.ofNullable(tlsPrivateKey),
                    workerThreads, closeTimeout, requestHeaderTimeout, idleTimeout, maxConnections,
                    Optional.ofNullable(lambdaEndpoint), throttleMode == null ? ThrottleMode.REJECT : throttleMode,
                    shardLimits, secrets, Optional.ofNullable(writerWaitStrategy))));
        }

        private static void requireIn(String field, Duration value, Duration min, Duration max) {
            if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
                throw new StreamException(ErrorCode.INVALID_ARGUMENT, field + " must be in [" + min + ", " + max + "] but was " + value);
            }
        }
    }
}
