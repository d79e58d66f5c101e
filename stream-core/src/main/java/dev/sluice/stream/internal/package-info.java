/**
 * Machinery behind {@code dev.sluice.stream}: the control plane ({@code Streams}, manifests), the write path (one
 * Disruptor ring per writer thread, token buckets, shard writers), shard logs in memory and on Chronicle Queue,
 * the read path and read limits, resharding ({@code UniformScaling}), on-demand scaling and enhanced fan-out. Not
 * API: types here are public only so the API package can reach them, and may change without notice.
 */
package dev.sluice.stream.internal;
