package dev.sluice.transform.internal;

import dev.sluice.transform.ProcessingResult;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Firehose's data-transformation metrics as Micrometer meters, tagged {@code DeliveryStreamName=<runner name>}.
 *
 * <p>Design note: {@code ExecuteProcessing.Duration} times each function attempt (or each batch, for a chain
 * without a function) with the runner's ticker. {@code ExecuteProcessing.Success} is a summary of 1 (success)
 * and 0 (failure or timeout) per attempt, so its mean is Firehose's success ratio and its count the number of
 * attempts. {@code SucceedProcessing.Records} counts {@code Ok} and {@code Dropped} results (Firehose counts
 * both as processed); {@code SucceedProcessing.Bytes} counts the bytes of {@code Ok} data. Meters are
 * removed from the registry when the runner closes.
 */
final class RunnerMetrics {

    static final String TAG = "DeliveryStreamName";

    private final MeterRegistry registry;
    private final Timer duration;
    private final DistributionSummary success;
    private final Counter records;
    private final Counter bytes;

    RunnerMetrics(MeterRegistry registry, String name) {
        this.registry = registry;
        this.duration = Timer.builder("ExecuteProcessing.Duration").tag(TAG, name)
                .description("Time of each transformation invocation").register(registry);
        this.success = DistributionSummary.builder("ExecuteProcessing.Success").tag(TAG, name)
                .description("1 per successful invocation, 0 per failed or timed-out one").register(registry);
        this.records = Counter.builder("SucceedProcessing.Records").tag(TAG, name)
                .description("Records processed successfully (Ok or Dropped)").register(registry);
        this.bytes = Counter.builder("SucceedProcessing.Bytes").tag(TAG, name).baseUnit("bytes")
                .description("Bytes of successfully transformed (Ok) records").register(registry);
    }

    void invocation(long nanos, boolean succeeded) {
        duration.record(Math.max(0, nanos), TimeUnit.NANOSECONDS);
        success.record(succeeded ? 1 : 0);
    }

    void processed(List<List<ProcessingResult>> bySource) {
        long count = 0;
        long total = 0;
        for (List<ProcessingResult> results : bySource) {
            for (ProcessingResult result : results) {
                if (result instanceof ProcessingResult.Ok ok) {
                    count++;
                    total += ok.data().remaining();
                } else if (result instanceof ProcessingResult.Dropped) {
                    count++;
                }
            }
        }
        records.increment(count);
        bytes.increment(total);
    }

    void close() {
        for (Meter meter : List.<Meter>of(duration, success, records, bytes)) {
            registry.remove(meter);
        }
    }
}
