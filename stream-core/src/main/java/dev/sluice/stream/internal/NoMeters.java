package dev.sluice.stream.internal;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.noop.NoopCounter;
import io.micrometer.core.instrument.noop.NoopDistributionSummary;
import io.micrometer.core.instrument.noop.NoopTimer;

/**
 * The meters of an engine built without a meter registry: one shared no-op meter of each kind, which the hot paths call
 * as they call registered ones.
 *
 * <p>Design note: an engine given no registry has meters no one can read (the builder's default registry was never
 * exposed), yet creating a Micrometer registry and registering a stream's thirty meters in it loaded about 250 classes
 * (the registry, its configuration, naming, histograms and SLF4J behind Micrometer's own logging) and was the largest
 * part of an engine's first start in a fresh JVM. Without a registry only Micrometer's meter interfaces and these
 * three no-op classes load, and gauges are not created at all. With a registry nothing changes.
 *
 * <p>Thread-safety: the meters are stateless.
 */
final class NoMeters {

    static final Counter COUNTER = new NoopCounter(id(Meter.Type.COUNTER));
    static final Timer TIMER = new NoopTimer(id(Meter.Type.TIMER));
    static final DistributionSummary SUMMARY = new NoopDistributionSummary(id(Meter.Type.DISTRIBUTION_SUMMARY));

    private NoMeters() {
    }

    private static Meter.Id id(Meter.Type type) {
        return new Meter.Id("sluice.unregistered", Tags.empty(), null, null, type);
    }
}
