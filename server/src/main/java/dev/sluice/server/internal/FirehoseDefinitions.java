package dev.sluice.server.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.stream.internal.AtomicFiles;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Firehose delivery stream definitions kept across server restarts: one JSON file per stream,
 * {@code <dir>/<name>.json}, holding what CreateDeliveryStream, UpdateDestination, the tag and the encryption
 * actions set (type, source, destination and its kind, version, creation and update times, tags, encryption state
 * and its recent calls). Without a directory ({@code --in-memory}, or a server without a data directory) nothing is
 * kept.
 *
 * <p>Design note: a write goes to a temporary file that is forced and renamed over the old one
 * ({@link AtomicFiles#replace}), so a crash leaves the previous or the new definition, never a torn one. Writes of one
 * stream are serialised by its {@link HostedDeliveryStream#saveLock}, and each takes its snapshot inside that lock,
 * so the last write holds the latest state whatever order callers come in. Lock order: {@code saveLock}, then the
 * stream's read lock, then its monitor. Delivery progress is not here: a Kinesis-stream source's checkpoints are in
 * {@code firehose-state/<name>} (exactly-once across restarts), and DirectPut buffers are in memory only. The
 * definitions live in their own directory because a stream name may be any of {@code [a-zA-Z0-9_.-]}, so no file
 * name in {@code firehose-state} could be told from a stream's checkpoint directory.
 */
final class FirehoseDefinitions {

    private static final String SUFFIX = ".json";

    private final Optional<Path> directory;

    /**
     * @param directory where definitions are kept, or empty to keep none
     */
    FirehoseDefinitions(Optional<Path> directory) {
        this.directory = directory;
    }

    /** A definition read back: the stream (without a running delivery stream or conversion) and its file. */
    record Saved(HostedDeliveryStream stream, Path file) {
    }

    /**
     * Writes the current definition of {@code h}, unless it was deleted.
     *
     * @throws UncheckedIOException if it cannot be written; the previous definition is then still on disk
     */
    void save(HostedDeliveryStream h) {
        if (directory.isEmpty()) {
            return;
        }
        synchronized (h.saveLock) {
            if (h.deleted) {
                return;
            }
            ObjectNode root = PlainJson.MAPPER.createObjectNode();
            root.put("DeliveryStreamName", h.name).put("DeliveryStreamType", h.type)
                    .put("CreateTimestamp", h.created.toString());
            if (h.sourceStreamArn != null) {
                root.put("KinesisStreamARN", h.sourceStreamArn);
            }
            if (h.sourceRoleArn != null) {
                root.put("RoleARN", h.sourceRoleArn);
            }
            h.lock.readLock().lock();
            try {
                root.put("VersionId", h.version).put("LastUpdateTimestamp", h.lastUpdate.toString())
                        .put("DestinationKind", h.destinationKind).set("Destination", h.destination.deepCopy());
            } finally {
                h.lock.readLock().unlock();
            }
            ObjectNode tags = root.putObject("Tags");
            synchronized (h) {
                h.tags.forEach(tags::put);
            }
            h.writeEncryption(root.putObject("Encryption"));
            Path file = file(h.name);
            try {
                AtomicFiles.replace(file, PlainJson.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(root));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write the definition of Firehose " + h.name + " to " + file
                        + ": " + e.getMessage(), e);
            }
        }
    }

    /**
     * Removes the definition of a deleted stream; later {@link #save}s of it do nothing.
     *
     * @throws UncheckedIOException if the file cannot be removed
     */
    void delete(HostedDeliveryStream h) {
        synchronized (h.saveLock) {
            if (directory.isPresent()) {
                Path file = file(h.name);
                try {
                    Files.deleteIfExists(file);
                    AtomicFiles.forceDirectory(directory.get());
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot remove the definition of Firehose " + h.name + " at "
                            + file + ": " + e.getMessage(), e);
                }
            }
            h.deleted = true;
        }
    }

    /**
     * Reads every kept definition, in name order.
     *
     * @throws UncheckedIOException naming the file if one cannot be read or is not a definition this server wrote
     */
    List<Saved> load() {
        List<Saved> saved = new ArrayList<>();
        if (directory.isEmpty()) {
            return saved;
        }
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(directory.get(), "*" + SUFFIX)) {
            for (Path file : entries) {
                if (!file.getFileName().toString().startsWith(".")) { // .<name>.json.tmp of an interrupted write
                    files.add(file);
                }
            }
        } catch (NoSuchFileException e) {
            return saved;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list Firehose delivery stream definitions in " + directory.get()
                    + ": " + e.getMessage(), e);
        }
        files.sort(null);
        for (Path file : files) {
            saved.add(new Saved(read(file), file));
        }
        return saved;
    }

    private static HostedDeliveryStream read(Path file) {
        try {
            JsonNode root = PlainJson.MAPPER.readTree(Files.readAllBytes(file));
            String name = text(root, "DeliveryStreamName", file);
            String expected = name + SUFFIX;
            if (!file.getFileName().toString().equals(expected)) {
                throw new IOException("it names delivery stream " + name + " but is not " + expected);
            }
            HostedDeliveryStream h = new HostedDeliveryStream(name, text(root, "DeliveryStreamType", file),
                    root.hasNonNull("KinesisStreamARN") ? root.get("KinesisStreamARN").asText() : null,
                    root.hasNonNull("RoleARN") ? root.get("RoleARN").asText() : null,
                    Instant.parse(text(root, "CreateTimestamp", file)));
            h.version = root.path("VersionId").asInt(0);
            if (h.version < 1) {
                throw new IOException("VersionId must be a positive integer");
            }
            h.lastUpdate = Instant.parse(text(root, "LastUpdateTimestamp", file));
            h.destinationKind = text(root, "DestinationKind", file);
            JsonNode destination = root.get("Destination");
            if (destination == null || !destination.isObject()) {
                throw new IOException("Destination must be an object");
            }
            h.destination = (ObjectNode) destination;
            for (Map.Entry<String, JsonNode> tag : root.path("Tags").properties()) {
                h.tags.put(tag.getKey(), tag.getValue().asText());
            }
            h.readEncryption(root.path("Encryption"));
            return h;
        } catch (IOException | RuntimeException e) {
            throw new UncheckedIOException("cannot read the Firehose delivery stream definition " + file + ": "
                    + e.getMessage() + " (fix or remove the file; the server keeps one file per delivery stream)",
                    e instanceof IOException io ? io : new IOException(e));
        }
    }

    private static String text(JsonNode root, String field, Path file) throws IOException {
        JsonNode value = root.get(field);
        if (value == null || !value.isTextual()) {
            throw new IOException(field + " is missing");
        }
        return value.asText();
    }

    private Path file(String name) {
        return directory.orElseThrow().resolve(name + SUFFIX);
    }
}
