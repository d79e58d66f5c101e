package dev.sluice.transform;

/**
 * A data transformation with Firehose's Lambda contract: a batch of records in, exactly one
 * {@link ProcessingResult} per record id out.
 *
 * <p>Thread-safety: a {@link TransformRunner} calls one function from up to {@code maxConcurrency} of its own
 * threads ({@code sluice-transform-<name>-<n>}) at once, so implementations must be thread-safe.
 * {@link Processor#process} calls it on the caller's thread.
 *
 * <p>Contract, enforced by the runner: every request record id must come back exactly once, and no other id.
 * A response that breaks this, a thrown exception, or a call that outlives the invocation timeout fails the
 * whole invocation; the runner retries it and, when retries are exhausted, reports every record of the
 * invocation as {@link ProcessingResult.ProcessingFailed} with the {@link ErrorCode} of the last attempt. To
 * choose that code, throw a {@link TransformException} carrying an invocation-level code. A timed-out call is
 * interrupted; a call that ignores the interrupt keeps its thread until it returns, and its late result is
 * discarded.
 *
 * <p>To turn one record into several, return one {@code Ok} whose data holds them all (for example
 * newline-delimited), or split records before the function with a fan-out {@link Processor}.
 *
 * <p>A handler written against Firehose's JSON event runs unchanged through
 * {@link FirehoseJson#adapt(FirehoseJson.Handler)}.
 */
@FunctionalInterface
public interface TransformFunction {

    /**
     * Transforms one batch.
     *
     * @param request the invocation; never {@code null}
     * @return one result per request record id; not {@code null}
     * @throws Exception any failure; it fails the whole invocation, which is then retried
     */
    ProcessingResponse handleRequest(ProcessingRequest request) throws Exception;
}
