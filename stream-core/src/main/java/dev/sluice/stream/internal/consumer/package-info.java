/**
 * Machinery behind {@code dev.sluice.stream.ConsumerApplication}: shard workers that read parents before children,
 * checkpoint stores (in memory and on files), and KPL de-aggregation. Not API.
 */
package dev.sluice.stream.internal.consumer;
