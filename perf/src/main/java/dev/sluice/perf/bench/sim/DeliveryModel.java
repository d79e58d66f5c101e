package dev.sluice.perf.bench.sim;

import dev.sluice.perf.bench.reporting.Figures;
import org.HdrHistogram.Histogram;

import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Firehose's buffering rule on the virtual clock: one buffer per (shard, dynamic partition), as the Sluice
 * delivery stream keeps per shard segment with a stream source; a buffer becomes an object when its input bytes
 * reach the size hint or its oldest record has waited the interval. Object sizes come from the {@link Calibration}.
 *
 * <p>Design note: buffers live in insertion order and are checked in that order at each tick, so the objects and
 * their sizes depend only on the records and the ticks: the simulation stays byte-for-byte repeatable. Freshness is
 * recorded per record (seal time minus the record's arrival in the stream) in virtual milliseconds.
 *
 * <p>Not thread-safe: driven by the simulation loop alone.
 */
final class DeliveryModel {

    private static final class Buffer {
        final long openedNanos;
        long bytes;
        int records;
        long[] arrivals = new long[16];

        Buffer(long openedNanos) {
            this.openedNanos = openedNanos;
        }

        void add(int size, long arrivalNanos) {
            if (records == arrivals.length) {
                arrivals = Arrays.copyOf(arrivals, records * 2);
            }
            arrivals[records++] = arrivalNanos;
            bytes += size;
        }
    }

    private final long sizeHint;
    private final long intervalNanos;
    private final Calibration calibration;
    private final Map<String, Buffer> open = new LinkedHashMap<>();
    private final Histogram freshnessMillis = new Histogram(3);
    private final Histogram intervalFreshness = new Histogram(3);
    private final Histogram objectBytes = new Histogram(3);
    private final long[] buckets = new long[Figures.bucketCount()];
    private double dropCarry;
    long in;
    long delivered;
    long dropped;
    long objects;
    long bytes;
    long objectsCutByEnd;
    long intervalObjects;
    long intervalBytes;
    boolean measuring;

    DeliveryModel(long sizeHint, long intervalNanos, Calibration calibration) {
        this.sizeHint = sizeHint;
        this.intervalNanos = intervalNanos;
        this.calibration = calibration;
    }

    void add(String shardId, String partition, int size, long arrivalNanos, long nowNanos) {
        in++;
        Buffer buffer = open.computeIfAbsent(shardId + '|' + partition, k -> new Buffer(nowNanos));
        buffer.add(size, arrivalNanos);
        if (buffer.bytes >= sizeHint) {
            open.remove(shardId + '|' + partition);
            seal(buffer, nowNanos);
        }
    }

    void tick(long nowNanos) {
        for (Iterator<Buffer> it = open.values().iterator(); it.hasNext(); ) {
            Buffer buffer = it.next();
            if (nowNanos - buffer.openedNanos >= intervalNanos) {
                it.remove();
                seal(buffer, nowNanos);
            }
        }
    }

    /** Seals what is left at the end of the run, as a flush would. */
    void finish(long nowNanos) {
        for (Buffer buffer : open.values()) {
            objectsCutByEnd++;
            seal(buffer, nowNanos);
        }
        open.clear();
    }

    private void seal(Buffer buffer, long nowNanos) {
        dropCarry += buffer.records * calibration.dropFraction();
        long drop = Math.min(buffer.records, (long) dropCarry);
        dropCarry -= drop;
        dropped += drop;
        delivered += buffer.records - drop;
        long size = Math.round(calibration.overheadBytes() + calibration.bytesPerInputByte() * buffer.bytes);
        objects++;
        bytes += size;
        intervalObjects++;
        intervalBytes += size;
        objectBytes.recordValue(Math.max(1, size));
        buckets[Figures.bucketOf(size)]++;
        for (int i = 0; i < buffer.records; i++) {
            long millis = Math.max(0, (nowNanos - buffer.arrivals[i]) / 1_000_000);
            if (measuring) {
                freshnessMillis.recordValue(millis);
            }
            intervalFreshness.recordValue(millis);
        }
    }

    Histogram freshnessMillis() {
        return freshnessMillis;
    }

    Histogram objectBytes() {
        return objectBytes;
    }

    long[] buckets() {
        return buckets.clone();
    }

    /** Freshness of the records sealed since the last call, then resets. */
    Histogram takeIntervalFreshness() {
        Histogram copy = intervalFreshness.copy();
        intervalFreshness.reset();
        intervalObjects = 0;
        intervalBytes = 0;
        return copy;
    }

    int openBuffers() {
        return open.size();
    }
}
