package dev.sluice.delivery;

/**
 * Output compression when no record-format conversion is configured: Firehose's {@code CompressionFormat}, plus
 * ZSTD. Size hints apply before compression.
 *
 * <p>Thread-safety: immutable.
 */
public enum Compression {

    /** No compression; no file extension. */
    UNCOMPRESSED(""),
    /** One gzip member per object ({@code .gz}). */
    GZIP(".gz"),
    /** A zip archive holding one entry named after the object without its extension ({@code .zip}). */
    ZIP(".zip"),
    /** The Snappy framing format ({@code .snappy}), as Firehose's {@code Snappy}. */
    SNAPPY(".snappy"),
    /** Hadoop's block Snappy stream ({@code .snappy}), as Firehose's {@code HADOOP_SNAPPY}; readable by Hadoop/Hive. */
    HADOOP_SNAPPY(".snappy"),
    /** One Zstandard frame, level 3 ({@code .zst}); not offered by Firehose, common in Vector and Fluent Bit. */
    ZSTD(".zst");

    private final String extension;

    Compression(String extension) {
        this.extension = extension;
    }

    /**
     * Returns the file extension this compression adds to object names.
     *
     * @return for example {@code .gz}; empty for {@link #UNCOMPRESSED}
     */
    public String extension() {
        return extension;
    }
}
