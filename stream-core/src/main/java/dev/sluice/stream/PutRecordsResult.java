package dev.sluice.stream;

import java.util.List;

/**
 * The outcome of a PutRecords call: one entry per request entry, in request order.
 *
 * <p>Thread-safety: immutable.
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
        records = List.copyOf(records);
        long failures = records.stream().filter(e -> !e.isSuccessful()).count();
        if (failures != failedRecordCount) {
            throw new IllegalArgumentException("failedRecordCount must equal the failed entries (" + failures
                    + ") but was " + failedRecordCount);
        }
    }
}
