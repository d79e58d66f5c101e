package dev.sluice.stream.internal;

import dev.sluice.stream.PutRecordsResultEntry;

import java.util.AbstractList;
import java.util.RandomAccess;

/**
 * The entries of a {@link dev.sluice.stream.PutRecordsResult} as the engine builds them: failures at once, successes
 * (their 27-digit sequence number strings) on the first read of any entry, all of the call's together.
 *
 * <p>Thread-safety: immutable to its users (every mutator throws {@link UnsupportedOperationException}) and safe to
 * read from any thread. Design note: a producer that only checks {@code failedRecordCount()} never pays for the
 * strings, a third of a 100-byte put's work on the caller's thread. Materialising writes each empty slot of
 * {@link #entries} with a {@link PutRecordsResultEntry.Success}, a record whose fields are final, so a thread that
 * sees a slot filled by another sees a complete entry; two threads reading first at once both fill the empty slots
 * with equal entries, which is harmless. The counters and shards are never written after the call settled.
 */
public final class PutRecordsEntries extends AbstractList<PutRecordsResultEntry> implements RandomAccess {

    /** Shards of one call whose sequence numbers are formatted incrementally (beyond them: in full). */
    private static final int FORMATTERS = 16;

    /** Failures from the start; a success's slot is empty until materialised. */
    private final PutRecordsResultEntry[] entries;
    private final ShardState[] shards;
    private final long[] counters;
    private final int failed;

    /**
     * Wraps a settled call's outcomes; the arrays are the call's own, never written again.
     *
     * @param entries  the failures at their indexes, {@code null} where the entry was written
     * @param shards   each entry's shard (read for written entries)
     * @param counters each written entry's sequence counter
     * @param failed   how many entries are failures
     */
    PutRecordsEntries(PutRecordsResultEntry[] entries, ShardState[] shards, long[] counters, int failed) {
        this.entries = entries;
        this.shards = shards;
        this.counters = counters;
        this.failed = failed;
    }

    /**
     * Returns how many entries failed, counted when the result was built.
     *
     * @return the failures among the entries
     */
    public int failedCount() {
        return failed;
    }

    @Override
    public PutRecordsResultEntry get(int index) {
        PutRecordsResultEntry entry = entries[index]; // bounds-checked by the array
        if (entry == null) {
            materialize();
            entry = entries[index];
        }
        return entry;
    }

    @Override
    public int size() {
        return entries.length;
    }

    /** Builds every success's entry, formatting a shard's consecutive counters incrementally. */
    private void materialize() {
        ShardState[] formatted = new ShardState[FORMATTERS];
        SequenceNumbers.Formatter[] formatters = new SequenceNumbers.Formatter[FORMATTERS];
        for (int i = 0; i < entries.length; i++) {
            if (entries[i] == null) {
                ShardState shard = shards[i];
                entries[i] = new PutRecordsResultEntry.Success(shard.shardId,
                        sequenceNumber(shard, counters[i], formatted, formatters));
            }
        }
    }

    /** The sequence number of a shard's counter, through the call's formatter of that shard if it has one. */
    private static String sequenceNumber(ShardState shard, long counter, ShardState[] formatted,
                                         SequenceNumbers.Formatter[] formatters) {
        for (int f = 0; f < formatted.length; f++) {
            if (formatted[f] == shard) {
                return formatters[f].format(counter);
            }
            if (formatted[f] == null) {
                formatted[f] = shard;
                formatters[f] = new SequenceNumbers.Formatter(shard.sequenceSuffix);
                return formatters[f].format(counter);
            }
        }
        return shard.sequenceNumber(counter); // more shards in one call than formatters: format in full
    }
}
