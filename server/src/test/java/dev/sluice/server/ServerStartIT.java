package dev.sluice.server;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.kinesis.KinesisClient;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Start-up set-up runs on several threads (engine, transport, operations): a failure of any part still fails
 * {@code start()} with its own message, leaves no server thread or bound port behind, and a started server serves
 * at once.
 */
@Timeout(60)
class ServerStartIT {

    private static List<String> serverThreads() {
        return Thread.getAllStackTraces().keySet().stream().map(Thread::getName)
                .filter(name -> name.startsWith("sluice-server-")).toList();
    }

    @Test
    void start_onAPortInUse_failsNamingThePort_andLeavesNoThreads(@TempDir Path data) throws IOException {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> SluiceServer.builder()
                    .dataDirectory(data).port(taken.getLocalPort()).build().start());
            assertTrue(e.getMessage().startsWith("cannot bind 127.0.0.1:" + taken.getLocalPort()), e.getMessage());
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> serverThreads().isEmpty());
    }

    @Test
    void start_onABrokenDataDirectory_failsAtStart_andFreesThePort(@TempDir Path dir) throws IOException {
        Path data = Files.writeString(dir.resolve("not-a-directory"), "x");
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        assertThrows(RuntimeException.class, () -> SluiceServer.builder().dataDirectory(data).port(port).build()
                .start());
        await().atMost(Duration.ofSeconds(10)).until(() -> serverThreads().isEmpty());
        try (ServerSocket again = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            assertEquals(port, again.getLocalPort(), "the port the failed start had bound is free again");
        }
    }

    @Test
    void start_returnsAServerThatServesAtOnce(@TempDir Path data) {
        try (SluiceServer server = SluiceServer.builder().dataDirectory(data).port(0).build().start();
             KinesisClient kinesis = Clients.kinesis(server.endpoint(), true, false)) {
            assertEquals(List.of(), kinesis.listStreams().streamNames());
        }
    }
}
