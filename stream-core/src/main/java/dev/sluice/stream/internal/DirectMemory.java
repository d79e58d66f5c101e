package dev.sluice.stream.internal;

import com.sun.management.HotSpotDiagnosticMXBean;

import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The JVM's direct (off-heap) memory: its limit and what is in use. In-memory storage keeps records there.
 *
 * <p>Design note: the limit is {@code -XX:MaxDirectMemorySize}, read through the HotSpot diagnostic bean; when the flag
 * is not set (0) the JDK allows as much direct memory as the maximum heap ({@link Runtime#maxMemory()}), and so does
 * this. On a JVM without the bean the same default is used. Usage is the platform's {@code direct} buffer pool: every
 * direct buffer of the JVM, Sluice's pages and anyone else's (Netty, NIO), so it is what approaches the limit.
 *
 * <p>The limit is a start-up option, fixed for the life of the JVM, so it is read once and kept. Reading it starts the
 * JVM's management classes, which took a fifth of an engine's first start in a fresh JVM; {@link #prefetchLimit()}
 * reads it on a short-lived daemon thread while the caller goes on building the engine (the JVM's class
 * initialisation lock makes {@link #limit()} wait for that read if it is not finished, never read twice).
 *
 * <p>Thread-safety: safe for concurrent use.
 */
public final class DirectMemory {

    private static final AtomicBoolean PREFETCHED = new AtomicBoolean();

    private DirectMemory() {
    }

    /**
     * The most direct memory this JVM allows.
     *
     * @return bytes
     */
    public static long limit() {
        return Limit.VALUE;
    }

    /**
     * Starts reading the limit on a daemon thread ({@code sluice-direct-memory-limit}) unless it was read or is being
     * read, so that a later {@link #limit()} finds it ready. The builder calls this only given more than two
     * processors; on one or two the limit is read when first needed (the engine's scheduler needs it within a second;
     * a writer only once the default storage holds 16 MiB), as there the read only took CPU from the first start,
     * which does not need it (measured with {@code FirstStartHarness}, see the README's first-start figures).
     */
    public static void prefetchLimit() {
        if (PREFETCHED.compareAndSet(false, true)) {
            Thread thread = new Thread(DirectMemory::limit, "sluice-direct-memory-limit");
            thread.setDaemon(true);
            thread.start();
        }
    }

    /** The limit, read when this class is first initialised (once per JVM). */
    private static final class Limit {
        static final long VALUE = read();
    }

    private static long read() {
        try {
            HotSpotDiagnosticMXBean bean = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
            if (bean != null) {
                long configured = Long.parseLong(bean.getVMOption("MaxDirectMemorySize").getValue());
                if (configured > 0) {
                    return configured;
                }
            }
        } catch (RuntimeException e) {
            // Not HotSpot, or the option is unknown: the JDK's own default applies.
        }
        return Runtime.getRuntime().maxMemory();
    }

    /**
     * Direct memory in use now, by every direct buffer of the JVM.
     *
     * @return bytes, or -1 if the JVM does not report it
     */
    public static long used() {
        for (BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
            if (pool.getName().equals("direct")) {
                return pool.getMemoryUsed();
            }
        }
        return -1;
    }
}
