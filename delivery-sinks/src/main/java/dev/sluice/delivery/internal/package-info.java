/**
 * Delivery machinery, not a public API. A record's path reads from the package names: {@code source} (where records
 * come from, per-partition checkpoints) → {@code buffer} (routing, segments, sealing, accounting) → {@code encode}
 * (object bytes) → {@code sink} (object names, writes, retries). This package holds what ties them together: the
 * validated settings, the admission and processing front ({@code DeliveryCore}) and the meters.
 */
package dev.sluice.delivery.internal;
