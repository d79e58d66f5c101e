package dev.sluice.iceberg;

import dev.sluice.iceberg.internal.Problems;
import dev.sluice.delivery.DeliveryException;

import java.util.Objects;

/**
 * One field of a table's partition spec: a transform of a source column (Iceberg's partition transforms).
 *
 * <p>Thread-safety: all cases are immutable. Columns are named by their path in the schema, dots between nested
 * fields ({@code event.time}). Day, hour, month and year apply to {@code timestamp-micros} and {@code date}
 * columns: that is how records are partitioned by event time.
 */
public sealed interface PartitionField {

    /** Iceberg's limit on bucket counts is an int; Sluice caps it at a practical 1,000,000 buckets. */
    int MAX_BUCKETS = 1_000_000;

    /**
     * The source column.
     *
     * @return the column path
     */
    String column();

    /**
     * Partitions by the column's value.
     *
     * @param column the column path
     * @return the field
     */
    static PartitionField identity(String column) {
        return new Identity(column);
    }

    /**
     * Partitions by the day (UTC) of a timestamp or date column.
     *
     * @param column the column path
     * @return the field
     */
    static PartitionField day(String column) {
        return new Day(column);
    }

    /**
     * Partitions by the hour (UTC) of a timestamp column.
     *
     * @param column the column path
     * @return the field
     */
    static PartitionField hour(String column) {
        return new Hour(column);
    }

    /**
     * Partitions by the month of a timestamp or date column.
     *
     * @param column the column path
     * @return the field
     */
    static PartitionField month(String column) {
        return new Month(column);
    }

    /**
     * Partitions by the year of a timestamp or date column.
     *
     * @param column the column path
     * @return the field
     */
    static PartitionField year(String column) {
        return new Year(column);
    }

    /**
     * Partitions by Iceberg's bucket hash (Murmur3) of the column modulo {@code buckets}.
     *
     * @param column the column path
     * @param buckets in [1, {@link #MAX_BUCKETS}]
     * @return the field
     */
    static PartitionField bucket(String column, int buckets) {
        return new Bucket(column, buckets);
    }

    private static String check(String column) {
        Objects.requireNonNull(column, "column");
        if (column.isBlank()) {
            throw Problems.invalidArgument("partition column must not be blank");
        }
        return column;
    }

    /** @param column the source column */
    record Identity(String column) implements PartitionField {
        /** Validates. */
        public Identity {
            check(column);
        }
    }

    /** @param column the source column */
    record Day(String column) implements PartitionField {
        /** Validates. */
        public Day {
            check(column);
        }
    }

    /** @param column the source column */
    record Hour(String column) implements PartitionField {
        /** Validates. */
        public Hour {
            check(column);
        }
    }

    /** @param column the source column */
    record Month(String column) implements PartitionField {
        /** Validates. */
        public Month {
            check(column);
        }
    }

    /** @param column the source column */
    record Year(String column) implements PartitionField {
        /** Validates. */
        public Year {
            check(column);
        }
    }

    /**
     * @param column the source column
     * @param buckets the bucket count
     */
    record Bucket(String column, int buckets) implements PartitionField {
        /**
         * Validates.
         *
         * @throws DeliveryException {@code INVALID_ARGUMENT} if the count is out of range
         */
        public Bucket {
            check(column);
            if (buckets < 1 || buckets > MAX_BUCKETS) {
                throw Problems.invalidArgument("partition bucket count must be in [1, " + MAX_BUCKETS
                        + "] but was " + buckets + " (column " + column + ")");
            }
        }
    }
}
