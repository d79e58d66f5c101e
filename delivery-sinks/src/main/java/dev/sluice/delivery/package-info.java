/**
 * Firehose-style buffered delivery: a {@link dev.sluice.delivery.DeliveryStream} takes records (direct put),
 * processes them through the transforms module, buffers them per dynamic partition by size and interval, encodes
 * them (raw, JSON lines, Parquet; compressed) and commits objects to a {@link dev.sluice.delivery.Sink} with
 * retries, Firehose error output and metrics.
 *
 * <ul>
 *   <li>{@link dev.sluice.delivery.DeliveryStream} and its builder; {@link dev.sluice.delivery.BufferingHints},
 *       {@link dev.sluice.delivery.OutputFormat}, {@link dev.sluice.delivery.ParquetConversion},
 *       {@link dev.sluice.delivery.Compression}: the configuration.</li>
 *   <li>{@link dev.sluice.delivery.Sink}, {@link dev.sluice.delivery.SinkObject},
 *       {@link dev.sluice.delivery.SinkResult}: the destination SPI and the built-in destinations.</li>
 *   <li>{@link dev.sluice.delivery.PutRecordBatchResponse}, {@link dev.sluice.delivery.PutRecordBatchResponseEntry},
 *       {@link dev.sluice.delivery.DeliveryStats}: results and accounting.</li>
 *   <li>{@link dev.sluice.delivery.ErrorCode} and {@link dev.sluice.delivery.DeliveryException}: the error
 *       vocabulary.</li>
 * </ul>
 *
 * <p>Implementation lives in {@code dev.sluice.delivery.internal}, which is not API.
 */
package dev.sluice.delivery;
