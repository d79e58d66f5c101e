package dev.sluice.server;

import dev.sluice.server.internal.ServerRuntime;
import dev.sluice.stream.CreateStreamRequest;
import dev.sluice.stream.ShardLimits;
import dev.sluice.stream.StreamEngine;
import dev.sluice.stream.WaitStrategy;
import org.HdrHistogram.Histogram;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.kinesis.model.GetRecordsResponse;
import software.amazon.awssdk.services.kinesis.model.PutRecordsRequestEntry;
import software.amazon.awssdk.services.kinesis.model.PutRecordsResponse;
import software.amazon.awssdk.services.kinesis.model.Shard;
import software.amazon.awssdk.services.kinesis.model.ShardIteratorType;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;

/**
 * Throughput and latency of the server through the real AWS SDK v2 (sync client, Apache HTTP, CBOR), in one JVM:
 * start-to-ready, PutRecords of 500 x 100 B and 500 x 1 KiB from several client threads, a GetRecords drain of
 * everything written, and PutRecord latency percentiles (SDK v2, and a bare HTTP/1.1 client on one kept-alive socket
 * sending a prepared JSON request, which separates the SDK's own cost from the server's). Streams are created on the
 * engine with shard limits high enough not to throttle: this measures the wire path, not Kinesis quotas.
 *
 * <p>Run:
 * <pre>
 * mvn -B -q -o -pl server -am test-compile dependency:build-classpath \
 *     -Dmdep.outputFile=target/cp.txt -Dmdep.includeScope=test
 * java -cp "server/target/test-classes:server/target/classes:$(cat server/target/cp.txt)" \
 *     dev.sluice.server.ServerThroughputHarness [seconds-per-case] [client-threads] [--wire] [--json] [--endpoint URL]
 * </pre>
 * {@code --wire} runs only the two wire figures (PutRecords 500 x 1 KiB, PutRecord latency); {@code --latency} only
 * the latency cases, {@code --no-bare} without the bare client. {@code --http apache|apache5|urlconnection|netty}
 * picks the SDK's HTTP client (netty: the async client, joined per call, for the latency case only);
 * {@code --warmup-calls N} the calls before the latency window; {@code --writer-wait STRATEGY} the in-process engine's
 * writer wait strategy (default: the stand-alone server's choice on this machine); {@code --slow-ms X} and {@code --list-slow N} list the
 * last N calls slower than X ms with where their time went ({@link SdkCallPhases}), with wall-clock starts to match
 * against the server's {@code dev.sluice.server.Request} JFR events and GC logs. {@code --endpoint URL}
 * measures another Kinesis-compatible server that is already running (kinesalite, for one) instead of an in-process
 * Sluice server: streams are created through the API and waited for; implies {@code --wire}. {@code --json} makes the
 * SDK clients speak JSON instead of CBOR.
 *
 * <p>Each PutRecords case prints this JVM's CPU per record by thread group, plus the rest of the process (the JIT's and
 * the collector's threads, which the thread bean does not list). With {@code --endpoint} that is the clients' CPU
 * alone, so its "records/s if this JVM had 2 idle cores" is what the clients could send however fast the server. At
 * 1 KiB the in-memory server keeps about 100 MB per second: a window of more than about 8 s needs
 * {@code -XX:MaxDirectMemorySize} above the heap size (on this JVM in process, on the server's with {@code --endpoint}),
 * or the store fills and refuses records, which are counted as failed.
 */
public final class ServerThroughputHarness {

    /** {@code --http}: the SDK's HTTP client, apache (the default), apache5, urlconnection or netty (async). */
    private static String http = "apache";
    /** {@code --latency}: only the PutRecord latency cases. */
    private static boolean latencyOnly;
    /** {@code --list-slow}: how many of the last slow calls to list. */
    private static int listSlow = 20;
    /** {@code --no-bare}: without the bare HTTP/1.1 client's latency case. */
    private static boolean noBare;
    /** {@code --slow-ms}: calls at least this slow are listed with their phases and wall-clock start. */
    private static long slowNanos = 1_000_000;
    /**
     * {@code --warmup-calls}: PutRecord calls before the latency window. 2,000 left the client's JIT compiling for
     * 2.4-3.6 s of a 5 s window (its compiler threads then compete for the cores with the calls measured); 100,000
     * brought that to 0.3 s on a quiet moment. 20,000 is the default, a compromise with the run's length.
     */
    private static int warmupCalls = 20_000;
    /**
     * {@code --writer-wait}: the in-process engine's writer wait strategy, {@code phased-backoff}, {@code blocking} and
     * so on. Default: what a server that builds its own engine picks on this machine
     * ({@link ServerRuntime#defaultWriterWaitStrategy(int)}), so the in-process figures are the stand-alone server's.
     */
    private static WaitStrategy writerWait =
            ServerRuntime.defaultWriterWaitStrategy(Runtime.getRuntime().availableProcessors());

    private ServerThroughputHarness() {
    }

    /** A sync client on the {@code --http} client (netty: apache for the sync cases). */
    static KinesisClient client(URI endpoint, boolean cbor, SdkCallPhases phases) {
        software.amazon.awssdk.core.client.config.ClientOverrideConfiguration.Builder overrides =
                software.amazon.awssdk.core.client.config.ClientOverrideConfiguration.builder()
                        .retryStrategy(software.amazon.awssdk.retries.DefaultRetryStrategy.doNotRetry());
        if (phases != null) {
            overrides.addExecutionInterceptor(phases);
        }
        software.amazon.awssdk.http.SdkHttpClient.Builder<?> builder = switch (http) {
            case "apache5" -> software.amazon.awssdk.http.apache5.Apache5HttpClient.builder();
            case "urlconnection" -> software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient.builder();
            default -> software.amazon.awssdk.http.apache.ApacheHttpClient.builder();
        };
        return Clients.kinesis(endpoint, cbor, builder, overrides.build());
    }

    public static void main(String[] args) throws Exception {
        List<String> positional = new ArrayList<>();
        boolean wireOnly = false;
        boolean cbor = true;
        URI endpoint = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--wire" -> wireOnly = true;
                case "--json" -> cbor = false;
                case "--endpoint" -> endpoint = URI.create(args[++i]);
                case "--latency" -> {
                    latencyOnly = true;
                    wireOnly = true;
                }
                case "--no-bare" -> noBare = true;
                case "--list-slow" -> listSlow = Integer.parseInt(args[++i]);
                case "--http" -> http = args[++i];
                case "--slow-ms" -> slowNanos = (long) (Double.parseDouble(args[++i]) * 1e6);
                case "--warmup-calls" -> warmupCalls = Integer.parseInt(args[++i]);
                case "--writer-wait" -> writerWait = WaitStrategy.valueOf(
                        args[++i].replace('-', '_').toUpperCase(java.util.Locale.ROOT));
                default -> positional.add(args[i]);
            }
        }
        int seconds = positional.size() > 0 ? Integer.parseInt(positional.get(0)) : 5;
        int threads = positional.size() > 1 ? Integer.parseInt(positional.get(1)) : 4;
        boolean sdkCbor = cbor;
        if (endpoint != null) {
            measureWire(endpoint, null, cbor, seconds, threads);
            return;
        }
        if (!wireOnly) {
            long t0 = System.nanoTime();
            SluiceServer probe = SluiceServer.builder().port(0).build().start();
            long readyNanos = System.nanoTime() - t0;
            probe.close();
            long t1 = System.nanoTime();
            SluiceServer warm = SluiceServer.builder().port(0).build().start();
            long warmReadyNanos = System.nanoTime() - t1;
            warm.close();
            System.out.printf("start-to-ready (in process): first %.1f ms, second %.1f ms%n", readyNanos / 1e6,
                    warmReadyNanos / 1e6);
        }

        try (StreamEngine engine = StreamEngine.builder().waitStrategy(writerWait).build();
             SluiceServer server = SluiceServer.builder().engine(engine).port(0).build().start()) {
            if (wireOnly) {
                measureWire(server.endpoint(), engine, cbor, seconds, threads);
                return;
            }
            List<KinesisClient> clients = IntStream.range(0, threads)
                    .mapToObj(i -> Clients.kinesis(server.endpoint(), sdkCbor, false)).toList();
            for (int size : new int[]{100, 1024}) {
                String stream = "bench-" + size;
                createStream(clients.get(0), engine, stream, 8);
                putRecords(clients, stream, size, 1, "warm-up", true);
                long written = putRecords(clients, stream, size, seconds, "PutRecords 500 x " + size + " B", true);
                drain(clients.get(0), stream, written);
            }
            createStream(clients.get(0), engine, "latency", 1);
            putRecordLatency(server.endpoint(), sdkCbor, "latency", seconds);
            bareLatency(server.endpoint(), "latency", seconds);
            clients.forEach(KinesisClient::close);
        }
    }

    /** The two wire figures of issue 15 against {@code endpoint}: PutRecords 500 x 1 KiB, PutRecord latency. */
    private static void measureWire(URI endpoint, StreamEngine engine, boolean cbor, int seconds, int threads)
            throws Exception {
        List<KinesisClient> clients = IntStream.range(0, threads)
                .mapToObj(i -> client(endpoint, cbor, null)).toList();
        String suffix = Long.toString(System.nanoTime() % 1_000_000);
        if (!latencyOnly) {
            String bench = "bench-1024-" + suffix;
            createStream(clients.get(0), engine, bench, 8);
            putRecords(clients, bench, 1024, 1, "warm-up", engine != null);
            putRecords(clients, bench, 1024, seconds, "PutRecords 500 x 1024 B", engine != null);
        }
        String latency = "latency-" + suffix;
        createStream(clients.get(0), engine, latency, 1);
        putRecordLatency(endpoint, cbor, latency, seconds);
        bareLatency(endpoint, latency, seconds);
        clients.forEach(KinesisClient::close);
    }

    /** On the engine when there is one (unthrottled shard limits), otherwise through the API, waiting for ACTIVE. */
    private static void createStream(KinesisClient client, StreamEngine engine, String stream, int shards) {
        if (engine != null) {
            ShardLimits unthrottled = new ShardLimits(ShardLimits.MAX_BYTES_PER_SECOND, Integer.MAX_VALUE,
                    ShardLimits.MAX_BYTES_PER_SECOND, Integer.MAX_VALUE);
            engine.createStream(CreateStreamRequest.of(stream, shards).withShardLimits(unthrottled));
            return;
        }
        client.createStream(b -> b.streamName(stream).shardCount(shards));
        client.waiter().waitUntilStreamExists(b -> b.streamName(stream));
    }

    /**
     * PutRecords calls of 500 records from every client for {@code seconds}; prints the rate and this JVM's CPU per
     * record, which is the clients' and the server's when {@code serverHere}, and only the clients' otherwise (a server
     * at {@code --endpoint}): then the figure is the most records per second these clients could send on 2 idle cores,
     * whatever the server.
     */
    private static long putRecords(List<KinesisClient> clients, String stream, int size, int seconds, String label,
                                   boolean serverHere) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(clients.size());
        AtomicLong records = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        long start = System.nanoTime();
        long cpuStart = processCpuNanos();
        java.util.Map<String, Long> threadsBefore = threadCpu();
        List<Future<?>> futures = new ArrayList<>();
        for (int c = 0; c < clients.size(); c++) {
            KinesisClient client = clients.get(c);
            int id = c;
            futures.add(pool.submit(() -> {
                byte[] payload = new byte[size];
                List<PutRecordsRequestEntry> batch = IntStream.range(0, 500).mapToObj(i ->
                        PutRecordsRequestEntry.builder().partitionKey("p-" + id + "-" + i)
                                .data(SdkBytes.fromByteArray(payload)).build()).toList();
                while (System.nanoTime() < deadline) {
                    PutRecordsResponse response = client.putRecords(b -> b.streamName(stream).records(batch));
                    records.addAndGet(500 - response.failedRecordCount());
                    failed.addAndGet(response.failedRecordCount());
                }
                return null;
            }));
        }
        double elapsed;
        long cpuNanos;
        java.util.Map<String, Long> threadsAfter;
        try {
            for (Future<?> f : futures) {
                f.get();
            }
            // Read while the pool's threads are alive: the bean reports only live threads, and a client thread that
            // exited first would drop out of the split (earlier runs of this harness under-counted the clients so).
            elapsed = (System.nanoTime() - start) / 1e9;
            cpuNanos = processCpuNanos() - cpuStart;
            threadsAfter = threadCpu();
        } finally {
            pool.shutdown(); // a failed call must not leave the JVM running on the pool's threads
        }
        long perRecordOf = Math.max(1, records.get());
        double cpuMicrosPerRecord = cpuNanos / 1e3 / perRecordOf;
        if (!label.equals("warm-up")) {
            StringBuilder split = new StringBuilder();
            long threadsNanos = 0;
            for (java.util.Map.Entry<String, Long> group : threadsAfter.entrySet()) {
                long nanos = group.getValue() - threadsBefore.getOrDefault(group.getKey(), 0L);
                threadsNanos += nanos;
                split.append(String.format(" %s %.2f", group.getKey(), nanos / 1e3 / perRecordOf));
            }
            // The JIT's compiler threads and the collector's threads are not in the bean's list; nor are threads
            // that ended during the window.
            split.append(String.format("; JIT, GC and ended threads %.2f", (cpuNanos - threadsNanos) / 1e3 / perRecordOf));
            System.out.println("  CPU us/record by thread group:" + split);
            System.out.printf("%s, %d client threads: %,.0f records/s, %.1f MB/s payload (%,d records, %d failed);"
                            + " CPU of %s: %.2f us/record, i.e. %,.0f records/s if this JVM had 2 idle cores%n",
                    label, clients.size(), records.get() / elapsed, records.get() * (double) size / elapsed / 1e6,
                    records.get(), failed.get(), serverHere ? "client + server" : "the clients alone (server elsewhere)",
                    cpuMicrosPerRecord, 2e6 / cpuMicrosPerRecord);
        }
        return records.get();
    }

    /** CPU time by thread-name prefix (digits stripped): client pool, server io, workers, engine threads. */
    private static java.util.Map<String, Long> threadCpu() {
        java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
        java.util.Map<String, Long> groups = new java.util.TreeMap<>();
        for (java.lang.management.ThreadInfo info : mx.getThreadInfo(mx.getAllThreadIds())) {
            if (info == null) {
                continue;
            }
            long cpu = mx.getThreadCpuTime(info.getThreadId());
            if (cpu > 0) {
                groups.merge(info.getThreadName().replaceAll("[-0-9]+$", ""), cpu, Long::sum);
            }
        }
        return groups;
    }

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                .getOperatingSystemMXBean()).getProcessCpuTime();
    }

    private static void drain(KinesisClient client, String stream, long atLeast) {
        long start = System.nanoTime();
        long read = 0;
        for (Shard shard : client.listShards(b -> b.streamName(stream)).shards()) {
            String iterator = client.getShardIterator(b -> b.streamName(stream).shardId(shard.shardId())
                    .shardIteratorType(ShardIteratorType.TRIM_HORIZON)).shardIterator();
            while (iterator != null) {
                String it = iterator;
                GetRecordsResponse page = client.getRecords(b -> b.shardIterator(it).limit(10_000));
                read += page.records().size();
                if (page.records().isEmpty()) {
                    break;
                }
                iterator = page.nextShardIterator();
            }
        }
        double elapsed = (System.nanoTime() - start) / 1e9;
        System.out.printf("GetRecords drain of %s (1 client thread, Limit 10000): %,d records in %.2f s = %,.0f records/s%s%n",
                stream, read, elapsed, read / elapsed, read >= atLeast ? "" : " (FEWER THAN WRITTEN: " + atLeast + ")");
    }

    /**
     * Sequential PutRecord calls of 100 B from one thread on the {@code --http} client, after {@code --warmup-calls}
     * calls; prints the percentiles, then the phases of the calls and the slow ones (see {@link SdkCallPhases}).
     */
    private static void putRecordLatency(URI endpoint, boolean cbor, String stream, int seconds) {
        SdkBytes data = SdkBytes.fromByteArray(new byte[100]);
        SdkCallPhases phases = new SdkCallPhases(slowNanos);
        java.util.function.Supplier<Object> call;
        AutoCloseable client;
        if (http.equals("netty")) {
            software.amazon.awssdk.services.kinesis.KinesisAsyncClient async = Clients.kinesisAsync(endpoint, cbor,
                    software.amazon.awssdk.core.client.config.ClientOverrideConfiguration.builder()
                            .retryStrategy(software.amazon.awssdk.retries.DefaultRetryStrategy.doNotRetry())
                            .addExecutionInterceptor(phases).build());
            call = () -> async.putRecord(b -> b.streamName(stream).partitionKey("k").data(data)).join();
            client = async;
        } else {
            KinesisClient sync = client(endpoint, cbor, phases);
            call = () -> sync.putRecord(b -> b.streamName(stream).partitionKey("k").data(data));
            client = sync;
        }
        for (int i = 0; i < warmupCalls; i++) {
            call.get();
        }
        phases.startRecording();
        Histogram histogram = new Histogram(3_600_000_000_000L, 3);
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        while (System.nanoTime() < deadline) {
            long t = System.nanoTime();
            call.get();
            long end = System.nanoTime();
            histogram.recordValue(end - t);
            phases.called(t, end);
        }
        print("PutRecord latency (SDK v2 " + http + (cbor ? " CBOR" : " JSON") + ", 100 B, 1 client thread, sequential, "
                + warmupCalls + " warm-up calls", histogram);
        phases.print(System.out, histogram.getTotalCount(), listSlow);
        try {
            client.close();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * PutRecord latency from a bare HTTP/1.1 client: one kept-alive socket with TCP_NODELAY, one prepared JSON request
     * (no signing, no SDK marshalling; a well-formed but unverified SigV4 header), the response read by its
     * Content-Length. What remains is the server's own time plus the loopback.
     */
    private static void bareLatency(URI endpoint, String stream, int seconds) throws IOException {
        byte[] body = ("{\"StreamName\":\"" + stream + "\",\"PartitionKey\":\"k\",\"Data\":\""
                + Base64.getEncoder().encodeToString(new byte[100]) + "\"}").getBytes(StandardCharsets.UTF_8);
        byte[] head = ("POST / HTTP/1.1\r\nHost: " + endpoint.getHost() + ":" + endpoint.getPort() + "\r\n"
                + "Content-Type: application/x-amz-json-1.1\r\nX-Amz-Target: Kinesis_20131202.PutRecord\r\n"
                + "X-Amz-Date: 20260101T000000Z\r\nAuthorization: AWS4-HMAC-SHA256 Credential=AKIDSLUICETEST/20260101/"
                + "us-east-1/kinesis/aws4_request, SignedHeaders=host;x-amz-date;x-amz-target, Signature=00\r\n"
                + "Content-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        byte[] request = new byte[head.length + body.length];
        System.arraycopy(head, 0, request, 0, head.length);
        System.arraycopy(body, 0, request, head.length, body.length);
        if (noBare) {
            return;
        }
        try (Socket socket = new Socket(endpoint.getHost(), endpoint.getPort())) {
            socket.setTcpNoDelay(true);
            OutputStream out = socket.getOutputStream();
            InputStream in = new BufferedInputStream(socket.getInputStream(), 65_536);
            for (int i = 0; i < 2_000; i++) {
                exchange(out, in, request);
            }
            Histogram histogram = new Histogram(3_600_000_000_000L, 3);
            long deadline = System.nanoTime() + seconds * 1_000_000_000L;
            while (System.nanoTime() < deadline) {
                long t = System.nanoTime();
                exchange(out, in, request);
                histogram.recordValue(System.nanoTime() - t);
            }
            print("PutRecord latency (bare HTTP/1.1 JSON, 100 B, 1 client thread, sequential", histogram);
        }
    }

    private static void exchange(OutputStream out, InputStream in, byte[] request) throws IOException {
        out.write(request);
        out.flush();
        StringBuilder line = new StringBuilder();
        String status = null;
        int length = -1;
        while (true) {
            int c = in.read();
            if (c < 0) {
                throw new IOException("connection closed before a full response");
            }
            if (c != '\n') {
                if (c != '\r') {
                    line.append((char) c);
                }
                continue;
            }
            String header = line.toString();
            line.setLength(0);
            if (header.isEmpty()) {
                break;
            }
            if (status == null) {
                status = header;
            } else if (header.regionMatches(true, 0, "content-length:", 0, 15)) {
                length = Integer.parseInt(header.substring(15).trim());
            }
        }
        if (status == null || !status.startsWith("HTTP/1.1 200") || length < 0) {
            throw new IOException("unexpected response: " + status + ", Content-Length " + length);
        }
        in.readNBytes(length);
    }

    private static void print(String label, Histogram ns) {
        System.out.printf("%s, %,d calls): p50 %.3f ms, p90 %.3f ms, p99 %.3f ms, p99.9 %.3f ms, max %.3f ms%n", label,
                ns.getTotalCount(), ns.getValueAtPercentile(50) / 1e6, ns.getValueAtPercentile(90) / 1e6,
                ns.getValueAtPercentile(99) / 1e6, ns.getValueAtPercentile(99.9) / 1e6, ns.getMaxValue() / 1e6);
    }
}
