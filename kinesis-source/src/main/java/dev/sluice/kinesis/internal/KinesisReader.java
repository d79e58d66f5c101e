package dev.sluice.kinesis.internal;

import dev.sluice.delivery.DeliveryException;
import dev.sluice.delivery.DeliveryStream;
import dev.sluice.delivery.ErrorCode;
import dev.sluice.delivery.SourceContext;
import dev.sluice.delivery.SourceEntry;
import dev.sluice.kinesis.ReadMode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.kinesis.KinesisAsyncClient;
import software.amazon.awssdk.services.kinesis.model.ListShardsRequest;
import software.amazon.awssdk.services.kinesis.model.ListShardsResponse;
import software.amazon.awssdk.services.kinesis.model.Shard;
import software.amazon.awssdk.services.kinesis.model.StreamDescriptionSummary;
import software.amazon.awssdk.services.kinesis.model.StreamStatus;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BiConsumer;
import java.util.function.Supplier;

/**
 * Reads every shard of one Kinesis stream into a delivery stream, following the stream's lineage as it reshards.
 *
 * <p>Design note: one thread ({@code sluice-source-kinesis-<name>-0}) owns all state: the {@link ShardTable}, each
 * {@link ShardState} and the calls to {@link SourceContext}. Data calls (GetShardIterator, GetRecords,
 * SubscribeToShard) are asynchronous, at most one per shard; their callbacks run on SDK threads and only post a task
 * to this thread's inbox, so an SDK event loop never waits for the delivery stream. Control calls (ListShards,
 * DescribeStreamSummary, the consumer calls) are rare and made synchronously from this thread with a
 * {@link #CONTROL_CALL_TIMEOUT}. Every wait (idle interval, back-off) is measured on the context's ticker; the
 * thread parks at most {@link #PARK_MAX} of real time so a manual ticker is seen to move.
 *
 * <p>Failures: see {@link Failures}. A ResourceNotFoundException is checked with DescribeStreamSummary: a stream
 * that is gone (deleted, being deleted, or deleted and re-created) ends reading through {@link SourceContext#failed}
 * naming the stream; records handed over before are still delivered by the delivery stream.
 */
public final class KinesisReader {

    /** Longest wait for a control call (ListShards, DescribeStreamSummary, consumer calls). */
    static final Duration CONTROL_CALL_TIMEOUT = Duration.ofSeconds(30);
    /** How long a hand-over waits for the delivery stream's memory before the records are read again later. */
    static final Duration PUT_WAIT = Duration.ofMillis(200);
    /** After a refused hand-over, the wait before the shard is read again. */
    static final Duration PUT_RETRY = Duration.ofMillis(200);
    /** The longest real-time park between two looks at the ticker. */
    static final Duration PARK_MAX = Duration.ofMillis(20);

    private static final Logger LOG = LoggerFactory.getLogger(KinesisReader.class);

    private final SourceSettings settings;
    private final KinesisAsyncClient client;
    private final StreamAddress address;
    private final SourceContext context;
    private final ShardTable table = new ShardTable();
    private final ShardFetcher fetcher;
    private final ConcurrentLinkedQueue<Runnable> inbox = new ConcurrentLinkedQueue<>();
    private final Thread thread;
    private volatile boolean running = true;
    /** The control call this thread waits for, so that close can cancel it. */
    private volatile CompletableFuture<?> control;
    /** From the start: a stream found with another creation time was deleted and re-created. */
    private StreamDescriptionSummary stream;

    /**
     * Binds a reader; {@link #start} checks the stream and starts the thread.
     *
     * @param settings the source's configuration
     * @param context the delivery stream's side
     */
    public KinesisReader(SourceSettings settings, SourceContext context) {
        this.settings = settings;
        this.client = settings.client();
        this.address = settings.address();
        this.context = context;
        this.fetcher = settings.readMode() instanceof ReadMode.EnhancedFanOut fanOut
                ? new FanOutFetcher(this, client, fanOut.consumerName())
                : new PollingFetcher(this, client, address, (ReadMode.Polling) settings.readMode());
        this.thread = new Thread(this::run, "sluice-source-kinesis-" + settings.name() + "-0");
        this.thread.setDaemon(true);
    }

    /**
     * Describes the stream (on the caller's thread) and starts reading.
     *
     * @throws DeliveryException {@link ErrorCode#INVALID_ARGUMENT} when the stream cannot be described: it does not
     *         exist, the endpoint cannot be reached, the credentials are refused
     */
    public void start() {
        try {
            stream = await(client.describeStreamSummary(address.describe())).streamDescriptionSummary();
        } catch (RuntimeException e) {
            throw new DeliveryException(ErrorCode.INVALID_ARGUMENT, "Kinesis stream '" + address.streamName()
                    + "' cannot be read: " + Failures.describe(e), Failures.unwrap(e));
        }
        thread.start();
    }

    /**
     * Stops the thread within {@code timeout}; in-flight calls and subscriptions are cancelled. Idempotent.
     *
     * @param timeout how long to wait for the thread
     */
    public void close(Duration timeout) {
        running = false;
        CompletableFuture<?> waiting = control;
        if (waiting != null) {
            waiting.cancel(true);
        }
        LockSupport.unpark(thread);
        if (thread.isAlive() && Thread.currentThread() != thread) {
            try {
                thread.join(Math.max(1, timeout.toMillis()));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (thread.isAlive()) {
                thread.interrupt();
                LOG.warn("Kinesis source {}: reader did not stop within {}; interrupted", settings.name(), timeout);
            }
        }
    }

    /** The stream's ARN, from the start's DescribeStreamSummary. */
    String streamArn() {
        return stream.streamARN();
    }

    String streamName() {
        return address.streamName();
    }

    long now() {
        return context.nanoTime();
    }

    // ---------------------------------------------------------------- the loop

    private void run() {
        try {
            fetcher.prepare();
            while (running) {
                runPosted();
                long now = now();
                if (table.listDue(now)) {
                    list();
                    now = now();
                }
                long wait = PARK_MAX.toNanos();
                for (ShardState shard : table.shards()) {
                    if (!running) {
                        return;
                    }
                    if (shard.busy()) {
                        fetcher.watch(shard, now);
                        continue;
                    }
                    if (shard.finished) {
                        continue;
                    }
                    if (!shard.opened) {
                        if (!table.parentsFinished(shard)) {
                            continue;
                        }
                        open(shard, now);
                    }
                    long until = shard.dueNanos - now;
                    if (until <= 0) {
                        fetcher.fetch(shard);
                    } else {
                        wait = Math.min(wait, until);
                    }
                }
                if (running && inbox.isEmpty()) {
                    LockSupport.parkNanos(this, wait);
                }
            }
        } catch (Stop stop) {
            // closing, or the failure was reported
        } catch (DeliveryException e) {
            if (e.errorCode() != ErrorCode.STREAM_CLOSED) {
                report("reading stopped: " + e.getMessage(), e);
            }
        } catch (RuntimeException | Error e) {
            report("reading stopped: " + e, e);
        } finally {
            running = false;
            for (ShardState shard : table.shards()) {
                fetcher.cancel(shard);
            }
        }
    }

    private void runPosted() {
        for (Runnable task; running && (task = inbox.poll()) != null; ) {
            task.run();
        }
    }

    private void open(ShardState shard, long now) {
        Optional<String> resume = context.open(shard.shardId);
        shard.lastHandedOver = resume.orElse(null);
        shard.opened = true;
        shard.dueNanos = now;
        LOG.debug("Kinesis source {}: shard {} opened after {}", settings.name(), shard, resume.orElse("its start"));
    }

    /** Lists every shard, page by page (NextToken), and adds the new ones to the table. */
    private void list() {
        List<Shard> listing = new ArrayList<>();
        try {
            String token = null;
            do {
                ListShardsRequest request = token == null
                        ? address.listShards().maxResults(settings.listShardsPageSize()).build()
                        : ListShardsRequest.builder().nextToken(token).maxResults(settings.listShardsPageSize())
                                .build();
                ListShardsResponse page = await(client.listShards(request));
                listing.addAll(page.shards());
                token = page.nextToken();
            } while (token != null);
        } catch (Stop stop) {
            throw stop;
        } catch (RuntimeException e) {
            Failures.Kind kind = Failures.classify(e);
            switch (kind) {
                case NOT_FOUND -> {
                    // ListShards names only the stream: when it still exists, the answer was stale; list again.
                    streamStillThere(e);
                }
                case PERMANENT -> fail("ListShards failed: " + Failures.describe(e), e);
                case CANCELLED -> throw new Stop();
                default -> {
                }
            }
            table.listFailed(now());
            if (tenth(table.listFailures())) {
                LOG.warn("Kinesis source {}: ListShards failed ({} in a row), retrying with back-off: {}",
                        settings.name(), table.listFailures(), Failures.describe(e));
            }
            return;
        }
        int before = table.size();
        table.listed(listing, now());
        if (table.size() != before) {
            LOG.debug("Kinesis source {}: {} shards known in stream {}", settings.name(), table.size(),
                    address.streamName());
        }
    }

    // ---------------------------------------------------------------- what fetchers call

    /**
     * Sends an asynchronous call; its outcome is handled on this thread. A client that throws instead of returning a
     * failed future is treated the same way.
     */
    <T> CompletableFuture<T> send(Supplier<CompletableFuture<T>> call, BiConsumer<T, Throwable> outcome) {
        CompletableFuture<T> future;
        try {
            future = Objects.requireNonNull(call.get(), "the client returned no future");
        } catch (RuntimeException e) {
            future = CompletableFuture.failedFuture(e);
        }
        future.whenComplete((result, failure) -> post(() -> outcome.accept(result, failure)));
        return future;
    }

    /** Runs {@code task} on this thread; callable from any thread. */
    void post(Runnable task) {
        inbox.add(task);
        LockSupport.unpark(thread);
    }

    /**
     * Waits for a control call. Its failure is rethrown unwrapped; a call that does not answer in time fails as an
     * {@link SdkClientException} (retried like any I/O error).
     *
     * @throws Stop when the source is closing
     */
    <T> T await(CompletableFuture<T> call) {
        control = call;
        try {
            return call.get(CONTROL_CALL_TIMEOUT.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Stop();
        } catch (CancellationException e) {
            if (!running) {
                throw new Stop();
            }
            throw e;
        } catch (TimeoutException e) {
            call.cancel(true);
            throw SdkClientException.create("no answer within " + CONTROL_CALL_TIMEOUT, e);
        } catch (ExecutionException e) {
            Throwable cause = Failures.unwrap(e);
            if (cause instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new IllegalStateException(cause);
        } finally {
            control = null;
        }
    }

    /** Waits {@code nanos} of the ticker (only before any shard is read: the inbox is not served meanwhile). */
    void pause(long nanos) {
        long until = now() + nanos;
        for (long left; (left = until - now()) > 0; ) {
            checkRunning();
            LockSupport.parkNanos(this, Math.min(left, PARK_MAX.toNanos()));
        }
        checkRunning();
    }

    void checkRunning() {
        if (!running) {
            throw new Stop();
        }
    }

    /**
     * Hands records over in order. A record larger than a delivery stream takes ends reading after the records
     * before it are handed over: it cannot be delivered, and skipping it would lose it.
     *
     * @return {@code false} when the delivery stream refused them for lack of memory: read them again later
     */
    boolean handOver(ShardState shard, List<software.amazon.awssdk.services.kinesis.model.Record> records) {
        if (records.isEmpty()) {
            return true;
        }
        List<SourceEntry> entries = new ArrayList<>(records.size());
        for (software.amazon.awssdk.services.kinesis.model.Record record : records) {
            byte[] data = record.data().asByteArrayUnsafe();
            // A record over DeliveryStream.MAX_RECORD_BYTES (Kinesis allows 1 MiB, a delivery stream 1,000 KiB) is
            // handed over too: the delivery stream sends it to the error output in its place.
            // Kinesis always sets the arrival time; the epoch stands in rather than the wall clock if one did not.
            Instant arrival = record.approximateArrivalTimestamp() != null ? record.approximateArrivalTimestamp()
                    : Instant.EPOCH;
            entries.add(new SourceEntry(record.sequenceNumber(), Optional.ofNullable(record.partitionKey()), arrival,
                    data));
        }
        return put(shard, entries);
    }

    private boolean put(ShardState shard, List<SourceEntry> entries) {
        if (entries.isEmpty()) {
            return true;
        }
        if (!context.put(shard.shardId, entries, PUT_WAIT)) {
            return false;
        }
        shard.lastHandedOver = entries.get(entries.size() - 1).position();
        return true;
    }

    /** The shard was read to its end with every record handed over: its children may be read. */
    void shardEnded(ShardState shard) {
        shard.finished = true;
        shard.iterator = null;
        table.requestRelist();
        LOG.debug("Kinesis source {}: shard {} read to its end after {}", settings.name(), shard,
                shard.lastHandedOver);
    }

    /** Reads the shard again after a back-off. */
    void retryLater(ShardState shard, long waitNanos) {
        shard.dueNanos = now() + waitNanos;
    }

    /** Routes a failed data call of {@code operation} on {@code shard}. */
    void shardFailed(ShardState shard, Throwable failure, String operation) {
        Failures.Kind kind = Failures.classify(failure);
        switch (kind) {
            case CANCELLED -> {
                checkRunning();
                retryLater(shard, shard.backoff.next());
            }
            case EXPIRED_ITERATOR -> {
                LOG.debug("Kinesis source {}: iterator of {} expired; renewing after {}", settings.name(), shard,
                        shard.lastHandedOver);
                shard.iterator = null;
                shard.dueNanos = now();
            }
            case THROTTLED, IN_USE, EXPIRED_NEXT_TOKEN -> {
                // Expected now and then (the SDK's retries ran first); a long streak is worth a warning.
                int streak = shard.backoff.failures() + 1;
                if (streak >= 10 && tenth(streak)) {
                    LOG.warn("Kinesis source {}: {} on {} refused {} times in a row, backing off: {}",
                            settings.name(), operation, shard, streak, Failures.describe(failure));
                }
                long wait = shard.backoff.next();
                LOG.debug("Kinesis source {}: {} on {} refused ({}); backing off {} ms", settings.name(), operation,
                        shard, Failures.describe(failure), TimeUnit.NANOSECONDS.toMillis(wait));
                retryLater(shard, wait);
            }
            case TRANSIENT -> {
                // Warned at the 1st, 10th, 100th... failure in a row: never silent, never a flood.
                int streak = shard.backoff.failures() + 1;
                if (tenth(streak)) {
                    LOG.warn("Kinesis source {}: {} on {} failed{}, retrying with back-off: {}{}", settings.name(),
                            operation, shard, streak == 1 ? "" : " " + streak + " times in a row",
                            Failures.describe(failure), operation.equals("SubscribeToShard") && streak > 1
                                    ? " (enhanced fan-out needs an HTTP/2 client)" : "");
                }
                retryLater(shard, shard.backoff.next());
            }
            case NOT_FOUND -> {
                if (!streamStillThere(failure) || !fetcher.stillThere(failure)) {
                    retryLater(shard, shard.backoff.next());
                    return;
                }
                // The stream is there but the shard is not: it expired past retention. Nothing more can be read.
                LOG.warn("Kinesis source {}: {} is no longer in stream {} ({}); its children are read next",
                        settings.name(), shard, address.streamName(), Failures.describe(failure));
                shardEnded(shard);
            }
            case PERMANENT -> fail(operation + " on " + shard + " failed: " + Failures.describe(failure), failure);
            default -> throw new IllegalStateException("unhandled " + kind);
        }
    }

    /** Whether {@code n} is 1, 10, 100, ...: when a streak of failures is logged. */
    static boolean tenth(int n) {
        int power = 1;
        while (power < n && power <= Integer.MAX_VALUE / 10) {
            power *= 10;
        }
        return power == n;
    }

    /**
     * After a ResourceNotFoundException: describes the stream and ends reading when it is gone (deleted, being
     * deleted, or re-created since the start).
     *
     * @return {@code true} when the stream is there as at the start; {@code false} when that could not be told now
     *         (the caller backs off and tries again)
     * @throws Stop when the stream is gone (the failure is reported)
     */
    boolean streamStillThere(Throwable notFound) {
        StreamDescriptionSummary now;
        try {
            now = await(client.describeStreamSummary(address.describe())).streamDescriptionSummary();
        } catch (Stop stop) {
            throw stop;
        } catch (RuntimeException e) {
            if (Failures.classify(e) == Failures.Kind.NOT_FOUND) {
                fail("the stream was deleted while it was being read (" + Failures.describe(notFound) + ")",
                        notFound);
            }
            LOG.debug("Kinesis source {}: DescribeStreamSummary failed: {}", settings.name(), Failures.describe(e));
            return false;
        }
        if (now.streamStatus() == StreamStatus.DELETING) {
            fail("the stream is being deleted (" + Failures.describe(notFound) + ")", notFound);
        }
        if (!Objects.equals(now.streamCreationTimestamp(), stream.streamCreationTimestamp())) {
            fail("the stream was deleted and re-created while it was being read (created "
                    + stream.streamCreationTimestamp() + ", now " + now.streamCreationTimestamp() + "); the"
                    + " checkpoints belong to the old stream", notFound);
        }
        return true;
    }

    /**
     * Reports that reading cannot go on and stops: the delivery stream still delivers what was handed over, and its
     * flush then throws {@link ErrorCode#SOURCE_FAILED} with this message.
     *
     * @throws Stop always
     */
    Stop fail(String message, Throwable cause) {
        report(message, cause);
        throw new Stop();
    }

    private void report(String message, Throwable cause) {
        if (running) {
            running = false;
            context.failed(new DeliveryException(ErrorCode.SOURCE_FAILED, "Kinesis stream " + address.streamName()
                    + ": " + message + "; records read before are delivered, nothing more is read",
                    cause == null ? null : Failures.unwrap(cause)));
        }
    }

    /** Unwinds the reader thread; carries no stack. */
    static final class Stop extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Stop() {
            super(null, null, false, false);
        }
    }
}
