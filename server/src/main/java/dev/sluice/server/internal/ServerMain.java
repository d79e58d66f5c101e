package dev.sluice.server.internal;

import dev.sluice.server.SluiceServer;
import dev.sluice.stream.SluiceException;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;

/**
 * {@code java -jar sluice-server.jar [--host H] [--port P] [--data-dir DIR] [--buckets-dir DIR] [--access-key-id ID]...
 * [--max-request-bytes N] [--tls]}: starts a server, prints its endpoint URL on stdout as the first line
 * ({@code Sluice server listening on http://127.0.0.1:4567}), and runs until the JVM is stopped (SIGTERM / Ctrl-C
 * close it cleanly through a shutdown hook).
 */
public final class ServerMain {

    private ServerMain() {
    }

    /**
     * Entry point.
     *
     * @param args the options above
     */
    public static void main(String[] args) throws InterruptedException {
        long startNanos = System.nanoTime();
        SluiceServer.Builder builder = SluiceServer.builder().port(4567);
        java.util.Set<String> keys = new java.util.HashSet<>();
        SluiceServer server;
        try {
            for (int i = 0; i < args.length; i++) {
                String option = args[i];
                switch (option) {
                    case "--host" -> builder.host(value(args, ++i, option));
                    case "--port" -> builder.port(Integer.parseInt(value(args, ++i, option)));
                    case "--data-dir" -> builder.dataDirectory(Path.of(value(args, ++i, option)));
                    case "--buckets-dir" -> builder.bucketsDirectory(Path.of(value(args, ++i, option)));
                    case "--access-key-id" -> keys.add(value(args, ++i, option));
                    case "--max-request-bytes" -> builder.maxRequestBytes(Integer.parseInt(value(args, ++i, option)));
                    case "--s3-endpoint" -> builder.s3Endpoint(java.net.URI.create(value(args, ++i, option)));
                    case "--region" -> builder.region(value(args, ++i, option));
                    case "--tls" -> builder.tls();
                    case "--header-timeout-seconds" -> builder.requestHeaderTimeout(
                            java.time.Duration.ofSeconds(Long.parseLong(value(args, ++i, option))));
                    case "--idle-timeout-seconds" -> builder.idleTimeout(
                            java.time.Duration.ofSeconds(Long.parseLong(value(args, ++i, option))));
                    case "--max-connections" -> builder.maxConnections(Integer.parseInt(value(args, ++i, option)));
                    case "--help", "-h" -> {
                        usage(System.out);
                        return;
                    }
                    default -> throw new IllegalArgumentException("unknown option " + option);
                }
            }
            builder.accessKeyIds(keys);
            server = builder.build();
        } catch (IllegalArgumentException | SluiceException e) {
            System.err.println("error: " + e.getMessage() + " (args: " + Arrays.toString(args) + ")");
            usage(System.err);
            System.exit(2);
            return;
        }
        server.start();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stopped.countDown();
        }, "sluice-server-shutdown"));
        System.out.println("Sluice server listening on " + server.endpoint() + " (ready in "
                + (System.nanoTime() - startNanos) / 1_000_000 + " ms)");
        System.out.flush();
        stopped.await();
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args[i];
    }

    private static void usage(PrintStream out) {
        out.println("usage: java -jar sluice-server.jar [--host 127.0.0.1] [--port 4567 (0 = free)] [--data-dir DIR]"
                + " [--buckets-dir DIR] [--s3-endpoint URL] [--access-key-id ID]... [--max-request-bytes N]"
                + " [--region us-east-1] [--tls] [--header-timeout-seconds 20] [--idle-timeout-seconds 120]"
                + " [--max-connections 4096]");
    }
}
