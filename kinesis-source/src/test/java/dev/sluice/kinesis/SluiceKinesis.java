package dev.sluice.kinesis;

import dev.sluice.delivery.BufferingHints;
import dev.sluice.delivery.DeliveryStream;
import dev.sluice.delivery.OutputFormat;
import dev.sluice.delivery.Sink;
import dev.sluice.server.SluiceServer;
import dev.sluice.stream.StreamEngine;
import dev.sluice.stream.testing.ManualClock;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;
import software.amazon.awssdk.http.Protocol;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.kinesis.KinesisAsyncClient;
import software.amazon.awssdk.services.kinesis.model.PutRecordsRequestEntry;
import software.amazon.awssdk.services.kinesis.model.PutRecordsResponse;
import software.amazon.awssdk.services.kinesis.model.StreamStatus;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import static org.awaitility.Awaitility.await;

/**
 * A Sluice server on a free port around its own engine, and real AWS SDK v2 async clients (Netty, HTTP/2, CBOR)
 * pointed at it with dummy credentials. Clients record how often each operation was called and each AWS exception
 * seen, so tests can tell what went over the wire.
 */
final class SluiceKinesis implements AutoCloseable {

    static final StaticCredentialsProvider CREDENTIALS =
            StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDSLUICETEST", "secret"));

    final StreamEngine engine;
    final SluiceServer server;
    /** For the test's own calls (create, put, reshard, delete); SDK retries on. */
    final KinesisAsyncClient admin;
    /** Calls per operation name, and failures per exception class name, over every client built here. */
    final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
    final Map<String, AtomicInteger> failures = new ConcurrentHashMap<>();
    private final List<KinesisAsyncClient> clients = new ArrayList<>();

    private SluiceKinesis(StreamEngine engine, Clock clock) {
        this.engine = engine;
        SluiceServer.Builder builder = SluiceServer.builder().engine(engine).port(0);
        if (clock != null) {
            builder.clock(clock);
        }
        this.server = builder.build().start();
        this.admin = client(true);
    }

    /** A server on the system clock. */
    static SluiceKinesis start() {
        return new SluiceKinesis(StreamEngine.builder().build(), null);
    }

    /** A server whose engine and wire layer run on {@code time}: throttling, iterator expiry, subscription ends. */
    static SluiceKinesis start(ManualClock time) {
        return new SluiceKinesis(StreamEngine.builder().clock(time).ticker(time).build(), time);
    }

    /**
     * A new async client with the Netty HTTP client over HTTP/2 (needed by SubscribeToShard).
     *
     * @param retries whether the SDK retries (its default policy) or passes the first answer on
     */
    KinesisAsyncClient client(boolean retries) {
        return client(retries, null);
    }

    /** As {@link #client(boolean)}, with the HTTP client's read timeout ({@code null}: the SDK's default). */
    KinesisAsyncClient client(boolean retries, Duration readTimeout) {
        ClientOverrideConfiguration.Builder overrides = ClientOverrideConfiguration.builder()
                .addExecutionInterceptor(new Recorder());
        if (!retries) {
            overrides.retryStrategy(AwsRetryStrategy.doNotRetry());
        }
        NettyNioAsyncHttpClient.Builder http = NettyNioAsyncHttpClient.builder().protocol(Protocol.HTTP2);
        KinesisAsyncClient client = KinesisAsyncClient.builder().endpointOverride(server.endpoint())
                .region(Region.US_EAST_1).credentialsProvider(CREDENTIALS)
                .httpClientBuilder(readTimeout == null ? http : http.readTimeout(readTimeout))
                .overrideConfiguration(overrides.build()).build();
        synchronized (clients) {
            clients.add(client);
        }
        return client;
    }

    int calls(String operation) {
        AtomicInteger n = calls.get(operation);
        return n == null ? 0 : n.get();
    }

    int failures(String exceptionName) {
        AtomicInteger n = failures.get(exceptionName);
        return n == null ? 0 : n.get();
    }

    /** Creates a stream through the SDK and waits until it is ACTIVE. */
    void createStream(String stream, int shards) {
        admin.createStream(b -> b.streamName(stream).shardCount(shards)).join();
        awaitActive(stream);
    }

    void awaitActive(String stream) {
        await().atMost(Duration.ofSeconds(10)).until(() -> admin.describeStreamSummary(b -> b.streamName(stream))
                .join().streamDescriptionSummary().streamStatus() == StreamStatus.ACTIVE);
    }

    /** The JSON record {@code {"k":"<key>","n":<n>,"pad":"..."}}, about {@code bytes} long. */
    static String record(String key, int n, int bytes) {
        String head = "{\"k\":\"" + key + "\",\"n\":" + n + ",\"pad\":\"";
        return head + "x".repeat(Math.max(0, bytes - head.length() - 2)) + "\"}";
    }

    /**
     * Puts records through the SDK and retries entries that failed (throttled) until all are stored. A batch holds
     * at most one record per key, so each key's records are stored in the order given.
     */
    void put(String stream, List<String> keys, List<String> records) {
        List<PutRecordsRequestEntry> pending = new ArrayList<>();
        for (int i = 0; i < records.size(); i++) {
            pending.add(PutRecordsRequestEntry.builder().partitionKey(keys.get(i))
                    .data(SdkBytes.fromUtf8String(records.get(i))).build());
        }
        while (!pending.isEmpty()) {
            List<PutRecordsRequestEntry> batch = List.copyOf(pending);
            PutRecordsResponse response = admin.putRecords(b -> b.streamName(stream).records(batch)).join();
            pending.clear();
            for (int i = 0; i < batch.size(); i++) {
                if (response.records().get(i).errorCode() != null) {
                    pending.add(batch.get(i));
                }
            }
        }
    }

    /**
     * Puts {@code k<i % keys>} records numbered {@code from} to {@code to - 1} in batches of {@code keys}, one
     * record per key each, and returns them.
     */
    List<String> putNumbered(String stream, int keys, int from, int to, int bytes) {
        List<String> all = new ArrayList<>();
        for (int start = from; start < to; start += keys) {
            List<String> batchKeys = new ArrayList<>();
            List<String> batch = new ArrayList<>();
            for (int i = start; i < Math.min(to, start + keys); i++) {
                batchKeys.add("k" + (i % keys));
                batch.add(record("k" + (i % keys), i, bytes));
            }
            put(stream, batchKeys, batch);
            all.addAll(batch);
        }
        return all;
    }

    /** A delivery stream writing JSON lines to {@code bucket}, with segments of at most 64 KiB. */
    static DeliveryStream deliver(Path bucket, KinesisSource source) {
        return DeliveryStream.builder().name("archive").sink(Sink.localBucket(bucket))
                .outputFormat(OutputFormat.jsonLines())
                .bufferingHints(new BufferingHints(64 << 10, Duration.ofSeconds(60))).source(source).build();
    }

    /** As {@link #deliver(Path, KinesisSource)}, on a manual clock and ticker (the source's back-offs use it). */
    static DeliveryStream deliver(Path bucket, KinesisSource source, ManualClock time) {
        return DeliveryStream.builder().name("archive").sink(Sink.localBucket(bucket)).clock(time).ticker(time)
                .outputFormat(OutputFormat.jsonLines())
                .bufferingHints(new BufferingHints(64 << 10, Duration.ofSeconds(60))).source(source).build();
    }

    /** The committed objects under {@code bucket}, each as its lines; temporary files (a leading dot) are left out. */
    static List<List<String>> objects(Path bucket) {
        if (!Files.exists(bucket)) {
            return List.of();
        }
        try (Stream<Path> walk = Files.walk(bucket)) {
            List<Path> files = walk.filter(Files::isRegularFile)
                    .filter(p -> !p.getFileName().toString().startsWith(".")).sorted().toList();
            List<List<String>> objects = new ArrayList<>();
            for (Path file : files) {
                String text = Files.readString(file, StandardCharsets.UTF_8);
                objects.add(text.isEmpty() ? List.of() : List.of(text.split("\n")));
            }
            return objects;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every line of every object. */
    static List<String> lines(Path bucket) {
        return objects(bucket).stream().flatMap(List::stream).toList();
    }

    @Override
    public void close() {
        synchronized (clients) {
            clients.forEach(KinesisAsyncClient::close);
        }
        server.close();
        engine.close();
    }

    private final class Recorder implements ExecutionInterceptor {
        @Override
        public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
            String operation = attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME);
            calls.computeIfAbsent(operation, k -> new AtomicInteger()).incrementAndGet();
        }

        @Override
        public void onExecutionFailure(Context.FailedExecution context, ExecutionAttributes attributes) {
            failures.computeIfAbsent(context.exception().getClass().getSimpleName(), k -> new AtomicInteger())
                    .incrementAndGet();
        }
    }
}
