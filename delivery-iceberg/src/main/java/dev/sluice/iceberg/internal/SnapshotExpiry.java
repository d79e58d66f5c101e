package dev.sluice.iceberg.internal;

import org.apache.iceberg.ExpireSnapshots;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.ExecutorService;

/**
 * Snapshot expiry of a destination table: snapshots older than {@link #maxAge} are expired, keeping at least the
 * newest {@link #minSnapshots}, and the manifests, manifest lists and data files that only they referenced are
 * deleted. Without it, every commit adds a snapshot to the metadata file that the next commit rewrites and re-reads.
 *
 * <p>Design note: immutable and thread-safe; {@link TableWriter} calls {@link #expire} under its commit lock, on the
 * destination's expiry thread, at most every {@link #CHECK_INTERVAL}. <b>Exactly-once:</b> the dedupe evidence of a
 * commit is its snapshot summary, so expiry must not drop it while the object can still be re-delivered. Within a
 * process that is the delivery retry window, which {@link CommittedKeys} also remembers. Across a restart the objects
 * re-delivered are those committed but not checkpointed before the crash, at most the retry duration old (the
 * checkpoint waits for an earlier object still being retried): a delivery stream reading a source refuses a retry
 * duration longer than {@code maxAge} less a margin (the destination's {@code redeliveryWindow()}). They are
 * re-delivered right after the new process opens the table, so no snapshot is expired until {@code maxAge} has
 * passed since the table was opened. Snapshot timestamps are Iceberg's (the system clock); the destination's clock
 * decides when expiry runs and where the cut-off lies.
 *
 * @param maxAge snapshots older than this are expired
 * @param minSnapshots the newest snapshots kept whatever their age
 */
public record SnapshotExpiry(Duration maxAge, int minSnapshots) {

    /** How often expiry is considered (after a commit, once this much clock time has passed since the last run). */
    public static final Duration CHECK_INTERVAL = Duration.ofMinutes(5);

    /** Validates. */
    public SnapshotExpiry {
        Objects.requireNonNull(maxAge, "maxAge");
    }

    /**
     * Expires what is due.
     *
     * @param table the table
     * @param now the destination clock's time
     * @param openedAt when the destination opened the table
     * @param executor runs Iceberg's planning and deletes (the caller's thread)
     * @return {@code true} when snapshots were expired
     */
    boolean expire(Table table, Instant now, Instant openedAt, ExecutorService executor) {
        if (now.isBefore(openedAt.plus(maxAge))) {
            return false;
        }
        long cutoff = now.minus(maxAge).toEpochMilli();
        int total = 0;
        int old = 0;
        for (Snapshot snapshot : table.snapshots()) {
            total++;
            if (snapshot.timestampMillis() < cutoff) {
                old++;
            }
        }
        if (old == 0 || total <= minSnapshots) {
            return false;
        }
        ExpireSnapshots expire = table.expireSnapshots().expireOlderThan(cutoff).retainLast(Math.max(1, minSnapshots))
                .cleanupLevel(ExpireSnapshots.CleanupLevel.ALL).planWith(executor).executeDeleteWith(executor);
        expire.commit();
        return true;
    }
}
