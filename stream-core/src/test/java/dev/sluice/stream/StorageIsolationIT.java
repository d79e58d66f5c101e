package dev.sluice.stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Chronicle is optional: an in-memory engine never loads it and needs no JVM flags, and durable storage on a JVM
 * without the flags fails at {@code build()} naming them. Each case runs in a fresh JVM with Chronicle on the
 * class path and none of the flags surefire gives this one.
 */
class StorageIsolationIT {

    @TempDir
    Path directory;

    @Test
    void inMemoryEngine_loadsNoChronicleClassAndNeedsNoJvmFlags() throws Exception {
        Path output = directory.resolve("in-memory.log");
        Process child = ChildJvm.start(List.of("-Xlog:class+load=info"), InMemoryEngine.class, List.of(), output);
        assertTrue(child.waitFor(60, TimeUnit.SECONDS), "the child JVM finished");
        List<String> lines = Files.readAllLines(output);
        assertEquals(0, child.exitValue(), String.join("\n", lines));
        assertTrue(lines.contains("in-memory engine read 1 record"), "the engine worked");
        assertTrue(lines.stream().anyMatch(l -> l.contains("dev.sluice.stream.internal.InMemoryShardLog ")),
                "class loading is logged");
        List<String> chronicle = lines.stream().filter(l -> l.contains("net.openhft")).toList();
        assertEquals(List.of(), chronicle, "no Chronicle class is loaded");
    }

    @Test
    void durableStorage_onAJvmWithoutTheFlags_failsAtBuildNamingEachFlag() throws Exception {
        Path output = directory.resolve("durable.log");
        Process child = ChildJvm.start(List.of(), DurableWithoutFlags.class, List.of(directory.resolve("data").toString()), output);
        assertTrue(child.waitFor(60, TimeUnit.SECONDS), "the child JVM finished");
        String text = Files.readString(output);
        assertEquals(0, child.exitValue(), text);
        assertTrue(text.contains("code=INVALID_ARGUMENT"), text);
        List<String> flags = List.of("--add-exports=java.base/sun.nio.ch=ALL-UNNAMED",
                "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED", "--add-exports=java.base/jdk.internal.ref=ALL-UNNAMED");
        for (String flag : flags) {
            assertTrue(text.contains(flag), "names " + flag + ": " + text);
        }
        if (Runtime.version().feature() >= 24) {
            assertTrue(text.contains("--enable-native-access=ALL-UNNAMED"), text);
            assertTrue(text.contains("--sun-misc-unsafe-memory-access=allow"), text);
        }
    }

    /** Child: uses an in-memory engine end to end. */
    static final class InMemoryEngine {
        public static void main(String[] args) {
            try (StreamEngine engine = StreamEngine.builder().build()) {
                engine.createStream("s", 2);
                PutRecordResult put = engine.putRecord("s", "k", new byte[] {1, 2, 3});
                String iterator = engine.getShardIterator("s", put.shardId(), ShardIteratorType.trimHorizon());
                System.out.println("in-memory engine read " + engine.getRecords(iterator).records().size() + " record");
            }
        }
    }

    /** Child: asks for durable storage without the flags and reports the failure. */
    static final class DurableWithoutFlags {
        public static void main(String[] args) {
            try (StreamEngine engine = StreamEngine.builder().storage(Storage.durable(Path.of(args[0]))).build()) {
                System.out.println("built: " + engine.storage());
            } catch (StreamException e) {
                System.out.println("code=" + e.code());
                System.out.println("message=" + e.getMessage());
            }
        }
    }
}
