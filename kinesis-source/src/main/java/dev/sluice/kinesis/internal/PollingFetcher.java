package dev.sluice.kinesis.internal;

import dev.sluice.kinesis.ReadMode;
import software.amazon.awssdk.services.kinesis.KinesisAsyncClient;
import software.amazon.awssdk.services.kinesis.model.GetRecordsResponse;
import software.amazon.awssdk.services.kinesis.model.GetShardIteratorRequest;
import software.amazon.awssdk.services.kinesis.model.GetShardIteratorResponse;
import software.amazon.awssdk.services.kinesis.model.ShardIteratorType;

/**
 * GetRecords polling: per shard, GetShardIterator (TRIM_HORIZON, or AFTER_SEQUENCE_NUMBER of the last record
 * handed over) and then GetRecords with each response's next iterator.
 *
 * <p>Design note: at most one call per shard is in flight. A response whose records the delivery stream refuses is
 * dropped and its iterator with it, so the shard is read again from after the last accepted record; an expired
 * iterator is renewed from the same place. A shard that says it is behind ({@code MillisBehindLatest > 0}) is polled
 * again {@link ReadMode#MIN_IDLE_INTERVAL} after the previous call started (Kinesis allows 5 calls per second per
 * shard), a caught-up one after the idle interval; a null next iterator is the shard's end.
 */
final class PollingFetcher implements ShardFetcher {

    private final KinesisReader reader;
    private final KinesisAsyncClient client;
    private final StreamAddress address;
    private final ReadMode.Polling mode;

    PollingFetcher(KinesisReader reader, KinesisAsyncClient client, StreamAddress address, ReadMode.Polling mode) {
        this.reader = reader;
        this.client = client;
        this.address = address;
        this.mode = mode;
    }

    @Override
    public void fetch(ShardState shard) {
        if (shard.iterator == null) {
            GetShardIteratorRequest.Builder request = address.shardIterator().shardId(shard.shardId);
            if (shard.lastHandedOver == null) {
                request.shardIteratorType(ShardIteratorType.TRIM_HORIZON);
            } else {
                request.shardIteratorType(ShardIteratorType.AFTER_SEQUENCE_NUMBER)
                        .startingSequenceNumber(shard.lastHandedOver);
            }
            shard.call = reader.send(() -> client.getShardIterator(request.build()),
                    (response, failure) -> iterator(shard, response, failure));
        } else {
            shard.callStartedNanos = reader.now();
            String iterator = shard.iterator;
            shard.call = reader.send(() -> client.getRecords(address.records().shardIterator(iterator)
                    .limit(mode.limit()).build()), (response, failure) -> records(shard, response, failure));
        }
    }

    private void iterator(ShardState shard, GetShardIteratorResponse response, Throwable failure) {
        shard.call = null;
        if (failure != null) {
            reader.shardFailed(shard, failure, "GetShardIterator");
            return;
        }
        shard.iterator = response.shardIterator();
        shard.dueNanos = reader.now();
    }

    private void records(ShardState shard, GetRecordsResponse response, Throwable failure) {
        shard.call = null;
        if (failure != null) {
            reader.shardFailed(shard, failure, "GetRecords");
            return;
        }
        shard.backoff.reset();
        if (!reader.handOver(shard, response.records())) {
            shard.iterator = null;
            reader.retryLater(shard, KinesisReader.PUT_RETRY.toNanos());
            return;
        }
        if (response.nextShardIterator() == null) {
            reader.shardEnded(shard);
            return;
        }
        shard.iterator = response.nextShardIterator();
        Long behind = response.millisBehindLatest();
        if (behind != null && behind > 0) {
            shard.dueNanos = shard.callStartedNanos + ReadMode.MIN_IDLE_INTERVAL.toNanos();
        } else {
            reader.retryLater(shard, mode.idleInterval().toNanos());
        }
    }

    @Override
    public void cancel(ShardState shard) {
        if (shard.call != null) {
            shard.call.cancel(true);
            shard.call = null;
        }
    }
}
