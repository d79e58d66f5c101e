package dev.sluice.stream.internal;

import dev.sluice.stream.ErrorCode;
import dev.sluice.stream.StreamException;

import java.math.BigInteger;
import java.time.Duration;

/**
 * The Kinesis Data Streams limits Sluice enforces, each with its source, and the checks that enforce
 * them. Messages name the limit and the actual value.
 *
 * <p>Design note: the checks are hand-written loops rather than regular expressions because several run
 * on every put; they allocate nothing on success.
 */
public final class KinesisLimits {

    /** Kinesis StreamName: 1-128 characters of {@code [a-zA-Z0-9_.-]}. */
    public static final int MAX_STREAM_NAME_LENGTH = 128;
    /** Kinesis PartitionKey: 1-256 Unicode characters. */
    public static final int MAX_PARTITION_KEY_LENGTH = 256;
    /**
     * Kinesis PutRecord: data blob plus partition key at most 1 MiB, the default maximum record size of every stream
     * (MaxRecordSizeInKiB 1024).
     */
    public static final int MAX_RECORD_BYTES = 1_048_576;
    /** Kinesis large records: MaxRecordSizeInKiB at least 1024 (1 MiB, the default). */
    public static final int MIN_MAX_RECORD_SIZE_KIB = 1024;
    /** Kinesis large records: MaxRecordSizeInKiB at most 10240 (10 MiB), UpdateMaxRecordSize and CreateStream. */
    public static final int MAX_MAX_RECORD_SIZE_KIB = 10_240;
    /** Kinesis large records: no record (data plus partition key) of any stream exceeds 10 MiB. */
    public static final int MAX_LARGE_RECORD_BYTES = MAX_MAX_RECORD_SIZE_KIB * 1024;
    /** Kinesis PutRecords: at most 500 records per request. */
    public static final int MAX_PUT_RECORDS_ENTRIES = 500;
    /**
     * Kinesis PutRecords: at most 10 MiB per request, partition keys included (the PutRecords API reference since
     * large records; it was 5 MiB before).
     */
    public static final int MAX_PUT_RECORDS_BYTES = 10 * 1_048_576;
    /** Kinesis UpdateStreamWarmThroughput: an on-demand stream scales to at most 10 GiBps by default. */
    public static final int MAX_WARM_THROUGHPUT_MIBPS = 10_240;
    /** Kinesis GetRecords: Limit at most 10,000 records. */
    public static final int MAX_GET_RECORDS_LIMIT = 10_000;
    /** Kinesis GetRecords: at most 10 MiB per call. */
    public static final int MAX_GET_RECORDS_BYTES = 10 * 1_048_576;
    /** Kinesis retention: minimum 24 hours (the default). */
    public static final Duration MIN_RETENTION = Duration.ofHours(24);
    /** Kinesis retention: maximum 8,760 hours (365 days). */
    public static final Duration MAX_RETENTION = Duration.ofHours(8_760);
    /** Kinesis shard iterators expire 5 minutes after they are returned. */
    public static final Duration ITERATOR_LIFETIME = Duration.ofMinutes(5);
    /** Kinesis default shard quota per account in US East (N. Virginia), US West (Oregon), Europe (Ireland). */
    public static final int DEFAULT_SHARD_QUOTA = 500;
    /** Kinesis per-shard write limit: 1 MiB per second. */
    public static final long SHARD_WRITE_BYTES_PER_SECOND = 1_048_576;
    /** Kinesis per-shard write limit: 1,000 records per second. */
    public static final int SHARD_WRITE_RECORDS_PER_SECOND = 1_000;
    /** Kinesis per-shard read limit for polling consumers: 2 MiB per second. */
    public static final long SHARD_READ_BYTES_PER_SECOND = 2 * 1_048_576;
    /** Kinesis per-shard read limit: 5 GetRecords calls per second. */
    public static final int SHARD_READ_CALLS_PER_SECOND = 5;
    /** Largest hash key: 2^128 - 1. */
    public static final BigInteger MAX_HASH_KEY = BigInteger.ONE.shiftLeft(128).subtract(BigInteger.ONE);
    /** Sluice's byte retention (not a Kinesis limit): the smallest retentionBytes, one record of the largest size. */
    public static final long MIN_RETENTION_BYTES = MAX_RECORD_BYTES;
    /** Sluice's byte retention: the largest retentionBytes, 1 PiB, far above any disk, so sums cannot overflow. */
    public static final long MAX_RETENTION_BYTES = 1L << 50;
    /** The account id Sluice reports in messages and ARNs, as local AWS emulators conventionally do. */
    public static final String ACCOUNT_ID = "000000000000";

    private KinesisLimits() {
    }

    /**
     * Checks a stream name against Kinesis's pattern and length.
     *
     * @param streamName the name
     * @return the name
     * @throws StreamException {@link ErrorCode#VALIDATION} naming the constraint
     */
    public static String checkStreamName(String streamName) {
        return checkName("streamName", streamName);
    }

    /**
     * Checks a Kinesis resource name (stream, consumer): 1-128 characters of {@code [a-zA-Z0-9_.-]}.
     *
     * @param field the field named in the message
     * @param name  the name
     * @return the name
     * @throws StreamException {@link ErrorCode#VALIDATION} naming the constraint
     */
    static String checkName(String field, String name) {
        if (name == null) {
            throw new StreamException(ErrorCode.VALIDATION, field + " must not be null");
        }
        int length = name.length();
        if (length < 1 || length > MAX_STREAM_NAME_LENGTH) {
            throw new StreamException(ErrorCode.VALIDATION, field + " must be 1-" + MAX_STREAM_NAME_LENGTH
                    + " characters but was " + length + " characters");
        }
        for (int i = 0; i < length; i++) {
            char c = name.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '_' || c == '.' || c == '-';
            if (!ok) {
                throw new StreamException(ErrorCode.VALIDATION, field + " must match [a-zA-Z0-9_.-]+ but '"
                        + name + "' has " + describe(c) + " at index " + i);
            }
        }
        return name;
    }

    /**
     * Checks a partition key's length and returns its UTF-8 size in bytes.
     *
     * @param partitionKey the key
     * @return the key's UTF-8 length in bytes
     * @throws StreamException {@link ErrorCode#VALIDATION} naming the constraint
     */
    public static int checkPartitionKey(String partitionKey) {
        if (partitionKey == null) {
            throw new StreamException(ErrorCode.VALIDATION, "partitionKey must not be null");
        }
        // One pass for both the character count (code points) and the UTF-8 size.
        int length = partitionKey.length();
        int chars = 0;
        int bytes = 0;
        for (int i = 0; i < length; i++) {
            char c = partitionKey.charAt(i);
            chars++;
            if (c < 0x80) {
                bytes += 1;
            } else if (c < 0x800) {
                bytes += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < length && Character.isLowSurrogate(partitionKey.charAt(i + 1))) {
                bytes += 4;
                i++;
            } else {
                bytes += Character.isSurrogate(c) ? 1 : 3; // an unpaired surrogate is encoded as '?'
            }
        }
        if (chars < 1 || chars > MAX_PARTITION_KEY_LENGTH) {
            throw new StreamException(ErrorCode.VALIDATION, "partitionKey must be 1-" + MAX_PARTITION_KEY_LENGTH
                    + " Unicode characters but was " + chars + " characters");
        }
        return bytes;
    }

    /**
     * Checks that data plus key fit in one Kinesis record of any stream: at most 10 MiB (large records). The
     * stream's own maximum, 1 MiB unless raised, is checked when the record is put.
     *
     * @param dataBytes data size
     * @param keyBytes  partition key UTF-8 size
     * @throws StreamException {@link ErrorCode#VALIDATION} naming the 10 MiB limit and the actual size
     */
    public static void checkRecordSize(int dataBytes, int keyBytes) {
        checkRecordSize(dataBytes, (long) keyBytes);
    }

    /**
     * Checks a partition key ({@link #checkPartitionKey}) and that data plus key fit in one Kinesis record of any
     * stream ({@link #checkRecordSize(int, int)}), with the same errors. A key of 1-256 UTF-16 chars whose worst-case
     * UTF-8 size (3 bytes a char) fits beside the data passes without a scan of its chars.
     *
     * @param partitionKey the key
     * @param dataBytes    data size
     * @throws StreamException {@link ErrorCode#VALIDATION} naming the violated limit
     */
    public static void checkPartitionKeyAndRecordSize(String partitionKey, int dataBytes) {
        if (partitionKey != null) {
            int length = partitionKey.length();
            // 1-256 chars hold 1-256 code points; each char is at most 3 UTF-8 bytes (a surrogate pair 4 for 2 chars)
            if (length >= 1 && length <= MAX_PARTITION_KEY_LENGTH && (long) dataBytes + 3L * length <= MAX_LARGE_RECORD_BYTES) {
                return;
            }
        }
        checkRecordSize(dataBytes, (long) checkPartitionKey(partitionKey));
    }

    private static void checkRecordSize(int dataBytes, long keyBytes) {
        long total = (long) dataBytes + keyBytes;
        if (total > MAX_LARGE_RECORD_BYTES) {
            throw new StreamException(ErrorCode.VALIDATION, "record size (data " + dataBytes + " bytes + partition key "
                    + keyBytes + " bytes = " + total + " bytes) exceeds the Kinesis limit of " + MAX_LARGE_RECORD_BYTES
                    + " bytes (10 MiB, the largest MaxRecordSizeInKiB) per record");
        }
    }

    /**
     * Checks that data plus key fit the stream's maximum record size.
     *
     * @param streamName         the stream, for the message
     * @param dataBytes          data size
     * @param keyBytes           partition key UTF-8 size
     * @param maxRecordSizeInKiB the stream's MaxRecordSizeInKiB
     * @throws StreamException {@link ErrorCode#VALIDATION} naming the stream's limit and the actual size
     */
    static void checkRecordSize(String streamName, int dataBytes, int keyBytes, int maxRecordSizeInKiB) {
        long total = (long) dataBytes + keyBytes;
        long limit = maxRecordSizeInKiB * 1024L;
        if (total > limit) {
            throw new StreamException(ErrorCode.VALIDATION, "record size (data " + dataBytes + " bytes + partition key "
                    + keyBytes + " bytes = " + total + " bytes) exceeds the maximum record size of stream " + streamName
                    + ": " + limit + " bytes (MaxRecordSizeInKiB " + maxRecordSizeInKiB + "); UpdateMaxRecordSize raises it"
                    + " up to " + MAX_MAX_RECORD_SIZE_KIB + " KiB");
        }
    }

    /**
     * Checks a MaxRecordSizeInKiB value.
     *
     * @param maxRecordSizeInKiB the value
     * @return the value
     * @throws StreamException {@link ErrorCode#VALIDATION} naming the range [1024, 10240]
     */
    public static int checkMaxRecordSizeInKiB(int maxRecordSizeInKiB) {
        if (maxRecordSizeInKiB < MIN_MAX_RECORD_SIZE_KIB || maxRecordSizeInKiB > MAX_MAX_RECORD_SIZE_KIB) {
            throw new StreamException(ErrorCode.VALIDATION, "maxRecordSizeInKiB must be in [" + MIN_MAX_RECORD_SIZE_KIB
                    + ", " + MAX_MAX_RECORD_SIZE_KIB + "] but was " + maxRecordSizeInKiB);
        }
        return maxRecordSizeInKiB;
    }

    /**
     * Parses and checks an explicit hash key.
     *
     * @param explicitHashKey decimal string
     * @return the value, in [0, 2^128 - 1]
     * @throws StreamException {@link ErrorCode#INVALID_ARGUMENT} if not a decimal in range
     */
    public static BigInteger parseExplicitHashKey(String explicitHashKey) {
        BigInteger value;
        try {
            if (explicitHashKey.isEmpty() || explicitHashKey.length() > 39 || !isDigits(explicitHashKey)) {
                throw new NumberFormatException();
            }
            value = new BigInteger(explicitHashKey);
        } catch (NumberFormatException e) {
            throw new StreamException(ErrorCode.INVALID_ARGUMENT, "explicitHashKey must be a decimal integer in [0, "
                    + MAX_HASH_KEY + "] but was '" + abbreviate(explicitHashKey) + "'");
        }
        if (value.compareTo(MAX_HASH_KEY) > 0) {
            throw new StreamException(ErrorCode.INVALID_ARGUMENT, "explicitHashKey must be in [0, " + MAX_HASH_KEY
                    + "] but was " + explicitHashKey);
        }
        return value;
    }

    /**
     * Checks a retention period.
     *
     * @param field     the field name for the message
     * @param retention the period
     * @return the period
     * @throws StreamException {@link ErrorCode#INVALID_ARGUMENT} naming the range
     */
    public static Duration checkRetention(String field, Duration retention) {
        if (retention == null) {
            throw new StreamException(ErrorCode.VALIDATION, field + " must not be null");
        }
        if (retention.compareTo(MIN_RETENTION) < 0 || retention.compareTo(MAX_RETENTION) > 0) {
            throw new StreamException(ErrorCode.INVALID_ARGUMENT, field + " must be in [" + MIN_RETENTION + ", "
                    + MAX_RETENTION + "] but was " + retention);
        }
        return retention;
    }

    /**
     * Checks a stream's byte limit (Sluice's byte retention).
     *
     * @param retentionBytes the limit, or empty for none
     * @return the limit
     * @throws StreamException {@link ErrorCode#INVALID_ARGUMENT} naming the range
     */
    public static java.util.OptionalLong checkRetentionBytes(java.util.OptionalLong retentionBytes) {
        if (retentionBytes == null) {
            throw new StreamException(ErrorCode.VALIDATION, "retentionBytes must not be null");
        }
        if (retentionBytes.isPresent()
                && (retentionBytes.getAsLong() < MIN_RETENTION_BYTES || retentionBytes.getAsLong() > MAX_RETENTION_BYTES)) {
            throw new StreamException(ErrorCode.INVALID_ARGUMENT, "retentionBytes must be in [" + MIN_RETENTION_BYTES
                    + ", " + MAX_RETENTION_BYTES + "] but was " + retentionBytes.getAsLong());
        }
        return retentionBytes;
    }

    static boolean isDigits(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }

    static String abbreviate(String s) {
        return s.length() <= 64 ? s : s.substring(0, 61) + "...";
    }

    private static String describe(char c) {
        return c < 0x20 || c == 0x7f ? String.format("control character U+%04X", (int) c) : "'" + c + "'";
    }
}
