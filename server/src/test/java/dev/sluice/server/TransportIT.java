package dev.sluice.server;

import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.http.Protocol;
import software.amazon.awssdk.services.kinesis.KinesisAsyncClient;
import software.amazon.awssdk.services.kinesis.model.PutRecordsRequestEntry;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The transports: HTTP/2 with prior knowledge (SDK netty client), h2c upgrade and TLS with ALPN (java.net.http). */
class TransportIT {

    @Test
    void asyncSdkClient_overHttp2PriorKnowledge_runsConcurrentStreams() {
        try (SluiceServer server = SluiceServer.builder().port(0).build().start();
             KinesisAsyncClient kinesis = Clients.kinesisAsync(server.endpoint(), Protocol.HTTP2)) {
            kinesis.createStream(b -> b.streamName("h2").shardCount(4)).join();
            List<CompletableFuture<?>> puts = IntStream.range(0, 50).<CompletableFuture<?>>mapToObj(i ->
                    kinesis.putRecords(b -> b.streamName("h2").records(PutRecordsRequestEntry.builder()
                            .partitionKey("k" + i).data(SdkBytes.fromUtf8String("v" + i)).build()))).toList();
            CompletableFuture.allOf(puts.toArray(CompletableFuture[]::new)).join();
            int total = 0;
            for (var shard : kinesis.listShards(b -> b.streamName("h2")).join().shards()) {
                String iterator = kinesis.getShardIterator(b -> b.streamName("h2").shardId(shard.shardId())
                        .shardIteratorType("TRIM_HORIZON")).join().shardIterator();
                total += kinesis.getRecords(b -> b.shardIterator(iterator)).join().records().size();
            }
            assertEquals(50, total);
        }
    }

    @Test
    void javaHttpClient_upgradesToH2c() throws Exception {
        try (SluiceServer server = SluiceServer.builder().port(0).build().start()) {
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).build();
            for (int i = 0; i < 3; i++) {
                HttpResponse<String> response = http.send(listStreams(server), HttpResponse.BodyHandlers.ofString());
                assertEquals(200, response.statusCode(), response.body());
                assertEquals(HttpClient.Version.HTTP_2, response.version());
                assertTrue(response.body().contains("StreamNames"), response.body());
            }
        }
    }

    @Test
    void tls_withGeneratedCertificate_negotiatesH2AndHttp11() throws Exception {
        try (SluiceServer server = SluiceServer.builder().port(0).tls().build().start()) {
            assertEquals("https", server.endpoint().getScheme());
            SSLContext trustAll = SSLContext.getInstance("TLS");
            trustAll.init(null, new TrustManager[]{new X509TrustManager() {
                @Override
                public void checkClientTrusted(X509Certificate[] chain, String authType) {
                }

                @Override
                public void checkServerTrusted(X509Certificate[] chain, String authType) {
                }

                @Override
                public X509Certificate[] getAcceptedIssuers() {
                    return new X509Certificate[0];
                }
            }}, new SecureRandom());
            for (HttpClient.Version version : List.of(HttpClient.Version.HTTP_2, HttpClient.Version.HTTP_1_1)) {
                HttpClient http = HttpClient.newBuilder().version(version).sslContext(trustAll)
                        .connectTimeout(Duration.ofSeconds(10)).build();
                HttpResponse<String> response = http.send(listStreams(server), HttpResponse.BodyHandlers.ofString());
                assertEquals(200, response.statusCode(), response.body());
                assertEquals(version, response.version());
            }
        }
    }

    @Test
    void tls_withGivenPemCertificateAndKey(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        java.security.KeyPairGenerator generator = java.security.KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        java.security.KeyPair keys = generator.generateKeyPair();
        // The JDK cannot self-sign without its internals; the server's own DER generator signs a test certificate.
        java.nio.file.Path key = dir.resolve("key.pem");
        java.nio.file.Files.writeString(key, pem("PRIVATE KEY", keys.getPrivate().getEncoded()));
        java.nio.file.Path cert = dir.resolve("cert.pem");
        java.security.cert.X509Certificate generated = dev.sluice.server.internal.TestCertificates.selfSigned(keys);
        java.nio.file.Files.writeString(cert, pem("CERTIFICATE", generated.getEncoded()));
        try (SluiceServer server = SluiceServer.builder().port(0).tls(cert, key).build().start()) {
            SSLContext trustAll = SSLContext.getInstance("TLS");
            trustAll.init(null, new TrustManager[]{new X509TrustManager() {
                @Override
                public void checkClientTrusted(X509Certificate[] chain, String authType) {
                }

                @Override
                public void checkServerTrusted(X509Certificate[] chain, String authType) {
                }

                @Override
                public X509Certificate[] getAcceptedIssuers() {
                    return new X509Certificate[0];
                }
            }}, new SecureRandom());
            HttpClient http = HttpClient.newBuilder().sslContext(trustAll).build();
            HttpResponse<String> response = http.send(listStreams(server), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, response.statusCode(), response.body());
            javax.net.ssl.SSLSession session = response.sslSession().orElseThrow();
            assertEquals(generated, session.getPeerCertificates()[0]);
        }
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n"
                + java.util.Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    private static HttpRequest listStreams(SluiceServer server) {
        return HttpRequest.newBuilder(server.endpoint().resolve("/"))
                .header("X-Amz-Target", "Kinesis_20131202.ListStreams")
                .header("Content-Type", "application/x-amz-json-1.1")
                .POST(HttpRequest.BodyPublishers.ofString("{}")).build();
    }
}
