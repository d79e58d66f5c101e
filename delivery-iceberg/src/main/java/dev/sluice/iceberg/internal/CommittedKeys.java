package dev.sluice.iceberg.internal;

import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;

import dev.sluice.delivery.DeliveryStream;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The delivery object keys committed to one table, indexed from the snapshot summaries, so that the exactly-once
 * check is a hash lookup instead of a walk over every snapshot.
 *
 * <p>Design note: thread-safe for {@link #contains}; the other methods are called by the owning {@link TableWriter}
 * under its commit lock only. A {@link #contains} racing with {@link #rebuild} may miss a key: that early check only
 * saves writing a data file, and the authoritative check is repeated under the commit lock. Invariant: the index
 * holds the keys of every snapshot in the main
 * branch's ancestry up to {@link #indexedSequence}, that is, exactly the evidence the table itself holds (seeded
 * by {@link #rebuild} from the table when it is opened and after snapshot expiry, extended by {@link #catchUp}
 * with the snapshots added since, ours or another writer's). So a key absent from the index is absent from every
 * snapshot the table metadata this process has loaded, which is what the former walk over all snapshots checked.
 * Its size is bounded by the table's retained snapshots (see {@link SnapshotExpiry}).
 *
 * <p>Keys this process committed are also remembered apart ({@link #remember}), for up to
 * {@link #RECENT_HORIZON} and at most {@link #MAX_RECENT} of them, so an in-process retry still finds its commit
 * after expiry dropped the snapshot (a delivery retry window may be longer than the snapshot retention).
 */
final class CommittedKeys {

    /** Snapshot summary property of a group commit: every object key it committed, one per line. */
    static final String OBJECT_KEYS = "sluice.object-keys";

    /** How long own commits are remembered beyond expiry: the delivery stream's longest retry duration. */
    static final Duration RECENT_HORIZON = DeliveryStream.MAX_RETRY_DURATION;
    /** At most this many own commits are remembered (about 15 MB of keys). */
    static final int MAX_RECENT = 100_000;

    private final Map<String, Long> keys = new ConcurrentHashMap<>();
    private final LinkedHashMap<String, Instant> recent = new LinkedHashMap<>();
    private long indexedSequence = -1;

    /** Whether a snapshot already indexed, or a commit of this process still remembered, holds {@code objectKey}. */
    boolean contains(String objectKey) {
        if (keys.containsKey(objectKey)) {
            return true;
        }
        synchronized (recent) {
            return recent.containsKey(objectKey);
        }
    }

    /** Remembers keys this process just committed, dropping those past the horizon or over the cap. */
    void remember(Iterable<String> committed, Instant now) {
        synchronized (recent) {
            rememberLocked(committed, now);
        }
    }

    private void rememberLocked(Iterable<String> committed, Instant now) {
        for (String key : committed) {
            recent.put(key, now);
        }
        Instant horizon = now.minus(RECENT_HORIZON);
        Iterator<Map.Entry<String, Instant>> oldest = recent.entrySet().iterator();
        while (oldest.hasNext()) {
            Map.Entry<String, Instant> e = oldest.next();
            if (recent.size() > MAX_RECENT || e.getValue().isBefore(horizon)) {
                oldest.remove();
            } else {
                break;
            }
        }
    }

    /** Number of keys indexed from the table's snapshots. */
    int size() {
        return keys.size();
    }

    /** Re-reads the whole table: after open and after snapshots were expired (their keys leave the index). */
    void rebuild(Table table) {
        keys.clear();
        indexedSequence = -1;
        for (Snapshot snapshot : table.snapshots()) {
            add(snapshot);
        }
    }

    /**
     * Indexes the snapshots of the current ancestry that are newer than the last indexed one: the commit just made,
     * and any other writer's that it was rebased on. Walks back from the current snapshot, so it costs the number of
     * new snapshots, not the table's history.
     */
    void catchUp(Table table) {
        List<Snapshot> fresh = new ArrayList<>();
        Snapshot snapshot = table.currentSnapshot();
        while (snapshot != null && snapshot.sequenceNumber() > indexedSequence) {
            fresh.add(snapshot);
            snapshot = snapshot.parentId() == null ? null : table.snapshot(snapshot.parentId());
        }
        for (int i = fresh.size() - 1; i >= 0; i--) {
            add(fresh.get(i));
        }
    }

    private void add(Snapshot snapshot) {
        Map<String, String> summary = snapshot.summary();
        String one = summary.get(TableWriter.OBJECT_KEY);
        if (one != null) {
            keys.put(one, snapshot.snapshotId());
        }
        String many = summary.get(OBJECT_KEYS);
        if (many != null) {
            for (String key : many.split("\n")) {
                if (!key.isEmpty()) {
                    keys.put(key, snapshot.snapshotId());
                }
            }
        }
        indexedSequence = Math.max(indexedSequence, snapshot.sequenceNumber());
    }
}
