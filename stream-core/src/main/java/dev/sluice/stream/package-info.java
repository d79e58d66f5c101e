/**
 * Sluice's Kinesis-style shard log, embedded: streams of shards with Kinesis's routing, sequence numbers, limits,
 * retention and errors.
 *
 * <ul>
 *   <li>{@link dev.sluice.stream.StreamEngine}: the engine and its builder (storage, time, throttle mode, quotas);
 *       PutRecord(s), GetShardIterator and GetRecords, resharding, enhanced fan-out, stream settings.</li>
 *   <li>Values named as in the Kinesis API: {@link dev.sluice.stream.PutRecordsRequestEntry},
 *       {@link dev.sluice.stream.PutRecordsResultEntry}, {@link dev.sluice.stream.StreamRecord},
 *       {@link dev.sluice.stream.Shard}, {@link dev.sluice.stream.HashKeyRange},
 *       {@link dev.sluice.stream.ShardIteratorType} (a sealed interface with one case per iterator type), ...</li>
 *   <li>{@link dev.sluice.stream.ConsumerApplication}: a KCL-like consumer with checkpoints that reads parents before
 *       children and de-aggregates KPL records; {@link dev.sluice.stream.RecordProcessor} is its callback.</li>
 *   <li>{@link dev.sluice.stream.Storage}: in memory (default) or durable on Chronicle Queue.</li>
 *   <li>{@link dev.sluice.stream.StreamException} and {@link dev.sluice.stream.ErrorCode}: every failure, under the
 *       AWS exception name.</li>
 *   <li>{@link dev.sluice.stream.Ticker} and {@code dev.sluice.stream.testing.ManualClock}: injected time.</li>
 * </ul>
 *
 * <p>Thread-safety: the engine and consumer applications are safe for concurrent use; values are immutable.
 * Implementation lives in {@code dev.sluice.stream.internal}, which is not API.
 */
package dev.sluice.stream;
