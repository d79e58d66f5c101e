package dev.sluice.server;

import dev.sluice.stream.StreamEngine;
import dev.sluice.stream.ThrottleMode;
import dev.sluice.stream.testing.ManualClock;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Connections that misbehave at the socket level: never finishing their headers, trickling them, sitting idle, or
 * arriving beyond the server's cap. Timeouts are configured short; every wait is an Awaitility bound.
 */
class ConnectionLimitsIT {

    private static final String LIST_STREAMS = "POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: Kinesis_20131202.ListStreams"
            + "\r\nContent-Type: application/x-amz-json-1.1\r\nContent-Length: 2\r\n\r\n{}";

    /** A raw client connection read without blocking, so tests can ask whether the server closed it. */
    private static final class Raw implements AutoCloseable {
        private final SocketChannel channel;
        private final StringBuilder received = new StringBuilder();
        private boolean closed;

        Raw(URI endpoint) throws IOException {
            channel = SocketChannel.open(new InetSocketAddress("127.0.0.1", endpoint.getPort()));
            channel.configureBlocking(false);
        }

        void send(String text) {
            try {
                ByteBuffer bytes = ByteBuffer.wrap(text.getBytes(StandardCharsets.US_ASCII));
                while (bytes.hasRemaining()) {
                    channel.write(bytes);
                }
            } catch (IOException e) {
                closed = true;
            }
        }

        /** Reads what has arrived; true once the server closed the connection. */
        boolean closedByServer() {
            ByteBuffer buffer = ByteBuffer.allocate(8192);
            try {
                int n;
                while ((n = channel.read(buffer)) > 0) {
                    received.append(StandardCharsets.US_ASCII.decode(buffer.flip()));
                    buffer.clear();
                }
                if (n < 0) {
                    closed = true;
                }
            } catch (IOException e) {
                closed = true;
            }
            return closed;
        }

        int responses() {
            closedByServer();
            return received.toString().split("HTTP/1.1 200", -1).length - 1;
        }

        @Override
        public void close() {
            try {
                channel.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** One request on a new blocking connection: true if it was answered 200, false if the connection closed. */
    private static boolean served(URI endpoint) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", endpoint.getPort())) {
            socket.setSoTimeout(5_000);
            socket.getOutputStream().write(LIST_STREAMS.getBytes(StandardCharsets.US_ASCII));
            byte[] status = socket.getInputStream().readNBytes("HTTP/1.1 200".length());
            return new String(status, StandardCharsets.US_ASCII).equals("HTTP/1.1 200");
        } catch (SocketException e) {
            return false;
        }
    }

    private static void closeAll(List<Raw> connections) {
        connections.forEach(Raw::close);
    }

    @Test
    void connectionsThatNeverFinishTheirHeaders_areClosedAfterTheHeaderTimeout() throws Exception {
        try (SluiceServer server = SluiceServer.builder().requestHeaderTimeout(Duration.ofMillis(500))
                .idleTimeout(Duration.ofMinutes(5)).build().start()) {
            List<Raw> stalled = new ArrayList<>();
            try {
                for (int i = 0; i < 200; i++) {
                    Raw raw = new Raw(server.endpoint());
                    if (i % 2 == 0) {
                        raw.send("POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: Kinesis_20131202.ListStreams\r\n");
                    }
                    stalled.add(raw);
                }
                await().atMost(Duration.ofSeconds(20))
                        .until(() -> stalled.stream().filter(Raw::closedByServer).count() == 200);
                try (Raw healthy = new Raw(server.endpoint())) {
                    healthy.send(LIST_STREAMS);
                    await().atMost(Duration.ofSeconds(10)).until(() -> healthy.responses() == 1);
                }
            } finally {
                closeAll(stalled);
            }
        }
    }

    @Test
    void headerTimeout_isADeadline_notExtendedByTrickledBytes() throws Exception {
        try (SluiceServer server = SluiceServer.builder().requestHeaderTimeout(Duration.ofMillis(500))
                .idleTimeout(Duration.ofMinutes(5)).build().start();
             Raw slowloris = new Raw(server.endpoint())) {
            String head = "POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: Kinesis_20131202.ListStreams\r\nX-Pad: "
                    + "a".repeat(4000);
            int[] sent = {0};
            // One header byte per poll, well inside any per-read timeout: only a deadline closes this connection.
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20)).until(() -> {
                slowloris.send(String.valueOf(head.charAt(sent[0]++ % head.length())));
                return slowloris.closedByServer();
            });
            assertTrue(sent[0] < head.length(), "the headers were never complete: " + sent[0] + " bytes sent");
        }
    }

    @Test
    void keepAliveConnection_servesBackToBackRequests_thenIsClosedWhenIdle() throws Exception {
        try (SluiceServer server = SluiceServer.builder().requestHeaderTimeout(Duration.ofSeconds(10))
                .idleTimeout(Duration.ofMillis(500)).build().start();
             Raw raw = new Raw(server.endpoint())) {
            raw.send(LIST_STREAMS);
            await().atMost(Duration.ofSeconds(10)).until(() -> raw.responses() == 1);
            raw.send(LIST_STREAMS);
            await().atMost(Duration.ofSeconds(10)).until(() -> raw.responses() == 2);
            await().atMost(Duration.ofSeconds(10)).until(raw::closedByServer);
        }
    }

    @Test
    void requestWaitingForShardCapacity_isNotIdle_andTheConnectionIsClosedOnlyAfterItsResponse() throws Exception {
        ManualClock time = new ManualClock();
        try (StreamEngine engine = StreamEngine.builder().clock(time).ticker(time).throttleMode(ThrottleMode.BLOCK)
                .blockTimeout(Duration.ofMinutes(10)).build();
             SluiceServer server = SluiceServer.builder().engine(engine).requestHeaderTimeout(Duration.ofSeconds(10))
                     .idleTimeout(Duration.ofMillis(300)).build().start();
             Raw raw = new Raw(server.endpoint())) {
            engine.createStream("busy", 1);
            for (int i = 0; i < 1000; i++) {
                engine.putRecord("busy", "k", new byte[]{1});
            }
            String body = "{\"StreamName\":\"busy\",\"PartitionKey\":\"k\",\"Data\":\"AQ==\"}";
            raw.send("POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: Kinesis_20131202.PutRecord\r\nContent-Type: "
                    + "application/x-amz-json-1.1\r\nContent-Length: " + body.length() + "\r\n\r\n" + body);
            // The put waits for capacity that only the manual clock can give: several idle timeouts pass.
            await().during(Duration.ofMillis(1500)).atMost(Duration.ofSeconds(5))
                    .until(() -> !raw.closedByServer() && raw.responses() == 0);
            time.advance(Duration.ofSeconds(1));
            await().atMost(Duration.ofSeconds(10)).until(() -> raw.responses() == 1);
            await().atMost(Duration.ofSeconds(10)).until(raw::closedByServer);
        }
    }

    @Test
    void connectionBeyondTheCap_isClosedAtOnce_andASlotFreedIsUsable() throws Exception {
        try (SluiceServer server = SluiceServer.builder().maxConnections(5).requestHeaderTimeout(Duration.ofMinutes(1))
                .build().start()) {
            List<Raw> connections = new ArrayList<>();
            try {
                for (int i = 0; i < 6; i++) {
                    connections.add(new Raw(server.endpoint()));
                }
                await().atMost(Duration.ofSeconds(10))
                        .until(() -> connections.stream().filter(Raw::closedByServer).count() == 1);
                List<Raw> open = connections.stream().filter(c -> !c.closedByServer()).toList();
                assertEquals(5, open.size());
                open.get(0).close();
                // The server frees the slot when it sees the close: until then a new connection may still be refused.
                await().atMost(Duration.ofSeconds(10)).until(() -> served(server.endpoint()));
            } finally {
                closeAll(connections);
            }
        }
    }
}
