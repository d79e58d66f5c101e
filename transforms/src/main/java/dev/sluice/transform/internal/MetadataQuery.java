package dev.sluice.transform.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.transform.ErrorCode;
import dev.sluice.transform.TransformException;
import net.thisptr.jackson.jq.JsonQuery;
import net.thisptr.jackson.jq.exception.JsonQueryException;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Firehose's {@code MetadataExtractionQuery}: one JQ object construction such as
 * {@code {customer_id: .customer_id, "day": .ts[0:10]}}, read into partition key name to JQ query.
 *
 * <p>Design note: the whole query must compile as JQ (jackson-jq, JQ 1.6), and so must each field's value on its
 * own, so a mistake is refused when the stream is configured, naming the key. The fields are found by a scanner
 * that knows JQ's lexical structure (string literals with escapes and {@code \(...)} interpolation, comments,
 * brackets and {@code if ... end}), so commas and colons inside a field's value never split it. Keys are
 * identifiers or plain string literals ({@code {"a b": .x}}, quotes removed as JSON decodes them); the shorthands
 * {@code {name}} and {@code {"name"}} mean {@code .name}. Keys computed from the record ({@code (.k)}, interpolated
 * strings, variables) are refused: partition key names must be known when the stream is configured.
 */
final class MetadataQuery {

    private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String EXAMPLE = "{customer_id: .customer_id}";

    private MetadataQuery() {
    }

    /**
     * Reads a query into key to JQ expression, in the query's order.
     *
     * @throws TransformException {@link ErrorCode#INVALID_ARGUMENT} naming the key and the JQ error
     */
    static Map<String, String> parse(String query) {
        if (query == null || query.isBlank()) {
            throw invalid(query, "must be a JQ object construction like " + EXAMPLE);
        }
        List<String> fields = fields(query);
        if (fields.size() == 1 && fields.get(0).isBlank()) {
            throw invalid(query, "must define at least one partition key, like " + EXAMPLE);
        }
        Map<String, String> queries = new LinkedHashMap<>();
        for (String field : fields) {
            KeySpan span = keySpan(field);
            String key = key(query, field.substring(span.start(), span.end()));
            String value = span.colon() < 0 ? ".[" + quote(key) + "]" : field.substring(span.colon() + 1).strip();
            if (queries.containsKey(key)) {
                throw invalid(query, "defines partition key '" + key + "' twice");
            }
            Jq.compile(value, "MetadataExtractionQuery key '" + key + "' query");
            queries.put(key, value);
        }
        try {
            JsonQuery.compile(query, Jq.VERSION);
        } catch (JsonQueryException | RuntimeException e) {
            throw invalid(query, "is not valid JQ: " + Jq.describe(e), e);
        }
        return queries;
    }

    /** The text of each field of the top-level object, split at its top-level commas. */
    private static List<String> fields(String query) {
        Scan scan = new Scan(query);
        int open = scan.skipSpaceAndComments(0);
        if (open >= query.length() || query.charAt(open) != '{') {
            throw notAnObject(query);
        }
        List<String> fields = new ArrayList<>();
        int start = open + 1;
        int i = open;
        Deque<Character> nesting = new ArrayDeque<>();
        while (i < query.length()) {
            char c = query.charAt(i);
            if (c == '"') {
                i = scan.skipString(i);
                continue;
            }
            if (c == '#') {
                i = scan.skipComment(i);
                continue;
            }
            if (Character.isLetter(c) || c == '_') {
                int end = scan.identifierEnd(i);
                boolean keyword = i == 0 || ".$@".indexOf(query.charAt(i - 1)) < 0;
                String word = query.substring(i, end);
                if (keyword && word.equals("if")) {
                    nesting.push('i');
                } else if (keyword && word.equals("end") && !nesting.isEmpty() && nesting.peek() == 'i') {
                    nesting.pop();
                }
                i = end;
                continue;
            }
            if (c == '(' || c == '[' || c == '{') {
                nesting.push(c);
            } else if (c == ')' || c == ']' || c == '}') {
                if (nesting.isEmpty() || nesting.pop() != opening(c)) {
                    throw notValidJq(query, query.substring(start, i));
                }
                if (nesting.isEmpty()) {
                    fields.add(query.substring(start, i));
                    if (scan.skipSpaceAndComments(i + 1) != query.length()) {
                        throw notAnObject(query);
                    }
                    return fields;
                }
            } else if (c == ',' && nesting.size() == 1) {
                fields.add(query.substring(start, i));
                start = i + 1;
            }
            i++;
        }
        throw notValidJq(query, query.substring(start));
    }

    /**
     * Where a field's key is (comments and spaces around it excluded) and the colon after it.
     *
     * @param start first character of the key
     * @param end   just after the key
     * @param colon index of the colon, or -1 for the shorthand {@code {name}}
     */
    private record KeySpan(int start, int end, int colon) {
    }

    private static KeySpan keySpan(String field) {
        Scan scan = new Scan(field);
        int start = scan.skipSpaceAndComments(0);
        int end = start;
        if (end < field.length() && field.charAt(end) == '"') {
            end = scan.skipString(end);
        } else {
            while (end < field.length() && ":\"#".indexOf(field.charAt(end)) < 0) {
                end++;
            }
        }
        int after = scan.skipSpaceAndComments(end);
        int colon = after < field.length() && field.charAt(after) == ':' ? after : -1;
        return new KeySpan(start, start + field.substring(start, end).stripTrailing().length(), colon);
    }

    private static String key(String query, String keyText) {
        if (IDENTIFIER.matcher(keyText).matches()) {
            return keyText;
        }
        if (keyText.length() >= 2 && keyText.startsWith("\"") && keyText.endsWith("\"")) {
            try {
                String key = JSON.readValue(keyText, String.class);
                if (!key.isBlank()) {
                    return key;
                }
            } catch (JsonProcessingException e) {
                // Not a plain JSON string: an interpolation such as "\(.k)", or invalid; decided below.
            }
        }
        // Anything else either does not compile (report JQ's error) or computes the key from the record.
        try {
            JsonQuery.compile(query, Jq.VERSION);
        } catch (JsonQueryException | RuntimeException e) {
            throw invalid(query, "is not valid JQ near key '" + keyText + "': " + Jq.describe(e), e);
        }
        throw invalid(query, "has key '" + keyText + "': partition key names must be identifiers or non-empty"
                + " string literals (keys computed from the record are not supported)");
    }

    private static String quote(String key) {
        try {
            return JSON.writeValueAsString(key);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a String always serializes", e);
        }
    }

    private static char opening(char closing) {
        return closing == ')' ? '(' : closing == ']' ? '[' : '{';
    }

    private static TransformException notAnObject(String query) {
        return invalid(query, "must be one JQ object construction like " + EXAMPLE);
    }

    /** For a query whose brackets or strings do not match: JQ's error, and the key of the field where it is. */
    private static TransformException notValidJq(String query, String field) {
        KeySpan span = keySpan(field);
        String where = span.colon() < 0 ? "" : " in the query of key '" + field.substring(span.start(), span.end()) + "'";
        try {
            JsonQuery.compile(query, Jq.VERSION);
        } catch (JsonQueryException | RuntimeException e) {
            return invalid(query, "is not valid JQ" + where + ": " + Jq.describe(e), e);
        }
        return notAnObject(query);
    }

    private static TransformException invalid(String query, String problem) {
        return invalid(query, problem, null);
    }

    private static TransformException invalid(String query, String problem, Throwable cause) {
        return new TransformException(ErrorCode.INVALID_ARGUMENT, "MetadataExtractionQuery '" + query + "' "
                + problem, cause);
    }

    /** Lexical helpers over one text: each returns the index just after what it skipped. */
    private record Scan(String text) {

        int skipSpaceAndComments(int i) {
            while (i < text.length()) {
                char c = text.charAt(i);
                if (c == '#') {
                    i = skipComment(i);
                } else if (Character.isWhitespace(c)) {
                    i++;
                } else {
                    break;
                }
            }
            return i;
        }

        int skipComment(int i) {
            int newline = text.indexOf('\n', i);
            return newline < 0 ? text.length() : newline + 1;
        }

        int identifierEnd(int i) {
            while (i < text.length() && (Character.isLetterOrDigit(text.charAt(i)) || text.charAt(i) == '_')) {
                i++;
            }
            return i;
        }

        /**
         * Skips a string literal starting at the quote at {@code i}, including {@code \(...)} interpolations (which
         * may hold strings and parentheses of their own). An unterminated string ends the text.
         */
        int skipString(int i) {
            i++;
            while (i < text.length()) {
                char c = text.charAt(i);
                if (c == '"') {
                    return i + 1;
                }
                if (c == '\\' && i + 1 < text.length() && text.charAt(i + 1) == '(') {
                    i = skipInterpolation(i + 2);
                } else {
                    i += c == '\\' ? 2 : 1;
                }
            }
            return text.length();
        }

        private int skipInterpolation(int i) {
            int depth = 1;
            while (i < text.length()) {
                char c = text.charAt(i);
                if (c == '"') {
                    i = skipString(i);
                    continue;
                }
                if (c == '(') {
                    depth++;
                } else if (c == ')' && --depth == 0) {
                    return i + 1;
                }
                i++;
            }
            return text.length();
        }
    }
}
