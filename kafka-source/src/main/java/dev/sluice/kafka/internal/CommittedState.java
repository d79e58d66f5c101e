package dev.sluice.kafka.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.delivery.CheckpointStore.Checkpoint;
import dev.sluice.delivery.CheckpointStore.Range;
import dev.sluice.delivery.DeliveryException;
import dev.sluice.delivery.ErrorCode;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A partition's {@link Checkpoint} as a Kafka committed offset: the offset is the checkpoint position plus one (the
 * next record to read, as every Kafka tool expects), and the pending segments travel in the commit's metadata string.
 *
 * <p>Design note: stateless. Metadata is compact JSON, {@code {"sluice":1,"pending":[[first,last],...]}} with offsets
 * as numbers, or empty when nothing is pending. With no checkpoint yet but a pending segment, the offset is the
 * segment's first offset: read back, that gives the position just before it, which resumes at the same record.
 * Kafka's brokers refuse metadata over {@code offset.metadata.max.bytes} (default 4096 characters), so a list that
 * would not fit is refused here, before any object of the segment is written. Metadata that is not ours (the group
 * was used by another consumer) is read as an offset with nothing pending, with a warning.
 */
public final class CommittedState {

    /** Kafka's default {@code offset.metadata.max.bytes}: the longest metadata a broker stores with an offset. */
    public static final int MAX_METADATA_CHARS = 4096;
    static final int FORMAT = 1;
    private static final String PREFIX = "{\"sluice\":";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Logger LOG = LoggerFactory.getLogger(CommittedState.class);

    private CommittedState() {
    }

    /**
     * The committed form of a checkpoint.
     *
     * @param partition the partition, for messages
     * @param checkpoint the state to store
     * @return the offset and metadata to commit, or empty when there is nothing to store
     * @throws DeliveryException {@link ErrorCode#SERVICE_UNAVAILABLE} when the pending list would not fit in
     *         {@link #MAX_METADATA_CHARS}
     */
    public static Optional<OffsetAndMetadata> encode(String partition, Checkpoint checkpoint) {
        long offset;
        if (checkpoint.position().isPresent()) {
            offset = parse(partition, checkpoint.position().get()) + 1;
        } else if (!checkpoint.pending().isEmpty()) {
            offset = parse(partition, checkpoint.pending().get(0).first());
        } else {
            return Optional.empty();
        }
        if (checkpoint.pending().isEmpty()) {
            return Optional.of(new OffsetAndMetadata(offset, ""));
        }
        StringBuilder metadata = new StringBuilder(32 + 24 * checkpoint.pending().size());
        metadata.append(PREFIX).append(FORMAT).append(",\"pending\":[");
        for (int i = 0; i < checkpoint.pending().size(); i++) {
            Range range = checkpoint.pending().get(i);
            metadata.append(i == 0 ? "[" : ",[").append(parse(partition, range.first())).append(',')
                    .append(parse(partition, range.last())).append(']');
        }
        metadata.append("]}");
        if (metadata.length() > MAX_METADATA_CHARS) {
            throw new DeliveryException(ErrorCode.SERVICE_UNAVAILABLE, "partition " + partition + " has "
                    + checkpoint.pending().size() + " segments whose objects are not all written; their list is "
                    + metadata.length() + " characters but a Kafka offset commit carries at most " + MAX_METADATA_CHARS
                    + " (offset.metadata.max.bytes): objects are written more slowly than segments are sealed (is the"
                    + " destination failing?); the segment stays buffered until earlier ones are committed");
        }
        return Optional.of(new OffsetAndMetadata(offset, metadata.toString()));
    }

    /**
     * Reads a committed offset back.
     *
     * @param partition the partition, for messages
     * @param committed what the group has committed for it, or {@code null}
     * @return the checkpoint; {@link Checkpoint#EMPTY} for nothing committed
     * @throws DeliveryException {@link ErrorCode#SOURCE_FAILED} for metadata of a later Sluice format
     */
    public static Checkpoint decode(String partition, OffsetAndMetadata committed) {
        if (committed == null) {
            return Checkpoint.EMPTY;
        }
        Optional<String> position = committed.offset() > 0 ? Optional.of(Long.toString(committed.offset() - 1))
                : Optional.empty();
        String metadata = committed.metadata();
        if (metadata == null || metadata.isEmpty()) {
            return new Checkpoint(position, List.of());
        }
        if (!metadata.startsWith(PREFIX)) {
            LOG.warn("partition {}: the committed offset {} carries metadata Sluice did not write ('{}'); resuming at"
                    + " the offset with no segments to rebuild", partition, committed.offset(), abbreviate(metadata));
            return new Checkpoint(position, List.of());
        }
        try {
            JsonNode node = JSON.readTree(metadata);
            int format = node.path("sluice").asInt(-1);
            if (format != FORMAT) {
                throw new DeliveryException(ErrorCode.SOURCE_FAILED, "partition " + partition + ": committed offset "
                        + committed.offset() + " was written by a Sluice with state format " + format + " but this"
                        + " one reads format " + FORMAT + "; run the newer version");
            }
            List<Range> pending = new ArrayList<>();
            for (JsonNode range : node.withArray("pending")) {
                pending.add(new Range(Long.toString(range.get(0).asLong()), Long.toString(range.get(1).asLong())));
            }
            return new Checkpoint(position, pending);
        } catch (IOException | RuntimeException e) {
            if (e instanceof DeliveryException delivery) {
                throw delivery;
            }
            throw new DeliveryException(ErrorCode.SOURCE_FAILED, "partition " + partition + ": cannot read the"
                    + " committed metadata '" + abbreviate(metadata) + "': " + e, e);
        }
    }

    private static long parse(String partition, String position) {
        try {
            return Long.parseLong(position);
        } catch (NumberFormatException e) {
            throw new DeliveryException(ErrorCode.INTERNAL_FAILURE, "partition " + partition + ": position '"
                    + position + "' is not a Kafka offset", e);
        }
    }

    private static String abbreviate(String metadata) {
        return metadata.length() <= 80 ? metadata : metadata.substring(0, 80) + "...";
    }
}
