package dev.sluice.examples.transform;

import dev.sluice.transform.ErrorCode;
import dev.sluice.transform.ProcessingResponse;
import dev.sluice.transform.ProcessingResult;
import dev.sluice.transform.Processor;
import dev.sluice.transform.SourceRecord;
import dev.sluice.transform.TransformRunner;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;

/**
 * Cleans a clickstream before delivery: masks PII, drops debug events, and extracts {@code customer_id} and the
 * event hour as dynamic-partitioning keys with real JQ, on a {@link TransformRunner}.
 *
 * <p>Run: {@code mvn -B -q -pl examples -am -DskipTests package && java -cp examples/target/sluice-demo.jar
 * dev.sluice.examples.transform.ClickstreamTransformExample [--records N]} (default 1,000 records).
 */
public final class ClickstreamTransformExample {

    private static final int DEFAULT_RECORDS = 1_000;

    private ClickstreamTransformExample() {
    }

    /**
     * Runs the example; exits with status 1 if the results do not account for every record.
     *
     * @param args {@code --records N} (default 1,000)
     * @throws Exception if the runner fails
     */
    public static void main(String[] args) throws Exception {
        if (!run(args)) {
            System.exit(1);
        }
    }

    /**
     * Runs the example.
     *
     * @param args as {@link #main}
     * @return whether {@code in = Ok + Dropped + ProcessingFailed}, one result per record
     * @throws Exception if the runner fails
     */
    static boolean run(String[] args) throws Exception {
        int count = DEFAULT_RECORDS;
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--records")) {
                count = Integer.parseInt(args[++i]);
            } else {
                throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        Map<String, String> partitionKeys = new LinkedHashMap<>();
        partitionKeys.put("customer_id", ".customer_id");
        // fromdateiso8601 also rejects a malformed event_time, so such records fail instead of landing in a bad partition.
        partitionKeys.put("event_hour", ".event_time | fromdateiso8601 | . - (. % 3600) | todateiso8601 | .[0:13]");

        Processor clickstream = Processor.chain(
                Processor.maskFields("email", "phone"),
                Processor.maskPatterns("\\b\\d{1,3}(\\.\\d{1,3}){3}\\b"),
                Processor.filter(".level != \"debug\""),
                Processor.metadataExtraction(partitionKeys),
                Processor.appendNewline());

        SimpleMeterRegistry metrics = new SimpleMeterRegistry();
        List<SourceRecord> sample = sample(count);
        List<ProcessingResult> results = new ArrayList<>(count);
        try (TransformRunner runner = TransformRunner.builder()
                .name("clickstream")
                .processor(clickstream)
                .bufferSizeBytes(64 * 1024)
                .bufferInterval(Duration.ofMillis(200))
                .meterRegistry(metrics)
                .build()) {
            List<CompletableFuture<ProcessingResponse>> submitted = new ArrayList<>();
            for (int from = 0; from < sample.size(); from += 100) {
                submitted.add(runner.submit(sample.subList(from, Math.min(sample.size(), from + 100))));
            }
            for (CompletableFuture<ProcessingResponse> future : submitted) {
                results.addAll(future.get().records());
            }
            // Read the meters while the runner is open: close() removes them from the registry.
            System.out.printf("Metrics: ExecuteProcessing.Duration count=%d, SucceedProcessing.Records=%.0f, "
                            + "SucceedProcessing.Bytes=%.0f%n%n",
                    metrics.get("ExecuteProcessing.Duration").timer().count(),
                    metrics.get("SucceedProcessing.Records").counter().count(),
                    metrics.get("SucceedProcessing.Bytes").counter().count());
        }

        return print(clickstream, sample.size(), results);
    }

    private static boolean print(Processor chain, int in, List<ProcessingResult> results) {
        int ok = 0;
        int dropped = 0;
        Map<ErrorCode, Integer> failures = new EnumMap<>(ErrorCode.class);
        List<ProcessingResult.Ok> someOk = new ArrayList<>();
        List<ProcessingResult.ProcessingFailed> someFailed = new ArrayList<>();
        for (ProcessingResult result : results) {
            if (result instanceof ProcessingResult.Ok okResult) {
                ok++;
                if (someOk.size() < 3) {
                    someOk.add(okResult);
                }
            } else if (result instanceof ProcessingResult.Dropped) {
                dropped++;
            } else if (result instanceof ProcessingResult.ProcessingFailed failed) {
                failures.merge(failed.errorCode(), 1, Integer::sum);
                if (someFailed.size() < 3) {
                    someFailed.add(failed);
                }
            }
        }
        int failed = failures.values().stream().mapToInt(Integer::intValue).sum();
        boolean reconciled = results.size() == in && ok + dropped + failed == in;
        System.out.println("Chain: " + chain);
        System.out.printf("%d records in = Ok %d + Dropped %d (debug events) + ProcessingFailed %d %s -> %s%n",
                in, ok, dropped, failed, failures, reconciled ? "reconciled" : "NOT RECONCILED");
        System.out.println();
        System.out.println("Some Ok records:");
        for (ProcessingResult.Ok result : someOk) {
            String data = StandardCharsets.UTF_8.decode(result.data()).toString().stripTrailing();
            System.out.printf("  %-6s partitionKeys=%s%n         %s%n", result.recordId(), result.partitionKeys(), data);
        }
        System.out.println();
        System.out.println("Some failures (these would go to the error output):");
        for (ProcessingResult.ProcessingFailed failure : someFailed) {
            System.out.printf("  %s %s%n", failure.errorCode(), failure.errorMessage());
        }
        return reconciled;
    }

    /** Generated clickstream: about 20% debug events, and every 97th record broken in one of two ways. */
    static List<SourceRecord> sample(int count) {
        SplittableRandom random = new SplittableRandom(2026);
        String[] events = {"page_view", "page_view", "add_to_cart", "search", "purchase"};
        String[] levels = {"info", "info", "info", "warn", "debug"};
        Instant arrival = Instant.parse("2026-05-04T12:00:00Z");
        List<SourceRecord> records = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            int customer = random.nextInt(50);
            String eventTime = String.format("2026-05-04T%02d:%02d:%02dZ", 10 + random.nextInt(3), random.nextInt(60),
                    random.nextInt(60));
            String json;
            if (i % 97 == 13) {
                json = "{\"customer_id\":\"c-" + customer + "\",\"event_type\":\"page_view\",\"level\":\"info\","
                        + "\"event_time\":\"yesterday\"}";
            } else if (i % 97 == 50) {
                json = "{\"customer_id\":\"c-" + customer + "\",\"event_type\":";
            } else {
                json = "{\"customer_id\":\"c-" + customer + "\",\"email\":\"user" + customer + "@example.com\","
                        + "\"phone\":\"+1-555-01" + String.format("%02d", customer) + "\",\"event_type\":\""
                        + events[random.nextInt(events.length)] + "\",\"level\":\"" + levels[random.nextInt(levels.length)]
                        + "\",\"page\":\"/p/" + random.nextInt(500) + "\",\"client\":{\"ip\":\"192.168.1."
                        + random.nextInt(256) + "\",\"agent\":\"Firefox\"},\"event_time\":\"" + eventTime + "\"}";
            }
            records.add(new SourceRecord("r" + i, arrival.plusMillis(i), json.getBytes(StandardCharsets.UTF_8)));
        }
        return records;
    }
}
