package dev.sluice.delivery.internal.source;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.delivery.CheckpointStore;
import dev.sluice.delivery.DeliveryException;
import dev.sluice.delivery.ErrorCode;
import dev.sluice.stream.internal.AtomicFiles;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The default {@link CheckpointStore}: one small JSON file per partition.
 *
 * <p>Design note: {@code <partition>.json} = {@code {"checkpoint": "<position>" | null, "intents": [["<first>",
 * "<last>"], ...]}} (the format of the stream source's earlier per-shard files, which it still reads), replaced
 * atomically on every change: temporary file, fsync, rename, directory fsync, so a crash leaves the old or the new
 * state. Partition names are checked so that a file can never land outside the directory. Not thread-safe: the
 * delivery stream calls it from its coordinator thread only.
 */
public final class FileCheckpointStore implements CheckpointStore {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path directory;

    /**
     * Creates the directory if missing.
     *
     * @param directory where the files go
     * @throws DeliveryException {@link ErrorCode#INVALID_ARGUMENT} when it cannot be created
     */
    public FileCheckpointStore(Path directory) {
        this.directory = directory;
        try {
            Files.createDirectories(directory);
        } catch (IOException e) {
            throw new DeliveryException(ErrorCode.INVALID_ARGUMENT, "cannot create the checkpoint directory "
                    + directory + ": " + e, e);
        }
    }

    @Override
    public Checkpoint load(String partition) {
        Path file = file(partition);
        if (!Files.exists(file)) {
            return Checkpoint.EMPTY;
        }
        try {
            JsonNode node = JSON.readTree(file.toFile());
            JsonNode checkpoint = node.get("checkpoint");
            List<Range> intents = new ArrayList<>();
            for (JsonNode intent : node.withArray("intents")) {
                intents.add(new Range(intent.get(0).asText(), intent.get(1).asText()));
            }
            return new Checkpoint(checkpoint == null || checkpoint.isNull() ? Optional.empty()
                    : Optional.of(checkpoint.asText()), intents);
        } catch (IOException | RuntimeException e) {
            throw new DeliveryException(ErrorCode.INTERNAL_FAILURE, "cannot read checkpoint file " + file + ": " + e,
                    e);
        }
    }

    @Override
    public void store(String partition, Checkpoint state) {
        ObjectNode node = JSON.createObjectNode();
        if (state.position().isPresent()) {
            node.put("checkpoint", state.position().get());
        } else {
            node.putNull("checkpoint");
        }
        ArrayNode intents = node.putArray("intents");
        for (Range intent : state.pending()) {
            intents.addArray().add(intent.first()).add(intent.last());
        }
        Path file = file(partition);
        try {
            AtomicFiles.replace(file, JSON.writeValueAsBytes(node));
        } catch (IOException e) {
            throw new DeliveryException(ErrorCode.INTERNAL_FAILURE, "cannot write checkpoint file " + file + ": "
                    + e, e);
        }
    }

    private Path file(String partition) {
        if (partition.isEmpty() || partition.length() > 256 || partition.startsWith(".")
                || !partition.matches("[A-Za-z0-9_.\\-]+")) {
            throw new DeliveryException(ErrorCode.INVALID_ARGUMENT, "partition name must be 1 to 256 characters of [A-Za-z0-9_.-]"
                    + " not starting with '.', but was '" + partition + "'");
        }
        return directory.resolve(partition + ".json");
    }

    @Override
    public String toString() {
        return "checkpoint files in " + directory;
    }
}
