package dev.sluice.perf.bench;

import dev.sluice.perf.bench.measure.Measurement;
import dev.sluice.perf.bench.reporting.RunResult;
import dev.sluice.perf.bench.scenario.ScenarioLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A short real run: every accepted record is delivered into real files, and the figures say measured. */
class MeasurementIT {

    @Test
    void measure_shortRun_reconcilesAndWritesObjects(@TempDir Path dir) throws Exception {
        String scenario = """
                name: short
                stream: {shards: 2}
                producers: {ratePerSecond: 2000, batchSize: 50}
                consumers: {applications: 1}
                delivery: {enabled: true, bufferSize: 65536, bufferInterval: PT1S, format: JSON, compression: GZIP,
                           partitionBy: [type], transforms: [{type: dropFields, fields: [pad]}]}
                run: {duration: PT2S, warmup: PT0S}
                """;
        RunResult r = new Measurement(ScenarioLoader.load(scenario, "short.yaml", List.of()), dir, line -> { })
                .run(SimulationTest.FIXED);
        assertEquals(RunResult.MEASURED, r.mode());
        RunResult.Reconciliation rc = r.summary().reconciliation();
        assertTrue(rc.balanced(), rc.toString());
        assertTrue(rc.delivered() > 0 && rc.failed() == 0, rc.toString());
        assertTrue(r.summary().latency().count() > 0);
        assertEquals(0, r.summary().consumers().finalLagRecords());
        long files;
        try (Stream<Path> walk = Files.walk(dir.resolve("bucket-1"))) {
            files = walk.filter(Files::isRegularFile).count();
        }
        assertEquals(r.summary().delivery().objects(), files);
    }

    @Test
    void measure_onDemandStreamWithFanOutConsumers_consumesEveryRecord(@TempDir Path dir) throws Exception {
        String scenario = """
                name: od-fanout
                stream: {capacityMode: ON_DEMAND}
                producers: {ratePerSecond: 1000, batchSize: 20}
                consumers: {applications: 2, fanOut: true}
                run: {duration: PT2S, warmup: PT0S}
                """;
        RunResult r = new Measurement(ScenarioLoader.load(scenario, "od.yaml", List.of()), dir, line -> { })
                .run(SimulationTest.FIXED);
        assertTrue(r.notes().stream().anyMatch(n -> n.startsWith("ON_DEMAND stream: created with 4 shards")), r.notes().toString());
        assertTrue(r.notes().stream().anyMatch(n -> n.contains("enhanced fan-out")), r.notes().toString());
        assertEquals(0, r.summary().consumers().finalLagRecords());
        assertTrue(r.summary().endToEnd().count() > 0);
    }
}
