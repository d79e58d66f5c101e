/**
 * The Kinesis source's machinery: the reader thread, shard lineage, GetRecords polling, SubscribeToShard
 * subscriptions, back-off and error classification. Not API.
 */
package dev.sluice.kinesis.internal;
