package dev.sluice.stream.internal;

import dev.sluice.stream.ErrorCode;
import dev.sluice.stream.OverflowPolicy;
import dev.sluice.stream.PutRecordResult;
import dev.sluice.stream.PutRecordsResult;
import dev.sluice.stream.PutRecordsResultEntry;
import dev.sluice.stream.RecordDistributionStrategy;
import dev.sluice.stream.StreamException;
import dev.sluice.stream.StreamMode;
import dev.sluice.stream.ThrottleMode;
import dev.sluice.stream.Ticker;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Puts: validation, routing and result building on the caller's thread; throttling, numbering and
 * appending on the writer threads ({@link WriteRing}); waiting for capacity in {@link ThrottleMode#BLOCK}
 * on the engine's scheduler thread.
 *
 * <p>Design note: a writer thread never waits. In BLOCK mode a throttled entry returns to this class
 * with the time until its shard has room; the scheduler re-publishes the still-throttled entries of the
 * call, in their original order, once the ticker says they fit, until the block timeout. Re-publishing
 * never happens on a writer thread (a full ring would deadlock it). Closing waits for callers that are
 * between their closed-check and their publish, so no operation is published into a stopped ring.
 *
 * <p>Byte limits: an entry refused because its stream (or the engine's memory) is full comes back
 * {@link PutOperation#FULL}; under {@link OverflowPolicy#BLOCK} it waits like a throttled entry, polled every
 * millisecond of real time (room comes from readers checkpointing, not from the ticker), until the block timeout.
 *
 * <p>Resharding: an entry that reaches a shard closed by resharding comes back as
 * {@link PutOperation#REROUTE}, in every throttle mode, without having been appended. The scheduler routes
 * it again with the stream's current snapshot and re-publishes it with the call's other waiting entries, in
 * their original order; while the snapshot still routes it to the same closed shard (the control plane is
 * between closing the parent and installing the children) it waits a poll interval. An entry gets exactly one
 * final outcome, so it is neither lost nor written twice.
 */
final class WritePath {

    private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

    private final Streams streams;
    private final WriteRing ring;
    private final ScheduledExecutorService scheduler;
    private final Ticker ticker;
    private final ThrottleMode throttleMode;
    private final Duration blockTimeout;
    private final AtomicInteger publishing = new AtomicInteger();
    private volatile boolean closed;

    WritePath(Streams streams, WriteRing ring, ScheduledExecutorService scheduler, Ticker ticker,
              ThrottleMode throttleMode, Duration blockTimeout) {
        this.streams = streams;
        this.ring = ring;
        this.scheduler = scheduler;
        this.ticker = ticker;
        this.throttleMode = throttleMode;
        this.blockTimeout = blockTimeout;
    }

    /** Routes and submits one record; the future completes with the operation once it is settled. */
    CompletableFuture<PutOperation> putRecord(String streamName, String key, byte[] data, String explicitHashKey,
                                              String sequenceNumberForOrdering) {
        StreamState stream = streams.require(streamName);
        long floor = sequenceNumberForOrdering == null ? -1
                : SequenceNumbers.counter("sequenceNumberForOrdering", sequenceNumberForOrdering);
        long[] hash = new long[2];
        byte[] utf8Key = key.getBytes(StandardCharsets.UTF_8);
        checkSize(stream, utf8Key, data);
        ShardState[] open = stream.openShards();
        ShardState shard = auto(stream) ? autoRoute(open, stream.autoRouted.getAndIncrement(), hash)
                : route(open, utf8Key, explicitHashKey, hash);
        PutOperation op = new PutOperation(stream, new byte[][] {utf8Key}, new byte[][] {data}, new ShardState[] {shard},
                hash, floor);
        return submit(op);
    }

    /**
     * Kinesis PutRecord with DryRun: every check of {@link #putRecord} (stream, size against the stream's maximum,
     * explicit hash key, SequenceNumberForOrdering), nothing written, no routing counter moved.
     */
    void dryRunPutRecord(String streamName, String key, byte[] data, String explicitHashKey,
                         String sequenceNumberForOrdering) {
        StreamState stream = streams.require(streamName);
        if (sequenceNumberForOrdering != null) {
            SequenceNumbers.counter("sequenceNumberForOrdering", sequenceNumberForOrdering);
        }
        checkSize(stream, key.getBytes(StandardCharsets.UTF_8), data);
        if (explicitHashKey != null) {
            KinesisLimits.parseExplicitHashKey(explicitHashKey);
        }
    }

    /** Validates the batch as a whole, routes each entry and submits them as one operation. */
    CompletableFuture<PutOperation> putRecords(String streamName, String[] keys, byte[][] data, String[] explicitHashKeys) {
        StreamState stream = streams.require(checkBatch(streamName, keys));
        byte[][] utf8Keys = encodeAndCheck(stream, keys, data);
        int n = keys.length;
        ShardState[] shards = new ShardState[n];
        long[] hashes = new long[2 * n];
        long[] hash = new long[2];
        ShardState[] open = stream.openShards(); // one snapshot for the whole call, see StreamState#route
        long autoBase = auto(stream) ? stream.autoRouted.getAndAdd(n) : -1;
        HashKeySpace.Md5 md5 = HashKeySpace.md5();
        for (int i = 0; i < n; i++) {
            if (autoBase >= 0) {
                shards[i] = autoRoute(open, autoBase + i, hash);
            } else if (explicitHashKeys == null || explicitHashKeys[i] == null) {
                md5.hash(utf8Keys[i], hash);
                shards[i] = StreamState.route(open, hash[0], hash[1]);
            } else {
                shards[i] = route(open, utf8Keys[i], explicitHashKeys[i], hash);
            }
            hashes[2 * i] = hash[0];
            hashes[2 * i + 1] = hash[1];
        }
        return submit(new PutOperation(stream, utf8Keys, data, shards, hashes, -1));
    }

    /** Kinesis PutRecords with DryRun: every check of {@link #putRecords}, nothing written. */
    void dryRunPutRecords(String streamName, String[] keys, byte[][] data, String[] explicitHashKeys) {
        StreamState stream = streams.require(checkBatch(streamName, keys));
        encodeAndCheck(stream, keys, data);
        if (explicitHashKeys != null) {
            for (String explicitHashKey : explicitHashKeys) {
                if (explicitHashKey != null) {
                    KinesisLimits.parseExplicitHashKey(explicitHashKey);
                }
            }
        }
    }

    private static String checkBatch(String streamName, String[] keys) {
        int n = keys.length;
        if (n < 1 || n > KinesisLimits.MAX_PUT_RECORDS_ENTRIES) {
            throw new StreamException(ErrorCode.VALIDATION, "records must have 1-" + KinesisLimits.MAX_PUT_RECORDS_ENTRIES
                    + " entries but had " + n + " (Kinesis PutRecords limit)");
        }
        return streamName;
    }

    /** The entries' UTF-8 keys, after checking each against the stream's maximum and the whole against 10 MiB. */
    private static byte[][] encodeAndCheck(StreamState stream, String[] keys, byte[][] data) {
        int n = keys.length;
        byte[][] utf8Keys = new byte[n][];
        long total = 0;
        for (int i = 0; i < n; i++) {
            utf8Keys[i] = keys[i].getBytes(StandardCharsets.UTF_8);
            checkSize(stream, utf8Keys[i], data[i]);
            total += utf8Keys[i].length + data[i].length;
        }
        if (total > KinesisLimits.MAX_PUT_RECORDS_BYTES) {
            throw new StreamException(ErrorCode.INVALID_ARGUMENT, "Records size exceeds 10 MB limit: the request holds "
                    + total + " bytes (data and partition keys) but PutRecords accepts at most "
                    + KinesisLimits.MAX_PUT_RECORDS_BYTES + " bytes");
        }
        return utf8Keys;
    }

    /** A record over 1 MiB is checked against the stream's MaxRecordSizeInKiB (records up to 1 MiB always fit). */
    private static void checkSize(StreamState stream, byte[] utf8Key, byte[] data) {
        if (utf8Key.length + data.length > KinesisLimits.MAX_RECORD_BYTES) {
            KinesisLimits.checkRecordSize(stream.name, data.length, utf8Key.length, stream.records().maxRecordSizeInKiB());
        }
    }

    /** Whether new records of the stream are spread by {@code AUTO} (on-demand streams only). */
    private static boolean auto(StreamState stream) {
        return stream.records().recordDistributionStrategy() == RecordDistributionStrategy.AUTO
                && stream.settings().mode() == StreamMode.ON_DEMAND;
    }

    /**
     * {@code AUTO}: the {@code n}-th record goes to open shard {@code n mod open}, whatever its keys. Its hash is its
     * shard's starting hash key, so if resharding closes the shard before the write, the record is re-routed to the
     * child that took that key ({@link #retryWhenDue}).
     */
    private static ShardState autoRoute(ShardState[] open, long n, long[] hash) {
        ShardState shard = open[(int) Long.remainderUnsigned(n, open.length)];
        hash[0] = shard.startHigh;
        hash[1] = shard.startLow;
        return shard;
    }

    /** Builds a PutRecord result, or throws the entry's error. */
    PutRecordResult recordResult(PutOperation op, long startNanos) {
        StreamMetrics metrics = op.stream.metrics;
        metrics.putRecordLatency.record(ticker.read() - startNanos, TimeUnit.NANOSECONDS);
        switch (op.outcomes[0]) {
            case PutOperation.WRITTEN:
                metrics.putRecordSuccess.increment();
                metrics.putRecordBytes.increment(op.data[0].length + op.keys[0].length);
                ShardState shard = op.shards[0];
                return new PutRecordResult(shard.shardId, shard.sequenceNumber(op.values[0]));
            case PutOperation.THROTTLED:
                throw new StreamException(ErrorCode.PROVISIONED_THROUGHPUT_EXCEEDED, throttleMessage(op, 0));
            case PutOperation.FULL:
                op.stream.byteRetention.refusedRecords.increment();
                throw new StreamException(ErrorCode.PROVISIONED_THROUGHPUT_EXCEEDED, fullMessage(op, 0));
            default:
                throw new StreamException(op.errors[0], op.messages[0]);
        }
    }

    /**
     * Builds a PutRecords result: one entry per request entry, in request order. Failures are built here, the
     * successes' sequence number strings when the result's entries are first read ({@link PutRecordsEntries}).
     */
    PutRecordsResult recordsResult(PutOperation op, long startNanos) {
        int n = op.size();
        PutRecordsResultEntry[] entries = new PutRecordsResultEntry[n];
        int failed = 0;
        int throttled = 0;
        int full = 0;
        long bytes = 0;
        for (int i = 0; i < n; i++) {
            switch (op.outcomes[i]) {
                case PutOperation.WRITTEN:
                    bytes += op.data[i].length + op.keys[i].length;
                    break;
                case PutOperation.THROTTLED:
                    entries[i] = new PutRecordsResultEntry.Failure(ErrorCode.PROVISIONED_THROUGHPUT_EXCEEDED, throttleMessage(op, i));
                    throttled++;
                    break;
                case PutOperation.FULL:
                    entries[i] = new PutRecordsResultEntry.Failure(ErrorCode.PROVISIONED_THROUGHPUT_EXCEEDED, fullMessage(op, i));
                    throttled++;
                    full++;
                    break;
                default:
                    entries[i] = new PutRecordsResultEntry.Failure(op.errors[i], op.messages[i]);
                    failed++;
                    break;
            }
        }
        StreamMetrics metrics = op.stream.metrics;
        metrics.putRecordsLatency.record(ticker.read() - startNanos, TimeUnit.NANOSECONDS);
        metrics.putRecordsRecords.increment(n);
        metrics.putRecordsSuccessfulRecords.increment(n - failed - throttled);
        metrics.putRecordsThrottledRecords.increment(throttled);
        metrics.putRecordsFailedRecords.increment(failed);
        metrics.putRecordsBytes.increment(bytes);
        if (full > 0) {
            op.stream.byteRetention.refusedRecords.increment(full);
        }
        return new PutRecordsResult(failed + throttled, new PutRecordsEntries(entries, op.shards, op.values, failed + throttled));
    }

    /**
     * Closes a shard for resharding through its writer, ordered with puts (see {@link ShardClose}).
     *
     * @return completes with the last counter the shard assigned
     * @throws StreamException {@link ErrorCode#ENGINE_CLOSED} if the engine is closing
     */
    CompletableFuture<Long> closeShard(ShardState shard) {
        ShardClose close = new ShardClose(shard);
        publishing.incrementAndGet();
        try {
            if (closed) {
                throw new StreamException(ErrorCode.ENGINE_CLOSED, "the stream engine is closed; shard " + shard.shardId
                        + " cannot be closed for resharding");
            }
            ring.publish(close);
        } finally {
            publishing.decrementAndGet();
        }
        return close.lastCounter;
    }

    /** Refuses new puts; in-flight ones drain through the ring. */
    void close() {
        closed = true;
        while (publishing.get() != 0) {
            Thread.onSpinWait();
        }
    }

    private String fullMessage(PutOperation op, int i) {
        return op.stream.byteRetention.policy() == OverflowPolicy.BLOCK
                ? op.messages[i] + " Waited " + blockTimeout + " (the block timeout) for room." : op.messages[i];
    }

    private String throttleMessage(PutOperation op, int i) {
        String message = op.throttleMessage(i);
        return throttleMode == ThrottleMode.BLOCK ? message + " Waited " + blockTimeout + " (the block timeout) for capacity." : message;
    }

    private static ShardState route(ShardState[] open, byte[] utf8Key, String explicitHashKey, long[] hash) {
        if (explicitHashKey == null) {
            HashKeySpace.md5(utf8Key, hash);
        } else {
            BigInteger value = KinesisLimits.parseExplicitHashKey(explicitHashKey);
            HashKeySpace.split(value, hash);
        }
        return StreamState.route(open, hash[0], hash[1]);
    }

    private CompletableFuture<PutOperation> submit(PutOperation op) {
        publish(op);
        CompletableFuture<PutOperation> settled = new CompletableFuture<>();
        long deadline = ticker.read() + blockTimeout.toNanos();
        op.done.thenRun(() -> settle(op, op, null, deadline, settled));
        return settled;
    }

    private void publish(PutOperation op) {
        publishing.incrementAndGet();
        try {
            if (closed) {
                throw new StreamException(ErrorCode.ENGINE_CLOSED, "the stream engine is closed; stream "
                        + op.stream.name + " accepts no more records");
            }
            ring.publish(op);
        } finally {
            publishing.decrementAndGet();
        }
    }

    /**
     * After an attempt: copy its outcomes into the call, then finish or schedule the next attempt. Runs on the
     * thread that finished the attempt (a writer), so it only schedules and never publishes.
     */
    private void settle(PutOperation root, PutOperation attempt, int[] origin, long deadline,
                        CompletableFuture<PutOperation> settled) {
        if (attempt != root) {
            for (int k = 0; k < origin.length; k++) {
                int i = origin[k];
                root.outcomes[i] = attempt.outcomes[k];
                root.values[i] = attempt.values[k];
                root.errors[i] = attempt.errors[k];
                root.messages[i] = attempt.messages[k];
            }
        }
        boolean beforeDeadline = ticker.read() - deadline < 0;
        boolean blocking = throttleMode == ThrottleMode.BLOCK && beforeDeadline;
        // A lossless stream's BLOCK policy waits for room at its byte limit, whatever the throttle mode.
        boolean waitForRoom = root.stream.byteRetention.policy() == OverflowPolicy.BLOCK && beforeDeadline;
        int waiting = 0;
        long wait = 0;
        boolean full = false;
        for (int i = 0; i < root.size(); i++) {
            byte outcome = root.outcomes[i];
            if (waits(outcome, blocking, waitForRoom)) {
                waiting++;
                if (outcome == PutOperation.THROTTLED) {
                    wait = Math.max(wait, root.values[i]);
                }
                full |= outcome == PutOperation.FULL;
            }
        }
        if (waiting == 0) {
            settled.complete(root);
            return;
        }
        int[] retry = new int[waiting];
        for (int i = 0, k = 0; i < root.size(); i++) {
            if (waits(root.outcomes[i], blocking, waitForRoom)) {
                retry[k++] = i;
            }
        }
        long due = ticker.read() + wait;
        // Room comes from readers checkpointing, not from time: a full stream is polled in real time.
        long delay = full ? POLL_NANOS : Math.min(wait, POLL_NANOS);
        schedule(() -> retryWhenDue(root, retry, due, deadline, settled), delay, root, retry, settled);
    }

    private static boolean waits(byte outcome, boolean blocking, boolean waitForRoom) {
        return outcome == PutOperation.REROUTE || (blocking && outcome == PutOperation.THROTTLED)
                || (waitForRoom && outcome == PutOperation.FULL);
    }

    /**
     * On the scheduler: re-publishes the call's waiting entries (throttled ones once they fit, re-routed ones
     * on their new shard), in their original order, in one attempt.
     */
    private void retryWhenDue(PutOperation root, int[] waiting, long due, long deadline,
                              CompletableFuture<PutOperation> settled) {
        long now = ticker.read();
        boolean expired = now - deadline >= 0;
        if (now - due < 0 && !expired) {
            schedule(() -> retryWhenDue(root, waiting, due, deadline, settled), Math.min(due - now, POLL_NANOS),
                    root, waiting, settled);
            return;
        }
        // Past the deadline, throttled entries keep their outcome; re-routed ones still go to their new shard.
        int n = 0;
        boolean stale = false;
        ShardState[] open = root.stream.openShards(); // one snapshot for all entries, see StreamState#route
        for (int i : waiting) {
            if (root.outcomes[i] == PutOperation.REROUTE) {
                ShardState shard = StreamState.route(open, root.hashes[2 * i], root.hashes[2 * i + 1]);
                if (shard == root.shards[i]) {
                    stale = true; // the children are not installed yet
                }
                root.shards[i] = shard;
                n++;
            } else if (!expired) {
                n++;
            }
        }
        if (stale) {
            if (expired) {
                failRerouted(root, waiting, settled);
                return;
            }
            schedule(() -> retryWhenDue(root, waiting, due, deadline, settled), POLL_NANOS, root, waiting, settled);
            return;
        }
        if (n == 0) {
            settled.complete(root);
            return;
        }
        int[] origin = new int[n];
        byte[][] keys = new byte[n][];
        byte[][] data = new byte[n][];
        ShardState[] shards = new ShardState[n];
        long[] hashes = new long[2 * n];
        int k = 0;
        for (int i : waiting) {
            if (root.outcomes[i] == PutOperation.REROUTE || !expired) {
                origin[k] = i;
                keys[k] = root.keys[i];
                data[k] = root.data[i];
                shards[k] = root.shards[i];
                hashes[2 * k] = root.hashes[2 * i];
                hashes[2 * k + 1] = root.hashes[2 * i + 1];
                k++;
            }
        }
        PutOperation attempt = new PutOperation(root.stream, keys, data, shards, hashes, root.orderingFloor);
        try {
            publish(attempt);
        } catch (StreamException e) {
            failAll(root, origin, e.errorCode(), e.getMessage(), settled);
            return;
        }
        attempt.done.thenRun(() -> settle(root, attempt, origin, deadline, settled));
    }

    /** The shard closed but no child took its range within the block timeout: nothing was written. */
    private static void failRerouted(PutOperation root, int[] waiting, CompletableFuture<PutOperation> settled) {
        for (int i : waiting) {
            if (root.outcomes[i] == PutOperation.REROUTE) {
                root.failed(i, ErrorCode.INTERNAL_FAILURE, "shard " + root.shards[i].shardId + " of stream "
                        + root.stream.name + " was closed by resharding and no open shard took its hash keys in time;"
                        + " the record was not written and can be retried");
            }
        }
        settled.complete(root);
    }

    private void schedule(Runnable task, long delayNanos, PutOperation root, int[] throttled,
                          CompletableFuture<PutOperation> settled) {
        if (closed) {
            failAll(root, throttled, ErrorCode.ENGINE_CLOSED, "the stream engine closed while this record waited for capacity", settled);
            return;
        }
        try {
            scheduler.schedule(task, delayNanos, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            failAll(root, throttled, ErrorCode.ENGINE_CLOSED, "the stream engine closed while this record waited for capacity", settled);
        }
    }

    private static void failAll(PutOperation root, int[] entries, ErrorCode code, String message,
                                CompletableFuture<PutOperation> settled) {
        for (int i : entries) {
            root.failed(i, code, message);
        }
        settled.complete(root);
    }
}
