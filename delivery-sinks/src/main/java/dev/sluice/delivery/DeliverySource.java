package dev.sluice.delivery;

import java.time.Duration;

/**
 * Where a {@link DeliveryStream} reads its records from when it does not take direct puts: Sluice's in-process
 * stream ({@link DeliveryStream.Builder#kinesisStreamSource}), an Apache Kafka topic or an Amazon Kinesis stream
 * (their own modules), or a source you write.
 *
 * <p>A source reads one or more <em>partitions</em> (a shard, a topic-partition): ordered logs whose records have
 * <em>positions</em> (a sequence number, an offset) that the source can resume after. The delivery stream makes the
 * output exactly-once on top of that: it groups each partition's records into segments, names every object from
 * (partition, first and last position, configuration version), records a segment in the {@link CheckpointStore}
 * before writing its first object, and moves the partition's checkpoint past the segment only after its last object
 * is committed. A source therefore has three duties:
 * <ol>
 *   <li>call {@link SourceContext#open} for a partition before reading it and resume right after the position it
 *       returns (from the partition's beginning when it is empty);</li>
 *   <li>hand over each partition's records in position order with {@link SourceContext#put}, re-reading from after
 *       the last accepted record when a put is refused;</li>
 *   <li>when it stops owning a partition (a rebalance, a shard handed to another instance), call
 *       {@link SourceContext#drain} and then {@link SourceContext#release}, so that another owner resumes exactly
 *       where this one stopped.</li>
 * </ol>
 *
 * <p>Thread-safety: {@link #start} and {@link #close} are called once each, by the delivery stream, from the thread
 * that builds or closes it. The source reads on threads it owns; name them {@code sluice-source-<name>-<n>}.
 */
public interface DeliverySource {

    /**
     * Returns where the partitions' checkpoints and in-flight segments are kept. Called once, before {@link #start}.
     * See {@link CheckpointStore} for the threads that call it.
     *
     * @return the store
     */
    CheckpointStore checkpointStore();

    /**
     * Starts reading; records go to {@code context}. Must not block for long: start threads and return.
     *
     * @param context the delivery stream's side
     * @throws DeliveryException when the source cannot start (a stream or topic that does not exist, a bad address),
     *         naming what is wrong
     */
    void start(SourceContext context);

    /**
     * Stops reading within {@code timeout}, then releases threads and clients. Records already accepted are
     * delivered by the delivery stream's own close. Idempotent.
     *
     * @param timeout how long to wait for the source's threads
     */
    void close(Duration timeout);

    /**
     * Describes the source for messages and logs, for example {@code stream orders} or {@code kafka topic clicks}.
     *
     * @return a short description
     */
    String description();
}
