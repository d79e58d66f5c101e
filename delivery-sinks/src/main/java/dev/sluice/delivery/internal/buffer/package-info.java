/**
 * Stage 2, buffer: the coordinator thread that takes processed records, routes them to per-partition buffers and
 * exactly-once segments, seals buffers by size, interval, memory pressure and flush, and accounts every record into
 * exactly one final state.
 */
package dev.sluice.delivery.internal.buffer;
