package dev.sluice.kafka.internal;

import dev.sluice.delivery.DeliveryException;
import dev.sluice.delivery.DeliveryStream;
import dev.sluice.delivery.ErrorCode;
import dev.sluice.delivery.SourceContext;
import dev.sluice.delivery.SourceEntry;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RebalanceInProgressException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.function.BiConsumer;

/**
 * The Kafka source's poll thread: reads records, hands them to the delivery stream, commits offsets for it, and
 * follows the group's rebalances.
 *
 * <p>Design note: everything here runs on the poll thread except {@link #stop}, because a {@code KafkaConsumer} is
 * not thread-safe. Three rules keep the delivery stream's coordinator, which blocks in {@code CheckpointStore.store}
 * until this thread has committed, from ever waiting on this thread while this thread waits on it:
 * <ul>
 *   <li>commits queued by the coordinator run between polls, and a poll in progress is woken for them;</li>
 *   <li>puts wait at most {@link #PUT_WAIT}; a refused batch is kept, its partition paused, and offered again each
 *       turn (the consumer's position is already past it, so nothing is read twice or skipped);</li>
 *   <li>a drain (rebalance, close) runs on the drain thread while this thread keeps running queued commits.</li>
 * </ul>
 * Ownership: a partition is owned from {@code onPartitionsAssigned} (committed offset read, partition opened,
 * consumer seeked to the position after the checkpoint) until it is given up in {@code onPartitionsRevoked} (drained
 * for up to {@link #REVOCATION_DRAIN_TIMEOUT}, then released), {@code onPartitionsLost} (released at once) or close.
 * Commits are made only for owned partitions, through {@code commitSync}, which carries the group generation: once
 * given up, or once the group has moved on without this member, a commit fails and the segment is not written.
 */
public final class ConsumerLoop implements Runnable, ConsumerRebalanceListener {

    /** Longest wait of a put for buffer memory; the poll thread must come back to its commits quickly. */
    static final Duration PUT_WAIT = Duration.ofMillis(20);
    /** How long a revoked partition's records may take to be committed before they are given back. */
    static final Duration REVOCATION_DRAIN_TIMEOUT = Duration.ofSeconds(30);
    /** How often a waiting poll thread checks whether a drain has finished. */
    private static final Duration DRAIN_CHECK = Duration.ofMillis(5);
    /** Attempts to read the committed offsets of newly assigned partitions, each bounded by the commit timeout. */
    private static final int COMMITTED_ATTEMPTS = 3;
    /** Longest wait for the consumer to leave the group at close. */
    private static final Duration MAX_CONSUMER_CLOSE = Duration.ofSeconds(5);
    private static final byte[] EMPTY = new byte[0];
    private static final Logger LOG = LoggerFactory.getLogger(ConsumerLoop.class);

    private final Consumer<byte[], byte[]> consumer;
    private final BiConsumer<Consumer<byte[], byte[]>, ConsumerRebalanceListener> subscribe;
    private final SourceContext context;
    private final CommitHandOff commits;
    private final OffsetCheckpointStore store;
    private final ExecutorService drainer;
    private final Duration pollTimeout;
    private final Duration commitTimeout;
    private final String description;

    /** Poll thread only: owned partitions and their names both ways. */
    private final Map<TopicPartition, String> owned = new HashMap<>();
    private final Map<String, TopicPartition> byName = new HashMap<>();
    /** Poll thread only: batches the delivery stream refused for lack of memory, their partitions paused. */
    private final Map<TopicPartition, List<SourceEntry>> stalled = new LinkedHashMap<>();
    private volatile boolean running = true;
    private volatile long closeDeadline;

    /**
     * Binds the loop; {@link #run} on the poll thread starts it.
     *
     * @param consumer the consumer, used from the poll thread only from now on
     * @param subscribe subscribes the consumer with this loop as its rebalance listener
     * @param context the delivery stream's side
     * @param commits the hand-off the checkpoint store queues commits on
     * @param store the checkpoint store, whose loads this loop stages
     * @param drainer runs drains while the poll thread serves commits
     * @param pollTimeout the longest poll
     * @param commitTimeout the bound of each commit and committed-offset read
     * @param description the source, for messages
     */
    public ConsumerLoop(Consumer<byte[], byte[]> consumer,
                        BiConsumer<Consumer<byte[], byte[]>, ConsumerRebalanceListener> subscribe,
                        SourceContext context, CommitHandOff commits, OffsetCheckpointStore store,
                        ExecutorService drainer, Duration pollTimeout, Duration commitTimeout, String description) {
        this.consumer = consumer;
        this.subscribe = subscribe;
        this.context = context;
        this.commits = commits;
        this.store = store;
        this.drainer = drainer;
        this.pollTimeout = pollTimeout;
        this.commitTimeout = commitTimeout;
        this.description = description;
    }

    /**
     * Asks the loop to end: it drains its partitions for at most {@code timeout}, releases them and closes the
     * consumer. Any thread.
     *
     * @param timeout how long the drain may take
     */
    public void stop(Duration timeout) {
        closeDeadline = context.nanoTime() + timeout.toNanos();
        running = false;
        consumer.wakeup();
    }

    @Override
    public void run() {
        DeliveryException failure = null;
        try {
            subscribe.accept(consumer, this);
            while (running) {
                commits.runQueued(this::commitNow);
                offerStalled();
                ConsumerRecords<byte[], byte[]> records;
                try {
                    records = consumer.poll(stalled.isEmpty() ? pollTimeout : PUT_WAIT);
                } catch (WakeupException e) {
                    continue; // a commit is waiting, or stop was called
                }
                handOver(records);
            }
        } catch (DeliveryException e) {
            if (e.errorCode() != ErrorCode.STREAM_CLOSED) {
                failure = failed(e);
            }
        } catch (RuntimeException | Error e) {
            failure = failed(e);
        } finally {
            shutDown(failure);
        }
    }

    private DeliveryException failed(Throwable e) {
        // Kafka wraps what a rebalance callback throws ("User rebalance callback throws an error"): name our cause.
        Throwable cause = e;
        while (!(cause instanceof DeliveryException) && cause.getCause() != null && cause.getCause() != cause) {
            cause = cause.getCause();
        }
        String why = cause instanceof DeliveryException delivery ? delivery.getMessage() : e.toString();
        DeliveryException failure = new DeliveryException(ErrorCode.SOURCE_FAILED, description + " stopped reading: "
                + why, e);
        context.failed(failure);
        return failure;
    }

    // ----- records

    private void handOver(ConsumerRecords<byte[], byte[]> records) {
        if (records.isEmpty()) {
            return;
        }
        for (TopicPartition partition : records.partitions()) {
            String name = owned.get(partition);
            if (name == null) {
                continue; // not assigned any more: the consumer drops such records itself
            }
            List<ConsumerRecord<byte[], byte[]>> batch = records.records(partition);
            List<SourceEntry> entries = new ArrayList<>(batch.size());
            for (ConsumerRecord<byte[], byte[]> record : batch) {
                entries.add(entry(partition, record));
            }
            List<SourceEntry> waiting = stalled.get(partition);
            if (waiting != null) {
                waiting.addAll(entries);
            } else if (!context.put(name, entries, PUT_WAIT)) {
                stalled.put(partition, entries);
                consumer.pause(List.of(partition));
            }
        }
    }

    /** Offers refused batches again; only the first waits for memory, so a turn stays short. */
    private void offerStalled() {
        Duration wait = PUT_WAIT;
        for (Iterator<Map.Entry<TopicPartition, List<SourceEntry>>> it = stalled.entrySet().iterator();
             it.hasNext(); ) {
            Map.Entry<TopicPartition, List<SourceEntry>> batch = it.next();
            if (context.put(owned.get(batch.getKey()), batch.getValue(), wait)) {
                it.remove();
                consumer.resume(List.of(batch.getKey()));
            } else {
                wait = Duration.ZERO;
            }
        }
    }

    private SourceEntry entry(TopicPartition partition, ConsumerRecord<byte[], byte[]> record) {
        byte[] value = record.value() == null ? EMPTY : record.value();
        Optional<String> key = record.key() == null ? Optional.empty()
                : Optional.of(new String(record.key(), StandardCharsets.UTF_8));
        Instant timestamp = record.timestamp() >= 0 ? Instant.ofEpochMilli(record.timestamp()) : Instant.EPOCH;
        return new SourceEntry(Long.toString(record.offset()), key, timestamp, value);
    }

    // ----- commits

    /** Commits one request on the poll thread, for an owned partition only, with the current group generation. */
    private void commitNow(CommitHandOff.Request request) {
        TopicPartition partition = byName.get(request.partition());
        if (partition == null) {
            request.failed(new DeliveryException(ErrorCode.SOURCE_FAILED, description + ": partition "
                    + request.partition() + " is no longer owned by this instance (given up in a rebalance); its"
                    + " next owner resumes from the committed offset and rebuilds the pending segments"));
            return;
        }
        while (true) {
            try {
                consumer.commitSync(Map.of(partition, request.offset()), commitTimeout);
                request.succeeded();
                return;
            } catch (WakeupException e) {
                // Woken by stop or a later request while committing: commit the same offsets again.
            } catch (CommitFailedException | RebalanceInProgressException e) {
                request.failed(new DeliveryException(ErrorCode.SOURCE_FAILED, description + ": the group refused the"
                        + " offset commit of " + request.partition() + " (" + e.getMessage() + "); this instance may"
                        + " no longer own it: nothing of the segment is written", e));
                return;
            } catch (KafkaException e) {
                request.failed(new DeliveryException(ErrorCode.SERVICE_UNAVAILABLE, description + ": the offset commit"
                        + " of " + request.partition() + " failed (" + e + "); nothing of the segment is written,"
                        + " sealing is retried", e));
                return;
            }
        }
    }

    // ----- rebalances (poll thread, inside poll)

    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
        List<TopicPartition> added = new ArrayList<>();
        for (TopicPartition partition : partitions) {
            if (!owned.containsKey(partition)) {
                added.add(partition);
            }
        }
        if (added.isEmpty()) {
            return;
        }
        added.sort(Comparator.comparing(TopicPartition::topic).thenComparingInt(TopicPartition::partition));
        Map<TopicPartition, OffsetAndMetadata> committed = committed(new HashSet<>(added));
        Map<String, String> resumed = new LinkedHashMap<>();
        for (TopicPartition partition : added) {
            String name = partition.topic() + "-" + partition.partition();
            OffsetAndMetadata offset = committed.get(partition);
            store.stage(name, CommittedState.decode(name, offset));
            owned.put(partition, name);
            byName.put(name, partition);
            Optional<String> after = context.open(name);
            if (after.isPresent()) {
                long next = Long.parseLong(after.get()) + 1;
                consumer.seek(partition, next);
                resumed.put(name, Long.toString(next));
            } else if (offset != null) {
                consumer.seek(partition, offset.offset());
                resumed.put(name, Long.toString(offset.offset()));
            } else {
                resumed.put(name, "reset policy");
            }
        }
        LOG.info("{}: assigned {}, reading from {}", description, resumed.keySet(), resumed.values());
    }

    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
        giveUp(partitions, REVOCATION_DRAIN_TIMEOUT, "revoked");
    }

    @Override
    public void onPartitionsLost(Collection<TopicPartition> partitions) {
        giveUp(partitions, Duration.ZERO, "lost");
    }

    /** Reads the group's committed offsets, running queued commits whenever a wake-up interrupts the read. */
    private Map<TopicPartition, OffsetAndMetadata> committed(Set<TopicPartition> partitions) {
        int attempts = 0;
        while (true) {
            commits.runQueued(this::commitNow);
            try {
                return consumer.committed(partitions, commitTimeout);
            } catch (WakeupException e) {
                // a commit is waiting: run it, then read again
            } catch (RetriableException e) {
                if (++attempts >= COMMITTED_ATTEMPTS) {
                    throw e;
                }
                LOG.warn("{}: reading the committed offsets of {} failed ({}); retrying", description, partitions,
                        e.toString());
            }
        }
    }

    /**
     * Gives partitions up: stops handing them over, drains them for up to {@code drain} while running queued
     * commits, stops committing for them, then releases them.
     */
    private void giveUp(Collection<TopicPartition> partitions, Duration drain, String why) {
        List<TopicPartition> mine = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (TopicPartition partition : partitions) {
            String name = owned.get(partition);
            if (name != null) {
                mine.add(partition);
                names.add(name);
                stalled.remove(partition);
            }
        }
        if (mine.isEmpty()) {
            return;
        }
        if (!drain.isZero() && !drain.isNegative() && !drain(names, drain)) {
            LOG.warn("{}: {} partitions {} not drained within {}; their records not yet sealed are given back, the"
                    + " next owner reads them again and rebuilds the segments being written", description, why, names,
                    drain);
        }
        for (TopicPartition partition : mine) {
            byName.remove(owned.remove(partition));
        }
        context.release(names);
        LOG.info("{}: gave up {} ({})", description, names, why);
    }

    private boolean drain(List<String> names, Duration timeout) {
        Future<Boolean> drained = drainer.submit(() -> context.drain(names, timeout));
        while (!drained.isDone()) {
            commits.awaitAndRun(DRAIN_CHECK, this::commitNow);
        }
        try {
            return drained.get();
        } catch (ExecutionException e) {
            LOG.warn("{}: draining {} failed: {}", description, names, e.getCause().toString());
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    // ----- end

    private void shutDown(DeliveryException failure) {
        try {
            long left = closeDeadline - context.nanoTime();
            Duration drain = failure == null && left > 0 ? Duration.ofNanos(left) : Duration.ZERO;
            giveUp(List.copyOf(owned.keySet()), drain, failure == null ? "closing" : "failed");
        } catch (RuntimeException e) {
            LOG.warn("{}: giving up partitions at close failed: {}", description, e.toString());
        } finally {
            commits.close(failure != null ? failure : new DeliveryException(ErrorCode.SOURCE_FAILED, description
                    + " is closed; nothing more is committed"));
            // Leaving the group lets the others take the partitions at once; bounded by what is left of close.
            long left = running ? MAX_CONSUMER_CLOSE.toNanos()
                    : Math.max(0, Math.min(closeDeadline - context.nanoTime(), MAX_CONSUMER_CLOSE.toNanos()));
            try {
                consumer.close(CloseOptions.timeout(Duration.ofNanos(left)));
            } catch (RuntimeException e) {
                LOG.warn("{}: closing the consumer failed: {}", description, e.toString());
            }
        }
    }
}
