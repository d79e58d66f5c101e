package dev.sluice.perf.bench;

import dev.sluice.perf.bench.reporting.RunResult;
import dev.sluice.perf.bench.scenario.ScenarioLoader;
import dev.sluice.perf.bench.sim.Simulation;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SimulationTest {

    /** A fixed machine description, so two results can be compared byte for byte. */
    static final RunResult.Environment FIXED = new RunResult.Environment(2, "test JVM", "test OS", 0.0, "2026-01-01T00:00:00Z");

    private static final String ONE_SHARD = """
            name: analytic
            stream: {shards: 1}
            producers: {ratePerSecond: 1500, recordSize: {shape: FIXED, min: 100, max: 100}}
            run: {duration: PT60S, warmup: PT0S, tick: PT0.01S}
            """;

    /**
     * 1,500 records/s of 100 B into one shard for 60 virtual seconds. The shard admits 1,000 records/s (100 KB/s is
     * far under its 1 MiB/s) and its bucket starts full with one second of capacity, so over the run it admits
     * 1,000 + 60 x 1,000 and throttles (90,000 - 61,000) = 29,000, 32.2 %. Derivation of the tolerance: puts are
     * issued at the start of each 10 ms tick, so the refill of the last tick (10 records) never gets used, and the
     * rounding of a tick's 15 records can move at most one tick's worth (15): |throttled - 29,000| <= 25 records,
     * i.e. 0.03 percentage points.
     */
    @Test
    void simulate_constantRateOverOneShard_throttlesTheAnalyticThird() {
        RunResult r = new Simulation(ScenarioLoader.load(ONE_SHARD, "analytic", List.of()), line -> { }).run(FIXED);
        assertEquals(RunResult.SIMULATED, r.mode());
        assertEquals(90_000, r.summary().attemptedRecords());
        assertEquals(29_000, r.summary().throttledRecords(), 25);
        assertEquals(100.0 * 29_000 / 90_000, r.summary().throttledPercent(), 0.03);
        assertEquals(r.summary().attemptedRecords(), r.summary().acceptedRecords() + r.summary().throttledRecords());
    }

    @Test
    void simulate_sweep_findsFewestShardsUnderPointOnePercent() {
        RunResult r = new Simulation(ScenarioLoader.load(ONE_SHARD, "analytic",
                List.of("run.sweepShards=3", "run.tick=PT0.1S", "producers.partitionKeys.count=100000")), line -> { }).run(FIXED);
        assertEquals(3, r.sweep().size());
        // With 100 ms ticks the same derivation allows one tick's refill (100) plus one tick's records (150): 0.28 pp.
        assertEquals(100.0 * 29_000 / 90_000, r.sweep().get(0).throttledPercent(), 0.28);
        // Two shards get ~750 records/s each from 100,000 uniform keys: far under 1,000 records/s.
        assertEquals(0, r.sweep().get(1).throttledRecords());
        assertEquals(2, r.recommendedShards());
    }

    private static final String FULL = """
            name: full
            stream: {shards: 2}
            producers: {count: 2, ratePerSecond: 300, batchSize: 20, recordSize: {shape: UNIFORM, min: 150, max: 700},
                        partitionKeys: {shape: HOT, count: 1000, hotKeys: 3, hotShare: 0.5}}
            consumers: {applications: 2}
            delivery: {enabled: true, bufferSize: 262144, bufferInterval: PT60S, format: JSON, compression: GZIP,
                       partitionBy: [type], transforms: [{type: filter, query: '.type != "type-0"'}]}
            run: {duration: PT10M, warmup: PT30S, tick: PT0.1S, seed: 11}
            """;

    @Test
    void simulate_sameScenarioAndSeed_writesIdenticalResultBytes() {
        String a = new Simulation(ScenarioLoader.load(FULL, "full.yaml", List.of()), line -> { }).run(FIXED).toJson();
        String b = new Simulation(ScenarioLoader.load(FULL, "full.yaml", List.of()), line -> { }).run(FIXED).toJson();
        assertEquals(a, b);
        String otherSeed = new Simulation(ScenarioLoader.load(FULL, "full.yaml", List.of("run.seed=12")), line -> { })
                .run(FIXED).toJson();
        assertNotEquals(a, otherSeed, "the seed must reach the workload");
    }

    @Test
    void simulate_withDelivery_reconcilesAndReportsObjectsAndFreshness() {
        RunResult r = new Simulation(ScenarioLoader.load(FULL, "full.yaml", List.of()), line -> { }).run(FIXED);
        RunResult.Reconciliation rc = r.summary().reconciliation();
        assertTrue(rc.balanced());
        assertEquals(rc.in(), rc.delivered() + rc.dropped() + rc.failed() + rc.pending());
        // The filter drops one event type in eight (type-0): ~12.5 % of the records.
        assertEquals(0.125, (double) rc.dropped() / rc.in(), 0.03);
        RunResult.Delivery d = r.summary().delivery();
        assertTrue(d.objects() > 0);
        // Every buffer is sealed by the 60 s interval at the latest (plus the source's 1 s poll and a tick).
        assertTrue(d.freshness().max() <= 61.2, "freshness max " + d.freshness().max());
        assertTrue(r.notes().stream().anyMatch(n -> n.startsWith("SIMULATED")));
        assertEquals(r.series().t().size(), r.series().recordsPerSecond().size());
    }

    @Test
    void simulate_icebergDesign_sizesParquetDataFilesAndSaysCommitsAreNotModelled() {
        List<String> iceberg = List.of("delivery.format=ICEBERG", "delivery.compression=SNAPPY");
        RunResult table = new Simulation(ScenarioLoader.load(FULL, "full.yaml", iceberg), line -> { }).run(FIXED);
        RunResult parquet = new Simulation(ScenarioLoader.load(FULL, "full.yaml",
                List.of("delivery.format=PARQUET", "delivery.compression=SNAPPY")), line -> { }).run(FIXED);
        assertTrue(table.summary().reconciliation().balanced());
        assertEquals(parquet.summary().delivery().objects(), table.summary().delivery().objects());
        assertEquals(parquet.summary().delivery().bytes(), table.summary().delivery().bytes());
        assertTrue(table.notes().stream().anyMatch(n -> n.startsWith("delivery.format ICEBERG: simulated as Parquet")),
                table.notes().toString());
        assertTrue(parquet.notes().stream().noneMatch(n -> n.contains("ICEBERG")));
    }

    private static final String READERS = """
            name: readers
            stream: {shards: 2}
            producers: {ratePerSecond: 1800, batchSize: 100, recordSize: {shape: FIXED, min: 1000, max: 1000}}
            consumers: {applications: 4}
            run: {duration: PT3M, warmup: PT0S}
            """;

    /**
     * Four shared-throughput applications each want 0.9 MB/s of every shard, 3.6 MB/s against the shard's 2 MiB/s
     * read limit, so they must be throttled and fall behind; as enhanced fan-out consumers each has its own 2 MiB/s
     * per shard and keeps up.
     */
    @Test
    void simulate_fourConsumersOverTheSharedReadLimit_fallBehindUnlessFanOut() {
        RunResult shared = new Simulation(ScenarioLoader.load(READERS, "r.yaml", List.of()), line -> { }).run(FIXED);
        RunResult fanOut = new Simulation(ScenarioLoader.load(READERS, "r.yaml", List.of("consumers.fanOut=true")), line -> { })
                .run(FIXED);
        assertTrue(shared.summary().consumers().readThrottled() > 0);
        assertTrue(shared.summary().consumers().finalLagRecords() > 60_000, shared.summary().consumers().toString());
        assertEquals(0, fanOut.summary().consumers().readThrottled());
        // Fan-out keeps up within a tick of arrival: at most one tick's records (180) behind at the end.
        assertTrue(fanOut.summary().consumers().finalLagRecords() <= 180, fanOut.summary().consumers().toString());
        assertEquals(4 * fanOut.summary().acceptedRecords() - 4 * fanOut.summary().consumers().finalLagRecords(),
                fanOut.summary().consumers().consumedRecords(), 4 * 180);
    }

    /**
     * ON_DEMAND at 6,000 records/s: the stream starts with 4 shards (4,000 records/s); when the first 60 s window is
     * covered the offered rate is 6 shards' worth, over 80 % of 4, so it scales to min(2 x 4, ceil(2 x 6)) = 8 shards
     * and stays there (6 < 0.8 x 8). Throttled in the first minute: 6,000 x 60 offered - (4,000 x 60 + 4,000 banked)
     * admitted = 116,000; the 100 ms ticks move that by at most a tick's refill of all shards (400) and records (600).
     */
    @Test
    void simulate_onDemand_scalesByTheEngineRuleAndThrottlesUntilThen() {
        RunResult r = new Simulation(ScenarioLoader.load("""
                name: od
                stream: {capacityMode: ON_DEMAND}
                producers: {ratePerSecond: 6000, batchSize: 500, partitionKeys: {count: 100000}}
                run: {duration: PT2M, warmup: PT0S}
                """, "od.yaml", List.of()), line -> { }).run(FIXED);
        assertTrue(r.notes().stream().anyMatch(n -> n.contains("it scaled at 00:01:00 from 4 to 8 shards.")), r.notes().toString());
        assertEquals(116_000, r.summary().throttledRecords(), 1_000);
    }
}
