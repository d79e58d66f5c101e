package dev.sluice.stream.internal;

import dev.sluice.stream.ErrorCode;
import dev.sluice.stream.StreamException;

import java.util.ArrayList;
import java.util.List;

/**
 * Readies the JVM for Chronicle Queue before any of its classes is initialised, and fails fast when it cannot.
 *
 * <p>Design note: this class names Chronicle only as a string. It checks, with the {@link Module} API alone,
 * that Chronicle is on the class path and that {@code java.base} exports and opens what Chronicle reaches into;
 * without that Chronicle fails deep inside a static initialiser ({@code IllegalAccessException ... map0}) and
 * leaves its classes unusable for the life of the JVM. It then switches off Chronicle's start-up banner, its
 * usage analytics (also excluded from the build) and its disk-space monitor thread, unless the user set those
 * properties: Sluice never phones home and owns the threads it starts.
 */
final class ChronicleRuntime {

    private static final String QUEUE_CLASS = "net.openhft.chronicle.queue.ChronicleQueue";
    private static final String[][] SWITCHED_OFF = {
            {"chronicle.announcer.disable", "true"},
            {"chronicle.analytics.disable", "true"},
            {"chronicle.disk.monitor.disable", "true"},
    };
    /** First JDK feature release that needs native access and Unsafe memory access enabled. */
    private static final int JDK_WITH_NATIVE_ACCESS_FLAGS = 24;

    private ChronicleRuntime() {
    }

    /**
     * Checks the class path and the JVM flags, then sets Chronicle's switches.
     *
     * @throws StreamException {@link ErrorCode#INVALID_ARGUMENT} naming the missing dependency or the exact flags
     */
    static synchronized void prepare() {
        Class<?> queue;
        try {
            queue = Class.forName(QUEUE_CLASS, false, ChronicleRuntime.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new StreamException(ErrorCode.INVALID_ARGUMENT, "durable storage needs net.openhft:chronicle-queue on "
                    + "the class path (an optional dependency of sluice-stream-core): add it, excluding "
                    + "net.openhft:chronicle-analytics, or use Storage.inMemory()", e);
        }
        Module chronicle = queue.getModule();
        String target = chronicle.isNamed() ? chronicle.getName() : "ALL-UNNAMED";
        Module base = Object.class.getModule();
        List<String> missing = new ArrayList<>();
        if (!base.isExported("sun.nio.ch", chronicle)) {
            missing.add("--add-exports=java.base/sun.nio.ch=" + target);
        }
        if (!base.isOpen("java.lang.reflect", chronicle)) {
            missing.add("--add-opens=java.base/java.lang.reflect=" + target);
        }
        if (!base.isExported("jdk.internal.ref", chronicle)) {
            missing.add("--add-exports=java.base/jdk.internal.ref=" + target);
        }
        if (!missing.isEmpty()) {
            throw new StreamException(ErrorCode.INVALID_ARGUMENT, "durable storage (Chronicle Queue) needs these JVM "
                    + "flags on Java " + Runtime.version().feature() + ": " + String.join(" ", flags(target))
                    + "; missing: " + String.join(" ", missing) + ". Add them to the java command line (an executable "
                    + "jar's manifest takes Add-Exports and Add-Opens; Maven Surefire takes argLine), or use "
                    + "Storage.inMemory(), which needs none.");
        }
        for (String[] property : SWITCHED_OFF) {
            if (System.getProperty(property[0]) == null) {
                System.setProperty(property[0], property[1]);
            }
        }
    }

    /** Every flag Chronicle needs on this JVM. */
    static List<String> flags(String target) {
        List<String> flags = new ArrayList<>(List.of("--add-exports=java.base/sun.nio.ch=" + target,
                "--add-opens=java.base/java.lang.reflect=" + target, "--add-exports=java.base/jdk.internal.ref=" + target));
        if (Runtime.version().feature() >= JDK_WITH_NATIVE_ACCESS_FLAGS) {
            flags.add("--enable-native-access=" + target);
            flags.add("--sun-misc-unsafe-memory-access=allow");
        }
        return flags;
    }
}
