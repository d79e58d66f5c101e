package dev.sluice.perf.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.perf.bench.scenario.Scenario;
import dev.sluice.perf.bench.scenario.ScenarioLoader;
import dev.sluice.perf.bench.workload.Workload;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WorkloadTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void nextData_isValidJsonOfTheDrawnSize_withReadableSendTime() throws Exception {
        Scenario s = ScenarioLoader.load("producers: {recordSize: {shape: UNIFORM, min: 120, max: 900}}", "t", List.of()).scenario();
        Workload w = new Workload(s.producers(), 7, 0, 1);
        for (int i = 0; i < 1_000; i++) {
            String key = w.nextKey();
            byte[] data = w.nextData(123_456_789L + i, key);
            assertTrue(data.length >= 120 && data.length <= 900, "size " + data.length);
            JsonNode node = JSON.readTree(data);
            assertEquals(123_456_789L + i, node.get("t").asLong());
            assertEquals(123_456_789L + i, Workload.sentNanos(data));
            assertEquals(key, node.get("key").asText());
            assertEquals(node.get("type").asText(), Workload.field(data, "type"));
        }
    }

    @Test
    void nextKey_hot_sendsTheHotShareToTheHotKeys() {
        Scenario s = ScenarioLoader.load("producers: {partitionKeys: {shape: HOT, count: 10000, hotKeys: 10, hotShare: 0.4}}",
                "t", List.of()).scenario();
        Workload w = new Workload(s.producers(), 1, 0, 1);
        int hot = 0;
        int n = 100_000;
        for (int i = 0; i < n; i++) {
            int index = Integer.parseInt(w.nextKey().substring(4));
            if (index < 10) {
                hot++;
            }
        }
        // Binomial(100,000, 0.4): standard deviation ~155, so +-1,000 is more than 6 sigma.
        assertEquals(40_000, hot, 1_000);
    }

    @Test
    void nextKey_sequential_producersTogetherWalkKeysInOrder() {
        Scenario s = ScenarioLoader.load("producers: {partitionKeys: {shape: SEQUENTIAL, count: 5}}", "t", List.of()).scenario();
        Workload a = new Workload(s.producers(), 1, 0, 2);
        Workload b = new Workload(s.producers(), 1, 1, 2);
        Map<String, Integer> seen = new HashMap<>();
        StringBuilder order = new StringBuilder();
        for (int i = 0; i < 5; i++) {
            String ka = a.nextKey();
            a.nextData(0, ka);
            String kb = b.nextKey();
            b.nextData(0, kb);
            order.append(ka).append(' ').append(kb).append(' ');
            seen.merge(ka, 1, Integer::sum);
        }
        assertEquals("key-0 key-1 key-2 key-3 key-4 key-0 key-1 key-2 key-3 key-4 ", order.toString());
    }
}
