package dev.sluice.perf.bench.sim;

import dev.sluice.perf.bench.reporting.Figures;
import dev.sluice.perf.bench.reporting.RunResult;
import dev.sluice.perf.bench.scenario.Scenario;
import dev.sluice.perf.bench.scenario.ScenarioException;
import dev.sluice.perf.bench.scenario.ScenarioLoader;
import dev.sluice.perf.bench.workload.Workload;
import dev.sluice.stream.CreateStreamRequest;
import dev.sluice.stream.ErrorCode;
import dev.sluice.stream.PutRecordRequest;
import dev.sluice.stream.PutRecordsRequestEntry;
import dev.sluice.stream.PutRecordsResultEntry;
import dev.sluice.stream.Shard;
import dev.sluice.stream.ShardLimits;
import dev.sluice.stream.StreamEngine;
import dev.sluice.stream.StreamException;
import dev.sluice.stream.ThrottleMode;
import dev.sluice.stream.WaitStrategy;
import dev.sluice.stream.testing.ManualClock;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Consumer;

/**
 * Simulate mode: runs a scenario against the real {@link StreamEngine} on a {@link ManualClock}, so hours of traffic
 * take seconds. Each virtual tick the loop issues that tick's puts (the producers' rate times the tick, carried over
 * between ticks) and waits for their outcomes, lets the consumer applications and the delivery source poll their
 * shards when due, advances the delivery {@link DeliveryModel}, and advances the clock.
 *
 * <p>Design note: determinism. Puts of a tick are published from this one thread in a fixed order and each shard's
 * writer applies them in that order at one ticker reading, so which records are throttled depends only on the
 * scenario and the seed. Reads are synchronous {@code GetRecords} calls. Delivery is the {@link DeliveryModel} (the
 * real delivery stream's threads re-read the ticker on real time, which would make object boundaries depend on the
 * machine's speed); its object sizes come from a {@link Calibration} done by the real delivery stream.
 *
 * <p>Same reason, same cure: enhanced fan-out consumers are a {@link FanOutModel} and on-demand scaling is the
 * engine's rule applied by this loop ({@link OnDemandRule}, with UpdateShardCount), because the engine runs both on
 * real time. What is not simulated: put latency (the virtual clock does not move during a call; freshness is
 * reported instead), {@code BLOCK} waiting (counted as throttled, what would have waited), and storage speed
 * (simulated streams are in memory).
 *
 * <p>Not thread-safe: one run at a time per instance.
 */
public final class Simulation {

    /** Records per GetRecords call (Kinesis's maximum). */
    static final int GET_RECORDS_LIMIT = 10_000;
    /** Firehose reads each shard of its source stream once per second. */
    static final Duration SOURCE_POLL = Duration.ofSeconds(1);
    /** Under this throttled share a shard count is "enough" in the sweep (the 0.1 %). */
    static final double ENOUGH_PERCENT = 0.1;
    private static final String STREAM = "bench";
    private static final int MAX_SAMPLES = 720;

    private final ScenarioLoader.Loaded loaded;
    private final Scenario scenario;
    private final Consumer<String> progress;

    /**
     * @param loaded   the scenario
     * @param progress receives a progress line about once per real second
     */
    public Simulation(ScenarioLoader.Loaded loaded, Consumer<String> progress) {
        this.loaded = loaded;
        this.scenario = loaded.scenario();
        this.progress = progress;
        if (scenario.producers().ratePerSecond() <= 0) {
            throw new ScenarioException("producers.ratePerSecond must be > 0 in simulate mode (an open loop has no rate"
                    + " on a virtual clock) but was " + scenario.producers().ratePerSecond());
        }
    }

    /**
     * Runs the scenario, then the shard sweep if asked.
     *
     * @param environment the machine description to embed (injectable so results compare byte for byte)
     * @return the result, every figure marked simulated
     */
    public RunResult run(RunResult.Environment environment) {
        Calibration calibration = scenario.delivery().enabled() ? Calibration.measure(scenario) : null;
        boolean onDemand = scenario.stream().capacityMode() == Scenario.CapacityMode.ON_DEMAND;
        Outcome main = simulate(onDemand ? StreamEngine.ON_DEMAND_INITIAL_SHARDS : scenario.stream().shards(), true,
                calibration, onDemand);
        List<RunResult.SweepPoint> sweep = null;
        Integer recommended = null;
        if (scenario.run().sweepShards() > 0) {
            sweep = new ArrayList<>();
            for (int shards = 1; shards <= scenario.run().sweepShards(); shards++) {
                Outcome o = !onDemand && shards == scenario.stream().shards() ? main : simulate(shards, false, null, false);
                double pct = percent(o.throttled, o.attempted);
                sweep.add(new RunResult.SweepPoint(shards, o.throttled, RunResult.round(pct, 4)));
                if (recommended == null && pct < ENOUGH_PERCENT) {
                    recommended = shards;
                }
            }
        }
        return new RunResult("sluice-bench " + version(), RunResult.SIMULATED,
                new RunResult.ScenarioInfo(scenario.name(), loaded.source(), scenario.description(), loaded.effective()),
                environment, notes(calibration, main), main.summary(calibration), null, null, sweep, recommended,
                main.figures.series());
    }

    private List<String> notes(Calibration calibration, Outcome main) {
        List<String> notes = new ArrayList<>();
        notes.add("SIMULATED: every figure comes from a virtual clock (ManualClock), not from this machine's speed;"
                + " the stream is the real Sluice engine (routing, Kinesis shard limits, token buckets) in ticks of "
                + scenario.run().tick() + ".");
        notes.add("Latency is not meaningful in simulation: delivery freshness (arrival in the stream to object"
                + " written, virtual seconds) is reported instead.");
        if (scenario.stream().throttleMode() != ThrottleMode.REJECT) {
            notes.add("throttleMode " + scenario.stream().throttleMode() + ": simulated as "
                    + (scenario.stream().throttleMode() == ThrottleMode.OFF ? "OFF (no limits)" : "REJECT; throttled counts"
                    + " the records that would have waited"));
        }
        if (scenario.stream().storage() == Scenario.StorageKind.DURABLE) {
            notes.add("storage DURABLE: simulated in memory (storage speed does not enter a virtual-time simulation).");
        }
        notes.add("Throttled records are not retried by the simulated producers.");
        if (scenario.delivery().enabled() && scenario.delivery().format() == Scenario.Format.ICEBERG) {
            notes.add("delivery.format ICEBERG: simulated as Parquet objects, one data file each; the table's commits"
                    + " (how many objects each takes, how long they last) are not simulated: measure them.");
        }
        if (main.scaling != null) {
            notes.add("ON_DEMAND: the engine's on-demand rule (60 s offered-rate window, scale at 80 % to twice the rate,"
                    + " at most double per step) applied on the virtual clock from " + StreamEngine.ON_DEMAND_INITIAL_SHARDS
                    + " shards; " + (main.scaling.isEmpty() ? "it never scaled" : "it scaled " + String.join(", ", main.scaling))
                    + "." + (scenario.run().sweepShards() > 0 ? " The sweep is of PROVISIONED streams." : ""));
        }
        if (scenario.consumers().fanOut() && scenario.consumers().applications() > 0) {
            notes.add("Enhanced fan-out consumers are modelled: each shard pushes its accepted records to each of them at"
                    + " 2 MiB/s, outside the shared 5 GetRecords/s (the engine's real subscriptions run in real time).");
        } else if (scenario.consumers().applications() > 0) {
            notes.add("Consumers are shared-throughput readers calling the engine's GetRecords every "
                    + scenario.consumers().pollInterval() + " per shard (up to 10,000 records), under its read limits.");
        }
        if (scenario.producers().batchSize() == 1) {
            notes.add("Single PutRecord calls are issued per tick as PutRecords entries (same per-record admission, faster).");
        }
        if (calibration != null) {
            notes.add(String.format(Locale.ROOT, "Delivery is modelled (Firehose buffering rule per shard and partition);"
                    + " object sizes are estimated as %.0f B + %.4f x input bytes, fitted to %d records of this workload"
                    + " encoded by the real delivery stream; transforms dropped %.2f %% of the sample.",
                    calibration.overheadBytes(), calibration.bytesPerInputByte(), calibration.sampleRecords(),
                    100 * calibration.dropFraction()));
        }
        return notes;
    }

    static String version() {
        String v = Simulation.class.getPackage().getImplementationVersion();
        return v == null ? "0.1.0-SNAPSHOT" : v;
    }

    private static double percent(long part, long whole) {
        return whole == 0 ? 0 : 100.0 * part / whole;
    }

    /** Counters of one simulated run. */
    private final class Outcome {
        long attempted;
        long accepted;
        long throttled;
        long failed;
        /** ON_DEMAND runs: each scaling step, "at hh:mm:ss a to b shards"; null for provisioned runs. */
        List<String> scaling;
        long acceptedBytes;
        long readThrottled;
        long consumed;
        long maxLag;
        long finalLag;
        long maxBehindMillis;
        int applications;
        double seconds;
        Figures figures;
        DeliveryModel delivery;

        RunResult.Summary summary(Calibration calibration) {
            RunResult.Delivery d;
            RunResult.Reconciliation r = null;
            if (delivery == null) {
                d = new RunResult.Delivery(false, 0, 0, 0, null, null, 0, null, null);
            } else {
                long small = delivery.buckets()[0] + delivery.buckets()[1];
                d = new RunResult.Delivery(true, delivery.objects,
                        RunResult.round(delivery.objects / ((seconds + scenario.run().warmup().toSeconds()) / 3600.0), 1),
                        delivery.bytes, Figures.unscaled(delivery.objectBytes(), "object size (estimated)", "B"),
                        Figures.buckets(delivery.buckets()), small,
                        Figures.percentiles(delivery.freshnessMillis(), "freshness, virtual", "s"),
                        "estimated: calibration fit over " + calibration.sampleRecords() + " records; "
                                + delivery.objectsCutByEnd + " object(s) cut by the end of the run");
                r = new RunResult.Reconciliation(delivery.in, delivery.delivered, delivery.dropped, 0, 0,
                        delivery.in == delivery.delivered + delivery.dropped);
            }
            return new RunResult.Summary(seconds, attempted, accepted, throttled, failed,
                    RunResult.round(percent(throttled, attempted), 4), RunResult.round(accepted / seconds, 1),
                    RunResult.round(acceptedBytes / seconds / 1e6, 4), null, null,
                    new RunResult.Consumers(applications, consumed, readThrottled, maxLag, finalLag,
                            RunResult.round(maxBehindMillis / 1000.0, 3)),
                    d, r, null);
        }
    }

    private Outcome simulate(int shards, boolean full, Calibration calibration, boolean onDemand) {
        ManualClock clock = new ManualClock();
        Outcome out = new Outcome();
        Scenario.ProducerSpec p = scenario.producers();
        long tickNanos = scenario.run().tick().toNanos();
        long warmupTicks = scenario.run().warmup().toNanos() / tickNanos;
        long totalTicks = warmupTicks + scenario.run().duration().toNanos() / tickNanos;
        out.seconds = (totalTicks - warmupTicks) * tickNanos / 1e9;
        long ticksPerSample = Math.max(Math.max(1, 1_000_000_000L / tickNanos),
                (totalTicks - warmupTicks + MAX_SAMPLES - 1) / MAX_SAMPLES);
        out.figures = new Figures(ticksPerSample * tickNanos / 1e9, "delivery freshness (s, virtual)");
        ThrottleMode mode = scenario.stream().throttleMode() == ThrottleMode.OFF ? ThrottleMode.OFF : ThrottleMode.REJECT;
        try (StreamEngine engine = StreamEngine.builder().clock(clock).ticker(clock).throttleMode(mode).writerThreads(1)
                .waitStrategy(WaitStrategy.YIELDING)
                .build()) {
            engine.createStream(CreateStreamRequest.of(STREAM, shards).withRetention(scenario.stream().retention()));
            List<String> shardList = engine.listShards(STREAM).stream().map(Shard::shardId).toList();
            OnDemandRule rule = null;
            long nextEvaluation = 0;
            if (onDemand) {
                rule = new OnDemandRule(ShardLimits.KINESIS.writeRecordsPerSecond(), ShardLimits.KINESIS.writeBytesPerSecond(),
                        clock.read());
                out.scaling = new ArrayList<>();
            }
            List<SharedReader> apps = new ArrayList<>();
            List<FanOutModel> fanOuts = new ArrayList<>();
            SharedReader source = null;
            SharedReader.RecordSink toDelivery = null;
            if (full) {
                for (int a = 0; a < scenario.consumers().applications(); a++) {
                    if (scenario.consumers().fanOut()) {
                        fanOuts.add(new FanOutModel());
                    } else {
                        apps.add(new SharedReader(engine, STREAM, shardList, scenario.consumers().pollInterval(),
                                stagger(scenario.consumers().pollInterval(), a, scenario.consumers().applications() + 1, tickNanos)));
                    }
                }
                out.applications = scenario.consumers().applications();
                if (calibration != null) {
                    source = new SharedReader(engine, STREAM, shardList, SOURCE_POLL, stagger(SOURCE_POLL,
                            scenario.consumers().applications(), scenario.consumers().applications() + 1, tickNanos));
                    DeliveryModel model = new DeliveryModel(scenario.delivery().bufferSize(),
                            scenario.delivery().bufferInterval().toNanos(), calibration);
                    out.delivery = model;
                    long origin = ManualClockOrigin.EPOCH_NANOS;
                    toDelivery = (shardId, record) -> {
                        byte[] data = record.dataBytes();
                        long arrival = record.approximateArrivalTimestamp().getEpochSecond() * 1_000_000_000L
                                + record.approximateArrivalTimestamp().getNano() - origin;
                        model.add(shardId, partitionOf(data), data.length, arrival, clock.read());
                    };
                }
            }
            Workload[] workloads = new Workload[p.count()];
            double[] carry = new double[p.count()];
            for (int i = 0; i < p.count(); i++) {
                workloads[i] = new Workload(p, scenario.run().seed(), i, p.count());
            }
            double perTick = p.ratePerSecond() / p.count() * tickNanos / 1e9;
            long acceptedTotal = 0;
            long sampleAttempted = 0;
            long sampleAccepted = 0;
            long realStart = System.nanoTime();
            long lastProgress = realStart;
            for (long tick = 0; tick < totalTicks; tick++) {
                long now = clock.read();
                boolean measuring = tick >= warmupTicks;
                if (out.delivery != null) {
                    out.delivery.measuring = measuring;
                }
                Map<String, long[]> perShard = new TreeMap<>();
                long[] counts = putTick(engine, workloads, carry, perTick, now, perShard);
                acceptedTotal += counts[1];
                if (rule != null) {
                    rule.offer(counts[0], counts[5]);
                    for (; nextEvaluation <= now; nextEvaluation += OnDemandRule.EVALUATION_PERIOD.toNanos()) {
                        int open = engine.describeStreamSummary(STREAM).openShardCount();
                        int target = rule.evaluate(now, open);
                        if (target > open) {
                            engine.updateShardCount(STREAM, target);
                            out.scaling.add("at " + hms(now) + " from " + open + " to " + target + " shards");
                        }
                    }
                }
                if (measuring) {
                    out.attempted += counts[0];
                    out.accepted += counts[1];
                    out.throttled += counts[2];
                    out.failed += counts[3];
                    out.acceptedBytes += counts[4];
                    sampleAttempted += counts[0];
                    sampleAccepted += counts[1];
                }
                for (SharedReader app : apps) {
                    app.poll(now, measuring, GET_RECORDS_LIMIT, (shardId, record) -> { });
                    long lag = acceptedTotal - app.consumed;
                    if (measuring) {
                        out.maxLag = Math.max(out.maxLag, lag);
                    }
                }
                for (FanOutModel fanOut : fanOuts) {
                    perShard.forEach((shardId, n) -> fanOut.arrive(shardId, n[0], n[1], now));
                    fanOut.tick(tickNanos, now, measuring);
                    if (measuring) {
                        out.maxLag = Math.max(out.maxLag, acceptedTotal - fanOut.consumed);
                        out.maxBehindMillis = Math.max(out.maxBehindMillis, fanOut.maxBehindMillis);
                    }
                }
                if (source != null) {
                    source.poll(now, measuring, GET_RECORDS_LIMIT, toDelivery);
                    out.delivery.tick(now);
                }
                if (measuring && (tick - warmupTicks + 1) % ticksPerSample == 0) {
                    long lag = 0;
                    for (SharedReader app : apps) {
                        lag = Math.max(lag, acceptedTotal - app.consumed);
                    }
                    for (FanOutModel fanOut : fanOuts) {
                        lag = Math.max(lag, acceptedTotal - fanOut.consumed);
                    }
                    long objects = out.delivery == null ? 0 : out.delivery.intervalObjects;
                    long bytes = out.delivery == null ? 0 : out.delivery.intervalBytes;
                    out.figures.sample((tick - warmupTicks + 1) * tickNanos / 1e9, sampleAccepted, sampleAttempted,
                            out.delivery == null ? null : out.delivery.takeIntervalFreshness(), lag, objects, bytes);
                    sampleAttempted = 0;
                    sampleAccepted = 0;
                }
                long real = System.nanoTime();
                if (full && real - lastProgress > 1_000_000_000L) {
                    lastProgress = real;
                    progress.accept(String.format(Locale.ROOT,
                            "[simulate %d shard(s)] virtual %s / %s  accepted %,d  throttled %.2f %%  lag %,d  (%.1f s real)",
                            shards, hms(now), hms(totalTicks * tickNanos), out.accepted, percent(out.throttled, out.attempted),
                            out.maxLag, (real - realStart) / 1e9));
                }
                clock.advance(Duration.ofNanos(tickNanos));
            }
            for (SharedReader app : apps) {
                out.consumed += app.consumed;
                out.finalLag = Math.max(out.finalLag, acceptedTotal - app.consumed);
                out.readThrottled += app.readThrottled;
                out.maxBehindMillis = Math.max(out.maxBehindMillis, app.maxBehindMillis);
            }
            if (source != null) {
                out.readThrottled += source.readThrottled;
            }
            for (FanOutModel fanOut : fanOuts) {
                out.consumed += fanOut.consumed;
                out.finalLag = Math.max(out.finalLag, acceptedTotal - fanOut.consumed);
            }
            if (out.delivery != null) {
                out.delivery.finish(clock.read());
            }
        }
        return out;
    }

    /** Reader {@code index} of {@code readers} starts this far into the poll interval, on a tick boundary. */
    private static Duration stagger(Duration poll, int index, int readers, long tickNanos) {
        long offset = poll.toNanos() * index / readers;
        return Duration.ofNanos(offset - offset % tickNanos);
    }

    private static String hms(long nanos) {
        long s = nanos / 1_000_000_000L;
        return String.format(Locale.ROOT, "%02d:%02d:%02d", s / 3600, s / 60 % 60, s % 60);
    }

    /**
     * Issues one tick's puts of every producer and waits for them: {attempted, accepted, throttled, failed, bytes};
     * {@code perShard} receives the accepted {records, bytes} of each shard.
     */
    private long[] putTick(StreamEngine engine, Workload[] workloads, double[] carry, double perTick, long now,
                           Map<String, long[]> perShard) {
        // Single puts of one tick go to the engine as PutRecords calls of up to 500: each entry meets its shard's
        // buckets at the same ticker reading and in the same order as single calls would, so admission is
        // identical, and an hour of single puts simulates several times faster.
        int batch = scenario.producers().batchSize() > 1 ? scenario.producers().batchSize() : Scenario.MAX_BATCH;
        List<CompletableFuture<List<PutRecordsResultEntry>>> calls = new ArrayList<>();
        List<int[]> sizes = new ArrayList<>();
        for (int i = 0; i < workloads.length; i++) {
            carry[i] += perTick;
            int n = (int) carry[i];
            carry[i] -= n;
            List<PutRecordsRequestEntry> entries = new ArrayList<>();
            for (int r = 0; r < n; r++) {
                String key = workloads[i].nextKey();
                entries.add(PutRecordsRequestEntry.of(key, workloads[i].nextData(now, key)));
                if (entries.size() == batch || r == n - 1) {
                    sizes.add(entries.stream().mapToInt(e -> e.data().length).toArray());
                    calls.add(send(engine, entries));
                    entries = new ArrayList<>();
                }
            }
        }
        long[] c = new long[6];
        for (int k = 0; k < calls.size(); k++) {
            List<PutRecordsResultEntry> results = calls.get(k).join();
            int[] size = sizes.get(k);
            for (int e = 0; e < results.size(); e++) {
                c[0]++;
                c[5] += size[e];
                if (results.get(e) instanceof PutRecordsResultEntry.Failure f) {
                    c[f.errorCode() == ErrorCode.PROVISIONED_THROUGHPUT_EXCEEDED ? 2 : 3]++;
                } else {
                    c[1]++;
                    c[4] += size[e];
                    long[] shard = perShard.computeIfAbsent(((PutRecordsResultEntry.Success) results.get(e)).shardId(),
                            id -> new long[2]);
                    shard[0]++;
                    shard[1] += size[e];
                }
            }
        }
        return c;
    }

    private CompletableFuture<List<PutRecordsResultEntry>> send(StreamEngine engine, List<PutRecordsRequestEntry> entries) {
        if (entries.size() > 1) {
            return engine.putRecordsAsync(STREAM, entries).thenApply(r -> r.records());
        }
        PutRecordsRequestEntry e = entries.get(0);
        return engine.putRecordAsync(PutRecordRequest.of(STREAM, e.partitionKey(), e.data())).handle((ok, error) -> {
            if (error == null) {
                return List.of(new PutRecordsResultEntry.Success(ok.shardId(), ok.sequenceNumber()));
            }
            Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
            if (cause instanceof StreamException se) {
                return List.of(new PutRecordsResultEntry.Failure(se.errorCode(), String.valueOf(se.getMessage())));
            }
            throw new IllegalStateException("put failed unexpectedly", cause);
        });
    }

    private String partitionOf(byte[] data) {
        List<String> fields = scenario.delivery().partitionBy();
        if (fields.isEmpty()) {
            return "";
        }
        StringBuilder b = new StringBuilder();
        for (String f : fields) {
            b.append(Workload.field(data, f)).append('/');
        }
        return b.toString();
    }

    /** The epoch nanos of a default {@link ManualClock}'s zero reading. */
    private static final class ManualClockOrigin {
        static final long EPOCH_NANOS;

        static {
            java.time.Instant origin = new ManualClock().instant();
            EPOCH_NANOS = origin.getEpochSecond() * 1_000_000_000L + origin.getNano();
        }
    }
}
