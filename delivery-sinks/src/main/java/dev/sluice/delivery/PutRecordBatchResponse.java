package dev.sluice.delivery;

import java.util.List;

/**
 * The result of {@link DeliveryStream#putRecordBatch}: Firehose's {@code PutRecordBatchResponse}.
 *
 * <p>Thread-safety: immutable.
 *
 * @param failedPutCount how many entries are {@link PutRecordBatchResponseEntry.Failure}
 * @param requestResponses one entry per request record, in request order
 */
public record PutRecordBatchResponse(int failedPutCount, List<PutRecordBatchResponseEntry> requestResponses) {

    /** Copies the entries. */
    public PutRecordBatchResponse {
        requestResponses = List.copyOf(requestResponses);
    }
}
