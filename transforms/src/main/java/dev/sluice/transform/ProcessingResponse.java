package dev.sluice.transform;

import java.util.List;

/**
 * The results of one invocation: Firehose's Lambda response {@code {records:[...]}}.
 *
 * <p>Thread-safety: immutable.
 *
 * <p>Returned by a {@link TransformFunction} it must hold exactly one result per request record id, in any
 * order. Returned by {@link Processor#process} or {@link TransformRunner#submit} it holds the results in input
 * order, where a record split by a fan-out processor is represented by one result per derived record.
 *
 * @param records the results; copied
 */
public record ProcessingResponse(List<ProcessingResult> records) {

    /**
     * Copies the results.
     *
     * @throws NullPointerException if the list or an element is {@code null}
     */
    public ProcessingResponse {
        records = List.copyOf(records);
    }
}
