/**
 * Stage 3, encode: turning a sealed buffer into the bytes of one object: JSON lines or raw lines with a
 * compression, or Parquet through Avro with no Hadoop at run time.
 */
package dev.sluice.delivery.internal.encode;
