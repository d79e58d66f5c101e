package dev.sluice.perf.delivery;

import dev.sluice.delivery.BufferingHints;
import dev.sluice.delivery.Compression;
import dev.sluice.delivery.DeliveryStream;
import dev.sluice.delivery.OutputFormat;
import dev.sluice.delivery.ParquetConversion;
import dev.sluice.delivery.PutRecordBatchResponse;
import dev.sluice.delivery.SinkResult;
import dev.sluice.delivery.internal.encode.ParquetRows;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.GZIPOutputStream;

/**
 * Delivery throughput against the bare libraries, in records per second, ~200-byte JSON records.
 *
 * <ul>
 *   <li>{@code parquetSnappyEndToEnd}: {@code putRecordBatch} (500 per call) of JSON into a delivery stream with
 *       Parquet SNAPPY conversion, then {@code flush()}: admission, coordinator, JSON to Avro, Parquet, one object
 *       to a sink that keeps only the byte count. Versus {@code parquetSnappyBareWriter}: the same rows, already
 *       Avro records, written by parquet-avro's writer through the shipped in-memory output file and Snappy codec
 *       ({@link ParquetRows#write}), with the page, row-group and dictionary settings of
 *       {@code ParquetConversion.of}, so reference and product write through the same code. Target: &gt;= 500,000
 *       records/s and &gt;= 40 % of the bare writer.</li>
 *   <li>{@code jsonLinesGzipEndToEnd}: the same path with JSON lines and GZIP. Versus {@code jsonLinesGzipBare}:
 *       the records and newlines through a bare {@code GZIPOutputStream}. Target: &gt;= 80 % of bare gzip.</li>
 * </ul>
 *
 * <p>One invocation handles {@link #RECORDS} records as one object, so per-object costs (writer set-up, flush
 * round trip) are included at a realistic object size (about 2 MB of JSON).
 *
 * <pre>
 * mvn -B -q install -DskipTests
 * java -jar perf/target/sluice-perf.jar 'dev.sluice.perf.delivery.*' -f 1 -wi 3 -i 5 -w 2s -r 3s -t 1
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class DeliveryBenchmark {

    /** Records per invocation: one object. */
    static final int RECORDS = 10_000;

    static final String SCHEMA = """
            {"type":"record","name":"Click","fields":[
              {"name":"event_id","type":"string"},
              {"name":"customer_id","type":"string"},
              {"name":"event_type","type":"string"},
              {"name":"level","type":"string"},
              {"name":"page","type":"string"},
              {"name":"amount","type":["null","double"],"default":null},
              {"name":"event_time","type":"long"}
            ]}""";

    private final List<byte[]> json = new ArrayList<>(RECORDS);
    private final List<GenericData.Record> rows = new ArrayList<>(RECORDS);
    private final AtomicLong sunk = new AtomicLong();
    private Schema schema;
    /** The bare writer: parquet-avro through the shipped in-memory output file and codec factory. */
    private ParquetRows rowWriter;
    private DeliveryStream parquet;
    private DeliveryStream gzip;

    @Setup(Level.Trial)
    public void setUp() {
        rowWriter = ParquetRows.of(SCHEMA, true);
        schema = rowWriter.avroSchema();
        SplittableRandom random = new SplittableRandom(5);
        String[] types = {"page_view", "add_to_cart", "purchase", "search"};
        String[] levels = {"info", "info", "info", "warn"};
        for (int i = 0; i < RECORDS; i++) {
            String eventId = String.format("%012x", random.nextLong(1L << 48));
            String customer = String.format("cust-%06d", random.nextInt(1_000_000));
            String type = types[random.nextInt(types.length)];
            String level = levels[random.nextInt(levels.length)];
            String page = "/products/category-" + random.nextInt(100) + "/item-" + random.nextInt(10_000);
            double amount = random.nextInt(100_000) / 100.0;
            long time = 1_767_225_600_000L + random.nextInt(86_400_000);
            json.add(("{\"event_id\":\"" + eventId + "\",\"customer_id\":\"" + customer + "\",\"event_type\":\"" + type
                    + "\",\"level\":\"" + level + "\",\"page\":\"" + page + "\",\"amount\":" + amount
                    + ",\"referrer\":\"https://www.example.com/\",\"event_time\":" + time + "}")
                    .getBytes(StandardCharsets.UTF_8));
            GenericData.Record row = new GenericData.Record(schema);
            row.put("event_id", eventId);
            row.put("customer_id", customer);
            row.put("event_type", type);
            row.put("level", level);
            row.put("page", page);
            row.put("amount", amount);
            row.put("event_time", time);
            rows.add(row);
        }
        BufferingHints oneObject = new BufferingHints(BufferingHints.MAX_SIZE_BYTES, BufferingHints.MAX_INTERVAL);
        parquet = DeliveryStream.builder().name("bench-parquet").deliveryThreads(1).bufferingHints(oneObject)
                .outputFormat(OutputFormat.parquet(ParquetConversion.of(SCHEMA)))
                .sink(object -> {
                    sunk.addAndGet(object.content().remaining());
                    return SinkResult.CREATED;
                }).build();
        gzip = DeliveryStream.builder().name("bench-gzip").deliveryThreads(1).bufferingHints(oneObject)
                .outputFormat(OutputFormat.jsonLines()).compression(Compression.GZIP)
                .sink(object -> {
                    sunk.addAndGet(object.content().remaining());
                    return SinkResult.CREATED;
                }).build();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        parquet.close();
        gzip.close();
        long json = this.json.stream().mapToLong(b -> b.length).sum();
        System.out.printf("%naverage JSON record %d bytes; bytes written %,d%n", json / RECORDS, sunk.get());
    }

    private long deliver(DeliveryStream stream) {
        for (int from = 0; from < RECORDS; from += 500) {
            PutRecordBatchResponse response = stream.putRecordBatch(json.subList(from, from + 500));
            if (response.failedPutCount() != 0) {
                throw new IllegalStateException("put failed: " + response.requestResponses().get(0));
            }
        }
        stream.flush(Duration.ofMinutes(1));
        return stream.stats().deliveredRecords();
    }

    @Benchmark
    @OperationsPerInvocation(RECORDS)
    public long parquetSnappyEndToEnd() {
        return deliver(parquet);
    }

    @Benchmark
    @OperationsPerInvocation(RECORDS)
    public long parquetSnappyBareWriter() throws IOException {
        return rowWriter.write(rows, rowWriter.messageType(), ParquetConversion.Codec.SNAPPY,
                ParquetConversion.DEFAULT_BLOCK_SIZE_BYTES, ParquetConversion.DEFAULT_PAGE_SIZE_BYTES, false).remaining();
    }

    @Benchmark
    @OperationsPerInvocation(RECORDS)
    public long jsonLinesGzipEndToEnd() {
        return deliver(gzip);
    }

    @Benchmark
    @OperationsPerInvocation(RECORDS)
    public long jsonLinesGzipBare() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(1 << 20);
        try (GZIPOutputStream out = new GZIPOutputStream(bytes, 64 * 1024)) {
            for (byte[] record : json) {
                out.write(record);
                out.write('\n');
            }
        }
        return bytes.size();
    }
}
