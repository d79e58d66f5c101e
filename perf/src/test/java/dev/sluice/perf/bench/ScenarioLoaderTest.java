package dev.sluice.perf.bench;

import dev.sluice.perf.bench.scenario.Scenario;
import dev.sluice.perf.bench.scenario.ScenarioException;
import dev.sluice.perf.bench.scenario.ScenarioLoader;
import dev.sluice.stream.ThrottleMode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ScenarioLoaderTest {

    @Test
    void preset_everyPreset_loadsAndValidates() {
        for (String name : ScenarioLoader.PRESETS) {
            Scenario s = ScenarioLoader.preset(name, List.of()).scenario();
            assertEquals(name, s.name());
            assertTrue(s.delivery().enabled(), name + " has a delivery stream");
        }
        assertEquals(Scenario.KeyShape.HOT, ScenarioLoader.preset("iot-telemetry", List.of()).scenario().producers().partitionKeys().shape());
        assertEquals(Scenario.Codec.GZIP, ScenarioLoader.preset("log-shipping", List.of()).scenario().delivery().compression());
        assertEquals(Scenario.KeyShape.SEQUENTIAL, ScenarioLoader.preset("cdc", List.of()).scenario().producers().partitionKeys().shape());
    }

    @Test
    void file_whenUnknownKey_namesItsPathAndTheAllowedKeys(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("bad.yaml");
        Files.writeString(file, "name: x\nstream:\n  shard: 4\n");
        ScenarioException e = assertThrows(ScenarioException.class, () -> ScenarioLoader.file(file, List.of()));
        assertTrue(e.getMessage().contains("unknown field 'stream.shard'"), e.getMessage());
        assertTrue(e.getMessage().contains("shards, capacityMode, throttleMode, retention, storage"), e.getMessage());
        assertTrue(e.getMessage().startsWith(file.toString()), e.getMessage());
    }

    @Test
    void load_whenShardsOutOfRange_namesFieldLimitAndValue() {
        ScenarioException e = assertThrows(ScenarioException.class,
                () -> ScenarioLoader.load("name: x\nstream: {shards: 0}\n", "t.yaml", List.of()));
        assertEquals("t.yaml: stream.shards must be in [1, 500] but was 0", e.getMessage());
    }

    @Test
    void load_whenBatchOverPutRecordsLimit_namesLimit() {
        ScenarioException e = assertThrows(ScenarioException.class,
                () -> ScenarioLoader.load("producers: {batchSize: 501}\n", "t.yaml", List.of()));
        assertEquals("t.yaml: producers.batchSize must be in [1, 500] but was 501", e.getMessage());
    }

    @Test
    void load_whenRetentionUnderKinesisMinimum_namesRange() {
        ScenarioException e = assertThrows(ScenarioException.class,
                () -> ScenarioLoader.load("stream: {retention: PT1H}\n", "t.yaml", List.of()));
        assertEquals("t.yaml: stream.retention must be in [PT24H, PT8760H] but was PT1H", e.getMessage());
    }

    @Test
    void load_whenIcebergCommitIntervalOverAMinute_namesRange_andDefaultsToTheDestinations() {
        ScenarioException e = assertThrows(ScenarioException.class, () -> ScenarioLoader.load(
                "delivery: {enabled: true, format: ICEBERG, icebergCommitInterval: PT2M}\n", "t.yaml", List.of()));
        assertEquals("t.yaml: delivery.icebergCommitInterval must be in [PT0S, PT1M] but was PT2M", e.getMessage());
        Scenario defaulted = ScenarioLoader.load("delivery: {enabled: true, format: ICEBERG}\n", "t.yaml", List.of())
                .scenario();
        assertEquals(dev.sluice.iceberg.IcebergDestination.DEFAULT_MIN_COMMIT_INTERVAL,
                defaulted.delivery().icebergCommitInterval());
    }

    @Test
    void load_whenWrongType_namesField() {
        ScenarioException e = assertThrows(ScenarioException.class,
                () -> ScenarioLoader.load("stream: {shards: four}\n", "t.yaml", List.of()));
        assertEquals("t.yaml: stream.shards cannot be 'four'", e.getMessage());
    }

    @Test
    void load_whenUnknownEnumValue_namesFieldAndValue() {
        ScenarioException e = assertThrows(ScenarioException.class,
                () -> ScenarioLoader.load("delivery: {format: AVRO}\n", "t.yaml", List.of()));
        assertEquals("t.yaml: delivery.format cannot be 'AVRO' (one of [JSON, PARQUET, ICEBERG])", e.getMessage());
    }

    @Test
    void load_whenDurationNotIso_showsTheForm() {
        ScenarioException e = assertThrows(ScenarioException.class,
                () -> ScenarioLoader.load("run: {duration: 1h}\n", "t.yaml", List.of()));
        assertEquals("t.yaml: run.duration cannot be '1h' (an ISO-8601 duration such as PT30S or PT1H)", e.getMessage());
    }

    @Test
    void load_whenUnknownKeyInsideAListElement_namesItsPath() {
        ScenarioException e = assertThrows(ScenarioException.class, () -> ScenarioLoader.load(
                "delivery: {enabled: true, transforms: [{type: filter, qury: '.a'}]}\n", "t.yaml", List.of()));
        assertEquals("t.yaml: unknown field 'delivery.transforms[0].qury'; fields allowed there: fields, query, type",
                e.getMessage());
    }

    @Test
    void load_whenDurationOverLimit_namesRange() {
        ScenarioException e = assertThrows(ScenarioException.class,
                () -> ScenarioLoader.load("run: {duration: PT200H}\n", "t.yaml", List.of()));
        assertEquals("t.yaml: run.duration must be in [PT1S, PT168H] but was PT200H", e.getMessage());
    }

    @Test
    void load_whenNotYaml_saysWhere() {
        ScenarioException e = assertThrows(ScenarioException.class,
                () -> ScenarioLoader.load("stream: {shards: [\n", "t.yaml", List.of()));
        assertTrue(e.getMessage().startsWith("t.yaml: not valid YAML/JSON"), e.getMessage());
    }

    @Test
    void load_whenHotShareOverOne_namesRange() {
        ScenarioException e = assertThrows(ScenarioException.class, () -> ScenarioLoader.load(
                "producers: {partitionKeys: {shape: HOT, count: 100, hotKeys: 5, hotShare: 1.5}}\n", "t.yaml", List.of()));
        assertEquals("t.yaml: producers.partitionKeys.hotShare must be in [0, 1] but was 1.5", e.getMessage());
    }

    @Test
    void load_jsonFile_isAccepted() {
        Scenario s = ScenarioLoader.load("{\"name\":\"j\",\"stream\":{\"shards\":3},\"run\":{\"duration\":\"PT2M\"}}",
                "t.json", List.of()).scenario();
        assertEquals(3, s.stream().shards());
        assertEquals(Duration.ofMinutes(2), s.run().duration());
    }

    @Test
    void override_setsAnyField_andLaterOverridesWin() {
        Scenario s = ScenarioLoader.preset("clickstream", List.of("stream.shards=8", "run.duration=PT1H",
                "delivery.partitionBy=[type, key]", "stream.shards=9")).scenario();
        assertEquals(9, s.stream().shards());
        assertEquals(Duration.ofHours(1), s.run().duration());
        assertEquals(List.of("type", "key"), s.delivery().partitionBy());
    }

    @Test
    void override_whenUnknownPath_namesIt() {
        ScenarioException e = assertThrows(ScenarioException.class,
                () -> ScenarioLoader.preset("clickstream", List.of("producers.rate=5")));
        assertTrue(e.getMessage().contains("unknown field 'producers.rate'"), e.getMessage());
    }

    @Test
    void override_whenNoEquals_explainsTheForm() {
        ScenarioException e = assertThrows(ScenarioException.class,
                () -> ScenarioLoader.preset("clickstream", List.of("stream.shards")));
        assertTrue(e.getMessage().contains("must be path=value"), e.getMessage());
    }

    @Test
    void preset_whenUnknown_listsPresets() {
        ScenarioException e = assertThrows(ScenarioException.class, () -> ScenarioLoader.preset("nope", List.of()));
        assertEquals("unknown preset 'nope'; presets: clickstream, iot-telemetry, log-shipping, cdc, soak", e.getMessage());
    }

    @Test
    @Timeout(10)
    void override_throttleModeOff_isTheEnumValueNotABoolean() {
        // YAML 1.1 reads a bare OFF as false; the bench must take it as typed.
        Scenario s = ScenarioLoader.preset("clickstream", List.of("stream.throttleMode=OFF")).scenario();
        assertEquals(ThrottleMode.OFF, s.stream().throttleMode());
    }

    @Test
    @Timeout(10)
    void enumValues_inAnyCase_inFilesAndOverrides_areAccepted() {
        Scenario s = ScenarioLoader.load("stream: {throttleMode: Block, storage: durable}\ndelivery: {format: parquet}\n",
                "t.yaml", List.of("stream.capacityMode=on_demand")).scenario();
        assertEquals(ThrottleMode.BLOCK, s.stream().throttleMode());
        assertEquals(Scenario.StorageKind.DURABLE, s.stream().storage());
        assertEquals(Scenario.Format.PARQUET, s.delivery().format());
        assertEquals(Scenario.CapacityMode.ON_DEMAND, s.stream().capacityMode());
        assertEquals(ThrottleMode.OFF, ScenarioLoader.load("stream: {throttleMode: off}\n", "t.yaml", List.of())
                .scenario().stream().throttleMode());
    }

    @Test
    @Timeout(10)
    void booleans_trueAndFalse_stillReadAsBooleans() {
        Scenario s = ScenarioLoader.preset("clickstream", List.of("delivery.enabled=false", "consumers.fanOut=true")).scenario();
        assertEquals(false, s.delivery().enabled());
        assertEquals(true, s.consumers().fanOut());
    }

    @Test
    @Timeout(10)
    void override_whenThrottleModeUnknown_listsTheValues() {
        ScenarioException e = assertThrows(ScenarioException.class,
                () -> ScenarioLoader.preset("clickstream", List.of("stream.throttleMode=SLOW")));
        assertEquals("preset:clickstream: stream.throttleMode cannot be 'SLOW' (one of [REJECT, BLOCK, OFF])", e.getMessage());
    }
}
