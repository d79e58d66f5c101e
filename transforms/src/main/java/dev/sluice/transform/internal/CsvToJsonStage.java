package dev.sluice.transform.internal;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import dev.sluice.transform.ErrorCode;
import dev.sluice.transform.TransformException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;

/**
 * CSV (RFC 4180) to JSON: each data line becomes one JSON object whose keys are the header's column names and
 * whose values are strings; several data lines become newline-delimited objects in the one output record.
 *
 * <p>Design note: the header is either configured (every line of the record is data) or the record's first
 * line. Quoted fields may contain commas, doubled quotes and line breaks; CRLF and LF both end a line; blank
 * lines are ignored. A line with a different field count, a stray or unterminated quote, a duplicate or
 * missing header, or invalid UTF-8 fails the record with the line number. A record with a header and no data
 * lines is dropped. Values are not type-inferred: {@code 42} stays {@code "42"}.
 */
public final class CsvToJsonStage implements RecordStage {

    private final Optional<List<String>> header;

    public CsvToJsonStage(Optional<List<String>> header) {
        header.ifPresent(columns -> {
            String duplicate = firstDuplicate(columns);
            if (columns.isEmpty() || duplicate != null) {
                throw new TransformException(ErrorCode.INVALID_ARGUMENT, "CSV header must name at least one column, "
                        + "each once, but was " + columns);
            }
        });
        this.header = header.map(List::copyOf);
    }

    @Override
    public void apply(Item item, StageOutput out) {
        if (!Json.requireUtf8(item, out)) {
            return;
        }
        List<Row> rows = new ArrayList<>();
        String problem = parse(new String(item.data, StandardCharsets.UTF_8), rows);
        if (problem != null) {
            out.fail(item, ErrorCode.MALFORMED_CSV, problem);
            return;
        }
        List<String> columns;
        int firstData;
        if (header.isPresent()) {
            columns = header.get();
            firstData = 0;
        } else {
            if (rows.isEmpty()) {
                out.fail(item, ErrorCode.MALFORMED_CSV, "CSV has no header line");
                return;
            }
            columns = rows.get(0).fields;
            String duplicate = firstDuplicate(columns);
            if (duplicate != null) {
                out.fail(item, ErrorCode.MALFORMED_CSV, "CSV header names column '" + duplicate + "' more than once");
                return;
            }
            firstData = 1;
        }
        if (rows.size() == firstData) {
            return;
        }
        ByteArrayBuilder buffer = Json.buffer();
        try (JsonGenerator generator = Json.FACTORY.createGenerator(buffer)) {
            generator.setRootValueSeparator(null);
            for (int r = firstData; r < rows.size(); r++) {
                Row row = rows.get(r);
                if (row.fields.size() != columns.size()) {
                    out.fail(item, ErrorCode.MALFORMED_CSV, "CSV line " + row.line + " has " + row.fields.size()
                            + " fields but the header has " + columns.size());
                    return;
                }
                if (r > firstData) {
                    generator.writeRaw('\n');
                }
                generator.writeStartObject();
                for (int c = 0; c < columns.size(); c++) {
                    generator.writeStringField(columns.get(c), row.fields.get(c));
                }
                generator.writeEndObject();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        item.data = buffer.toByteArray();
        out.emit(item);
    }

    private record Row(int line, List<String> fields) {
    }

    /** Parses RFC 4180 text into rows; returns a problem description or {@code null}. */
    private static String parse(String text, List<Row> rows) {
        List<String> fields = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        boolean quoted = false;
        boolean afterQuote = false;
        boolean fieldStarted = false;
        int line = 1;
        int rowLine = 1;
        int quoteLine = 1;
        int n = text.length();
        for (int i = 0; i < n; i++) {
            char c = text.charAt(i);
            if (quoted) {
                if (c == '"') {
                    if (i + 1 < n && text.charAt(i + 1) == '"') {
                        field.append('"');
                        i++;
                    } else {
                        quoted = false;
                        afterQuote = true;
                    }
                } else {
                    if (c == '\n') {
                        line++;
                    }
                    field.append(c);
                }
                continue;
            }
            if (c == ',') {
                fields.add(field.toString());
                field.setLength(0);
                afterQuote = false;
                fieldStarted = true;
            } else if (c == '\n' || c == '\r') {
                if (c == '\r' && i + 1 < n && text.charAt(i + 1) == '\n') {
                    i++;
                }
                endRow(rows, fields, field, fieldStarted || afterQuote, rowLine);
                fields = new ArrayList<>();
                afterQuote = false;
                fieldStarted = false;
                line++;
                rowLine = line;
            } else if (afterQuote) {
                return "CSV line " + line + " has text after a closing quote";
            } else if (c == '"') {
                if (field.length() > 0) {
                    return "CSV line " + line + " has a quote inside an unquoted field";
                }
                quoted = true;
                quoteLine = line;
                fieldStarted = true;
            } else {
                field.append(c);
                fieldStarted = true;
            }
        }
        if (quoted) {
            return "CSV has an unterminated quoted field starting on line " + quoteLine;
        }
        endRow(rows, fields, field, fieldStarted || afterQuote, rowLine);
        return null;
    }

    private static void endRow(List<Row> rows, List<String> fields, StringBuilder field, boolean started, int line) {
        if (fields.isEmpty() && !started) {
            return;
        }
        fields.add(field.toString());
        field.setLength(0);
        rows.add(new Row(line, fields));
    }

    private static String firstDuplicate(List<String> columns) {
        HashSet<String> seen = new HashSet<>();
        for (String column : columns) {
            if (!seen.add(column)) {
                return column;
            }
        }
        return null;
    }

    @Override
    public String toString() {
        return "csvToJson" + header.map(List::toString).orElse("[header in record]");
    }
}
