package dev.sluice.perf.bench.sim;

import dev.sluice.delivery.DeliveryStats;
import dev.sluice.delivery.DeliveryStream;
import dev.sluice.delivery.Sink;
import dev.sluice.delivery.SinkResult;
import dev.sluice.perf.bench.scenario.DeliveryDesign;
import dev.sluice.perf.bench.scenario.Scenario;
import dev.sluice.perf.bench.workload.Workload;
import dev.sluice.stream.testing.ManualClock;

import java.util.ArrayList;
import java.util.List;

/**
 * What the delivery design does to bytes, measured once on a sample by the real {@link DeliveryStream}: the
 * simulator cannot encode a day of records, so it sizes objects with a line fitted to two real objects
 * (a small and a large one) of the scenario's own records, encoded by the scenario's transforms, format and codec.
 *
 * <p>Design note: {@code size = overheadBytes + bytesPerInputByte * inputBytes} captures both the per-object cost
 * (a Parquet footer and schema, a gzip header) and the codec's ratio. The sample comes from the seeded workload and
 * the encoders are deterministic, so the calibration is too.
 *
 * @param overheadBytes     fixed bytes per object
 * @param bytesPerInputByte object bytes per input byte, transforms and codec included
 * @param dropFraction      share of records the transforms dropped
 * @param sampleRecords     records in the sample
 */
record Calibration(double overheadBytes, double bytesPerInputByte, double dropFraction, int sampleRecords) {

    static final int SMALL = 200;
    static final int LARGE = 2_000;

    static Calibration measure(Scenario scenario) {
        Workload workload = new Workload(scenario.producers(), scenario.run().seed() ^ 0x5EED, 0, 1);
        List<Long> objectSizes = new ArrayList<>();
        Sink capture = object -> {
            synchronized (objectSizes) {
                objectSizes.add((long) object.content().remaining());
            }
            return SinkResult.CREATED;
        };
        long[] input = new long[2];
        DeliveryStats stats;
        try (DeliveryStream stream = DeliveryDesign.builder(scenario.delivery(), false, DeliveryDesign.flushOnly())
                .name("calibration").clock(new ManualClock()).sink(capture).build()) {
            int[] counts = {SMALL, LARGE};
            for (int round = 0; round < 2; round++) {
                for (int i = 0; i < counts[round]; i++) {
                    String key = workload.nextKey();
                    byte[] data = workload.nextData(i, key);
                    input[round] += data.length;
                    stream.putRecord(data);
                }
                stream.flush();
            }
            stats = stream.stats();
        }
        if (objectSizes.size() != 2) {
            throw new IllegalStateException("calibration expected 2 objects (one per flush) but the delivery stream wrote "
                    + objectSizes.size());
        }
        if (stats.errorOutputRecords() > 0) {
            throw new IllegalStateException("the delivery design fails records of this workload: "
                    + stats.errorOutputRecords() + " of " + stats.incomingRecords() + " calibration records went to the"
                    + " error output, so object sizes cannot be estimated; check delivery.transforms and delivery.format");
        }
        double slope = (double) (objectSizes.get(1) - objectSizes.get(0)) / (input[1] - input[0]);
        double overhead = Math.max(0, objectSizes.get(0) - slope * input[0]);
        double drop = stats.incomingRecords() == 0 ? 0 : (double) stats.droppedRecords() / stats.incomingRecords();
        return new Calibration(overhead, slope, drop, SMALL + LARGE);
    }
}
