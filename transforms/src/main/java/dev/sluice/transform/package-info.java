/**
 * Firehose-style data transformation: the Lambda contract as a Java SPI, built-in processors, and a runner.
 *
 * <ul>
 *   <li>{@link dev.sluice.transform.TransformFunction}: a batch of {@link dev.sluice.transform.SourceRecord}s in
 *       ({@link dev.sluice.transform.ProcessingRequest}), exactly one {@link dev.sluice.transform.ProcessingResult}
 *       ({@code Ok}, {@code Dropped}, {@code ProcessingFailed}) per record id out
 *       ({@link dev.sluice.transform.ProcessingResponse}).</li>
 *   <li>{@link dev.sluice.transform.FirehoseJson}: runs handlers written against Firehose's JSON event and
 *       response unchanged.</li>
 *   <li>{@link dev.sluice.transform.Processor}: built-in processors (JSON fields, JQ filter, PII masking, CSV,
 *       gzip, CloudWatch Logs, de-aggregation, newline delimiter, JQ partition keys, event time), composable into
 *       a chain with at most one function.</li>
 *   <li>{@link dev.sluice.transform.TransformRunner}: buffering, timeouts, retries, bounded concurrency, owned
 *       threads and metrics.</li>
 *   <li>{@link dev.sluice.transform.ErrorCode} and {@link dev.sluice.transform.TransformException}: the module's
 *       error vocabulary.</li>
 * </ul>
 *
 * <p>Implementation lives in {@code dev.sluice.transform.internal}, which is not API.
 */
package dev.sluice.transform;
