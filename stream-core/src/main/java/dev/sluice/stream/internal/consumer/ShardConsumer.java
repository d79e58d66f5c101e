package dev.sluice.stream.internal.consumer;

import dev.sluice.stream.internal.Backoff;
import dev.sluice.stream.ChildShard;
import dev.sluice.stream.ConsumerExceptionHandler;
import dev.sluice.stream.ConsumerFailure;
import dev.sluice.stream.ConsumerRecord;
import dev.sluice.stream.ErrorCode;
import dev.sluice.stream.GetRecordsResult;
import dev.sluice.stream.ProcessRecordsInput;
import dev.sluice.stream.ShardIteratorType;
import dev.sluice.stream.ShutdownInput;
import dev.sluice.stream.StreamException;
import dev.sluice.stream.StreamRecord;
import dev.sluice.stream.internal.SequenceNumbers;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Reads one shard for one application and hands its batches to the processor: one {@link #poll()} is one step
 * (a GetRecords call and its delivery, or the retry of a failed delivery).
 *
 * <p>Design note: the position is the shard iterator plus {@code position}, the sequence number after which to
 * resume (the last record delivered, else the checkpoint); a new iterator is taken from it when the old one
 * expires. A batch stays {@code pending} until the processor returns normally, so a throwing processor gets the
 * same records again and the iterator does not move past them. Throttled and other retryable reads keep the
 * iterator and wait with exponential back-off. Non-retryable read failures and {@code STOP_SHARD} stop the shard
 * without touching its checkpoint.
 *
 * <p>Shard end: when a read returns no next iterator the shard is closed and fully read. The processor's
 * {@code shutdown(SHARD_END)} is called (retried per the handler if it throws, like a failed batch); once it
 * returns, {@link ShardCheckpointer#shardEnded()} persists the {@code SHARD_END} marker and the runtime is told,
 * with the children from the final read, so it can release children whose parents have all ended.
 *
 * <p>Thread-safety: confined to one worker at a time; the worker queue's lock hands it from one worker to the
 * next, which orders every access. Only {@link #millisBehindLatest} is read by other threads (the gauge).
 */
final class ShardConsumer {

    /** First retry back-off (KCL's default task back-off is 500 ms; shorter keeps tests and recovery quick). */
    static final Duration INITIAL_BACKOFF = Duration.ofMillis(100);
    /** Longest retry back-off. */
    static final Duration MAX_BACKOFF = Duration.ofSeconds(10);
    private static final Backoff BACKOFF = new Backoff(INITIAL_BACKOFF, MAX_BACKOFF, 0);
    /** Longest back-off after a throttled read: the per-second read limits have refilled by then. */
    static final Duration MAX_THROTTLE_BACKOFF = Duration.ofSeconds(1);

    private final ConsumerRuntime.Settings settings;
    private final ConsumerRuntime runtime;
    private final String shardId;
    private final ShardCheckpointer checkpointer;
    private final ShardIteratorType initialPosition;
    private final AtomicLong millisBehindLatest = new AtomicLong();

    private String iterator;
    private String position;
    private List<ConsumerRecord> pending;
    private String pendingLast;
    private Duration pendingLag;
    private Optional<String> pendingNext;
    private List<ChildShard> pendingChildren;
    /** Set once the shard was read to its end, until its SHARD_END shutdown returned: the children to report. */
    private List<ChildShard> ending;
    private int processorFailures;
    private int readFailures;
    private boolean finished;

    /** Ticker reading at which the next step is due; read and written under the worker queue's lock. */
    long due;
    /** Tie-breaker for equal due times, so shards take turns. */
    long order;

    /**
     * @param initialPosition where to start without a checkpoint: the application's initial position, or
     *                        {@code TRIM_HORIZON} for a child whose parents this application read to their end
     */
    ShardConsumer(ConsumerRuntime runtime, String shardId, ShardCheckpointer checkpointer,
                  ShardIteratorType initialPosition) {
        this.settings = runtime.settings();
        this.runtime = runtime;
        this.shardId = shardId;
        this.checkpointer = checkpointer;
        this.initialPosition = initialPosition;
        this.position = checkpointer.checkpointed();
    }

    String shardId() {
        return shardId;
    }

    AtomicLong millisBehindLatest() {
        return millisBehindLatest;
    }

    /** Whether the shard stopped or ended; then it takes no more steps and gets no shutdown call. */
    boolean finished() {
        return finished;
    }

    /**
     * Takes one step.
     *
     * @return whether to schedule the shard again (at {@link #due})
     */
    boolean poll() {
        try {
            return pollOnce();
        } catch (RuntimeException | Error e) {
            // Anything unexpected outside the processor (de-aggregation, the engine) stops this shard, reported
            // to the handler with its place kept; it must never kill the worker thread and silently drop the shard.
            return stopped(e);
        }
    }

    private boolean pollOnce() {
        long now = runtime.ticker().read();
        if (ending != null) {
            return endShard(now);
        }
        if (pending == null) {
            GetRecordsResult result;
            try {
                if (iterator == null) {
                    iterator = runtime.engine().getShardIterator(settings.streamName(), shardId, startingPosition());
                    releaseBeforeStart();
                }
                result = settings.consumerArn() == null ? runtime.engine().getRecords(iterator, settings.maxRecords())
                        : runtime.fanOutReader().getRecords(iterator, settings.maxRecords(), settings.consumerArn());
            } catch (StreamException e) {
                return readFailed(e, now);
            }
            readFailures = 0;
            millisBehindLatest.set(result.behindLatest().toMillis());
            if (result.records().isEmpty()) {
                return advance(result.nextShardIterator(), result.childShards(), now);
            }
            List<ConsumerRecord> records = new ArrayList<>();
            for (StreamRecord record : result.records()) {
                records.addAll(KplAggregation.deaggregate(record));
            }
            pending = records;
            pendingLast = result.records().get(result.records().size() - 1).sequenceNumber();
            pendingLag = result.behindLatest();
            pendingNext = result.nextShardIterator();
            pendingChildren = result.childShards();
        }
        return deliver(now);
    }

    /**
     * A shard started without a checkpoint at {@code LATEST} never needs the records before its start: the engine may
     * drop them under a lossless policy (records are numbered upwards, so "before" is one counter less).
     */
    private void releaseBeforeStart() {
        if (position != null || !(initialPosition instanceof ShardIteratorType.Latest)) {
            return;
        }
        long start = SequenceNumbers.iteratorStart(iterator);
        if (start > SequenceNumbers.FIRST_COUNTER) {
            int index = Integer.parseInt(shardId.substring("shardId-".length()));
            runtime.report(shardId, SequenceNumbers.format(start - 1, index));
        }
    }

    private ShardIteratorType startingPosition() {
        return position != null ? ShardIteratorType.afterSequenceNumber(position) : initialPosition;
    }

    private boolean deliver(long now) {
        checkpointer.delivered(pendingLast);
        if (!pending.isEmpty()) {
            try {
                settings.processor().processRecords(new ProcessRecordsInput(shardId, pending, pendingLag, checkpointer));
            } catch (Throwable e) {
                return processorFailed(e, now);
            }
        }
        processorFailures = 0;
        position = pendingLast;
        pending = null;
        return advance(pendingNext, pendingChildren, now);
    }

    /** Asks the handler about a processor failure: retry the same step after a back-off, or stop the shard. */
    private boolean processorFailed(Throwable e, long now) {
        processorFailures++;
        ConsumerExceptionHandler.Action action;
        try {
            action = settings.exceptionHandler().onProcessorFailure(failure(processorFailures, e));
        } catch (RuntimeException handlerFailure) {
            e.addSuppressed(handlerFailure); // a broken handler stops the shard; its place is kept
            action = ConsumerExceptionHandler.Action.STOP_SHARD;
        }
        if (action == ConsumerExceptionHandler.Action.STOP_SHARD) {
            finished = true;
            return false;
        }
        due = now + backoff(processorFailures);
        return true;
    }

    private boolean advance(Optional<String> next, List<ChildShard> children, long now) {
        if (next.isEmpty()) {
            ending = children;
            return endShard(now);
        }
        iterator = next.get();
        due = now + settings.pollInterval().toNanos();
        return true;
    }

    private boolean readFailed(StreamException e, long now) {
        if (e.errorCode() == ErrorCode.EXPIRED_ITERATOR) {
            iterator = null; // taken again from the position on the next step
            due = now;
            return true;
        }
        if (e.isRetryable()) {
            readFailures++;
            long wait = backoff(readFailures);
            if (e.errorCode() == ErrorCode.PROVISIONED_THROUGHPUT_EXCEEDED) {
                // A shard's read budget refills within a second; waiting longer only starves this application
                // (measured: 10 s back-offs left three applications at a fifth of the shared read limit).
                wait = Math.min(wait, MAX_THROTTLE_BACKOFF.toNanos());
            }
            due = now + wait;
            return true;
        }
        return stopped(e);
    }

    private boolean stopped(Throwable e) {
        finished = true;
        try {
            settings.exceptionHandler().onShardStopped(failure(1, e));
        } catch (RuntimeException handlerFailure) {
            e.addSuppressed(handlerFailure);
        }
        return false;
    }

    /**
     * Finishes a shard read to its end. Its children must not start before the processor's SHARD_END shutdown
     * returned, so a throwing hook is retried (or stops the shard, children left waiting) like a failed batch.
     */
    private boolean endShard(long now) {
        try {
            settings.processor().shutdown(new ShutdownInput(shardId, ShutdownInput.Reason.SHARD_END, checkpointer));
        } catch (Throwable e) {
            return processorFailed(e, now);
        }
        processorFailures = 0;
        checkpointer.shardEnded();
        finished = true;
        runtime.shardEnded(shardId, ending);
        return false;
    }

    /** Calls the processor's shutdown hook; its failure goes to the handler, whose answer does not matter then. */
    void shutdown(ShutdownInput.Reason reason) {
        try {
            settings.processor().shutdown(new ShutdownInput(shardId, reason, checkpointer));
        } catch (Throwable e) {
            try {
                settings.exceptionHandler().onProcessorFailure(failure(1, e));
            } catch (RuntimeException handlerFailure) {
                e.addSuppressed(handlerFailure);
            }
        }
    }

    private ConsumerFailure failure(int attempt, Throwable cause) {
        return new ConsumerFailure(settings.applicationName(), settings.streamName(), shardId, attempt, cause);
    }

    static long backoff(int attempt) {
        return BACKOFF.delayNanos(attempt);
    }
}
