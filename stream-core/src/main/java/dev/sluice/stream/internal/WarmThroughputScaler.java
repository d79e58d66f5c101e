package dev.sluice.stream.internal;

import dev.sluice.stream.ErrorCode;
import dev.sluice.stream.ShardLimits;
import dev.sluice.stream.StreamEngine;
import dev.sluice.stream.StreamException;
import dev.sluice.stream.StreamMode;

/**
 * Warm throughput (Kinesis UpdateStreamWarmThroughput): scales an on-demand stream to the shards its target needs,
 * asynchronously, while the stream reports {@code UPDATING}.
 *
 * <p>The rule: a target of {@code T} MiB/s needs {@code ceil(T MiB / shard write limit)} shards (one shard per MiB/s
 * with Kinesis's limits), and never fewer than an on-demand stream starts with
 * ({@value StreamEngine#ON_DEMAND_INITIAL_SHARDS}). A target above the open count scales up, a lower one releases
 * capacity down to it, as Kinesis documents. Each evaluation on the scheduler thread (the on-demand scaler's period)
 * takes one uniform-scaling step toward it, at most doubling or halving the open count as UpdateShardCount does, so a
 * large target takes several steps; then the stream is {@code ACTIVE} again. The control plane sets
 * {@link StreamState#warmScaling} when it accepts the target; this class alone clears it, when the target is reached,
 * the stream left on-demand mode, or the shard quota stopped it (what it reached stays, CurrentMiBps tells).
 */
final class WarmThroughputScaler {

    private static final long MIB = 1_048_576;

    private final Streams streams;
    private final Streams.ShardCloser closer;

    WarmThroughputScaler(Streams streams, Streams.ShardCloser closer) {
        this.streams = streams;
        this.closer = closer;
    }

    /** One step for every stream being scaled; scheduler thread only. */
    void evaluate() {
        for (StreamState stream : streams.all()) {
            if (stream.warmScaling && !stream.isDeleted()) {
                step(stream);
            }
        }
    }

    private void step(StreamState stream) {
        if (stream.settings().mode() != StreamMode.ON_DEMAND || stream.records().warmThroughputMiBps().isEmpty()) {
            stream.warmScaling = false;
            return;
        }
        int open = stream.openShards().length;
        int desired = desiredShards(stream, stream.records().warmThroughputMiBps().getAsInt());
        if (open == desired) {
            stream.warmScaling = false;
            return;
        }
        int target = open < desired ? (int) Math.min(desired, 2L * open) : Math.max(desired, (open + 1) / 2);
        try {
            streams.scaleOnDemand(stream, target, closer);
        } catch (StreamException e) {
            if (e.errorCode() != ErrorCode.LIMIT_EXCEEDED && e.errorCode() != ErrorCode.RESOURCE_NOT_FOUND) {
                throw e;
            }
            stream.warmScaling = false; // at the shard quota, or deleted: the stream stays as far as it got
            return;
        }
        if (stream.openShards().length == desired) {
            stream.warmScaling = false;
        }
    }

    /** Shards a stream needs for {@code mibps}, never fewer than an on-demand stream starts with. */
    static int desiredShards(StreamState stream, int mibps) {
        return Math.max(StreamEngine.ON_DEMAND_INITIAL_SHARDS, shardsFor(mibps, stream.limits));
    }

    /** Shards whose write limits add up to at least {@code mibps} MiB/s. */
    static int shardsFor(int mibps, ShardLimits limits) {
        long bytes = mibps * MIB;
        return (int) Math.min(Integer.MAX_VALUE, (bytes + limits.writeBytesPerSecond() - 1) / limits.writeBytesPerSecond());
    }

    /** The write throughput the open shards take, in whole MiB/s (Kinesis CurrentMiBps). */
    static int currentMiBps(StreamState stream, int openShards) {
        return (int) Math.min(Integer.MAX_VALUE, openShards * stream.limits.writeBytesPerSecond() / MIB);
    }

    /** Whether a recovered stream had not yet reached its warm target (then its scaling resumes). */
    static boolean unfinished(StreamState stream) {
        return stream.settings().mode() == StreamMode.ON_DEMAND && stream.records().warmThroughputMiBps().isPresent()
                && stream.openShards().length < desiredShards(stream, stream.records().warmThroughputMiBps().getAsInt());
    }

    /**
     * Checks a warm throughput target.
     *
     * @throws StreamException {@link ErrorCode#VALIDATION} if negative, {@link ErrorCode#LIMIT_EXCEEDED} above
     *                         Kinesis's 10 GiBps per on-demand stream
     */
    static void checkTarget(String streamName, int mibps) {
        if (mibps < 0) {
            throw new StreamException(ErrorCode.VALIDATION, "warmThroughputMiBps must be >= 0 but was " + mibps);
        }
        if (mibps > KinesisLimits.MAX_WARM_THROUGHPUT_MIBPS) {
            throw new StreamException(ErrorCode.LIMIT_EXCEEDED, "warmThroughputMiBps " + mibps + " for stream "
                    + streamName + " exceeds the limit of " + KinesisLimits.MAX_WARM_THROUGHPUT_MIBPS
                    + " MiBps (10 GiBps) per on-demand stream");
        }
    }
}
