package dev.sluice.delivery;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** Runs the Parquet write path; loaded by {@link NoHadoopTest} in a class loader that has no Hadoop. */
public final class NoHadoopProbe {

    private NoHadoopProbe() {
    }

    /**
     * Writes one Parquet object per codec into {@code bucket}.
     *
     * @param bucket the bucket directory
     * @return the number of records delivered
     */
    public static long run(Path bucket) {
        long delivered = 0;
        for (ParquetConversion.Codec codec : ParquetConversion.Codec.values()) {
            try (DeliveryStream stream = DeliveryStream.builder().name("nohadoop").sink(Sink.localBucket(bucket))
                    .outputFormat(OutputFormat.parquet(ParquetConversion.of(ParquetConversionTest.SCHEMA)
                            .withCompression(codec).withDictionary(true)))
                    .build()) {
                for (int i = 0; i < 10; i++) {
                    stream.putRecord(("{\"id\":" + i + ",\"user\":\"u\",\"ts\":1}").getBytes(StandardCharsets.UTF_8));
                }
                stream.flush();
                delivered += stream.stats().deliveredRecords();
            }
        }
        return delivered;
    }
}
