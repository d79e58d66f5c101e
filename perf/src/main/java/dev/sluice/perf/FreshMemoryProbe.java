package dev.sluice.perf;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * What this machine charges for memory the process touches for the first time, against copying into memory already
 * touched: the floor under in-memory storage's bytes per second. In-memory shard logs keep records in new 1 MiB
 * direct pages (never reused, since readers hold views of them); the JDK zeroes a new direct buffer, and that first
 * touch takes the kernel's page faults. Allocates 1 GiB in 1 MiB direct buffers and times it per KiB, then copies
 * 1 GiB of 1 KiB records into one buffer already touched; then frees the buffers (a collection runs their cleaners)
 * and goes again, three rounds. Once glibc has freed a block this size its mmap threshold rises, so later rounds
 * usually get memory the earlier ones freed, already touched: what a long-running stream whose retention drops
 * old pages gets, against a benchmark that only ever adds records.
 *
 * <pre>java -Xmx2g -XX:MaxDirectMemorySize=2g -cp perf/target/sluice-perf.jar dev.sluice.perf.FreshMemoryProbe</pre>
 */
public final class FreshMemoryProbe {

    private static final int PAGE = 1 << 20;
    private static final int PAGES = 1024;

    private FreshMemoryProbe() {
    }

    /**
     * Runs the three rounds.
     *
     * @param args ignored
     */
    public static void main(String[] args) {
        byte[] record = new byte[1024];
        for (int round = 1; round <= 3; round++) {
            List<ByteBuffer> pages = new ArrayList<>(PAGES);
            long start = System.nanoTime();
            for (int i = 0; i < PAGES; i++) {
                pages.add(ByteBuffer.allocateDirect(PAGE));
            }
            long fresh = System.nanoTime() - start;
            ByteBuffer touched = pages.get(0);
            start = System.nanoTime();
            for (int i = 0; i < PAGES; i++) {
                for (int offset = 0; offset < PAGE; offset += record.length) {
                    touched.put(offset, record);
                }
            }
            long copy = System.nanoTime() - start;
            double kib = (double) PAGES * PAGE / 1024;
            System.out.printf("round %d: new direct memory %.2f us per KiB (%.2f GB/s); copying a 1 KiB record into"
                    + " touched memory %.3f us (%.1f GB/s)%n", round, fresh / 1e3 / kib, kib * 1024 / fresh,
                    copy / 1e3 / kib, kib * 1024 / copy);
            pages.clear();
            System.gc();
        }
    }
}
