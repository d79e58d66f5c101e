package dev.sluice.stream.internal;

import dev.sluice.stream.ErrorCode;
import dev.sluice.stream.HashKeyRange;
import dev.sluice.stream.ShardLimits;
import dev.sluice.stream.StreamException;

import java.io.IOException;
import java.io.Reader;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

/**
 * What durable storage keeps of a stream besides its records: its configuration and its shards' hash key
 * ranges. Sequence counters are not here: each shard's next counter is recovered from its log's tail.
 *
 * <p>Design note on the file: a {@code key=value} text file ({@link Properties} syntax), readable by a person,
 * replaced atomically: written to a temporary file, forced, renamed over the old one, and the directory
 * forced, so after a crash at any point the file holds either the old or the new content, never a mix.
 * {@code format} names the layout version so a later version can migrate it.
 *
 * @param name        stream name
 * @param incarnation tells this stream from an earlier one of the same name
 * @param created     creation time
 * @param retention   retention period
 * @param limits      per-shard limits
 * @param shardRanges each shard's hash key range, by shard index
 */
record StreamManifest(String name, long incarnation, Instant created, Duration retention, ShardLimits limits,
                      List<HashKeyRange> shardRanges) {

    static final String FILE_NAME = "stream.properties";
    private static final int FORMAT = 1;

    StreamManifest {
        shardRanges = List.copyOf(shardRanges);
    }

    /** Describes a live stream. */
    static StreamManifest of(StreamState stream) {
        List<HashKeyRange> ranges = new ArrayList<>(stream.shards().length);
        for (ShardState shard : stream.shards()) {
            ranges.add(shard.hashKeyRange);
        }
        return new StreamManifest(stream.name, stream.incarnation, stream.created, stream.retention(), stream.limits, ranges);
    }

    /** The same stream with another retention period. */
    StreamManifest withRetention(Duration newRetention) {
        return new StreamManifest(name, incarnation, created, newRetention, limits, shardRanges);
    }

    /** Writes the manifest into {@code directory}, atomically replacing an earlier one. */
    void write(Path directory) throws IOException {
        StringBuilder text = new StringBuilder(256 + 100 * shardRanges.size());
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
        line(text, "shardCount", shardRanges.size());
        for (int i = 0; i < shardRanges.size(); i++) {
            line(text, "shard." + i + ".startingHashKey", shardRanges.get(i).startingHashKey());
            line(text, "shard." + i + ".endingHashKey", shardRanges.get(i).endingHashKey());
        }
        Path target = directory.resolve(FILE_NAME);
        Path temporary = directory.resolve(FILE_NAME + ".tmp");
        try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer bytes = ByteBuffer.wrap(text.toString().getBytes(StandardCharsets.UTF_8));
            while (bytes.hasRemaining()) {
                channel.write(bytes);
            }
            channel.force(true);
        }
        Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        forceDirectory(directory);
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
            if (format != FORMAT) {
                throw new IllegalArgumentException("format " + format + " is not supported (this version reads format "
                        + FORMAT + ")");
            }
            ShardLimits limits = new ShardLimits(Long.parseLong(required(p, "shardLimits.writeBytesPerSecond")),
                    Integer.parseInt(required(p, "shardLimits.writeRecordsPerSecond")),
                    Long.parseLong(required(p, "shardLimits.readBytesPerSecond")),
                    Integer.parseInt(required(p, "shardLimits.readCallsPerSecond")));
            int count = Integer.parseInt(required(p, "shardCount"));
            List<HashKeyRange> ranges = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                ranges.add(new HashKeyRange(new BigInteger(required(p, "shard." + i + ".startingHashKey")),
                        new BigInteger(required(p, "shard." + i + ".endingHashKey"))));
            }
            return new StreamManifest(KinesisLimits.checkStreamName(required(p, "streamName")),
                    Long.parseLong(required(p, "incarnation")), Instant.parse(required(p, "created")),
                    Duration.parse(required(p, "retention")), limits, ranges);
        } catch (RuntimeException e) {
            throw new StreamException(ErrorCode.INTERNAL_FAILURE, "the stream manifest " + file + " is malformed ("
                    + e.getMessage() + "); restore it from a backup or delete its directory to drop the stream", e);
        }
    }

    /**
     * Forces a directory's entries (new, renamed and deleted files) to the device. Where the platform cannot
     * open a directory (Windows), its file system orders metadata itself and there is nothing to force.
     */
    static void forceDirectory(Path directory) throws IOException {
        FileChannel channel;
        try {
            channel = FileChannel.open(directory, StandardOpenOption.READ);
        } catch (IOException e) {
            return;
        }
        try (channel) {
            channel.force(true);
        }
    }

    private static void line(StringBuilder text, String key, Object value) {
        text.append(key).append('=').append(value).append('\n');
    }

    private static String required(Properties p, String key) {
        String value = p.getProperty(key);
        if (value == null) {
            throw new IllegalArgumentException("'" + key + "' is missing");
        }
        return value.trim();
    }
}
