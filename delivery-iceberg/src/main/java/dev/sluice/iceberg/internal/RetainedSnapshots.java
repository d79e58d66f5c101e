package dev.sluice.iceberg.internal;

import org.apache.iceberg.HasTableOperations;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;

import java.util.Collection;

/**
 * Warns when a destination table keeps so many snapshots that its commits slow down. Every retained snapshot is
 * about 0.9 KB of the metadata file that each commit writes, forces and reads back, and costs each commit about 5 ms
 * of CPU and latency per thousand (measured, see the README's Snapshot expiry); with expiry on its defaults a table
 * that commits several times a second keeps tens of thousands.
 *
 * <p>Design note: checked after each commit (the snapshot list is already in memory then, so counting costs nothing);
 * one warning each time the count reaches the threshold, then twice that, four times, and so on, so a growing table
 * warns a handful of times, not at every commit. When expiry brings the count to half the threshold or less the next
 * warning is at the threshold again. Called under the table's commit lock.
 */
final class RetainedSnapshots {

    /** Snapshots at which the first warning comes: about 4.5 MB of metadata, ~25 ms more per commit. */
    static final int DEFAULT_THRESHOLD = 5_000;

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(RetainedSnapshots.class);

    private final int threshold;
    private int nextWarning;

    RetainedSnapshots(int threshold) {
        if (threshold < 1) {
            throw new IllegalArgumentException("threshold must be at least 1 but was " + threshold);
        }
        this.threshold = threshold;
        this.nextWarning = threshold;
    }

    /**
     * Counts the table's snapshots and warns if the count reached the next warning level.
     *
     * @param table the table just committed
     * @param name the table's qualified name, for the message
     * @param advice what the destination's settings allow, for the message
     */
    void afterCommit(Table table, String name, String advice) {
        int count = count(table.snapshots());
        if (count <= threshold / 2) {
            nextWarning = threshold;
        }
        if (count >= nextWarning) {
            while (nextWarning <= count && nextWarning <= Integer.MAX_VALUE / 2) {
                nextWarning *= 2;
            }
            LOG.warn("table {} keeps {} snapshots: every commit rewrites and reads back a metadata file of {} that lists"
                    + " them all, about 5 ms more per commit for each thousand; {}", name, count,
                    metadataSize(table), advice);
        }
    }

    private static int count(Iterable<Snapshot> snapshots) {
        if (snapshots instanceof Collection<?> collection) {
            return collection.size();
        }
        int n = 0;
        for (Snapshot ignored : snapshots) {
            n++;
        }
        return n;
    }

    /** The current metadata file's size as text, or "unknown size" when it cannot be read. */
    private static String metadataSize(Table table) {
        try {
            if (table instanceof HasTableOperations has) {
                String location = has.operations().current().metadataFileLocation();
                if (location != null) {
                    long bytes = table.io().newInputFile(location).getLength();
                    return bytes >= 1 << 20 ? String.format("%.1f MB", bytes / (double) (1 << 20))
                            : String.format("%d KB", Math.max(1, bytes >> 10));
                }
            }
        } catch (RuntimeException e) {
            // The size is only for the message.
        }
        return "unknown size";
    }
}
