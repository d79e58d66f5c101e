package dev.sluice.examples.kafka;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;

import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * A single-node Apache Kafka broker (KRaft: broker and controller in one JVM) started as a child process, so that the
 * Kafka example runs with one command and no installation. The broker's jars are not in {@code sluice-demo.jar}:
 * the build writes their class path (jars in the local Maven repository) to {@code kafka-broker.classpath} next to
 * the jar, and this class reads it. Data and log go to the directory given; the broker is stopped with SIGTERM on
 * {@link #close()} or when this JVM exits.
 */
final class LocalKafka implements AutoCloseable {

    static final String CLASSPATH_FILE = "kafka-broker.classpath";
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);

    private final Process process;
    private final int port;
    private final Path dir;

    private LocalKafka(Process process, int port, Path dir) {
        this.process = process;
        this.port = port;
        this.dir = dir;
    }

    /**
     * Formats {@code dir} and starts a broker on a free loopback port; returns once it answers.
     *
     * @param dir a new directory for the broker's data, configuration and log
     * @return the running broker
     * @throws IOException when the broker cannot be started
     */
    static LocalKafka start(Path dir) throws IOException, InterruptedException {
        String brokerClassPath = brokerClassPath();
        Files.createDirectories(dir);
        int brokerPort = freePort();
        int controllerPort = freePort();
        Path config = dir.resolve("server.properties");
        Files.writeString(config, String.join("\n",
                "process.roles=broker,controller",
                "node.id=1",
                "controller.quorum.voters=1@127.0.0.1:" + controllerPort,
                "listeners=PLAINTEXT://127.0.0.1:" + brokerPort + ",CONTROLLER://127.0.0.1:" + controllerPort,
                "advertised.listeners=PLAINTEXT://127.0.0.1:" + brokerPort,
                "controller.listener.names=CONTROLLER",
                "inter.broker.listener.name=PLAINTEXT",
                "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
                "log.dirs=" + dir.resolve("logs"),
                "auto.create.topics.enable=false",
                "offsets.topic.replication.factor=1",
                "offsets.topic.num.partitions=4",
                "transaction.state.log.replication.factor=1",
                "transaction.state.log.min.isr=1",
                "share.coordinator.state.topic.replication.factor=1",
                "share.coordinator.state.topic.min.isr=1",
                "group.initial.rebalance.delay.ms=0",
                ""));
        Path log = dir.resolve("broker.log");
        Process format = java(brokerClassPath, List.of("kafka.tools.StorageTool", "format", "-t",
                Uuid.randomUuid().toString(), "-c", config.toString()), log);
        if (!format.waitFor(60, TimeUnit.SECONDS) || format.exitValue() != 0) {
            format.destroyForcibly();
            throw new IOException("formatting the broker's storage failed; see " + log);
        }
        Process process = java(brokerClassPath, List.of("kafka.Kafka", config.toString()), log);
        LocalKafka broker = new LocalKafka(process, brokerPort, dir);
        Runtime.getRuntime().addShutdownHook(new Thread(broker::close, "local-kafka-stop"));
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        while (!broker.answers()) {
            if (!process.isAlive() || System.nanoTime() > deadline) {
                broker.close();
                throw new IOException("the local Kafka broker did not start within " + READY_TIMEOUT + "; see " + log);
            }
            process.waitFor(100, TimeUnit.MILLISECONDS);
        }
        return broker;
    }

    /** The {@code bootstrap.servers} value. */
    String bootstrap() {
        return "127.0.0.1:" + port;
    }

    Path directory() {
        return dir;
    }

    /** Stops the broker (SIGTERM, then SIGKILL after 30 s). Idempotent. */
    @Override
    public void close() {
        if (!process.isAlive()) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    private boolean answers() {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
        } catch (IOException e) {
            return false;
        }
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "2000");
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "2000");
        try (Admin admin = Admin.create(props)) {
            return !admin.describeCluster().nodes().get(2, TimeUnit.SECONDS).isEmpty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
            return false;
        }
    }

    /** The broker jars (from the build's class-path file) plus this program's own class path. */
    private static String brokerClassPath() throws IOException {
        Path here;
        try {
            here = Path.of(LocalKafka.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IOException(e);
        }
        Path file = here.getParent().resolve(CLASSPATH_FILE);
        if (!Files.exists(file)) {
            throw new IOException("no --bootstrap given and no broker class path at " + file + ": build the examples"
                    + " with Maven (mvn -B -q package -DskipTests -pl examples -am), or pass --bootstrap host:port");
        }
        return Files.readString(file).trim() + File.pathSeparator + System.getProperty("java.class.path");
    }

    private static Process java(String classPath, List<String> mainAndArgs, Path log) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx1g");
        command.add("-Dorg.slf4j.simpleLogger.defaultLogLevel=warn");
        command.add("-cp");
        command.add(classPath);
        command.addAll(mainAndArgs);
        return new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
