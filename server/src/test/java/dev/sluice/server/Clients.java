package dev.sluice.server;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.SdkSystemSetting;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.retry.RetryPolicy;
import software.amazon.awssdk.http.Protocol;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.firehose.FirehoseClient;
import software.amazon.awssdk.services.kinesis.KinesisAsyncClient;
import software.amazon.awssdk.services.kinesis.KinesisClient;

import java.net.URI;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** Real AWS SDK v2 clients pointed at a Sluice server, with dummy static credentials. */
public final class Clients {

    public static final StaticCredentialsProvider CREDENTIALS =
            StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDSLUICETEST", "secret"));

    private Clients() {
    }

    /** Content types the clients built here sent, so tests can check which encoding was on the wire. */
    public static final Set<String> SEEN_CONTENT_TYPES = ConcurrentHashMap.newKeySet();

    private static final ExecutionInterceptor RECORD_CONTENT_TYPE = new ExecutionInterceptor() {
        @Override
        public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes attributes) {
            context.httpRequest().firstMatchingHeader("Content-Type").ifPresent(SEEN_CONTENT_TYPES::add);
        }
    };

    /**
     * A Kinesis client speaking CBOR (the SDK default) or JSON. The SDK (2.51.3 and 2.59.1) reads {@code aws.cborEnabled} when the
     * client is built, so the property is set only around {@code build()}.
     */
    public static KinesisClient kinesis(URI endpoint, boolean cbor, boolean retries) {
        return withCbor(cbor, () -> KinesisClient.builder().endpointOverride(endpoint).region(Region.US_EAST_1)
                .credentialsProvider(CREDENTIALS).httpClientBuilder(ApacheHttpClient.builder())
                .overrideConfiguration(overrides(retries)).build());
    }

    /**
     * A Kinesis client with the given HTTP client and overrides, CBOR or JSON as {@link #kinesis(URI, boolean, boolean)};
     * for the throughput harness, which compares the SDK's HTTP clients.
     */
    public static KinesisClient kinesis(URI endpoint, boolean cbor, software.amazon.awssdk.http.SdkHttpClient.Builder<?> http,
                                        ClientOverrideConfiguration overrides) {
        return withCbor(cbor, () -> KinesisClient.builder().endpointOverride(endpoint).region(Region.US_EAST_1)
                .credentialsProvider(CREDENTIALS).httpClientBuilder(http).overrideConfiguration(overrides).build());
    }

    /** An async Kinesis client on the SDK's netty HTTP client (HTTP/1.1), with the given overrides; CBOR or JSON. */
    public static KinesisAsyncClient kinesisAsync(URI endpoint, boolean cbor, ClientOverrideConfiguration overrides) {
        return withCbor(cbor, () -> KinesisAsyncClient.builder().endpointOverride(endpoint).region(Region.US_EAST_1)
                .credentialsProvider(CREDENTIALS)
                .httpClientBuilder(NettyNioAsyncHttpClient.builder().protocol(Protocol.HTTP1_1))
                .overrideConfiguration(overrides).build());
    }

    /**
     * A Kinesis client whose every request goes to {@code endpoint}. Needed for requests with {@code StreamId}: the
     * 2.59.1 endpoint rules send those to {@code <id>.<suffix>.control-kinesis.<region>.amazonaws.com} (or
     * {@code data-kinesis}) even when {@code endpointOverride} is set; a fixed endpoint provider wins over the rules.
     */
    public static KinesisClient kinesisPinned(URI endpoint, boolean cbor) {
        return withCbor(cbor, () -> KinesisClient.builder().endpointOverride(endpoint).region(Region.US_EAST_1)
                .endpointProvider(params -> java.util.concurrent.CompletableFuture.completedFuture(
                        software.amazon.awssdk.endpoints.Endpoint.builder().url(endpoint).build()))
                .credentialsProvider(CREDENTIALS).httpClientBuilder(ApacheHttpClient.builder())
                .overrideConfiguration(overrides(false)).build());
    }

    public static KinesisAsyncClient kinesisAsync(URI endpoint, Protocol protocol) {
        return kinesisAsync(endpoint, protocol, true);
    }

    /** An async client with the netty HTTP client; CBOR or JSON as {@link #kinesis}. */
    public static KinesisAsyncClient kinesisAsync(URI endpoint, Protocol protocol, boolean cbor) {
        return withCbor(cbor, () -> KinesisAsyncClient.builder().endpointOverride(endpoint).region(Region.US_EAST_1)
                .credentialsProvider(CREDENTIALS)
                .httpClientBuilder(NettyNioAsyncHttpClient.builder().protocol(protocol))
                .overrideConfiguration(overrides(true)).build());
    }

    public static FirehoseClient firehose(URI endpoint) {
        return FirehoseClient.builder().endpointOverride(endpoint).region(Region.US_EAST_1)
                .credentialsProvider(CREDENTIALS).httpClientBuilder(ApacheHttpClient.builder())
                .overrideConfiguration(overrides(false)).build();
    }

    @SuppressWarnings("deprecation")
    private static ClientOverrideConfiguration overrides(boolean retries) {
        ClientOverrideConfiguration.Builder b = ClientOverrideConfiguration.builder()
                .addExecutionInterceptor(RECORD_CONTENT_TYPE);
        if (!retries) {
            b.retryPolicy(RetryPolicy.none());
        }
        return b.build();
    }

    /**
     * Builds a client with the SDK's CBOR setting as given: the SDK reads the system property when the client is
     * built, so the property is set around {@code build()} and restored, one client at a time.
     */
    private static <T> T withCbor(boolean cbor, java.util.function.Supplier<T> build) {
        String property = SdkSystemSetting.CBOR_ENABLED.property();
        synchronized (Clients.class) {
            String previous = System.getProperty(property);
            System.setProperty(property, Boolean.toString(cbor));
            try {
                return build.get();
            } finally {
                if (previous == null) {
                    System.clearProperty(property);
                } else {
                    System.setProperty(property, previous);
                }
            }
        }
    }
}
