package dev.sluice.perf.transform;

import dev.sluice.transform.ProcessingRequest;
import dev.sluice.transform.ProcessingResponse;
import dev.sluice.transform.ProcessingResult;
import dev.sluice.transform.Processor;
import dev.sluice.transform.SourceRecord;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * Per-transform throughput of the built-in processors on ~200-byte JSON (or CSV) records, in records per second
 * on one thread.
 *
 * <p>Each operation runs {@link Processor#process} over a batch of {@link #BATCH} records, so the figure includes
 * the public API's costs (copying each record in and each result out), not just the parser. Records differ in
 * their values (seeded), so branch prediction does not memorise one record. Target from issue #4: JSON
 * projection at 500,000 records/s or more on one core.
 *
 * <pre>
 * mvn -B -q -pl perf -am -DskipTests package
 * java -jar perf/target/sluice-perf.jar 'dev.sluice.perf.transform.*' -f 1 -wi 2 -i 3 -w 2s -r 2s -t 1
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class TransformBenchmark {

    /** Records per {@code process} call; about 40 KiB, a small Firehose invocation. */
    static final int BATCH = 200;

    private static final List<String> CSV_COLUMNS = List.of("event_id", "customer_id", "email", "event_type", "level",
            "page", "event_time", "ip", "referrer", "user_agent");

    private final Processor projection = Processor.projectFields("customer_id", "event_type", "event_time", "page");
    private final Processor maskFields = Processor.maskFields("email", "ip");
    private final Processor maskPatterns = Processor.maskPatterns("[\\w.+-]+@[\\w-]+\\.[\\w.]+");
    private final Processor jqPartitionKey = Processor.metadataExtraction(Map.of("customer_id", ".customer_id"));
    private final Processor csvToJson = Processor.csvToJson(CSV_COLUMNS);
    private final Processor clickstreamChain = Processor.chain(
            Processor.maskFields("email", "ip"),
            Processor.filter(".level != \"debug\""),
            Processor.metadataExtraction(Map.of("customer_id", ".customer_id", "event_date", ".event_time[0:10]")),
            Processor.appendNewline());

    private ProcessingRequest json;
    private ProcessingRequest csv;

    @Setup(Level.Trial)
    public void setUp() {
        SplittableRandom random = new SplittableRandom(4);
        List<SourceRecord> jsonRecords = new ArrayList<>(BATCH);
        List<SourceRecord> csvRecords = new ArrayList<>(BATCH);
        Instant arrival = Instant.parse("2026-01-01T00:00:00Z");
        String[] types = {"page_view", "add_to_cart", "purchase", "search"};
        String[] levels = {"info", "info", "info", "warn"};
        for (int i = 0; i < BATCH; i++) {
            String eventId = String.format("%012x", random.nextLong(1L << 48));
            String customer = String.format("cust-%06d", random.nextInt(1_000_000));
            String email = "user" + random.nextInt(100_000) + "@example.com";
            String type = types[random.nextInt(types.length)];
            String level = levels[random.nextInt(levels.length)];
            String page = "/products/" + random.nextInt(10_000);
            String time = String.format("2026-01-%02dT%02d:%02d:%02dZ", 1 + random.nextInt(28), random.nextInt(24),
                    random.nextInt(60), random.nextInt(60));
            String ip = "10." + random.nextInt(256) + "." + random.nextInt(256) + "." + random.nextInt(256);
            String jsonText = "{\"event_id\":\"" + eventId + "\",\"customer_id\":\"" + customer + "\",\"email\":\"" + email
                    + "\",\"ip\":\"" + ip + "\",\"event_type\":\"" + type + "\",\"level\":\"" + level + "\",\"page\":\""
                    + page + "\",\"event_time\":\"" + time + "\"}";
            String csvText = eventId + "," + customer + "," + email + "," + type + "," + level + "," + page + "," + time
                    + "," + ip + ",https://www.example.com/ref,\"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36, like Gecko\"";
            jsonRecords.add(new SourceRecord("r" + i, arrival, jsonText.getBytes(StandardCharsets.UTF_8)));
            csvRecords.add(new SourceRecord("r" + i, arrival, csvText.getBytes(StandardCharsets.UTF_8)));
        }
        json = ProcessingRequest.of(jsonRecords);
        csv = ProcessingRequest.of(csvRecords);
        for (Processor processor : List.of(projection, maskFields, maskPatterns, jqPartitionKey, clickstreamChain)) {
            requireAllOk(processor.process(json), processor);
        }
        requireAllOk(csvToJson.process(csv), csvToJson);
    }

    /** Guards the benchmark against measuring the failure path. */
    private static void requireAllOk(ProcessingResponse response, Processor processor) {
        for (ProcessingResult result : response.records()) {
            if (!(result instanceof ProcessingResult.Ok) && !(result instanceof ProcessingResult.Dropped)) {
                throw new IllegalStateException(processor + " failed on benchmark data: " + result);
            }
        }
    }

    /** Average JSON record size, for the report. */
    public static void main(String[] args) {
        TransformBenchmark benchmark = new TransformBenchmark();
        benchmark.setUp();
        long jsonBytes = benchmark.json.records().stream().mapToLong(r -> r.data().remaining()).sum();
        long csvBytes = benchmark.csv.records().stream().mapToLong(r -> r.data().remaining()).sum();
        System.out.printf("average record size: JSON %d bytes, CSV %d bytes%n", jsonBytes / BATCH, csvBytes / BATCH);
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public ProcessingResponse projectFields() {
        return projection.process(json);
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public ProcessingResponse maskFields() {
        return maskFields.process(json);
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public ProcessingResponse maskPatterns() {
        return maskPatterns.process(json);
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public ProcessingResponse jqPartitionKey() {
        return jqPartitionKey.process(json);
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public ProcessingResponse csvToJson() {
        return csvToJson.process(csv);
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public ProcessingResponse clickstreamChain() {
        return clickstreamChain.process(json);
    }
}
