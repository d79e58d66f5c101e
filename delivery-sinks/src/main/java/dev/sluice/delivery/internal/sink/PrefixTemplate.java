package dev.sluice.delivery.internal.sink;

import dev.sluice.delivery.DeliveryException;
import dev.sluice.delivery.ErrorCode;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * A parsed S3 prefix with Firehose's namespace expressions: {@code !{timestamp:<pattern>}},
 * {@code !{firehose:random-string}}, {@code !{firehose:error-output-type}}, {@code !{partitionKeyFromQuery:<key>}}
 * and {@code !{partitionKeyFromLambda:<key>}}.
 *
 * <p>Design note: immutable. Parsing validates every expression once, at configuration time. Firehose's rules:
 * a prefix without a timestamp expression gets {@code yyyy/MM/dd/HH/} appended (not when it partitions by key,
 * where Firehose appends nothing); the error output type is legal only in the error prefix, and an error prefix
 * without it gets {@code <type>/} appended (so the default error location is {@code <type>/yyyy/MM/dd/HH/}); an evaluated prefix is at most 512 characters. Both partition-key
 * namespaces read the record's partition keys, which the transforms module merges from JQ metadata extraction and
 * the function's {@code Ok} metadata. Because evaluated prefixes become object keys (and, in a local bucket, file
 * paths), evaluation rejects control characters, backslashes, {@code .}/{@code ..} segments, empty segments and a
 * leading {@code /}.
 */
public final class PrefixTemplate {

    /** Firehose's limit on an evaluated prefix. */
    public static final int MAX_EVALUATED_LENGTH = 512;
    /** Firehose's default time prefix, appended when a prefix has no timestamp expression. */
    static final String DEFAULT_TIMESTAMP_PATTERN = "yyyy/MM/dd/HH/";

    private sealed interface Part {
    }

    private record Literal(String text) implements Part {
    }

    private record Timestamp(DateTimeFormatter formatter) implements Part {
    }

    private record RandomString() implements Part {
    }

    private record ErrorOutputType() implements Part {
    }

    private record PartitionKey(String key) implements Part {
    }

    private final String source;
    private final List<Part> parts;
    private final List<String> partitionKeys;
    private final boolean hasTimestamp;
    private final boolean hasRandom;

    private PrefixTemplate(String source, List<Part> parts) {
        this.source = source;
        this.parts = List.copyOf(parts);
        Set<String> keys = new LinkedHashSet<>();
        boolean timestamp = false;
        boolean random = false;
        for (Part part : parts) {
            if (part instanceof PartitionKey k) {
                keys.add(k.key());
            } else if (part instanceof Timestamp) {
                timestamp = true;
            } else if (part instanceof RandomString) {
                random = true;
            }
        }
        this.partitionKeys = List.copyOf(keys);
        this.hasTimestamp = timestamp;
        this.hasRandom = random;
    }

    /**
     * Parses a destination prefix.
     *
     * @param prefix the prefix; may be empty
     * @return the template, with Firehose's default time prefix appended where Firehose appends it
     * @throws DeliveryException {@link ErrorCode#INVALID_ARGUMENT} naming the bad expression
     */
    public static PrefixTemplate prefix(String prefix) {
        List<Part> parts = parse("prefix", prefix, false);
        PrefixTemplate template = new PrefixTemplate(prefix, parts);
        if (!template.hasTimestamp && template.partitionKeys.isEmpty()) {
            parts.add(new Timestamp(formatter("prefix", DEFAULT_TIMESTAMP_PATTERN)));
            template = new PrefixTemplate(prefix, parts);
        }
        return template.checkedAsConfigured("prefix");
    }

    /**
     * Refuses, at configuration time, a prefix whose fixed text alone makes every key unsafe (an absolute path,
     * {@code ..}, an empty segment): it is evaluated with a placeholder for every key and expression. Values that
     * records supply are still checked per record.
     */
    private PrefixTemplate checkedAsConfigured(String what) {
        Map<String, String> placeholders = new java.util.HashMap<>();
        for (String key : partitionKeys) {
            placeholders.put(key, "x");
        }
        try {
            checkSafe(evaluate(placeholders, Instant.EPOCH, "processing-failed", () -> "r"));
        } catch (DeliveryException e) {
            throw new DeliveryException(ErrorCode.INVALID_ARGUMENT, what + " '" + source + "' cannot make a safe"
                    + " relative object key: " + e.getMessage(), e);
        }
        return this;
    }

    /**
     * Parses an error-output (or backup) prefix.
     *
     * @param what the option name, for messages
     * @param prefix the prefix; without {@code !{firehose:error-output-type}} it gets {@code <type>/} appended,
     *        without a timestamp expression the default time prefix after that
     * @return the template
     * @throws DeliveryException {@link ErrorCode#INVALID_ARGUMENT} naming the bad expression
     */
    public static PrefixTemplate errorPrefix(String what, String prefix) {
        return secondary(what, prefix, true);
    }

    /**
     * Parses a source-record backup prefix: like an error prefix, without the error output type.
     *
     * @param prefix the prefix; empty means {@code backup/} plus the default time prefix
     * @return the template
     * @throws DeliveryException {@link ErrorCode#INVALID_ARGUMENT} naming the bad expression
     */
    public static PrefixTemplate backupPrefix(String prefix) {
        return secondary("sourceRecordBackup", prefix == null || !prefix.isEmpty() ? prefix : "backup/", false);
    }

    private static PrefixTemplate secondary(String what, String prefix, boolean error) {
        List<Part> parts = parse(what, prefix, error);
        if (error && parts.stream().noneMatch(p -> p instanceof ErrorOutputType)) {
            parts.add(new ErrorOutputType());
            parts.add(new Literal("/"));
        }
        if (parts.stream().noneMatch(p -> p instanceof Timestamp)) {
            parts.add(new Timestamp(formatter(what, DEFAULT_TIMESTAMP_PATTERN)));
        }
        if (parts.stream().anyMatch(p -> p instanceof PartitionKey)) {
            throw new DeliveryException(ErrorCode.INVALID_ARGUMENT, what + " must not use partition keys (records that fail have"
                    + " none) but was '" + prefix + "'");
        }
        return new PrefixTemplate(prefix, parts).checkedAsConfigured(what);
    }

    /**
     * Returns the partition keys the prefix references, in order of first use.
     *
     * @return the keys; empty when the prefix does not partition by key
     */
    public List<String> partitionKeys() {
        return partitionKeys;
    }

    /**
     * Tells whether the prefix uses {@code !{firehose:random-string}}.
     *
     * @return whether a random string is used
     */
    public boolean hasRandomString() {
        return hasRandom;
    }

    /**
     * Evaluates the prefix.
     *
     * @param keys the record's partition keys
     * @param time the instant for timestamp expressions, formatted in UTC
     * @param errorOutputType the error output type, or {@code null} outside the error prefix
     * @param random supplies the 11-character random string
     * @return the evaluated prefix
     * @throws DeliveryException {@link ErrorCode#PARTITION_KEY_MISSING} if a referenced key is absent,
     *         {@link ErrorCode#INVALID_PREFIX} if the result is too long or unsafe
     */
    public String evaluate(Map<String, String> keys, Instant time, String errorOutputType, Supplier<String> random) {
        StringBuilder out = new StringBuilder(64);
        for (Part part : parts) {
            if (part instanceof Literal l) {
                out.append(l.text());
            } else if (part instanceof Timestamp t) {
                out.append(t.formatter().format(time));
            } else if (part instanceof RandomString) {
                out.append(random.get());
            } else if (part instanceof ErrorOutputType) {
                out.append(errorOutputType);
            } else if (part instanceof PartitionKey k) {
                String value = keys.get(k.key());
                if (value == null) {
                    throw new DeliveryException(ErrorCode.PARTITION_KEY_MISSING, "the prefix '" + source
                            + "' uses partition key '" + k.key() + "' but the record has only " + keys.keySet());
                }
                out.append(value);
            }
        }
        String evaluated = out.toString();
        checkSafe(evaluated);
        return evaluated;
    }

    /**
     * Evaluates only the partition-key expressions, for use as a partition identity.
     *
     * @param keys the record's partition keys
     * @return the values in {@link #partitionKeys()} order
     * @throws DeliveryException {@link ErrorCode#PARTITION_KEY_MISSING} if a key is absent
     */
    public List<String> partitionValues(Map<String, String> keys) {
        if (partitionKeys.isEmpty()) {
            return List.of();
        }
        List<String> values = new ArrayList<>(partitionKeys.size());
        for (String key : partitionKeys) {
            String value = keys.get(key);
            if (value == null) {
                throw new DeliveryException(ErrorCode.PARTITION_KEY_MISSING, "the prefix '" + source
                        + "' uses partition key '" + key + "' but the record has only " + keys.keySet());
            }
            values.add(value);
        }
        return values;
    }

    /**
     * Checks that an evaluated prefix or key is usable as an object key and as a relative file path.
     *
     * @param key the evaluated prefix or full key
     * @throws DeliveryException {@link ErrorCode#INVALID_PREFIX} describing the problem
     */
    public static void checkSafe(String key) {
        if (key.length() > MAX_EVALUATED_LENGTH) {
            throw new DeliveryException(ErrorCode.INVALID_PREFIX, "an evaluated prefix must be at most "
                    + MAX_EVALUATED_LENGTH + " characters but was " + key.length());
        }
        if (key.startsWith("/")) {
            throw new DeliveryException(ErrorCode.INVALID_PREFIX, "an evaluated prefix must be relative but was '"
                    + key + "'");
        }
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (c < 0x20 || c == 0x7f || c == '\\') {
                throw new DeliveryException(ErrorCode.INVALID_PREFIX, "an evaluated prefix must not contain control"
                        + " characters or backslashes but had U+" + String.format("%04X", (int) c) + " at " + i);
            }
        }
        String[] segments = key.split("/", -1);
        for (int i = 0; i < segments.length; i++) {
            String segment = segments[i];
            boolean last = i == segments.length - 1;
            if (segment.equals(".") || segment.equals("..") || (segment.isEmpty() && !last)) {
                throw new DeliveryException(ErrorCode.INVALID_PREFIX, "an evaluated prefix must not contain '.', '..'"
                        + " or empty path segments but was '" + key + "'");
            }
        }
    }

    private static List<Part> parse(String what, String prefix, boolean errorPrefix) {
        if (prefix == null) {
            throw new DeliveryException(ErrorCode.INVALID_ARGUMENT, what + " must not be null; use \"\" for none");
        }
        List<Part> parts = new ArrayList<>();
        int i = 0;
        StringBuilder literal = new StringBuilder();
        while (i < prefix.length()) {
            int start = prefix.indexOf("!{", i);
            if (start < 0) {
                literal.append(prefix, i, prefix.length());
                break;
            }
            literal.append(prefix, i, start);
            int end = prefix.indexOf('}', start);
            if (end < 0) {
                throw new DeliveryException(ErrorCode.INVALID_ARGUMENT, what + " has an unclosed expression at index " + start
                        + ": '" + prefix + "'");
            }
            if (literal.length() > 0) {
                parts.add(new Literal(literal.toString()));
                literal.setLength(0);
            }
            parts.add(expression(what, prefix.substring(start + 2, end), errorPrefix));
            i = end + 1;
        }
        if (literal.length() > 0) {
            parts.add(new Literal(literal.toString()));
        }
        return parts;
    }

    private static Part expression(String what, String body, boolean errorPrefix) {
        int colon = body.indexOf(':');
        String namespace = colon < 0 ? body : body.substring(0, colon);
        String value = colon < 0 ? "" : body.substring(colon + 1);
        switch (namespace) {
            case "timestamp":
                return new Timestamp(formatter(what, value));
            case "firehose":
                if (value.equals("random-string")) {
                    return new RandomString();
                }
                if (value.equals("error-output-type")) {
                    if (!errorPrefix) {
                        throw new DeliveryException(ErrorCode.INVALID_ARGUMENT, what + " may use !{firehose:error-output-type} only in"
                                + " the error output prefix");
                    }
                    return new ErrorOutputType();
                }
                throw new DeliveryException(ErrorCode.INVALID_ARGUMENT, what + " has unknown expression !{firehose:" + value
                        + "}; expected random-string or error-output-type");
            case "partitionKeyFromQuery":
            case "partitionKeyFromLambda":
                if (value.isBlank()) {
                    throw new DeliveryException(ErrorCode.INVALID_ARGUMENT, what + " has !{" + namespace + ":} without a key name");
                }
                return new PartitionKey(value);
            default:
                throw new DeliveryException(ErrorCode.INVALID_ARGUMENT, what + " has unknown namespace '" + namespace + "' in !{"
                        + body + "}; expected timestamp, firehose, partitionKeyFromQuery or partitionKeyFromLambda");
        }
    }

    private static DateTimeFormatter formatter(String what, String pattern) {
        if (pattern.isEmpty()) {
            throw new DeliveryException(ErrorCode.INVALID_ARGUMENT, what + " has !{timestamp:} without a pattern");
        }
        try {
            DateTimeFormatter formatter = DateTimeFormatter.ofPattern(pattern).withZone(ZoneOffset.UTC);
            formatter.format(Instant.EPOCH);
            return formatter;
        } catch (IllegalArgumentException | java.time.DateTimeException e) {
            throw new DeliveryException(ErrorCode.INVALID_ARGUMENT, what + " has an invalid timestamp pattern '"
                    + pattern + "': " + e.getMessage(), e);
        }
    }

    @Override
    public String toString() {
        return source;
    }
}
