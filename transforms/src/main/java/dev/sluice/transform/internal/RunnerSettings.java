package dev.sluice.transform.internal;

import dev.sluice.stream.Ticker;
import io.micrometer.core.instrument.MeterRegistry;

import java.time.Duration;
import java.util.Optional;

/**
 * Validated runner configuration, handed from the public builder to {@link RunnerCore}.
 *
 * @param name the runner name, used in thread names, messages and the metrics tag
 * @param bufferSizeBytes invoke once this many bytes are buffered
 * @param bufferInterval invoke once the oldest buffered record has waited this long; zero means at once
 * @param invocationTimeout how long one function attempt may run
 * @param numberOfRetries attempts after the first
 * @param retryBackoff wait before the first retry; doubles per retry up to {@code maxRetryBackoff}
 * @param maxRetryBackoff cap of the retry wait
 * @param maxConcurrency worker threads, so concurrent invocations
 * @param ticker the time source for every deadline
 * @param meterRegistry where metrics go
 * @param deliveryStreamArn the ARN put in requests
 * @param region the region put in requests
 * @param sourceKinesisStreamArn the source-stream ARN put in requests, if any
 */
public record RunnerSettings(String name, long bufferSizeBytes, Duration bufferInterval, Duration invocationTimeout,
                             int numberOfRetries, Duration retryBackoff, Duration maxRetryBackoff, int maxConcurrency,
                             Ticker ticker, MeterRegistry meterRegistry, String deliveryStreamArn, String region,
                             Optional<String> sourceKinesisStreamArn) {
}
