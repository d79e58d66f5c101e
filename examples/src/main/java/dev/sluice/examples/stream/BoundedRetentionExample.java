package dev.sluice.examples.stream;

import dev.sluice.stream.ConsumerApplication;
import dev.sluice.stream.CreateStreamRequest;
import dev.sluice.stream.ErrorCode;
import dev.sluice.stream.OverflowPolicy;
import dev.sluice.stream.PutRecordsRequestEntry;
import dev.sluice.stream.PutRecordsResult;
import dev.sluice.stream.PutRecordsResultEntry;
import dev.sluice.stream.ShardIteratorType;
import dev.sluice.stream.StreamEngine;
import dev.sluice.stream.ThrottleMode;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * A service that must run for months: its stream keeps at most 8 MiB (lossless: records its consumer application has
 * not checkpointed are never dropped), the consumer is slow for a while, and the producer is pushed back instead of the
 * process growing. 64 MiB go through the 8 MiB stream; every record is processed once, and memory stays bounded.
 *
 * <pre>{@code
 * java -cp examples/target/sluice-demo.jar dev.sluice.examples.stream.BoundedRetentionExample
 * }</pre>
 */
public final class BoundedRetentionExample {

    private static final String STREAM = "clicks";
    private static final long LIMIT = 8L << 20;
    private static final int RECORDS = 64 * 1024;

    private BoundedRetentionExample() {
    }

    /**
     * Runs the service.
     *
     * @param args none
     */
    public static void main(String[] args) {
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        AtomicLong processed = new AtomicLong();
        // Throttling off, so that only the byte limit pushes back on the producer here.
        try (StreamEngine engine = StreamEngine.builder().meterRegistry(meters).throttleMode(ThrottleMode.OFF).build()) {
            engine.createStream(CreateStreamRequest.of(STREAM, 2).withRetentionBytes(LIMIT)
                    .withOverflowPolicy(OverflowPolicy.REJECT));
            // The consumer application registers itself as a reader: the stream waits for its checkpoints.
            try (ConsumerApplication consumer = ConsumerApplication.builder(engine).applicationName("reporting")
                    .streamName(STREAM).initialPosition(ShardIteratorType.trimHorizon()).pollInterval(Duration.ofMillis(50))
                    .processor(input -> {
                        if (processed.get() < RECORDS / 4) {
                            LockSupport.parkNanos(Duration.ofMillis(20).toNanos()); // slow at first
                        }
                        processed.addAndGet(input.records().size());
                        input.checkpointer().checkpoint();
                    }).build()) {
                System.out.printf("Stream %s keeps at most %d MiB; it waits for the checkpoints of its readers %s"
                        + " (consumer application %s).%n", STREAM, LIMIT >> 20, engine.listReaders(STREAM),
                        consumer.applicationName());
                long pushedBack = produce(engine);
                while (processed.get() < RECORDS) {
                    LockSupport.parkNanos(Duration.ofMillis(10).toNanos());
                }
                System.out.printf("Put %,d records of 1 KiB through a stream limited to %d MiB: %,d processed,"
                        + " producer pushed back %,d times (retried after 10 ms).%n", RECORDS, LIMIT >> 20, processed.get(),
                        pushedBack);
                System.out.printf("Retention.RetainedBytes now %,.0f; Retention.TrimmedRecords %,.0f (only what the"
                        + " consumer checkpointed); Retention.RefusedRecords %,.0f.%n",
                        meters.get("Retention.RetainedBytes").gauge().value(),
                        meters.get("Retention.TrimmedRecords").counter().count(),
                        meters.get("Retention.RefusedRecords").counter().count());
            }
        }
    }

    /** Puts every record, retrying the entries refused at the limit (retryable, as for throttling) after a pause. */
    private static long produce(StreamEngine engine) {
        byte[] data = new byte[1020];
        long pushedBack = 0;
        List<PutRecordsRequestEntry> pending = new ArrayList<>();
        for (int i = 0; i < RECORDS; i++) {
            pending.add(PutRecordsRequestEntry.of(String.format("u%03d", i % 1000), data));
            if (pending.size() == 500 || i == RECORDS - 1) {
                while (!pending.isEmpty()) {
                    PutRecordsResult result = engine.putRecords(STREAM, pending);
                    List<PutRecordsRequestEntry> retry = new ArrayList<>();
                    for (int e = 0; e < pending.size(); e++) {
                        if (result.records().get(e) instanceof PutRecordsResultEntry.Failure failure) {
                            if (failure.errorCode() != ErrorCode.PROVISIONED_THROUGHPUT_EXCEEDED) {
                                throw new IllegalStateException(failure.errorMessage());
                            }
                            retry.add(pending.get(e));
                        }
                    }
                    if (!retry.isEmpty()) {
                        pushedBack++;
                        LockSupport.parkNanos(Duration.ofMillis(10).toNanos());
                    }
                    pending = retry;
                }
            }
        }
        return pushedBack;
    }
}
