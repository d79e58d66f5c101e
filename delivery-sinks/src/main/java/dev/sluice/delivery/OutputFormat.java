package dev.sluice.delivery;

import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.Optional;

/**
 * How processed records become the bytes of an object: raw bytes with an optional delimiter, JSON lines, or
 * record-format conversion to Parquet.
 *
 * <p>Thread-safety: all cases are immutable.
 */
public sealed interface OutputFormat {

    /**
     * Firehose's default: records concatenated as they are, no delimiter.
     *
     * @return the format
     */
    static OutputFormat raw() {
        return new Raw(Optional.empty());
    }

    /**
     * Records concatenated with {@code delimiter} after each one.
     *
     * @param delimiter UTF-8 text written after every record, for example {@code "\n"}; not empty
     * @return the format
     * @throws DeliveryException {@link ErrorCode#INVALID_ARGUMENT} if the delimiter is empty
     */
    static OutputFormat raw(String delimiter) {
        return new Raw(Optional.of(delimiter));
    }

    /**
     * One record per line: a {@code '\n'} after each record that does not already end with one (so records from
     * Firehose's {@code AppendDelimiterToRecord} are not doubled). Records are not parsed.
     *
     * @return the format
     */
    static OutputFormat jsonLines() {
        return new JsonLines();
    }

    /**
     * Record-format conversion JSON to Parquet.
     *
     * @param conversion the schema and Parquet options
     * @return the format
     */
    static OutputFormat parquet(ParquetConversion conversion) {
        return new Parquet(conversion);
    }

    /**
     * Raw bytes with an optional delimiter.
     *
     * @param delimiter written after each record when present; not empty
     */
    record Raw(Optional<String> delimiter) implements OutputFormat {
        /**
         * Validates.
         *
         * @throws DeliveryException {@link ErrorCode#INVALID_ARGUMENT} if the delimiter is empty
         */
        public Raw {
            Objects.requireNonNull(delimiter, "delimiter");
            if (delimiter.isPresent() && delimiter.get().isEmpty()) {
                throw DeliveryException.invalidArgument("raw delimiter must not be empty; use OutputFormat.raw()");
            }
        }

        /**
         * Returns the delimiter as UTF-8 bytes.
         *
         * @return the bytes; empty without a delimiter
         */
        public byte[] delimiterBytes() {
            return delimiter.map(d -> d.getBytes(StandardCharsets.UTF_8)).orElse(new byte[0]);
        }
    }

    /** One record per line. */
    record JsonLines() implements OutputFormat {
    }

    /**
     * JSON to Parquet.
     *
     * @param conversion the schema and options; not {@code null}
     */
    record Parquet(ParquetConversion conversion) implements OutputFormat {
        /** Validates. */
        public Parquet {
            Objects.requireNonNull(conversion, "conversion");
        }
    }
}
