package dev.sluice.delivery.internal.encode;

import dev.sluice.delivery.DeliveryException;
import dev.sluice.delivery.ErrorCode;
import dev.sluice.delivery.ParquetConversion;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.DateTimeParseException;
import java.time.temporal.TemporalAccessor;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How the two Firehose JSON deserializers read timestamps, as instants.
 *
 * <p>Design note: immutable and thread-safe ({@link DateTimeFormatter}s are). Hive's formats are Joda-Time
 * {@code DateTimeFormat} patterns (Firehose's documented syntax); they are translated once to
 * {@link DateTimeFormatter} patterns: the letters both libraries share are kept, Joda's zone offsets {@code Z}
 * ({@code +0800}) and {@code ZZ} ({@code +08:00}) become {@code XX} and {@code XXX} (which also read {@code Z}),
 * {@code ZZZ} (zone id) becomes {@code VV}, Joda's year-of-era {@code Y} becomes {@code y} and its week-year
 * {@code x} becomes {@code Y}; Joda's century {@code C} has no equivalent and is refused. A text without zone is
 * UTC, a date alone is its start of day. Each parse returns {@code null} when no format matches.
 */
public final class TimestampFormats {

    /** {@code java.sql.Timestamp.valueOf}'s format, Hive's default; also OpenX's space-separated form. */
    private static final Pattern SQL_TIMESTAMP = Pattern.compile(
            "(\\d{4})-(\\d{1,2})-(\\d{1,2}) (\\d{1,2}):(\\d{1,2}):(\\d{1,2})(?:\\.(\\d{1,9}))?");
    private static final Pattern EPOCH_NUMBER = Pattern.compile("-?\\d+(\\.\\d+)?");
    /** OpenX: an integer epoch of at most this many digits is seconds (1518033528), up to 13 milliseconds. */
    private static final int SECONDS_DIGITS = 10;
    private static final int MILLIS_DIGITS = 13;

    private final List<DateTimeFormatter> patterns = new ArrayList<>();
    private final boolean millis;

    /**
     * @param formats Hive timestamp formats; empty for {@code java.sql.Timestamp.valueOf}
     * @throws DeliveryException {@code INVALID_ARGUMENT} for a pattern that does not compile
     */
    TimestampFormats(List<String> formats) {
        boolean epochMillis = false;
        for (String format : formats) {
            if (format.equals(ParquetConversion.MILLIS)) {
                epochMillis = true;
            } else {
                patterns.add(compile(format));
            }
        }
        this.millis = epochMillis;
    }

    /**
     * Checks Hive timestamp formats.
     *
     * @param formats the formats
     * @throws DeliveryException {@code INVALID_ARGUMENT} naming a format that is blank or does not compile
     */
    public static void check(List<String> formats) {
        new TimestampFormats(formats);
    }

    private static DateTimeFormatter compile(String joda) {
        if (joda.isBlank()) {
            throw invalid("timestampFormats must not contain a blank format");
        }
        StringBuilder out = new StringBuilder();
        int i = 0;
        while (i < joda.length()) {
            char c = joda.charAt(i);
            if (c == '\'') {
                int end = joda.indexOf('\'', i + 1);
                end = end < 0 ? joda.length() - 1 : end;
                out.append(joda, i, end + 1);
                i = end + 1;
                continue;
            }
            int run = 1;
            while (i + run < joda.length() && joda.charAt(i + run) == c) {
                run++;
            }
            switch (c) {
                case 'Z' -> out.append(run == 1 ? "XX" : run == 2 ? "XXX" : "VV");
                case 'Y' -> out.append("y".repeat(run));
                case 'x' -> out.append("Y".repeat(run));
                case 'C' -> throw invalid("timestamp format '" + joda
                        + "' uses the Joda century field C, which is not supported");
                default -> out.append(String.valueOf(c).repeat(run));
            }
            i += run;
        }
        try {
            return new DateTimeFormatterBuilder().parseCaseInsensitive().appendPattern(out.toString())
                    .toFormatter(Locale.ROOT);
        } catch (IllegalArgumentException e) {
            throw invalid("timestamp format '" + joda + "' is not a valid Joda-Time"
                    + " DateTimeFormat pattern: " + e.getMessage());
        }
    }

    /**
     * Hive: the text (or a number's digits) in the first format that reads it.
     *
     * @param text the JSON value's text
     * @param number whether the JSON value was a number
     * @return the instant, or {@code null} if no format matches
     */
    Instant hive(String text, boolean number) {
        if (millis && EPOCH_NUMBER.matcher(text).matches() && !text.contains(".")) {
            return Instant.ofEpochMilli(Long.parseLong(text));
        }
        if (number) {
            return null;
        }
        if (patterns.isEmpty()) {
            return sqlTimestamp(text);
        }
        for (DateTimeFormatter pattern : patterns) {
            try {
                TemporalAccessor parsed = pattern.parseBest(text, ZonedDateTime::from, OffsetDateTime::from,
                        LocalDateTime::from, LocalDate::from);
                if (parsed instanceof ZonedDateTime z) {
                    return z.toInstant();
                } else if (parsed instanceof OffsetDateTime o) {
                    return o.toInstant();
                } else if (parsed instanceof LocalDateTime l) {
                    return l.toInstant(ZoneOffset.UTC);
                } else {
                    return ((LocalDate) parsed).atStartOfDay().toInstant(ZoneOffset.UTC);
                }
            } catch (DateTimeParseException e) {
                // try the next format
            }
        }
        return null;
    }

    /**
     * OpenX: ISO-8601, {@code yyyy-[M]M-[d]d HH:mm:ss[.S...]}, or an epoch number (see {@link ParquetConversion}).
     *
     * @param text the JSON value's text
     * @param micros whether a long epoch is in microseconds (else milliseconds)
     * @return the instant, or {@code null} if the text is none of these
     */
    static Instant openX(String text, boolean micros) {
        if (EPOCH_NUMBER.matcher(text).matches()) {
            return epoch(text, micros);
        }
        try {
            return OffsetDateTime.parse(text).toInstant();
        } catch (DateTimeParseException e) {
            // not with an offset
        }
        try {
            return LocalDateTime.parse(text).toInstant(ZoneOffset.UTC);
        } catch (DateTimeParseException e) {
            // not ISO local
        }
        return sqlTimestamp(text);
    }

    private static Instant epoch(String text, boolean micros) {
        if (text.contains(".")) {
            BigDecimal seconds = new BigDecimal(text);
            long whole = seconds.longValue();
            long nanos = seconds.subtract(BigDecimal.valueOf(whole)).movePointRight(9).longValue();
            return Instant.ofEpochSecond(whole, nanos);
        }
        int digits = text.startsWith("-") ? text.length() - 1 : text.length();
        if (digits > 19) {
            return null;
        }
        long value = Long.parseLong(text);
        if (digits <= SECONDS_DIGITS) {
            return Instant.ofEpochSecond(value);
        }
        if (digits <= MILLIS_DIGITS || !micros) {
            return Instant.ofEpochMilli(value);
        }
        return Instant.ofEpochSecond(Math.floorDiv(value, 1_000_000L), Math.floorMod(value, 1_000_000L) * 1000);
    }

    private static Instant sqlTimestamp(String text) {
        Matcher m = SQL_TIMESTAMP.matcher(text);
        if (!m.matches()) {
            return null;
        }
        try {
            String fraction = m.group(7) == null ? "0" : (m.group(7) + "00000000").substring(0, 9);
            return LocalDateTime.of(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)),
                    Integer.parseInt(m.group(3)), Integer.parseInt(m.group(4)), Integer.parseInt(m.group(5)),
                    Integer.parseInt(m.group(6)), Integer.parseInt(fraction)).toInstant(ZoneOffset.UTC);
        } catch (java.time.DateTimeException e) {
            return null;
        }
    }

    private static DeliveryException invalid(String message) {
        return new DeliveryException(ErrorCode.INVALID_ARGUMENT, message);
    }
}
