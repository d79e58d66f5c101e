package dev.sluice.kinesis;

import dev.sluice.delivery.DeliveryException;
import dev.sluice.delivery.SourceContext;
import dev.sluice.delivery.SourceEntry;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A {@link SourceContext} that records what a source hands over, in the order it arrives, and checks the contract on
 * the way: a partition is opened before its records come, positions grow within a partition, and a record is never
 * handed over twice. Every {@code refuseEvery}-th put is refused (as a full memory budget would), so the source must
 * read those records again from after the last accepted one.
 */
class RecordingContext implements SourceContext {

    private final int refuseEvery;
    private final List<String> opened = new ArrayList<>();
    private final List<String> accepted = new ArrayList<>();
    private final Map<String, BigInteger> lastPosition = new HashMap<>();
    private final List<String> violations = new ArrayList<>();
    private int puts;
    private int refused;
    private volatile DeliveryException failure;

    /** @param refuseEvery refuse every n-th put; 0 accepts all */
    RecordingContext(int refuseEvery) {
        this.refuseEvery = refuseEvery;
    }

    @Override
    public synchronized Optional<String> open(String partition) {
        if (opened.contains(partition)) {
            violations.add("opened twice: " + partition);
        }
        opened.add(partition);
        return Optional.empty();
    }

    @Override
    public synchronized boolean put(String partition, List<SourceEntry> records, Duration maxWait) {
        if (!opened.contains(partition)) {
            violations.add("put before open: " + partition);
        }
        puts++;
        if (refuseEvery > 0 && puts % refuseEvery == 0) {
            refused++;
            return false;
        }
        for (SourceEntry entry : records) {
            BigInteger position = new BigInteger(entry.position());
            BigInteger last = lastPosition.put(partition, position);
            if (last != null && position.compareTo(last) <= 0) {
                violations.add(partition + ": position " + position + " after " + last);
            }
            accepted.add(new String(entry.data(), StandardCharsets.UTF_8));
        }
        return true;
    }

    @Override
    public boolean drain(Collection<String> partitions, Duration timeout) {
        return true;
    }

    @Override
    public void release(Collection<String> partitions) {
    }

    @Override
    public void failed(DeliveryException failure) {
        this.failure = failure;
    }

    @Override
    public long nanoTime() {
        return System.nanoTime();
    }

    /** The records accepted so far, in hand-over order. */
    synchronized List<String> accepted() {
        return List.copyOf(accepted);
    }

    synchronized int acceptedCount() {
        return accepted.size();
    }

    synchronized List<String> opened() {
        return List.copyOf(opened);
    }

    synchronized List<String> violations() {
        return List.copyOf(violations);
    }

    synchronized int refused() {
        return refused;
    }

    DeliveryException failure() {
        return failure;
    }
}
