package dev.sluice.delivery.internal.encode;

import dev.sluice.delivery.internal.buffer.Item;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A data buffer's object encoded while the buffer fills, on the delivery threads, so that sealing leaves only the
 * last part and the end of the object to encode instead of the whole buffer: conversion and writing overlap with
 * reading the source instead of following it.
 *
 * <p>Design note: the coordinator thread hands over parts ({@link #offer}): copies of the items appended to the
 * buffer since the last part, at least {@link #PART_ITEMS} of them, through a concurrent queue (which publishes
 * them), each followed by a task on the delivery threads. Encoding runs under this instance's lock and takes parts
 * from the queue in order, so with any number of delivery threads one part is encoded at a time, in buffer order,
 * and a task that finds the queue empty does nothing. {@link #finish} runs on the delivery thread of the sealed
 * object's first attempt: it takes the lock, encodes the parts still queued and the items after the last one, and
 * ends the object, which is what {@link ObjectEncoder#encode} gives for the same items (the encoder's contract), so
 * object bytes do not depend on how much was encoded early, which exactly-once replays rely on. Anything thrown while
 * encoding early spoils the work: {@code finish} then returns {@code null} and the job encodes its items whole, as a
 * buffer without early encoding does, so every failure is reported on the usual path. {@link #abandon} (a buffer
 * discarded or whose records went elsewhere) stops further work; what was done is garbage (heap only).
 *
 * <p>Memory: an encoder's state per large open buffer (for Parquet the pages written so far, compressed, and the
 * current page of each column), which replaces the whole-object rows that encoding at sealing would build.
 */
public final class EarlyEncoding {

    /** Items per part; a buffer with fewer items is encoded whole when sealed, as before. */
    public static final int PART_ITEMS = 1_024;
    private static final Logger LOG = LoggerFactory.getLogger(EarlyEncoding.class);

    private final ObjectEncoder.Incremental object;
    private final Executor executor;
    private final ConcurrentLinkedQueue<List<Item>> parts = new ConcurrentLinkedQueue<>();
    private final ReentrantLock lock = new ReentrantLock();
    /** Set by the coordinator thread when the object will not be used. */
    private volatile boolean abandoned;
    /** Coordinator thread only: buffer items handed over so far. */
    private int offeredItems;
    /** Under the lock: items encoded, the last of them, and whether the object can still be used. */
    private int encodedItems;
    private Item lastEncoded;
    private boolean spoiled;

    private EarlyEncoding(ObjectEncoder.Incremental object, Executor executor) {
        this.object = object;
        this.executor = executor;
    }

    /**
     * Starts early encoding for a buffer.
     *
     * @param encoder the buffer's encoder
     * @param executor the delivery threads
     * @return the early encoding, or {@code null} when the encoder only encodes whole buffers
     */
    public static EarlyEncoding start(ObjectEncoder encoder, Executor executor) {
        ObjectEncoder.Incremental object = encoder.incremental();
        return object == null ? null : new EarlyEncoding(object, executor);
    }

    /**
     * Coordinator thread: hands over the items appended to the buffer since the last part, once there are at least
     * {@link #PART_ITEMS} of them.
     *
     * @param bufferItems all the buffer's items so far, in order (only appended to)
     */
    public void offer(List<Item> bufferItems) {
        int size = bufferItems.size();
        if (size - offeredItems < PART_ITEMS || abandoned) {
            return;
        }
        parts.add(List.copyOf(bufferItems.subList(offeredItems, size)));
        offeredItems = size;
        try {
            executor.execute(this::drain);
        } catch (RejectedExecutionException e) {
            // The delivery threads are stopping: the part stays queued and finish encodes it, if it is ever called.
        }
    }

    /** Coordinator thread: the object will not be used (its buffer was discarded or its records went elsewhere). */
    public void abandon() {
        abandoned = true;
        parts.clear();
    }

    /** Delivery thread: encodes the queued parts. */
    private void drain() {
        lock.lock();
        try {
            encodeQueued();
        } finally {
            lock.unlock();
        }
    }

    private void encodeQueued() {
        List<Item> part;
        while (!spoiled && (part = parts.poll()) != null) {
            if (abandoned) {
                spoil(null);
                return;
            }
            try {
                object.add(part);
            } catch (IOException | RuntimeException | Error e) {
                spoil(e);
                return;
            }
            encodedItems += part.size();
            lastEncoded = part.get(part.size() - 1);
        }
    }

    private void spoil(Throwable cause) {
        spoiled = true;
        object.abandon();
        if (cause != null) {
            LOG.warn("encoding an object before its buffer was sealed failed after {} records; it is encoded whole"
                    + " when sealed: {}", encodedItems, cause.toString());
        }
    }

    /**
     * Delivery thread, the sealed object's first attempt: ends the object over exactly {@code items}.
     *
     * @param items the buffer's items at sealing, in order
     * @return the encoded object, or {@code null} when the early work cannot be used and {@code items} must be
     *         encoded whole
     */
    public ObjectEncoder.Encoded finish(List<Item> items) {
        lock.lock();
        try {
            encodeQueued();
            if (spoiled || abandoned || encodedItems > items.size()
                    || (encodedItems > 0 && items.get(encodedItems - 1) != lastEncoded)) {
                if (!spoiled) {
                    spoil(null);
                }
                return null;
            }
            spoiled = true;
            try {
                object.add(items.subList(encodedItems, items.size()));
                return object.finish();
            } catch (IOException | RuntimeException | Error e) {
                object.abandon();
                LOG.warn("ending an object encoded before its buffer was sealed failed; it is encoded whole: {}",
                        e.toString());
                return null;
            }
        } finally {
            lock.unlock();
        }
    }
}
