package dev.sluice.stream;

import dev.sluice.stream.internal.PutRecordsEntries;

import java.util.List;

/**
 * The outcome of a PutRecords call: one entry per request entry, in request order.
 *
 * <p>Thread-safety: immutable. A result the engine returns builds its successful entries (their sequence number
 * strings) when {@link #records()} is first read, not before: checking {@link #failedRecordCount()} alone costs nothing
 * per entry.
 *
 * @param failedRecordCount how many entries failed
 * @param records           the outcomes, in request order
 */
public record PutRecordsResult(int failedRecordCount, List<PutRecordsResultEntry> records) {

    /**
     * Copies the list and checks the count.
     *
     * @throws IllegalArgumentException if {@code failedRecordCount} does not match the failures in {@code records}
     */
    public PutRecordsResult {
        long failures;
        if (records instanceof PutRecordsEntries engineEntries) {
            failures = engineEntries.failedCount(); // the engine's own, immutable list: no copy
        } else {
            records = List.copyOf(records);
            failures = records.stream().filter(e -> !e.isSuccessful()).count();
        }
        if (failures != failedRecordCount) {
            throw new IllegalArgumentException("failedRecordCount must equal the failed entries (" + failures
                    + ") but was " + failedRecordCount);
        }
    }
}
