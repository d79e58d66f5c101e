package dev.sluice.transform.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.transform.ErrorCode;
import dev.sluice.transform.TransformException;

import java.math.BigDecimal;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Event time from a field of the JSON record, turned into partition keys by formatting it (in UTC) with one
 * {@link DateTimeFormatter} pattern per key, so records can be partitioned by when they happened rather than
 * when they arrived. The record's bytes pass through unchanged.
 *
 * <p>Design note: the input format is {@code epoch_seconds} (number or numeric string, fraction allowed),
 * {@code epoch_millis}, {@code iso8601} (with or without offset; no offset means UTC) or a
 * {@code DateTimeFormatter} pattern read in UTC. A pattern that cannot yield an instant (a date without a
 * time, say) is rejected when the stage is built, by parsing a formatted sample. A missing field or a value
 * that does not match fails the record ({@link ErrorCode#EVENT_TIME_EXTRACTION_FAILED}).
 */
public final class EventTimeStage implements RecordStage {

    private static final Pattern PATH = Pattern.compile("[^.]+(\\.[^.]+)*");
    private static final Instant SAMPLE = Instant.parse("2024-02-29T13:45:56.789Z");

    private final String field;
    private final List<String> path;
    private final String format;
    private final DateTimeFormatter parser;
    private final Map<String, DateTimeFormatter> keys;

    public EventTimeStage(String field, String format, Map<String, String> partitionKeyPatterns) {
        if (field == null || !PATH.matcher(field).matches()) {
            throw new TransformException(ErrorCode.INVALID_ARGUMENT,
                    "event-time field must be a field name or dotted path like 'a.b' but was '" + field + "'");
        }
        this.field = field;
        this.path = List.of(field.split("\\."));
        this.format = format;
        this.parser = switch (format) {
            case "epoch_seconds", "epoch_millis" -> null;
            case "iso8601" -> DateTimeFormatter.ISO_DATE_TIME.withZone(ZoneOffset.UTC);
            default -> pattern(format, "event-time format");
        };
        if (parser != null && !"iso8601".equals(format)) {
            try {
                Instant.from(parser.parse(parser.format(SAMPLE)));
            } catch (DateTimeException e) {
                throw new TransformException(ErrorCode.INVALID_ARGUMENT, "event-time format '" + format
                        + "' must describe a date and a time of day but cannot yield an instant: " + e.getMessage(), e);
            }
        }
        if (partitionKeyPatterns.isEmpty()) {
            throw new TransformException(ErrorCode.INVALID_ARGUMENT,
                    "event-time partition key patterns must name at least one key but were {}");
        }
        Map<String, DateTimeFormatter> formatters = new LinkedHashMap<>();
        partitionKeyPatterns.forEach((key, keyPattern) ->
                formatters.put(key, pattern(keyPattern, "partition key '" + key + "' pattern")));
        this.keys = formatters;
    }

    private static DateTimeFormatter pattern(String pattern, String what) {
        try {
            return DateTimeFormatter.ofPattern(pattern).withZone(ZoneOffset.UTC);
        } catch (IllegalArgumentException e) {
            throw new TransformException(ErrorCode.INVALID_ARGUMENT, what + " is not a DateTimeFormatter pattern: '"
                    + pattern + "': " + e.getMessage(), e);
        }
    }

    @Override
    public void apply(Item item, StageOutput out) {
        JsonNode tree = Json.readTree(item, out);
        if (tree == null) {
            return;
        }
        JsonNode value = tree;
        for (String name : path) {
            value = value.path(name);
        }
        if (value.isMissingNode() || value.isNull()) {
            out.fail(item, ErrorCode.EVENT_TIME_EXTRACTION_FAILED, "event-time field '" + field + "' is missing");
            return;
        }
        Instant eventTime;
        try {
            eventTime = parse(value);
        } catch (DateTimeException | ArithmeticException | NumberFormatException e) {
            out.fail(item, ErrorCode.EVENT_TIME_EXTRACTION_FAILED, "event-time field '" + field + "' value "
                    + Jq.show(value) + " does not match format '" + format + "': " + e.getMessage());
            return;
        }
        for (Map.Entry<String, DateTimeFormatter> key : keys.entrySet()) {
            item.putPartitionKey(key.getKey(), key.getValue().format(eventTime));
        }
        out.emit(item);
    }

    private Instant parse(JsonNode value) {
        switch (format) {
            case "epoch_seconds" -> {
                BigDecimal seconds = decimal(value);
                long whole = seconds.setScale(0, java.math.RoundingMode.FLOOR).longValueExact();
                int nanos = seconds.subtract(BigDecimal.valueOf(whole)).movePointRight(9).intValue();
                return Instant.ofEpochSecond(whole, nanos);
            }
            case "epoch_millis" -> {
                return Instant.ofEpochMilli(decimal(value).setScale(0, java.math.RoundingMode.FLOOR).longValueExact());
            }
            default -> {
                if (!value.isTextual()) {
                    throw new DateTimeException("expected a string");
                }
                return Instant.from(parser.parse(value.textValue()));
            }
        }
    }

    private static BigDecimal decimal(JsonNode value) {
        if (value.isNumber()) {
            return value.decimalValue();
        }
        if (value.isTextual()) {
            return new BigDecimal(value.textValue().trim());
        }
        throw new DateTimeException("expected a number or a numeric string");
    }

    @Override
    public String toString() {
        return "eventTime[" + field + " as " + format + " -> " + keys.keySet() + "]";
    }
}
