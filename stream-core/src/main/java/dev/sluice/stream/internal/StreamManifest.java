package dev.sluice.stream.internal;

import dev.sluice.stream.EncryptionType;
import dev.sluice.stream.ErrorCode;
import dev.sluice.stream.HashKeyRange;
import dev.sluice.stream.OverflowPolicy;
import dev.sluice.stream.RecordDistributionStrategy;
import dev.sluice.stream.ShardLimits;
import dev.sluice.stream.StreamException;
import dev.sluice.stream.StreamMode;

import java.io.IOException;
import java.io.Reader;
import java.math.BigInteger;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.Properties;

/**
 * What durable storage keeps of a stream besides its records: its configuration, its settings (capacity mode,
 * tags, encryption, registered consumers) and its shards with their lineage. Sequence counters are not here:
 * each shard's next counter is recovered from its log's tail, and a child's first counter from its parents'.
 *
 * <p>Design note on the file: a {@code key=value} text file ({@link Properties} syntax), readable by a person,
 * replaced atomically: written to a temporary file, forced, renamed over the old one, and the directory
 * forced, so after a crash at any point the file holds either the old or the new content, never a mix.
 * {@code format} names the layout version: formats 1 (no settings, no lineage) and 2 (no byte retention, no
 * registered readers) are still read, and so is a format 3 manifest without the optional {@code resources.*} lines
 * ({@link ResourceSettings}). Free text (tag
 * keys and values, consumer names) is URL-encoded so no character can break the syntax.
 *
 * <p>Design note on resharding: the manifest is the commit point. It is saved with the parents marked closed and
 * the children listed before the parents' writers close and the children take records; a crash before the save
 * leaves the old topology (the children's empty directories are removed at start-up), a crash after it finds the
 * parents closed at their logs' tails, which is where their writers stopped.
 *
 * @param name        stream name
 * @param incarnation tells this stream from an earlier one of the same name
 * @param created     creation time
 * @param retention   retention period
 * @param limits      per-shard limits
 * @param settings    capacity mode, tags, encryption, consumers
 * @param shards      every shard, open and closed, by shard index
 * @param records     maximum record size, record distribution strategy, warm throughput: keys absent from a manifest
 *                    written before they existed read as Kinesis's defaults, so no format change was needed
 */
record StreamManifest(String name, long incarnation, Instant created, Duration retention, ShardLimits limits,
                      StreamSettings settings, List<ShardEntry> shards, RecordSettings records) {

    static final String FILE_NAME = "stream.properties";
    private static final int FORMAT = 3;

    StreamManifest {
        shards = List.copyOf(shards);
    }

    /**
     * One shard as the manifest keeps it.
     *
     * @param range          hash key range
     * @param parent         the parent shard id, if it was made by resharding
     * @param adjacentParent the second parent, if it was made by a merge
     * @param closed         whether resharding closed it
     */
    record ShardEntry(HashKeyRange range, Optional<String> parent, Optional<String> adjacentParent, boolean closed) {
    }

    /** Describes a live stream. */
    static StreamManifest of(StreamState stream) {
        return of(stream, stream.shards(), List.of());
    }

    /** Describes a stream about to close {@code closing} and add the shards {@code added} after its others. */
    static StreamManifest of(StreamState stream, ShardState[] shards, List<ShardState> closing) {
        return of(stream, shards, closing, List.of());
    }

    static StreamManifest of(StreamState stream, ShardState[] shards, List<ShardState> closing, List<ShardEntry> added) {
        List<ShardEntry> entries = new ArrayList<>(shards.length + added.size());
        for (ShardState shard : shards) {
            entries.add(new ShardEntry(shard.hashKeyRange, shard.parentShardId, shard.adjacentParentShardId,
                    shard.isClosed() || closing.contains(shard)));
        }
        entries.addAll(added);
        return new StreamManifest(stream.name, stream.incarnation, stream.created, stream.retention(), stream.limits,
                stream.settings(), entries, stream.records());
    }

    /** The stream's byte limit, if it has one (durable storage writes smaller files for it). */
    OptionalLong retentionBytes() {
        return settings.retentionBytes();
    }

    /** The same stream with another retention period. */
    StreamManifest withRetention(Duration newRetention) {
        return new StreamManifest(name, incarnation, created, newRetention, limits, settings, shards, records);
    }

    /** The same stream with other settings. */
    StreamManifest withSettings(StreamSettings newSettings) {
        return new StreamManifest(name, incarnation, created, retention, limits, newSettings, shards, records);
    }

    /** The same stream with other record settings. */
    StreamManifest withRecords(RecordSettings newRecords) {
        return new StreamManifest(name, incarnation, created, retention, limits, settings, shards, newRecords);
    }

    /** Writes the manifest into {@code directory}, atomically replacing an earlier one. */
    void write(Path directory) throws IOException {
        StringBuilder text = new StringBuilder(512 + 160 * shards.size());
        text.append("# Sluice stream manifest: written by the engine, do not edit.\n");
        line(text, "format", FORMAT);
        line(text, "streamName", name);
        line(text, "incarnation", incarnation);
        line(text, "created", created);
        line(text, "retention", retention);
        line(text, "shardLimits.writeBytesPerSecond", limits.writeBytesPerSecond());
        line(text, "shardLimits.writeRecordsPerSecond", limits.writeRecordsPerSecond());
        line(text, "shardLimits.readBytesPerSecond", limits.readBytesPerSecond());
        line(text, "shardLimits.readCallsPerSecond", limits.readCallsPerSecond());
        line(text, "streamMode", settings.mode());
        line(text, "encryptionType", settings.encryption());
        settings.keyId().ifPresent(key -> line(text, "keyId", encode(key)));
        line(text, "tagCount", settings.tags().size());
        int t = 0;
        for (Map.Entry<String, String> tag : settings.tags().entrySet()) {
            line(text, "tag." + t + ".key", encode(tag.getKey()));
            line(text, "tag." + t + ".value", encode(tag.getValue()));
            t++;
        }
        settings.retentionBytes().ifPresent(bytes -> line(text, "retentionBytes", bytes));
        line(text, "overflowPolicy", settings.overflowPolicy());
        line(text, "readerCount", settings.readers().size());
        for (int r = 0; r < settings.readers().size(); r++) {
            line(text, "reader." + r + ".name", encode(settings.readers().get(r)));
        }
        line(text, "consumerCount", settings.consumers().size());
        for (int c = 0; c < settings.consumers().size(); c++) {
            line(text, "consumer." + c + ".name", encode(settings.consumers().get(c).name()));
            line(text, "consumer." + c + ".created", settings.consumers().get(c).created());
        }
        // Record settings (large records, distribution, warm throughput): optional keys, see the records component.
        line(text, "maxRecordSizeInKiB", records.maxRecordSizeInKiB());
        line(text, "recordDistributionStrategy", records.recordDistributionStrategy());
        records.warmThroughputMiBps().ifPresent(mibps -> line(text, "warmThroughputMiBps", mibps));
        settings.resources().write((key, value) -> line(text, key, value));
        line(text, "shardCount", shards.size());
        for (int i = 0; i < shards.size(); i++) {
            ShardEntry shard = shards.get(i);
            int index = i;
            line(text, "shard." + i + ".startingHashKey", shard.range().startingHashKey());
            line(text, "shard." + i + ".endingHashKey", shard.range().endingHashKey());
            shard.parent().ifPresent(p -> line(text, "shard." + index + ".parent", p));
            shard.adjacentParent().ifPresent(p -> line(text, "shard." + index + ".adjacentParent", p));
            if (shard.closed()) {
                line(text, "shard." + i + ".closed", true);
            }
        }
        AtomicFiles.replace(directory.resolve(FILE_NAME), text.toString().getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Reads the manifest in {@code directory}.
     *
     * @throws StreamException {@link ErrorCode#INTERNAL_FAILURE} naming the file and the field if it is malformed
     */
    static StreamManifest read(Path directory) throws IOException {
        Path file = directory.resolve(FILE_NAME);
        Properties p = new Properties();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(reader);
        }
        try {
            int format = Integer.parseInt(required(p, "format"));
            if (format < 1 || format > FORMAT) {
                throw new IllegalArgumentException("format " + format + " is not supported (this version reads format "
                        + FORMAT + ")");
            }
            ShardLimits limits = new ShardLimits(Long.parseLong(required(p, "shardLimits.writeBytesPerSecond")),
                    Integer.parseInt(required(p, "shardLimits.writeRecordsPerSecond")),
                    Long.parseLong(required(p, "shardLimits.readBytesPerSecond")),
                    Integer.parseInt(required(p, "shardLimits.readCallsPerSecond")));
            int count = Integer.parseInt(required(p, "shardCount"));
            List<ShardEntry> shards = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                HashKeyRange range = new HashKeyRange(new BigInteger(required(p, "shard." + i + ".startingHashKey")),
                        new BigInteger(required(p, "shard." + i + ".endingHashKey")));
                shards.add(new ShardEntry(range, optional(p, "shard." + i + ".parent"),
                        optional(p, "shard." + i + ".adjacentParent"),
                        Boolean.parseBoolean(p.getProperty("shard." + i + ".closed", "false").trim())));
            }
            StreamSettings settings = StreamSettings.of(StreamMode.PROVISIONED);
            if (format >= 2) {
                TreeMap<String, String> tags = new TreeMap<>();
                int tagCount = Integer.parseInt(required(p, "tagCount"));
                for (int t = 0; t < tagCount; t++) {
                    tags.put(decode(required(p, "tag." + t + ".key")), decode(required(p, "tag." + t + ".value")));
                }
                List<StreamSettings.RegisteredConsumer> consumers = new ArrayList<>();
                int consumerCount = Integer.parseInt(required(p, "consumerCount"));
                for (int c = 0; c < consumerCount; c++) {
                    consumers.add(new StreamSettings.RegisteredConsumer(decode(required(p, "consumer." + c + ".name")),
                            Instant.parse(required(p, "consumer." + c + ".created"))));
                }
                OptionalLong retentionBytes = OptionalLong.empty();
                OverflowPolicy overflowPolicy = OverflowPolicy.REJECT;
                List<String> readers = new ArrayList<>();
                if (format >= 3) {
                    Optional<String> bytes = optional(p, "retentionBytes");
                    retentionBytes = bytes.isPresent() ? OptionalLong.of(Long.parseLong(bytes.get())) : OptionalLong.empty();
                    overflowPolicy = OverflowPolicy.valueOf(required(p, "overflowPolicy"));
                    int readerCount = Integer.parseInt(required(p, "readerCount"));
                    for (int r = 0; r < readerCount; r++) {
                        readers.add(decode(required(p, "reader." + r + ".name")));
                    }
                }
                settings = new StreamSettings(StreamMode.valueOf(required(p, "streamMode")), tags,
                        EncryptionType.valueOf(required(p, "encryptionType")), optional(p, "keyId").map(StreamManifest::decode),
                        consumers, retentionBytes, overflowPolicy, readers, ResourceSettings.read(p));
            }
            Optional<String> warm = optional(p, "warmThroughputMiBps");
            RecordSettings records = new RecordSettings(KinesisLimits.checkMaxRecordSizeInKiB(Integer.parseInt(
                    p.getProperty("maxRecordSizeInKiB", String.valueOf(KinesisLimits.MIN_MAX_RECORD_SIZE_KIB)).trim())),
                    RecordDistributionStrategy.valueOf(p.getProperty("recordDistributionStrategy",
                            RecordDistributionStrategy.USER_PARTITION_KEY.name()).trim()),
                    warm.isPresent() ? OptionalInt.of(Integer.parseInt(warm.get())) : OptionalInt.empty());
            return new StreamManifest(KinesisLimits.checkStreamName(required(p, "streamName")),
                    Long.parseLong(required(p, "incarnation")), Instant.parse(required(p, "created")),
                    Duration.parse(required(p, "retention")), limits, settings, shards, records);
        } catch (RuntimeException e) {
            throw new StreamException(ErrorCode.INTERNAL_FAILURE, "the stream manifest " + file + " is malformed ("
                    + e.getMessage() + "); restore it from a backup or delete its directory to drop the stream", e);
        }
    }

    private static void line(StringBuilder text, String key, Object value) {
        text.append(key).append('=').append(value).append('\n');
    }

    private static Optional<String> optional(Properties p, String key) {
        return Optional.ofNullable(p.getProperty(key)).map(String::trim);
    }

    private static String encode(String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8);
    }

    private static String decode(String text) {
        return URLDecoder.decode(text, StandardCharsets.UTF_8);
    }

    private static String required(Properties p, String key) {
        String value = p.getProperty(key);
        if (value == null) {
            throw new IllegalArgumentException("'" + key + "' is missing");
        }
        return value.trim();
    }
}
