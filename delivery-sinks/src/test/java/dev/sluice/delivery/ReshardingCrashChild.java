package dev.sluice.delivery;

import dev.sluice.stream.ErrorCode;
import dev.sluice.stream.GetRecordsResult;
import dev.sluice.stream.Shard;
import dev.sluice.stream.ShardIteratorType;
import dev.sluice.stream.Storage;
import dev.sluice.stream.StreamEngine;
import dev.sluice.stream.StreamException;
import dev.sluice.stream.StreamRecord;
import dev.sluice.stream.ThrottleMode;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The process of {@link ReshardingCrashIT}: a durable stream that one producer writes record after record into while
 * the stream is resharded every {@link #RESHARD_EVERY} records, delivered into a local bucket at the same time.
 * Restarted after a kill, it finds where production stopped (the largest record number in the stream: puts are
 * sequential and acknowledged ones are durable), produces the rest, and exits 0 once every shard's checkpoint is at
 * the shard's last record.
 */
public final class ReshardingCrashChild {

    static final int RESHARD_EVERY = 200;
    static final int KEYS = 40;
    private static final Pattern N = Pattern.compile("\"n\":(\\d+)");

    private ReshardingCrashChild() {
    }

    /**
     * Runs one process.
     *
     * @param args data directory, bucket directory, state directory, record count
     * @throws Exception on any failure (the parent sees a non-zero exit)
     */
    public static void main(String[] args) throws Exception {
        Path data = Path.of(args[0]);
        Path bucket = Path.of(args[1]);
        Path state = Path.of(args[2]);
        int total = Integer.parseInt(args[3]);
        Optional<ProcessHandle> parent = ProcessHandle.current().parent();
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        try (StreamEngine engine = StreamEngine.builder().storage(Storage.durable(data))
                .throttleMode(ThrottleMode.OFF).build()) {
            try {
                engine.describeStreamSummary("src");
            } catch (StreamException e) {
                if (e.code() != ErrorCode.RESOURCE_NOT_FOUND) {
                    throw e;
                }
                engine.createStream("src", 2);
            }
            try (DeliveryStream stream = DeliveryStream.builder().name("crash").sink(Sink.localBucket(bucket))
                    .outputFormat(OutputFormat.jsonLines()).prefix("data/")
                    .bufferingHints(new BufferingHints(2048, Duration.ofMillis(20)))
                    .kinesisStreamSource(engine, "src", state).build()) {
                for (int n = highest(engine) + 1; n < total; n++) {
                    engine.putRecord("src", "key-" + n % KEYS, ("{\"k\":" + n % KEYS + ",\"n\":" + n + "}")
                            .getBytes(StandardCharsets.UTF_8));
                    if (n % RESHARD_EVERY == RESHARD_EVERY - 1) {
                        reshard(engine, n / RESHARD_EVERY);
                    }
                }
                System.out.println("PRODUCED");
                while (!delivered(engine, state)) {
                    if (parent.isPresent() && !parent.get().isAlive() || System.nanoTime() > deadline) {
                        System.exit(2);
                    }
                    LockSupport.parkNanos(10_000_000);
                }
            }
        }
        System.out.println("DONE");
    }

    /** Splits while there are fewer than four open shards, else merges or halves the count, in turn. */
    private static void reshard(StreamEngine engine, int step) {
        List<Shard> open = engine.listShards("src").stream()
                .filter(s -> s.sequenceNumberRange().endingSequenceNumber().isEmpty())
                .sorted(Comparator.comparing(s -> s.hashKeyRange().startingHashKey())).toList();
        if (open.size() < 4) {
            Shard widest = open.stream().max(Comparator.comparing(s -> s.hashKeyRange().endingHashKey()
                    .subtract(s.hashKeyRange().startingHashKey()))).orElseThrow();
            BigInteger middle = widest.hashKeyRange().startingHashKey().add(widest.hashKeyRange().endingHashKey())
                    .shiftRight(1);
            engine.splitShard("src", widest.shardId(), middle.toString());
        } else if (step % 2 == 0) {
            engine.mergeShards("src", open.get(1).shardId(), open.get(2).shardId());
        } else {
            engine.updateShardCount("src", 2);
        }
    }

    private static int highest(StreamEngine engine) {
        int highest = -1;
        for (Shard shard : engine.listShards("src")) {
            for (StreamRecord record : readAll(engine, shard)) {
                Matcher m = N.matcher(new String(record.dataBytes(), StandardCharsets.UTF_8));
                if (m.find()) {
                    highest = Math.max(highest, Integer.parseInt(m.group(1)));
                }
            }
        }
        return highest;
    }

    private static List<StreamRecord> readAll(StreamEngine engine, Shard shard) {
        List<StreamRecord> out = new java.util.ArrayList<>();
        String iterator = engine.getShardIterator("src", shard.shardId(), ShardIteratorType.trimHorizon());
        while (iterator != null) {
            GetRecordsResult result = engine.getRecords(iterator, 10_000);
            out.addAll(result.records());
            if (result.records().isEmpty()) {
                break;
            }
            iterator = result.nextShardIterator().orElse(null);
        }
        return out;
    }

    /** Whether each shard's checkpoint file names the shard's last record. */
    private static boolean delivered(StreamEngine engine, Path state) throws java.io.IOException {
        for (Shard shard : engine.listShards("src")) {
            List<StreamRecord> records = readAll(engine, shard);
            if (records.isEmpty()) {
                continue;
            }
            Path file = state.resolve(shard.shardId() + ".json");
            String last = records.get(records.size() - 1).sequenceNumber();
            if (!Files.exists(file) || !Files.readString(file).contains("\"checkpoint\":\"" + last + "\"")) {
                return false;
            }
        }
        return true;
    }
}
