package dev.sluice.delivery.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.delivery.DeliveryException;
import dev.sluice.delivery.ErrorCode;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Durable per-shard state of a stream source: the checkpoint (last sequence number whose records are all final)
 * and the intents (sealed segments whose objects may be partly written).
 *
 * <p>Design note: one small JSON file per shard, {@code <shardId>.json} =
 * {@code {"checkpoint": "<seq>" | null, "intents": [["<first>", "<last>"], ...]}}, replaced atomically (temporary
 * file, fsync, rename, directory fsync) on every change, so a crash leaves either the old or the new state. An
 * intent is written before the first object of its segment and removed, together with the checkpoint advance,
 * after the last; on restart the intents tell the source where the interrupted segments ended, so the replay
 * rebuilds the same objects. Not thread-safe: used only by the coordinator thread after construction.
 */
final class ShardCheckpoints {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** One shard's durable state. */
    record State(Optional<String> checkpoint, List<String[]> intents) {
    }

    private final Path directory;

    ShardCheckpoints(Path directory) {
        this.directory = directory;
        try {
            Files.createDirectories(directory);
        } catch (IOException e) {
            throw new DeliveryException(ErrorCode.INVALID_ARGUMENT, "cannot create the stream source state"
                    + " directory " + directory + ": " + e, e);
        }
    }

    State load(String shardId) {
        Path file = directory.resolve(shardId + ".json");
        if (!Files.exists(file)) {
            return new State(Optional.empty(), List.of());
        }
        try {
            JsonNode node = JSON.readTree(file.toFile());
            JsonNode checkpoint = node.get("checkpoint");
            List<String[]> intents = new ArrayList<>();
            for (JsonNode intent : node.withArray("intents")) {
                intents.add(new String[] {intent.get(0).asText(), intent.get(1).asText()});
            }
            return new State(checkpoint == null || checkpoint.isNull() ? Optional.empty()
                    : Optional.of(checkpoint.asText()), intents);
        } catch (IOException e) {
            throw new DeliveryException(ErrorCode.INTERNAL_FAILURE, "cannot read stream source state " + file
                    + ": " + e, e);
        }
    }

    void store(String shardId, State state) {
        ObjectNode node = JSON.createObjectNode();
        if (state.checkpoint().isPresent()) {
            node.put("checkpoint", state.checkpoint().get());
        } else {
            node.putNull("checkpoint");
        }
        ArrayNode intents = node.putArray("intents");
        for (String[] intent : state.intents()) {
            intents.addArray().add(intent[0]).add(intent[1]);
        }
        Path file = directory.resolve(shardId + ".json");
        Path temp = directory.resolve("." + shardId + ".json.tmp");
        try {
            byte[] bytes = JSON.writeValueAsBytes(node);
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                channel.write(ByteBuffer.wrap(bytes));
                channel.force(true);
            }
            Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            try (FileChannel dir = FileChannel.open(directory, StandardOpenOption.READ)) {
                dir.force(true);
            }
        } catch (IOException e) {
            throw new DeliveryException(ErrorCode.INTERNAL_FAILURE, "cannot write stream source state " + file
                    + ": " + e, e);
        }
    }
}
