package dev.sluice.delivery.internal.buffer;

import dev.sluice.delivery.internal.sink.ObjectNames;
import dev.sluice.delivery.internal.sink.PrefixTemplate;
import dev.sluice.delivery.DeliveryException;
import dev.sluice.delivery.ErrorCode;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Decides which buffer a processed record belongs to: the values of the partition keys its prefix uses and, with
 * the event-time option, the prefix evaluated at the record's event time.
 *
 * <p>Design note: immutable, thread-safe. A record whose keys are missing or whose event time is unreadable gets a
 * {@link DeliveryException} ({@link ErrorCode#PARTITION_KEY_MISSING}), and {@link #check} rejects a new partition
 * whose evaluated prefix would be unsafe ({@link ErrorCode#INVALID_PREFIX}) before anything is buffered for it.
 */
public final class Partitioner {

    /** Partition key that carries the event time from the processing chain to the prefix. */
    public static final String EVENT_TIME_KEY = "sluice.eventTime";

    /** A record's partition: key values, the event-time prefix (or empty) and the event time (or null). */
    record Partition(List<String> values, String timePrefix, Instant eventTime) {
    }

    private final PrefixTemplate prefix;
    private final boolean eventTime;

    Partitioner(PrefixTemplate prefix, boolean eventTime) {
        this.prefix = prefix;
        this.eventTime = eventTime;
    }

    Partition partition(Item item) {
        Map<String, String> keys = item.partitionKeys;
        List<String> values = prefix.partitionValues(keys);
        if (!eventTime) {
            return new Partition(values, "", null);
        }
        String value = keys.get(EVENT_TIME_KEY);
        if (value == null) {
            throw new DeliveryException(ErrorCode.PARTITION_KEY_MISSING, "record " + item.input.recordId()
                    + " has no event time");
        }
        Instant time = Instant.parse(value);
        return new Partition(values, prefix.evaluate(keys, time, null, () -> ""), time);
    }

    /** Evaluates the prefix once for a new partition, so an unsafe one fails its first record, not a whole object. */
    void check(Item item, Partition partition) {
        prefix.evaluate(item.partitionKeys, partition.eventTime() != null ? partition.eventTime() : item.input.arrival,
                null, ObjectNames::randomString);
    }
}
