package dev.sluice.perf.bench.measure;

import dev.sluice.perf.bench.BenchMain;
import dev.sluice.perf.bench.scenario.Scenario;
import dev.sluice.perf.bench.workload.Workload;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KafkaMeasurementTest {

    @Test
    void sentNanos_readsTheWorkloadsPaddedFieldAndAReserializedOne() {
        Scenario.ProducerSpec spec = dev.sluice.perf.bench.scenario.ScenarioLoader.preset("clickstream",
                java.util.List.of()).scenario().producers();
        byte[] written = new Workload(spec, 1, 0, 1).nextData(123_456_789L, "k");
        assertEquals(123_456_789L, KafkaMeasurement.sentNanos(ByteBuffer.wrap(written)));
        assertEquals(42L, KafkaMeasurement.sentNanos(ByteBuffer.wrap("{\"seq\":1,\"t\":42,\"key\":\"k\"}"
                .getBytes(StandardCharsets.US_ASCII))));
        assertEquals(0L, KafkaMeasurement.sentNanos(ByteBuffer.wrap("{\"seq\":1}".getBytes(StandardCharsets.US_ASCII))));
    }

    @Test
    void kafkaOption_outsideMeasureMode_exitsTwo(@TempDir Path out) {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = BenchMain.run(new String[] {"run", "--preset", "clickstream", "--mode", "simulate", "--kafka",
                "127.0.0.1:9092", "--out", out.toString()}, new PrintStream(new ByteArrayOutputStream(), true,
                StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(2, code);
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("--kafka needs measure mode"), err.toString());
    }

    @Test
    void kafkaOption_withAnIcebergDesign_exitsTwoNamingTheFormat(@TempDir Path out) {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = BenchMain.run(new String[] {"run", "--preset", "clickstream", "--set", "delivery.format=ICEBERG",
                "--kafka", "127.0.0.1:9", "--out", out.toString()}, new PrintStream(new ByteArrayOutputStream(), true,
                StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(2, code, err.toString(StandardCharsets.UTF_8));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("delivery.format ICEBERG is not supported with"
                + " --kafka"), err.toString(StandardCharsets.UTF_8));
    }
}
