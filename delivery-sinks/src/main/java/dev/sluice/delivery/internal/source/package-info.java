/**
 * Stage 1, source: where records come from and how far each source partition is delivered. The in-process stream
 * source, the default checkpoint files, the {@code SourceContext} a source talks to, and the per-partition
 * exactly-once ledger (checkpoint, pending segments, replay boundaries).
 */
package dev.sluice.delivery.internal.source;
