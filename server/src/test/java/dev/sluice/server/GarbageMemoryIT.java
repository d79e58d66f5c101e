package dev.sluice.server;

import io.netty.buffer.PooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * 50,000 malformed requests over raw HTTP/1.1 (pipelined in batches of 100 on keep-alive connections, each batch
 * followed by one that ends its connection: malformed HTTP, an oversized body or HTTP/2 garbage) leave heap and Netty's direct memory bounded and
 * the server serving. Netty's leak detector runs in paranoid mode meanwhile, so a leaked buffer would also be
 * logged with its access record.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GarbageMemoryIT {

    private static final int LIMIT = 64 * 1024;
    private static final int WARM_UP = 5_000;
    private static final int REQUESTS = 50_000;
    private static final int PIPELINE = 100;
    /** What a leak of ~100 bytes per request would exceed; far above the pools' and caches' steady state. */
    private static final long MAX_HEAP_GROWTH = 24L << 20;
    /** Netty's pooled chunks are 4 MiB: a few more may be taken by concurrency, a leak takes them without bound. */
    private static final long MAX_DIRECT_GROWTH = 16L << 20;

    private SluiceServer server;
    private ResourceLeakDetector.Level leakLevel;

    @BeforeAll
    void start() {
        leakLevel = ResourceLeakDetector.getLevel();
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
        server = SluiceServer.builder().maxRequestBytes(LIMIT).build().start();
        server.engine().createStream("garbage", 2);
    }

    @AfterAll
    void stop() {
        server.close();
        ResourceLeakDetector.setLevel(leakLevel);
    }

    @Test
    void fiftyThousandMalformedRequests_leaveHeapAndDirectMemoryBounded_andTheServerServing() throws IOException {
        Random random = new Random(12);
        int[] statuses = new int[6];
        send(WARM_UP, random, statuses);
        long heapBefore = heapAfterGc();
        long directBefore = directMemory();

        send(REQUESTS, random, statuses);

        long heapGrowth = heapAfterGc() - heapBefore;
        long directGrowth = directMemory() - directBefore;
        System.out.printf("garbage: %d requests, statuses by class %s, heap growth %d KiB, direct growth %d KiB%n",
                WARM_UP + REQUESTS, Arrays.toString(statuses), heapGrowth >> 10, directGrowth >> 10);
        assertEquals(0, statuses[5], "no 5xx: " + Arrays.toString(statuses));
        assertEquals(0, statuses[2], "no garbage accepted: " + Arrays.toString(statuses));
        assertEquals(WARM_UP + REQUESTS, statuses[4], "all answered 4xx: " + Arrays.toString(statuses));
        assertTrue(heapGrowth < MAX_HEAP_GROWTH, "heap grew by " + heapGrowth + " bytes");
        assertTrue(directGrowth < MAX_DIRECT_GROWTH, "direct memory grew by " + directGrowth + " bytes");
        assertEquals(200, exchange(List.of(request("Kinesis_20131202.ListStreams", "application/x-amz-json-1.1",
                "{}".getBytes(StandardCharsets.UTF_8)))).get(0));
    }

    /** Sends {@code n} malformed requests: pipelined batches, each followed by one that breaks its connection. */
    private void send(int n, Random random, int[] statuses) throws IOException {
        int sent = 0;
        while (sent < n) {
            List<byte[]> batch = new ArrayList<>(PIPELINE);
            for (int i = 0; i < PIPELINE && sent < n; i++, sent++) {
                batch.add(keepAliveGarbage(random));
            }
            for (int status : exchange(batch)) {
                statuses[status / 100]++;
            }
            if (sent < n) {
                statuses[connectionBreaker(random) / 100]++;
                sent++;
            }
        }
    }

    private static byte[] keepAliveGarbage(Random random) {
        String json = "application/x-amz-json-1.1";
        String cbor = "application/x-amz-cbor-1.1";
        byte[] noise = new byte[random.nextInt(300)];
        random.nextBytes(noise);
        return switch (random.nextInt(10)) {
            case 0 -> request("Kinesis_20131202.PutRecord", json, "{not json".getBytes(StandardCharsets.UTF_8));
            case 1 -> request("Kinesis_20131202.PutRecords", cbor, noise);
            case 2 -> request("Kinesis_20131202.Explode", json, "{}".getBytes(StandardCharsets.UTF_8));
            case 3 -> request(null, json, "{}".getBytes(StandardCharsets.UTF_8));
            case 4 -> request("Kinesis_20131202.PutRecord", json,
                    "{\"StreamName\":\"garbage\",\"PartitionKey\":\"k\"}".getBytes(StandardCharsets.UTF_8));
            case 5 -> request("Kinesis_20131202.ListStreams", "text/plain", noise);
            case 6 -> request("Firehose_20150804.PutRecordBatch", json,
                    "{\"DeliveryStreamName\":\"none\",\"Records\":[{\"Data\":\"eA==\"}]}".getBytes(StandardCharsets.UTF_8));
            case 7 -> request("Kinesis_20131202.ListStreams", json,
                    ("[".repeat(3000) + "]".repeat(3000)).getBytes(StandardCharsets.UTF_8));
            case 8 -> request("Kinesis_20131202.GetRecords", json,
                    ("{\"ShardIterator\":\"" + Base64.getEncoder().encodeToString(noise) + "\"}").getBytes(StandardCharsets.UTF_8));
            default -> request("Kinesis_20131202.CreateStream", json,
                    "{\"StreamName\":\"bad name!\",\"ShardCount\":-1}".getBytes(StandardCharsets.UTF_8));
        };
    }

    /** A request that ends its connection: malformed HTTP, a body over the limit, or HTTP/2 garbage. */
    private int connectionBreaker(Random random) throws IOException {
        byte[] bytes = switch (random.nextInt(3)) {
            case 0 -> "GARBAGE / HTTP/9.9\r\n\u0001\u0002: x\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);
            case 1 -> request("Kinesis_20131202.PutRecord", "application/x-amz-json-1.1", new byte[LIMIT + 1]);
            default -> {
                byte[] frames = new byte[64];
                random.nextBytes(frames);
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                out.writeBytes("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                out.writeBytes(frames);
                yield out.toByteArray();
            }
        };
        try (Socket socket = socket()) {
            socket.getOutputStream().write(bytes);
            socket.getOutputStream().flush();
            InputStream in = new BufferedInputStream(socket.getInputStream());
            String line = readLine(in);
            // HTTP/2 garbage gets a GOAWAY frame, not a status line: counted as the client error it is.
            return line != null && line.startsWith("HTTP/1.1 ") ? Integer.parseInt(line.substring(9, 12)) : 400;
        } catch (java.net.SocketException e) {
            return 400;
        }
    }

    private Socket socket() throws IOException {
        Socket socket = new Socket("127.0.0.1", server.endpoint().getPort());
        socket.setSoTimeout(20_000);
        return socket;
    }

    /** Writes the requests pipelined on one connection and reads their statuses in order. */
    private List<Integer> exchange(List<byte[]> requests) throws IOException {
        try (Socket socket = socket()) {
            OutputStream out = socket.getOutputStream();
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            requests.forEach(all::writeBytes);
            out.write(all.toByteArray());
            out.flush();
            InputStream in = new BufferedInputStream(socket.getInputStream());
            List<Integer> statuses = new ArrayList<>(requests.size());
            for (int i = 0; i < requests.size(); i++) {
                statuses.add(readResponse(in));
            }
            return statuses;
        }
    }

    private static int readResponse(InputStream in) throws IOException {
        String status = readLine(in);
        if (status == null) {
            throw new IOException("connection closed before a response");
        }
        int length = 0;
        for (String header = readLine(in); header != null && !header.isEmpty(); header = readLine(in)) {
            if (header.regionMatches(true, 0, "content-length:", 0, 15)) {
                length = Integer.parseInt(header.substring(15).trim());
            }
        }
        in.readNBytes(length);
        return Integer.parseInt(status.substring(9, 12));
    }

    private static String readLine(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        for (int c = in.read(); c >= 0; c = in.read()) {
            if (c == '\n') {
                return line.toString();
            }
            if (c != '\r') {
                line.append((char) c);
            }
        }
        return line.length() == 0 ? null : line.toString();
    }

    private static byte[] request(String target, String contentType, byte[] body) {
        StringBuilder head = new StringBuilder("POST / HTTP/1.1\r\nHost: x\r\n");
        if (target != null) {
            head.append("X-Amz-Target: ").append(target).append("\r\n");
        }
        head.append("Content-Type: ").append(contentType).append("\r\nContent-Length: ").append(body.length)
                .append("\r\n\r\n");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(head.toString().getBytes(StandardCharsets.US_ASCII));
        out.writeBytes(body);
        return out.toByteArray();
    }

    private static long heapAfterGc() {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            System.gc();
            used = Math.min(used, memory.getHeapMemoryUsage().getUsed());
        }
        return used;
    }

    /** Netty's pooled direct arenas plus the JVM's direct buffers (unpooled ones, NIO). */
    private static long directMemory() {
        long jvm = ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
                .filter(pool -> pool.getName().equals("direct")).mapToLong(BufferPoolMXBean::getMemoryUsed).sum();
        return PooledByteBufAllocator.DEFAULT.metric().usedDirectMemory() + jvm;
    }

}
