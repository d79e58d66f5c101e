package dev.sluice.server.internal;

import dev.sluice.stream.ShardLimits;
import dev.sluice.stream.Storage;
import dev.sluice.stream.StreamEngine;
import dev.sluice.stream.Ticker;
import dev.sluice.stream.ThrottleMode;
import dev.sluice.stream.WaitStrategy;
import dev.sluice.transform.LambdaInvoker;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.util.concurrent.DefaultThreadFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The running parts of a {@code SluiceServer}: engine (given or owned), Firehose registry, operation table,
 * worker pool and Netty channels. Public only so the public facade in {@code dev.sluice.server} can reach it;
 * not an API.
 *
 * <p>Lifecycle: {@link #start()} once, {@link #close()} idempotently. Close order: stop accepting and close
 * connections, then delivery streams (they may read the engine), then workers, then an owned engine.
 */
public final class ServerRuntime {

    /**
     * The temporary directories servers of this JVM made for themselves, with their servers' close states (see
     * {@link #temporaryDirectory()}; the state, not the server, so a closed server is not kept reachable).
     */
    private static final Map<Path, AtomicInteger> TEMPORARY = new ConcurrentHashMap<>();
    private static final AtomicBoolean TEMPORARY_CLEANUP = new AtomicBoolean();
    /** Set by the cleanup hook when the JVM exits: a server closing then deletes its own temporary directory. */
    private static volatile boolean exiting;

    /** Pending operations beyond the busy workers; more are refused with 503 rather than queued without bound. */
    static final int WORKER_QUEUE = 10_000;

    /**
     * The server options, validated by the builder.
     *
     * @param engine              an engine to serve, kept open
     * @param dataDirectory       durable storage and buckets under it
     * @param bucketsDirectory    where bucket directories are
     * @param s3Endpoint          S3-compatible endpoint for S3 destinations
     * @param host                bind address
     * @param port                bind port, 0 for a free one
     * @param maxRequestBytes     request body limit
     * @param accessKeyIds        allowed access key ids, empty for any
     * @param region              region in ARNs
     * @param accountId           account in ARNs
     * @param clock               wall time
     * @param tls                 serve HTTPS
     * @param tlsCertificateChain PEM chain, or generate a self-signed one
     * @param tlsPrivateKey       PEM key
     * @param workerThreads       operation threads
     * @param closeTimeout        drain deadline
     * @param requestHeaderTimeout deadline for a request's headers
     * @param idleTimeout         idle connections are closed after it
     * @param maxConnections      connections beyond it are closed on accept
     * @param lambdaEndpoint      Lambda Invoke endpoint for Firehose Lambda processors
     * @param throttleMode        what the engine the server builds does over a shard's limits
     * @param shardLimits         per-shard limits of the streams CreateStream makes
     * @param secrets             access key id to secret access key: SigV4 signatures of these keys are verified
     * @param writerWaitStrategy  how the writer threads of the engine the server builds wait for work; empty:
     *                            {@link #defaultWriterWaitStrategy(int)} for this machine
     */
    public record Config(Optional<StreamEngine> engine, Optional<Path> dataDirectory, Optional<Path> bucketsDirectory,
                         Optional<URI> s3Endpoint, String host, int port, int maxRequestBytes, Set<String> accessKeyIds,
                         String region, String accountId, Clock clock, boolean tls,
                         Optional<Path> tlsCertificateChain, Optional<Path> tlsPrivateKey, int workerThreads,
                         Duration closeTimeout, Duration requestHeaderTimeout, Duration idleTimeout,
                         int maxConnections,
                         Optional<URI> lambdaEndpoint, ThrottleMode throttleMode, ShardLimits shardLimits,
                         Map<String, String> secrets, Optional<WaitStrategy> writerWaitStrategy) {
        /** Checks presence. */
        public Config {
            Objects.requireNonNull(engine, "engine");
            Objects.requireNonNull(dataDirectory, "dataDirectory");
            Objects.requireNonNull(bucketsDirectory, "bucketsDirectory");
            Objects.requireNonNull(s3Endpoint, "s3Endpoint");
            Objects.requireNonNull(host, "host");
            accessKeyIds = Set.copyOf(accessKeyIds);
            Objects.requireNonNull(clock, "clock");
            Objects.requireNonNull(closeTimeout, "closeTimeout");
            Objects.requireNonNull(requestHeaderTimeout, "requestHeaderTimeout");
            Objects.requireNonNull(idleTimeout, "idleTimeout");
            Objects.requireNonNull(lambdaEndpoint, "lambdaEndpoint");
            Objects.requireNonNull(throttleMode, "throttleMode");
            Objects.requireNonNull(shardLimits, "shardLimits");
            secrets = Map.copyOf(secrets);
            Objects.requireNonNull(writerWaitStrategy, "writerWaitStrategy");
        }
    }

    /**
     * How the writers of the engine a server builds wait for work, unless told: {@link WaitStrategy#BLOCKING} on one
     * or two processors, otherwise the engine's own default, {@link WaitStrategy#PHASED_BACKOFF}.
     *
     * <p>Design note: a server's puts arrive over the network a call at a time, so after each one the phased back-off
     * spins and yields for up to a millisecond waiting for the next. With two cores that CPU is taken from the
     * server's I/O threads and from the clients, which on a test machine run beside it. Measured on 2 cores (issue
     * 15, README **Server writers**, 6 rounds): with blocking writers the SDK's sequential PutRecord had p50
     * 0.18-0.21 ms and p99 0.44-0.71 ms against 0.22-0.28 and 1.1-2.2 ms, the server used about 30 % less CPU, and
     * PutRecords throughput did not change. With more cores the spin can run on a core that would otherwise idle and
     * saves the wake-up; that was not measured (the machine has two), so the engine's default stays there.
     *
     * @param processors the processors the JVM may use
     * @return the strategy
     */
    public static WaitStrategy defaultWriterWaitStrategy(int processors) {
        return processors <= 2 ? WaitStrategy.BLOCKING : WaitStrategy.PHASED_BACKOFF;
    }

    private final Config config;
    private final Object lock = new Object();
    private StreamEngine engine;
    private boolean ownsEngine;
    private Path buckets;
    private LambdaInvoker lambda;
    private FirehoseOperations firehose;
    private IcebergWarehouses icebergWarehouses;
    private Channels channels;
    private ThreadPoolExecutor workers;
    private EventLoopGroup bossGroup;
    private EventLoopGroup ioGroup;
    private Channel serverChannel;
    private URI endpoint;
    private boolean started;
    /** 0 open, 1 closing, 2 closed: the cleanup hook leaves a closing server's directory to the server. */
    private final AtomicInteger closeState = new AtomicInteger();
    private Path temporary;

    /**
     * Prepares, without binding.
     *
     * @param config the options
     */
    public ServerRuntime(Config config) {
        this.config = Objects.requireNonNull(config, "config");
    }

    /** Builds what is missing and binds the port; see {@code SluiceServer#start()}. */
    public void start() {
        synchronized (lock) {
            if (closeState.get() != 0) {
                throw new IllegalStateException("server is closed");
            }
            if (started) {
                return;
            }
            try {
                startLocked();
            } catch (RuntimeException | Error e) {
                closeLocked();
                throw e;
            }
            started = true;
        }
    }

    private void startLocked() {
        // Start-to-ready is mostly class loading, in three parts that need nothing of each other: the engine
        // (Micrometer, the Disruptor, durable storage), the transport (Netty's event loops, binding the port) and the
        // operations. The engine is built and the port bound on two short-lived threads while this one sets up the
        // rest; the operations join the engine, and the bound channel accepts connections only once they exist.
        // Logging first, on this thread: a logger made on another thread while SLF4J initialises is a substitute
        // whose events (Netty's debug lines at start) are replayed later with a warning on stderr.
        org.slf4j.LoggerFactory.getILoggerFactory();
        CompletableFuture<StreamEngine> engineBuild;
        if (config.engine().isPresent()) {
            engineBuild = CompletableFuture.completedFuture(config.engine().get());
        } else {
            ownsEngine = true;
            engineBuild = buildEngineInBackground();
        }
        ChildHandlerSlot children = new ChildHandlerSlot();
        CompletableFuture<Transport> binding = bindInBackground(children);
        try {
            startLocked(engineBuild, binding, children);
        } catch (RuntimeException | Error e) {
            // Failed before a join: wait for the other threads so that closing the runtime closes what they made.
            if (engine == null) {
                engine = engineBuild.handle((built, failure) -> built).join();
            }
            if (serverChannel == null) {
                Transport transport = binding.handle((bound, failure) -> bound).join();
                if (transport != null) {
                    adopt(transport);
                }
            }
            throw e;
        }
    }

    /** Event loops and the bound (not yet accepting) server channel. */
    private record Transport(EventLoopGroup boss, EventLoopGroup io, Channel channel) {
    }

    private void adopt(Transport transport) {
        bossGroup = transport.boss();
        ioGroup = transport.io();
        serverChannel = transport.channel();
    }

    /**
     * Stands in for the connection set-up until the operations exist. Nothing reaches it before: the server
     * channel is bound with auto-read off, so it accepts no connection until {@link #handler} is set and auto-read
     * turned on (connections wait in the accept backlog meanwhile).
     */
    @ChannelHandler.Sharable
    private static final class ChildHandlerSlot extends ChannelInboundHandlerAdapter {
        volatile ChannelHandler handler;

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            ctx.pipeline().replace(this, null, handler);
        }
    }

    private CompletableFuture<Transport> bindInBackground(ChildHandlerSlot children) {
        CompletableFuture<Transport> bound = new CompletableFuture<>();
        Thread binder = new Thread(() -> {
            EventLoopGroup boss = null;
            EventLoopGroup io = null;
            try {
                boss = new NioEventLoopGroup(1, new DefaultThreadFactory("sluice-server-accept", true));
                io = new NioEventLoopGroup(0, new DefaultThreadFactory("sluice-server-io", true));
                ServerBootstrap bootstrap = new ServerBootstrap().group(boss, io)
                        .channel(NioServerSocketChannel.class)
                        .option(ChannelOption.SO_BACKLOG, 1024)
                        .option(ChannelOption.AUTO_READ, false)
                        .childOption(ChannelOption.TCP_NODELAY, true)
                        .childHandler(children);
                Channel channel;
                try {
                    channel = bootstrap.bind(config.host(), config.port()).sync().channel();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while binding " + config.host() + ":"
                            + config.port(), e);
                } catch (Exception e) {
                    throw new IllegalStateException("cannot bind " + config.host() + ":" + config.port() + ": " + e,
                            e);
                }
                bound.complete(new Transport(boss, io, channel));
            } catch (Throwable e) {
                if (io != null) {
                    io.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
                }
                if (boss != null) {
                    boss.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
                }
                bound.completeExceptionally(e);
            }
        }, "sluice-server-bind");
        binder.setDaemon(true);
        binder.start();
        return bound;
    }

    private CompletableFuture<StreamEngine> buildEngineInBackground() {
        CompletableFuture<StreamEngine> built = new CompletableFuture<>();
        Thread builder = new Thread(() -> {
            try {
                StreamEngine.Builder engineBuilder = StreamEngine.builder().region(config.region())
                        .throttleMode(config.throttleMode())
                        .waitStrategy(config.writerWaitStrategy().orElseGet(() ->
                                defaultWriterWaitStrategy(Runtime.getRuntime().availableProcessors())));
                config.dataDirectory().ifPresent(dir -> engineBuilder.storage(Storage.durable(dir.resolve("streams"))));
                built.complete(engineBuilder.build());
            } catch (Throwable e) {
                built.completeExceptionally(e);
            }
        }, "sluice-server-engine-build");
        builder.setDaemon(true);
        builder.start();
        return built;
    }

    /** The result once there; a failure rethrown as it was thrown (a bad data directory, a port in use). */
    private static <T> T join(CompletableFuture<T> future) {
        try {
            return future.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            if (e.getCause() instanceof Error error) {
                throw error;
            }
            throw e;
        }
    }

    private void startLocked(CompletableFuture<StreamEngine> engineBuild, CompletableFuture<Transport> binding,
                             ChildHandlerSlot children) {
        // Without a data directory, buckets and Firehose state go to one new temporary directory, as siblings:
        // state never lives inside a bucket root, where a reader of the bucket would see it.
        temporary = config.dataDirectory().isEmpty() ? temporaryDirectory() : null;
        buckets = config.bucketsDirectory().orElseGet(() -> config.dataDirectory().orElse(temporary)
                .resolve("buckets")).toAbsolutePath();
        Path firehoseState = config.dataDirectory().orElse(temporary).resolve("firehose-state").toAbsolutePath();
        if (config.lambdaEndpoint().isPresent()) {
            lambda = LambdaInvoker.builder(config.lambdaEndpoint().get()).region(config.region()).build();
        }
        AtomicInteger workerIds = new AtomicInteger();
        workers = new ThreadPoolExecutor(config.workerThreads(), config.workerThreads(), 60, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(WORKER_QUEUE), r -> {
                    Thread t = new Thread(r, "sluice-server-worker-" + workerIds.getAndIncrement());
                    t.setDaemon(true);
                    return t;
                });
        GlueCatalog glue = new GlueCatalog(config.dataDirectory().map(d -> d.resolve("glue-catalog")), config.clock(),
                config.accountId());
        FirehoseDestinations destinations = new FirehoseDestinations(buckets, config.s3Endpoint(), config.region(),
                Optional.ofNullable(lambda));
        // Iceberg tables (Firehose's Iceberg destination, channels to S3 Tables): embedded catalogs under here,
        // beside the other state and outside bucket roots.
        icebergWarehouses = new IcebergWarehouses(config.dataDirectory().orElse(temporary).resolve("iceberg")
                .toAbsolutePath());
        SslContext ssl = config.tls() ? TlsContexts.server(config.tlsCertificateChain(), config.tlsPrivateKey())
                : null;
        engine = join(engineBuild);
        StreamArns arns = new StreamArns(engine);
        PageTokens tokens = new PageTokens(config.clock());
        Map<String, Operation> kinesisOps = new HashMap<>();
        new KinesisStreamOperations(engine, arns, tokens).shardLimits(config.shardLimits()).register(kinesisOps);
        new KinesisRecordOperations(engine, arns).register(kinesisOps);
        new KinesisSettingsOperations(engine, arns).register(kinesisOps);
        new KinesisConsumerOperations(engine, arns, tokens).register(kinesisOps);
        firehose = new FirehoseOperations(destinations, glue, engine, arns, config.clock(), firehoseState,
                config.region(), config.accountId(), icebergWarehouses,
                new FirehoseDefinitions(config.dataDirectory().map(d -> d.resolve("firehose-definitions"))));
        firehose.restore();
        // Channels: definitions and delivery checkpoints under the data directory, so they survive a restart.
        Ticker ticker = config.clock() instanceof Ticker t ? t : Ticker.system();
        ChannelTables channelTables = new ChannelTables(icebergWarehouses, config.region(), config.accountId());
        channels = new Channels(new ChannelDeliveries(destinations, channelTables, engine, config.clock(), ticker),
                engine, config.dataDirectory().orElse(temporary).resolve("channels").toAbsolutePath(),
                config.clock(), ticker, config.closeTimeout());
        new KinesisChannelOperations(channels, channelTables, engine, arns, tokens, config.clock(),
                config.region(), config.accountId()).register(kinesisOps);
        new KinesisResourceOperations(engine, arns, channels).register(kinesisOps);
        new KinesisAccountOperations(engine, channels, new BillingCommitment(config.clock(),
                config.dataDirectory().map(d -> d.resolve("kinesis-account.properties")))).register(kinesisOps);
        new KinesisRecordSettingsOperations(engine, arns).register(kinesisOps); // last: checks StreamId of the others
        Map<String, Operation> firehoseOps = new HashMap<>();
        firehose.register(firehoseOps);
        Map<String, Operation> glueOps = new HashMap<>();
        new GlueOperations(glue).register(glueOps);
        ApiDispatcher dispatcher = new ApiDispatcher(kinesisOps, firehoseOps, glueOps, config.accessKeyIds(),
                workers);
        if (!config.secrets().isEmpty()) {
            dispatcher.verifySignatures(new SignatureV4(config.secrets(), config.clock()));
        }
        children.handler = new ServerChannels(dispatcher, config.maxRequestBytes(), ssl,
                config.requestHeaderTimeout(), config.idleTimeout(), config.maxConnections());
        adopt(join(binding));
        serverChannel.config().setAutoRead(true); // accepting from now on
        InetSocketAddress bound = (InetSocketAddress) serverChannel.localAddress();
        String host = bound.getAddress().isAnyLocalAddress() ? "127.0.0.1" : bound.getAddress().getHostAddress();
        if (host.contains(":")) {
            host = "[" + host + "]";
        }
        endpoint = URI.create((config.tls() ? "https" : "http") + "://" + host + ":" + bound.getPort());
    }

    /**
     * A new temporary directory for a server without a data directory, deleted when the JVM exits: after the
     * server's {@code close()}, so a test can still read what the server delivered, and never left behind by a test
     * suite that starts a server per class (one directory per server otherwise piled up in the temporary directory).
     * Shutdown hooks run at once, so a server that another hook is closing (the server jar's, which delivers what it
     * buffered) deletes its directory itself when its close ends; the cleanup hook deletes the others.
     */
    private Path temporaryDirectory() {
        Path dir;
        try {
            dir = Files.createTempDirectory("sluice-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a temporary directory for buckets and Firehose state", e);
        }
        if (TEMPORARY_CLEANUP.compareAndSet(false, true)) {
            Thread cleanup = new Thread(() -> {
                exiting = true;
                TEMPORARY.forEach((path, state) -> {
                    if (state.get() != 1) {
                        deleteQuietly(path);
                    }
                });
            }, "sluice-server-temporary-cleanup");
            Runtime.getRuntime().addShutdownHook(cleanup);
        }
        TEMPORARY.put(dir, closeState);
        return dir;
    }

    /** Deletes a temporary directory at JVM exit, when there is no one left to report a failure to. */
    private static void deleteQuietly(Path root) {
        try {
            DirectoryTrees.delete(root);
        } catch (UncheckedIOException e) {
            // what is left stays in the temporary directory
        }
    }

    /** @return the endpoint URL */
    public URI endpoint() {
        synchronized (lock) {
            if (endpoint == null) {
                throw new IllegalStateException("server not started");
            }
            return endpoint;
        }
    }

    /** @return the served engine */
    public StreamEngine engine() {
        synchronized (lock) {
            if (engine == null) {
                throw new IllegalStateException("server not started");
            }
            return engine;
        }
    }

    /**
     * @param bucketName a bucket name
     * @return its directory
     */
    public Path bucketDirectory(String bucketName) {
        synchronized (lock) {
            if (buckets == null) {
                throw new IllegalStateException("server not started");
            }
            return FirehoseDestinations.bucketDirectory(buckets, bucketName);
        }
    }

    /** @return the directory bucket directories are in */
    public Path bucketsDirectory() {
        synchronized (lock) {
            if (buckets == null) {
                throw new IllegalStateException("server not started");
            }
            return buckets;
        }
    }

    /** Stops everything; see {@code SluiceServer#close()}. */
    public void close() {
        synchronized (lock) {
            if (closeState.get() != 0) {
                return;
            }
            closeState.set(1);
            try {
                closeLocked();
            } finally {
                closeState.set(2);
            }
            if (exiting && temporary != null) {
                deleteQuietly(temporary);
            }
        }
    }

    private void closeLocked() {
        if (serverChannel != null) {
            serverChannel.close().syncUninterruptibly();
        }
        if (ioGroup != null) {
            ioGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        }
        if (bossGroup != null) {
            bossGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        }
        if (firehose != null) {
            firehose.close(config.closeTimeout());
        }
        if (channels != null) {
            channels.close();
        }
        if (lambda != null) {
            lambda.close();
        }
        if (icebergWarehouses != null) {
            icebergWarehouses.close();
        }
        if (workers != null) {
            workers.shutdown();
            try {
                workers.awaitTermination(config.closeTimeout().toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            workers.shutdownNow();
        }
        if (ownsEngine && engine != null) {
            engine.close(config.closeTimeout());
        }
    }
}
