/**
 * Stage 4, sink: naming objects (Firehose prefixes and object names), the write job with its retries, and the
 * built-in sinks (local bucket directory, S3, HTTP endpoint).
 */
package dev.sluice.delivery.internal.sink;
