package dev.sluice.server;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.SdkSystemSetting;
import software.amazon.awssdk.core.retry.RetryPolicy;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.Protocol;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.SignedRequest;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.firehose.FirehoseClient;
import software.amazon.awssdk.services.kinesis.KinesisAsyncClient;
import software.amazon.awssdk.services.kinesis.KinesisClient;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SigV4 verification with configured secrets, through the real SDK clients (Kinesis in CBOR and JSON, sync and over
 * HTTP/2, Firehose) and hand-signed requests for the clock-skew errors.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(60)
class SignatureVerificationIT {

    private static final String KEY = "AKIDSIGNED";
    private static final String SECRET = "s3cr3t/with+chars";

    private SluiceServer server;

    @BeforeAll
    void start() {
        server = SluiceServer.builder().port(0).credentials(KEY, SECRET).credentials("AKIDOTHER", "other").build()
                .start();
    }

    @AfterAll
    void stop() {
        server.close();
    }

    private static StaticCredentialsProvider credentials(String key, String secret) {
        return StaticCredentialsProvider.create(AwsBasicCredentials.create(key, secret));
    }

    @SuppressWarnings("deprecation")
    private KinesisClient kinesis(boolean cbor, String key, String secret) {
        String property = SdkSystemSetting.CBOR_ENABLED.property();
        synchronized (Clients.class) {
            String previous = System.getProperty(property);
            System.setProperty(property, Boolean.toString(cbor));
            try {
                return KinesisClient.builder().endpointOverride(server.endpoint()).region(Region.US_EAST_1)
                        .credentialsProvider(credentials(key, secret)).httpClientBuilder(ApacheHttpClient.builder())
                        .overrideConfiguration(o -> o.retryPolicy(RetryPolicy.none())).build();
            } finally {
                if (previous == null) {
                    System.clearProperty(property);
                } else {
                    System.setProperty(property, previous);
                }
            }
        }
    }

    @SuppressWarnings("deprecation")
    private FirehoseClient firehose(String key, String secret) {
        return FirehoseClient.builder().endpointOverride(server.endpoint()).region(Region.US_EAST_1)
                .credentialsProvider(credentials(key, secret)).httpClientBuilder(ApacheHttpClient.builder())
                .overrideConfiguration(o -> o.retryPolicy(RetryPolicy.none())).build();
    }

    private static void assertAwsError(AwsServiceException e, String code, String messagePart) {
        assertEquals(400, e.statusCode(), e::toString);
        assertEquals(code, e.awsErrorDetails().errorCode(), e::toString);
        assertTrue(e.awsErrorDetails().errorMessage().contains(messagePart), e.awsErrorDetails().errorMessage());
    }

    @Test
    void kinesis_cborAndJson_withTheRightSecret_areServed_andWithAWrongOneRefused() {
        for (boolean cbor : new boolean[]{true, false}) {
            String stream = cbor ? "signed-cbor" : "signed-json";
            try (KinesisClient good = kinesis(cbor, KEY, SECRET); KinesisClient bad = kinesis(cbor, KEY, "wrong")) {
                good.createStream(b -> b.streamName(stream).shardCount(1));
                good.putRecord(b -> b.streamName(stream).partitionKey("k/ü ?&=")
                        .data(software.amazon.awssdk.core.SdkBytes.fromUtf8String("payload")));
                assertTrue(good.listStreams().streamNames().contains(stream));

                AwsServiceException wrong = assertThrows(AwsServiceException.class,
                        () -> bad.describeStreamSummary(b -> b.streamName(stream)));
                assertAwsError(wrong, "InvalidSignatureException",
                        "The request signature we calculated does not match the signature you provided");
            }
        }
    }

    @Test
    void kinesisAsync_overHttp2_withTheRightSecret_isServed() throws Exception {
        try (KinesisAsyncClient async = KinesisAsyncClient.builder().endpointOverride(server.endpoint())
                .region(Region.US_EAST_1).credentialsProvider(credentials(KEY, SECRET))
                .httpClientBuilder(software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient.builder()
                        .protocol(Protocol.HTTP2)).build()) {
            async.createStream(b -> b.streamName("signed-h2").shardCount(1)).get(30, TimeUnit.SECONDS);
            assertTrue(async.listStreams().get(30, TimeUnit.SECONDS).streamNames().contains("signed-h2"));
        }
    }

    @Test
    void firehose_withTheRightSecret_isServed_andWithAWrongOneOrAnUnknownKeyRefused() {
        try (FirehoseClient good = firehose(KEY, SECRET); FirehoseClient bad = firehose(KEY, "wrong");
             FirehoseClient stranger = firehose("AKIDSTRANGER", SECRET)) {
            good.createDeliveryStream(b -> b.deliveryStreamName("signed")
                    .extendedS3DestinationConfiguration(d -> d.bucketARN("arn:aws:s3:::signed-bucket")));
            good.putRecord(b -> b.deliveryStreamName("signed")
                    .record(r -> r.data(software.amazon.awssdk.core.SdkBytes.fromUtf8String("x"))));
            assertAwsError(assertThrows(AwsServiceException.class, () -> bad.listDeliveryStreams(b -> b.limit(5))),
                    "InvalidSignatureException", "does not match");
            assertAwsError(assertThrows(AwsServiceException.class, () -> stranger.listDeliveryStreams(b -> b.limit(5))),
                    "UnrecognizedClientException", "The security token included in the request is invalid.");
        }
        try (FirehoseClient otherKey = firehose("AKIDOTHER", "other")) {
            assertTrue(otherKey.listDeliveryStreams(b -> b.limit(5)).deliveryStreamNames().contains("signed"));
        }
    }

    /** Signs a Kinesis ListStreams request as the SDK would, with the given signing time. */
    private HttpRequest handSigned(Instant signingTime, String secret) {
        byte[] body = "{}".getBytes(StandardCharsets.UTF_8);
        SdkHttpRequest request = SdkHttpRequest.builder().method(SdkHttpMethod.POST).uri(server.endpoint())
                .encodedPath("/")
                .putHeader("Content-Type", "application/x-amz-json-1.1")
                .putHeader("X-Amz-Target", "Kinesis_20131202.ListStreams").build();
        SignedRequest signed = AwsV4HttpSigner.create().sign(r -> r
                .identity(AwsCredentialsIdentity.create(KEY, secret))
                .request(request)
                .payload(ContentStreamProvider.fromByteArray(body))
                .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, "kinesis")
                .putProperty(AwsV4HttpSigner.REGION_NAME, "us-east-1")
                .putProperty(HttpSigner.SIGNING_CLOCK, Clock.fixed(signingTime, ZoneOffset.UTC)));
        HttpRequest.Builder http = HttpRequest.newBuilder(server.endpoint().resolve("/"))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).timeout(Duration.ofSeconds(20));
        signed.request().headers().forEach((name, values) -> {
            if (!name.equalsIgnoreCase("Host") && !name.equalsIgnoreCase("Content-Length")) {
                values.forEach(v -> http.header(name, v));
            }
        });
        return http.build();
    }

    private static HttpResponse<String> send(HttpRequest request) throws Exception {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        return client.send(request, HttpResponse.BodyHandlers.ofString());
    }

    private static void assertError(HttpResponse<String> response, String type, String messagePart) {
        assertEquals(400, response.statusCode(), response.body());
        assertTrue(response.body().contains("\"__type\":\"" + type + "\""), response.body());
        assertTrue(response.body().contains(messagePart), response.body());
    }

    @Test
    void handSignedRequest_signedNow_isServed_butSixMinutesOffIsRefusedAsExpiredOrNotYetCurrent() throws Exception {
        assertEquals(200, send(handSigned(Instant.now(), SECRET)).statusCode());

        assertError(send(handSigned(Instant.now().minus(Duration.ofMinutes(6)), SECRET)), "InvalidSignatureException",
                "Signature expired: ");
        assertError(send(handSigned(Instant.now().minus(Duration.ofMinutes(6)), SECRET)), "InvalidSignatureException",
                " - 5 min.)");
        assertError(send(handSigned(Instant.now().plus(Duration.ofMinutes(6)), SECRET)), "InvalidSignatureException",
                "Signature not yet current: ");
        assertEquals(200, send(handSigned(Instant.now().minus(Duration.ofMinutes(4)), SECRET)).statusCode(),
                "4 minutes of skew are within AWS's 5");
    }

    @Test
    void handMadeRequest_unsignedOrTampered_isRefused() throws Exception {
        HttpRequest unsigned = HttpRequest.newBuilder(server.endpoint().resolve("/"))
                .POST(HttpRequest.BodyPublishers.ofString("{}"))
                .header("Content-Type", "application/x-amz-json-1.1")
                .header("X-Amz-Target", "Kinesis_20131202.ListStreams").build();
        assertError(send(unsigned), "MissingAuthenticationTokenException", "Missing Authentication Token");

        HttpRequest signed = handSigned(Instant.now(), SECRET);
        HttpRequest.Builder tampered = HttpRequest.newBuilder(signed.uri())
                .POST(HttpRequest.BodyPublishers.ofString("{\"Limit\":1}"));
        signed.headers().map().forEach((name, values) -> values.forEach(v -> tampered.header(name, v)));
        assertError(send(tampered.build()), "InvalidSignatureException", "");

        HttpRequest.Builder garbled = HttpRequest.newBuilder(signed.uri()).POST(HttpRequest.BodyPublishers.ofString("{}"));
        signed.headers().map().forEach((name, values) -> {
            if (!name.equalsIgnoreCase("Authorization")) {
                values.forEach(v -> garbled.header(name, v));
            }
        });
        garbled.header("Authorization", "AWS4-HMAC-SHA256 Credential=" + KEY + "/20260101/us-east-1/kinesis/aws4_request");
        assertError(send(garbled.build()), "InvalidSignatureException", "requires 'SignedHeaders' parameter");
    }

    @Test
    void serverWithoutSecrets_acceptsUnsignedRequests() throws Exception {
        try (SluiceServer open = SluiceServer.builder().port(0).build().start()) {
            HttpRequest unsigned = HttpRequest.newBuilder(open.endpoint().resolve("/"))
                    .POST(HttpRequest.BodyPublishers.ofString("{}"))
                    .header("Content-Type", "application/x-amz-json-1.1")
                    .header("X-Amz-Target", "Kinesis_20131202.ListStreams").build();
            assertEquals(200, send(unsigned).statusCode());
        }
    }

    @Test
    void builder_refusesEmptyCredentials() {
        Function<String[], Exception> build = kv -> assertThrows(RuntimeException.class,
                () -> SluiceServer.builder().credentials(kv[0], kv[1]));
        assertTrue(build.apply(new String[]{"", "x"}).getMessage().contains("non-empty access key id"));
        assertTrue(build.apply(new String[]{"id", ""}).getMessage().contains("non-empty access key id"));
    }
}
