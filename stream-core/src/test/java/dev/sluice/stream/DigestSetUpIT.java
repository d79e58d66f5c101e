package dev.sluice.stream;

import dev.sluice.stream.internal.HashKeySpace;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.Security;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The first puts of a JVM hash partition keys without the JDK's MD5, which is set up off the put path: on one or two
 * processors by the engine's scheduler a second after the engine is built, with more at once by the builder. Each
 * case runs in a fresh JVM told how many processors it has, and checks that routing is the same before and after the
 * switch and the same as MD5's.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class DigestSetUpIT {

    private static final int KEYS = 40;

    @TempDir
    Path directory;

    @Test
    void twoProcessors_firstPutsRouteWithoutTheJdkDigest_thenTheSchedulerSetsItUpAndRoutingIsUnchanged() throws Exception {
        List<String> lines = runChild(2);
        long firstPutMillis = value(lines, "first-put-millis");
        if (firstPutMillis < 900) { // a machine too loaded to put within 0.9 s may have reached the scheduler's delay
            assertEquals("false", text(lines, "ready-at-first-put"), String.join("\n", lines));
        }
        assertTrue(value(lines, "ready-millis") >= 900, "the scheduler starts the set-up a second after build: " + lines);
        assertRouting(lines);
    }

    @Test
    void fourProcessors_theBuilderStartsTheSetUpAndRoutingIsUnchanged() throws Exception {
        List<String> lines = runChild(4);
        assertTrue(value(lines, "ready-millis") >= 0, String.join("\n", lines));
        assertRouting(lines);
    }

    @Test
    void twoProcessors_anEngineClosedWithinTheSecond_neitherWaitsForTheSetUpNorStartsIt() throws Exception {
        // The scheduler's delayed set-up is cancelled on close: a pending one-shot task would hold up its shutdown, so
        // close would wait out the second and then start the set-up thread anyway.
        List<String> lines = runChild(2, "close-at-once");
        assertEquals("false", text(lines, "set-up-started"), String.join("\n", lines));
    }

    @Test
    void aJvmWithoutAnMd5Provider_putsAndRoutesWithThePlainMd5() throws Exception {
        // As in a FIPS-only configuration: the provider that has MD5 is removed before the engine is built.
        List<String> lines = runChild(4, "without-md5-provider");
        assertEquals("false", text(lines, "ready-after-set-up"), String.join("\n", lines));
        assertRouting(lines);
        // A KPL aggregated record (made before the provider was removed) is checked and de-aggregated all the same.
        assertEquals("one/true,two/true", text(lines, "kpl"), String.join("\n", lines));
    }

    @Test
    void theMd5ProviderRemovedAfterTheSetUp_aNewThreadPutsAndRoutesWithThePlainMd5() throws Exception {
        List<String> lines = runChild(4, "provider-removed-after-set-up");
        assertRouting(lines);
    }

    private List<String> runChild(int processors, String... arguments) throws Exception {
        Path output = directory.resolve("child-" + processors + arguments.length + ".log");
        Process child = ChildJvm.start(List.of("-XX:ActiveProcessorCount=" + processors), FirstPuts.class,
                List.of(arguments), output);
        assertTrue(child.waitFor(120, TimeUnit.SECONDS), "the child JVM finished");
        List<String> lines = Files.readAllLines(output);
        assertEquals(0, child.exitValue(), String.join("\n", lines));
        return lines;
    }

    /** Both rounds of puts went to the shard MD5 picks: the top two bits of the key's hash in a 4-shard stream. */
    private static void assertRouting(List<String> lines) throws Exception {
        MessageDigest md5 = MessageDigest.getInstance("MD5");
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < KEYS; i++) {
            BigInteger hash = new BigInteger(1, md5.digest(key(i).getBytes(StandardCharsets.UTF_8)));
            expected.add(String.format("shardId-%012d", hash.shiftRight(126).intValue()));
        }
        assertEquals(String.join(",", expected), text(lines, "before"), "routing before the set-up");
        assertEquals(String.join(",", expected), text(lines, "after"), "routing after the set-up");
    }

    private static String key(int i) {
        return "partition-key-" + i * 7919;
    }

    private static String text(List<String> lines, String name) {
        return lines.stream().filter(l -> l.startsWith(name + "=")).map(l -> l.substring(name.length() + 1)).findFirst()
                .orElseThrow(() -> new AssertionError("no " + name + " in " + lines));
    }

    private static long value(List<String> lines, String name) {
        return Long.parseLong(text(lines, name));
    }

    /**
     * Child: puts the keys, waits for the JDK's MD5, puts them again; prints where each went and when. With an argument:
     * builds an engine, closes it at once and prints whether the set-up started.
     */
    static final class FirstPuts {
        public static void main(String[] args) throws Exception {
            if (args.length > 0 && args[0].equals("without-md5-provider")) {
                withoutMd5Provider();
                return;
            }
            if (args.length > 0 && args[0].equals("provider-removed-after-set-up")) {
                providerRemovedAfterSetUp();
                return;
            }
            if (args.length > 0) {
                StreamEngine.builder().build().close();
                // Either the set-up ran and finished, or its thread is still working, or it never started.
                boolean started = HashKeySpace.jdkDigestReady() || Thread.getAllStackTraces().keySet().stream()
                        .anyMatch(t -> t.getName().equals("sluice-md5-set-up"));
                System.out.println("set-up-started=" + started);
                return;
            }
            long start = System.nanoTime();
            try (StreamEngine engine = StreamEngine.builder().build()) {
                engine.createStream("s", 4);
                List<String> before = put(engine);
                System.out.println("first-put-millis=" + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
                System.out.println("ready-at-first-put=" + HashKeySpace.jdkDigestReady());
                awaitJdkDigest();
                System.out.println("ready-millis=" + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
                List<String> after = put(engine);
                System.out.println("before=" + String.join(",", before));
                System.out.println("after=" + String.join(",", after));
            }
        }

        private static void withoutMd5Provider() throws Exception {
            byte[] aggregated = KplAggregationIT.aggregate(List.of(new KplAggregationIT.UserRecord("a", null, "one"),
                    new KplAggregationIT.UserRecord("b", null, "two")));
            Security.removeProvider("SUN");
            try {
                MessageDigest.getInstance("MD5");
                throw new IllegalStateException("MD5 is still provided");
            } catch (NoSuchAlgorithmException expected) {
                // as intended
            }
            try (StreamEngine engine = StreamEngine.builder().build()) {
                engine.createStream("s", 4);
                List<String> before = put(engine);
                for (Thread thread : Thread.getAllStackTraces().keySet()) {
                    if (thread.getName().equals("sluice-md5-set-up")) {
                        thread.join(TimeUnit.SECONDS.toMillis(60));
                    }
                }
                System.out.println("ready-after-set-up=" + HashKeySpace.jdkDigestReady());
                System.out.println("before=" + String.join(",", before));
                System.out.println("after=" + String.join(",", put(engine)));
                engine.createStream("k", 1);
                engine.putRecord("k", "outer", aggregated);
                List<ConsumerRecord> received = new CopyOnWriteArrayList<>();
                try (ConsumerApplication application = ConsumerApplication.builder(engine).applicationName("kpl")
                        .streamName("k").initialPosition(ShardIteratorType.trimHorizon())
                        .processor(input -> received.addAll(input.records())).build()) {
                    await().atMost(Duration.ofSeconds(60)).until(() -> received.size() >= 2);
                }
                List<String> kpl = new ArrayList<>();
                for (ConsumerRecord record : received) {
                    kpl.add(new String(record.dataBytes(), StandardCharsets.UTF_8) + "/" + record.aggregated());
                }
                System.out.println("kpl=" + String.join(",", kpl));
            }
        }

        private static void providerRemovedAfterSetUp() throws Exception {
            try (StreamEngine engine = StreamEngine.builder().build()) {
                engine.createStream("s", 4);
                awaitJdkDigest();
                System.out.println("before=" + String.join(",", put(engine)));
                Security.removeProvider("SUN");
                List<String> after = new ArrayList<>();
                Thread fresh = new Thread(() -> after.addAll(put(engine))); // a thread with no digest of its own yet
                fresh.start();
                fresh.join(TimeUnit.SECONDS.toMillis(60));
                System.out.println("after=" + String.join(",", after));
            }
        }

        /** Waits (at most 60 s) until puts hash with the JDK's MD5, polling often so the time it took stays exact. */
        private static void awaitJdkDigest() {
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(5)).until(HashKeySpace::jdkDigestReady);
        }

        private static List<String> put(StreamEngine engine) {
            List<String> shards = new ArrayList<>();
            for (int i = 0; i < KEYS; i++) {
                shards.add(engine.putRecord("s", key(i), new byte[] {1}).shardId());
            }
            return shards;
        }
    }
}
