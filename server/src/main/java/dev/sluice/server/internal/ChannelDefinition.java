package dev.sluice.server.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * What a channel is, as CreateChannel, UpdateChannel and the tag and policy operations left it: the part of a channel
 * that survives a server restart (its status does not; a reloaded channel starts again).
 *
 * <p>Design note: immutable; the {@code with...} methods return changed copies. Stored as one JSON file, written to
 * a temporary file and moved into place, so a crash leaves the old or the new definition, never half of one. The
 * destination, encryption and logging blocks are kept as the normalised wire structures they are described with.
 *
 * @param name        ChannelName
 * @param arn         ChannelARN
 * @param id          ChannelId
 * @param created     ChannelCreationTimestamp
 * @param startAt     when delivery started: records that arrived earlier are not delivered (no backfill)
 * @param version     the delivery version, part of object names; bumped by each UpdateChannel that restarts delivery
 * @param roleArn     ServiceExecutionRoleARN (stored, not used: the server has no IAM)
 * @param streams     the source streams
 * @param s3          the S3DestinationConfiguration, or the S3TablesDestinationConfiguration, with defaults filled in
 * @param encryption  EncryptionConfiguration, stored and reported, not enforced
 * @param logging     LoggingConfiguration, stored and reported; nothing is sent to CloudWatch Logs
 * @param tags        the channel's tags
 * @param policy      the resource policy, stored and returned, not enforced
 */
record ChannelDefinition(String name, String arn, String id, Instant created, Optional<Instant> startAt, int version,
                         String roleArn, List<Source> streams, ObjectNode s3, Optional<ObjectNode> encryption,
                         ObjectNode logging, SortedMap<String, String> tags, Optional<String> policy) {


    ChannelDefinition {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(startAt, "startAt");
        streams = List.copyOf(streams);
        tags = new TreeMap<>(tags);
        Objects.requireNonNull(encryption, "encryption");
        Objects.requireNonNull(policy, "policy");
    }

    /**
     * One source stream.
     *
     * @param arn        StreamARN
     * @param name       the engine's stream name
     * @param created    StreamCreationTimestamp
     * @param format     RecordFormatType
     */
    record Source(String arn, String name, Instant created, String format) {
    }

    @Override
    public SortedMap<String, String> tags() {
        return new TreeMap<>(tags);
    }

    /** @return whether the destination is S3 Tables ({@code s3} then holds the S3TablesDestinationConfiguration) */
    boolean s3Tables() {
        return s3.has("S3TablesConfigurationList");
    }

    int dataFreshnessSeconds() {
        return s3.path("DataFreshnessInSeconds").asInt();
    }

    ChannelDefinition withStartAt(Instant start) {
        return new ChannelDefinition(name, arn, id, created, Optional.of(start), version, roleArn, streams, s3,
                encryption, logging, tags, policy);
    }

    ChannelDefinition withUpdate(Optional<Integer> freshnessSeconds, Optional<ObjectNode> newLogging) {
        ObjectNode destination = s3.deepCopy();
        freshnessSeconds.ifPresent(seconds -> destination.put("DataFreshnessInSeconds", seconds));
        return new ChannelDefinition(name, arn, id, created, startAt,
                freshnessSeconds.isPresent() ? version + 1 : version, roleArn, streams, destination, encryption,
                newLogging.orElse(logging), tags, policy);
    }

    ChannelDefinition withTags(SortedMap<String, String> newTags) {
        return new ChannelDefinition(name, arn, id, created, startAt, version, roleArn, streams, s3, encryption,
                logging, newTags, policy);
    }

    ChannelDefinition withPolicy(Optional<String> newPolicy) {
        return new ChannelDefinition(name, arn, id, created, startAt, version, roleArn, streams, s3, encryption,
                logging, tags, newPolicy);
    }

    /**
     * Writes the definition atomically.
     *
     * @param file where
     */
    void save(Path file) {
        ObjectNode root = PlainJson.MAPPER.createObjectNode();
        root.put("name", name).put("arn", arn).put("id", id).put("created", created.toString())
                .put("version", version).put("roleArn", roleArn);
        startAt.ifPresent(s -> root.put("startAt", s.toString()));
        ArrayNode sources = root.putArray("streams");
        for (Source source : streams) {
            sources.addObject().put("arn", source.arn()).put("name", source.name())
                    .put("created", source.created().toString()).put("format", source.format());
        }
        root.set("s3", s3);
        encryption.ifPresent(e -> root.set("encryption", e));
        root.set("logging", logging);
        ObjectNode tagNode = root.putObject("tags");
        tags.forEach(tagNode::put);
        policy.ifPresent(p -> root.put("policy", p));
        try {
            Files.createDirectories(file.getParent());
            Path temporary = file.resolveSibling(file.getFileName() + ".tmp");
            Files.write(temporary, PlainJson.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(root));
            Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot save channel " + name + " to " + file, e);
        }
    }

    /**
     * Reads a definition {@link #save} wrote.
     *
     * @param file the file
     * @return the definition
     * @throws UncheckedIOException if it cannot be read or parsed
     */
    static ChannelDefinition load(Path file) {
        try {
            JsonNode root = PlainJson.MAPPER.readTree(file.toFile());
            List<Source> sources = new ArrayList<>();
            for (JsonNode s : root.path("streams")) {
                sources.add(new Source(s.path("arn").asText(), s.path("name").asText(),
                        Instant.parse(s.path("created").asText()), s.path("format").asText()));
            }
            SortedMap<String, String> tags = new TreeMap<>();
            for (Map.Entry<String, JsonNode> tag : root.path("tags").properties()) {
                tags.put(tag.getKey(), tag.getValue().asText());
            }
            return new ChannelDefinition(root.path("name").asText(), root.path("arn").asText(),
                    root.path("id").asText(), Instant.parse(root.path("created").asText()),
                    root.hasNonNull("startAt") ? Optional.of(Instant.parse(root.get("startAt").asText()))
                            : Optional.empty(),
                    root.path("version").asInt(1), root.path("roleArn").asText(), sources,
                    (ObjectNode) root.get("s3"),
                    root.get("encryption") instanceof ObjectNode e ? Optional.of(e) : Optional.empty(),
                    (ObjectNode) root.get("logging"), tags,
                    root.hasNonNull("policy") ? Optional.of(root.get("policy").asText()) : Optional.empty());
        } catch (IOException | RuntimeException e) {
            throw new UncheckedIOException("cannot read channel definition " + file,
                    e instanceof IOException io ? io : new IOException(e));
        }
    }
}
