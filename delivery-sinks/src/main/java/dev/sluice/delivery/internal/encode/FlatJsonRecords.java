package dev.sluice.delivery.internal.encode;

import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.util.Utf8;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

/**
 * The fast path of {@link JsonToAvro}: reads the common record, flat JSON objects of plain scalars, by scanning its
 * bytes once, without a Jackson parser, and declines everything else.
 *
 * <p>Design note: immutable and thread-safe. {@link #read} either returns {@code true} with exactly the rows the
 * general (Jackson) path would build for the same bytes, or returns {@code false} having appended nothing, and the
 * caller runs the general path, which also produces every error message. So the fast path only accepts input it can
 * prove the general path accepts the same way: ASCII strings without escapes or control characters, numbers in the
 * strict JSON grammar (no leading zeros) that fit a long or are short enough to parse as a double, {@code true},
 * {@code false}, {@code null}, the four JSON whitespace characters, and top-level fields whose schema is a plain
 * string, int, long, float, double or boolean without a logical type, optionally in a union with null. Anything else
 * (escapes, non-ASCII text, nested values, a value of another type than its field's, a missing non-nullable field)
 * declines, and the record costs one wasted scan.
 *
 * <p>Field names are matched first against the field that follows the previous one in schema order, byte by byte
 * (the usual case: producers write fields in a fixed order), then through the caller's name resolution, which applies
 * case-insensitivity, column-to-key mappings and dots to underscores. A record is read into {@link Rows}, scratch
 * reused from record to record that holds each field's value (or a string's range of the record's bytes), so a
 * writer can take the values from there without any object per value ({@link FlatRowsWriteSupport}); or into Avro
 * rows, where strings become {@link Utf8} values copied from the record's bytes when {@code utf8Strings} and
 * {@link String}s otherwise, as the general path builds.
 */
final class FlatJsonRecords {

    /** Longest number text parsed as a double here; longer ones go to the general path (Jackson's own limits). */
    private static final int MAX_DOUBLE_CHARS = 32;
    /** Most digits of an integer parsed here: 18 always fit a long. */
    private static final int MAX_LONG_DIGITS = 18;

    /** 10^0 to 10^15, each exact as a double. */
    private static final double[] POWERS_OF_TEN = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
        1e12, 1e13, 1e14, 1e15};

    /** Stands for a default {@link GenericData#getDefaultValue} cannot give. */
    private static final Object UNKNOWN_DEFAULT = new Object();

    private enum Kind { STRING, INT, LONG, FLOAT, DOUBLE, BOOLEAN, UNSUPPORTED }

    private final Schema schema;
    private final Schema.Field[] fields;
    private final Kind[] kinds;
    private final boolean[] nullable;
    /** Each field's name as bytes, or {@code null} when the name does not resolve to that field (a key mapping). */
    private final byte[][] names;
    private final Function<String, Schema.Field> resolve;
    private final boolean utf8Strings;
    /**
     * Each field's default as the general path gives it ({@link GenericData#getDefaultValue}, itself made once and
     * shared), for writers that only read it; null for none.
     */
    private final Object[] defaults;

    /**
     * Prepares the fast path for a record schema.
     *
     * @param schema the top-level record schema
     * @param resolve the general path's name resolution for top-level JSON keys; null for an unknown key
     * @param utf8Strings whether strings become {@link Utf8} (else {@link String})
     */
    FlatJsonRecords(Schema schema, Function<String, Schema.Field> resolve, boolean utf8Strings) {
        this.schema = schema;
        this.resolve = resolve;
        this.utf8Strings = utf8Strings;
        List<Schema.Field> list = schema.getFields();
        this.fields = list.toArray(new Schema.Field[0]);
        this.kinds = new Kind[fields.length];
        this.nullable = new boolean[fields.length];
        this.names = new byte[fields.length][];
        this.defaults = new Object[fields.length];
        for (Schema.Field field : fields) {
            if (field.hasDefaultValue()) {
                try {
                    defaults[field.pos()] = GenericData.get().getDefaultValue(field);
                } catch (RuntimeException e) {
                    // Left to the general path's handling, row by row: such rows are only ever Avro rows.
                    defaults[field.pos()] = UNKNOWN_DEFAULT;
                }
            }
            Schema type = field.schema();
            if (type.getType() == Schema.Type.UNION) {
                Schema branch = null;
                int others = 0;
                for (Schema t : type.getTypes()) {
                    if (t.getType() == Schema.Type.NULL) {
                        nullable[field.pos()] = true;
                    } else {
                        branch = t;
                        others++;
                    }
                }
                kinds[field.pos()] = others == 1 ? kind(branch) : Kind.UNSUPPORTED;
            } else {
                kinds[field.pos()] = kind(type);
                nullable[field.pos()] = type.getType() == Schema.Type.NULL;
            }
            byte[] name = field.name().getBytes(StandardCharsets.UTF_8);
            names[field.pos()] = resolve.apply(field.name()) == field && ascii(name) ? name : null;
        }
    }

    private static Kind kind(Schema type) {
        if (type.getLogicalType() != null) {
            return Kind.UNSUPPORTED;
        }
        return switch (type.getType()) {
            case STRING -> Kind.STRING;
            case INT -> Kind.INT;
            case LONG -> Kind.LONG;
            case FLOAT -> Kind.FLOAT;
            case DOUBLE -> Kind.DOUBLE;
            case BOOLEAN -> Kind.BOOLEAN;
            default -> Kind.UNSUPPORTED;
        };
    }

    private static boolean ascii(byte[] bytes) {
        for (byte b : bytes) {
            if (b < 0x20 || b == '"' || b == '\\') {
                return false;
            }
        }
        return true;
    }

    /** The schema rows are read for. */
    Schema schema() {
        return schema;
    }

    /**
     * The default of the field at {@code pos}, which a row's {@link Rows#DEFAULT} stands for; shared, so only for
     * callers that do not change it.
     */
    Object defaultValue(int pos) {
        return defaults[pos];
    }

    /**
     * Whether every value a read row can hold is a scalar: a field of a type this path does not read is only ever
     * null in a row (no value is read for it, and its default, if any, is null).
     */
    boolean scalarRows() {
        for (int pos = 0; pos < fields.length; pos++) {
            if ((kinds[pos] == Kind.UNSUPPORTED && defaults[pos] != null) || defaults[pos] == UNKNOWN_DEFAULT) {
                return false;
            }
        }
        return true;
    }

    /**
     * Reads one record's bytes as Avro rows if they are flat objects this path handles.
     *
     * @param json the record: one object or several concatenated ones
     * @param rows where the rows go, only when this returns {@code true}
     * @return whether the rows were read; {@code false} leaves {@code rows} untouched
     */
    boolean read(byte[] json, List<GenericData.Record> rows) {
        Rows read = new Rows(fields.length);
        if (!read(json, read)) {
            return false;
        }
        for (int row = 0; row < read.count; row++) {
            rows.add(record(read, row));
        }
        return true;
    }

    /**
     * Reads one record's bytes into {@code rows} (replacing what it held) if they are flat objects this path
     * handles: the same rows {@link #read(byte[], List)} gives, as values and byte ranges of {@code json} instead
     * of Avro objects.
     *
     * @param json the record: one object or several concatenated ones; must not change while {@code rows} is used
     * @param rows a reader's scratch rows, made by {@link #rows()}
     * @return whether the record was read; on {@code false} {@code rows} holds nothing
     */
    boolean read(byte[] json, Rows rows) {
        rows.json = json;
        rows.count = 0;
        int i = skipSpace(json, 0);
        if (i >= json.length) {
            return false;
        }
        while (i < json.length) {
            if (json[i] != '{') {
                rows.count = 0;
                return false;
            }
            int base = rows.add();
            i = readObject(json, i + 1, rows, base);
            if (i < 0) {
                rows.count = 0;
                return false;
            }
            i = skipSpace(json, i);
        }
        return true;
    }

    /** Empty scratch rows for {@link #read(byte[], Rows)}. */
    Rows rows() {
        return new Rows(fields.length);
    }

    /** The Avro row for one read row, with the values the general path builds. */
    private GenericData.Record record(Rows rows, int row) {
        GenericData.Record record = new GenericData.Record(schema);
        int base = row * fields.length;
        for (int pos = 0; pos < fields.length; pos++) {
            int slot = base + pos;
            long value = rows.values[slot];
            Object avro = switch (rows.states[slot]) {
                case Rows.NULL -> null;
                case Rows.INT -> (int) value;
                case Rows.LONG -> value;
                case Rows.FLOAT -> Float.intBitsToFloat((int) value);
                case Rows.DOUBLE -> Double.longBitsToDouble(value);
                case Rows.BOOLEAN -> value != 0;
                case Rows.STRING -> utf8Strings
                        ? new Utf8(Arrays.copyOfRange(rows.json, (int) value, (int) value + rows.lengths[slot]))
                        : new String(rows.json, (int) value, rows.lengths[slot], StandardCharsets.ISO_8859_1);
                // As the general path gives it (and fails if it cannot).
                default -> GenericData.get().getDefaultValue(fields[pos]);
            };
            record.put(pos, avro);
        }
        return record;
    }

    /** Reads the object's members after its '{'; returns the index after its '}', or -1 to decline. */
    private int readObject(byte[] json, int i, Rows rows, int base) {
        int expected = 0;
        i = skipSpace(json, i);
        if (i < json.length && json[i] == '}') {
            return finish(rows, base) ? i + 1 : -1;
        }
        while (true) {
            if (i >= json.length || json[i] != '"') {
                return -1;
            }
            int nameStart = i + 1;
            int nameEnd = stringEnd(json, nameStart);
            if (nameEnd < 0) {
                return -1;
            }
            Schema.Field field = null;
            if (expected < fields.length && names[expected] != null
                    && Arrays.equals(json, nameStart, nameEnd, names[expected], 0, names[expected].length)) {
                field = fields[expected];
            } else {
                field = resolve.apply(new String(json, nameStart, nameEnd - nameStart, StandardCharsets.ISO_8859_1));
            }
            i = skipSpace(json, nameEnd + 1);
            if (i >= json.length || json[i] != ':') {
                return -1;
            }
            i = skipSpace(json, i + 1);
            if (i >= json.length) {
                return -1;
            }
            i = field == null ? skipScalar(json, i) : readValue(json, i, field.pos(), rows, base + field.pos());
            if (i < 0) {
                return -1;
            }
            if (field != null) {
                expected = field.pos() + 1;
            }
            i = skipSpace(json, i);
            if (i >= json.length) {
                return -1;
            }
            if (json[i] == '}') {
                return finish(rows, base) ? i + 1 : -1;
            }
            if (json[i] != ',') {
                return -1;
            }
            i = skipSpace(json, i + 1);
        }
    }

    /** Fills fields the object did not have, as the general path does; declines where that path fails. */
    private boolean finish(Rows rows, int base) {
        for (int pos = 0; pos < fields.length; pos++) {
            if (rows.states[base + pos] != Rows.UNSET) {
                continue;
            }
            if (fields[pos].hasDefaultValue()) {
                rows.states[base + pos] = Rows.DEFAULT;
            } else if (nullable[pos]) {
                rows.states[base + pos] = Rows.NULL;
            } else {
                return false;
            }
        }
        return true;
    }

    /** Reads one value into its slot; returns the index after it, or -1 to decline. */
    private int readValue(byte[] json, int i, int pos, Rows rows, int slot) {
        byte b = json[i];
        if (b == 'n') {
            int end = literal(json, i, "null");
            if (end < 0 || !nullable[pos]) {
                return -1;
            }
            rows.states[slot] = Rows.NULL;
            return end;
        }
        switch (kinds[pos]) {
            case STRING: {
                if (b != '"') {
                    return -1;
                }
                int end = stringEnd(json, i + 1);
                if (end < 0) {
                    return -1;
                }
                rows.states[slot] = Rows.STRING;
                rows.values[slot] = i + 1;
                rows.lengths[slot] = end - i - 1;
                return end + 1;
            }
            case BOOLEAN: {
                int end = b == 't' ? literal(json, i, "true") : b == 'f' ? literal(json, i, "false") : -1;
                if (end < 0) {
                    return -1;
                }
                rows.states[slot] = Rows.BOOLEAN;
                rows.values[slot] = b == 't' ? 1 : 0;
                return end;
            }
            case INT:
            case LONG: {
                int end = numberEnd(json, i, false);
                if (end < 0 || end - i - (b == '-' ? 1 : 0) > MAX_LONG_DIGITS) {
                    return -1;
                }
                long value = parseLong(json, i, end);
                if (kinds[pos] == Kind.INT) {
                    if (value < Integer.MIN_VALUE || value > Integer.MAX_VALUE) {
                        return -1;
                    }
                    rows.states[slot] = Rows.INT;
                } else {
                    rows.states[slot] = Rows.LONG;
                }
                rows.values[slot] = value;
                return end;
            }
            case FLOAT:
            case DOUBLE: {
                int end = numberEnd(json, i, true);
                if (end < 0 || end - i > MAX_DOUBLE_CHARS) {
                    return -1;
                }
                double value;
                if (integral(json, i, end)) {
                    if (end - i - (b == '-' ? 1 : 0) > MAX_LONG_DIGITS) {
                        return -1;
                    }
                    // As Jackson reads an integer token as a double: through its long value ("-0" is 0.0).
                    value = parseLong(json, i, end);
                } else {
                    value = decimal(json, i, end);
                }
                if (kinds[pos] == Kind.FLOAT) {
                    rows.states[slot] = Rows.FLOAT;
                    rows.values[slot] = Float.floatToRawIntBits((float) value);
                } else {
                    rows.states[slot] = Rows.DOUBLE;
                    rows.values[slot] = Double.doubleToRawLongBits(value);
                }
                return end;
            }
            default:
                return -1;
        }
    }

    /** Skips the value of a key the schema does not have: scalars only; returns the index after it or -1. */
    private static int skipScalar(byte[] json, int i) {
        byte b = json[i];
        if (b == '"') {
            int end = stringEnd(json, i + 1);
            return end < 0 ? -1 : end + 1;
        }
        if (b == 't') {
            return literal(json, i, "true");
        }
        if (b == 'f') {
            return literal(json, i, "false");
        }
        if (b == 'n') {
            return literal(json, i, "null");
        }
        int end = numberEnd(json, i, true);
        return end < 0 || end - i > MAX_DOUBLE_CHARS ? -1 : end;
    }

    /** The index of the closing quote of a string starting at {@code i}, or -1 for an escape or non-ASCII byte. */
    private static int stringEnd(byte[] json, int i) {
        for (; i < json.length; i++) {
            byte b = json[i];
            if (b == '"') {
                return i;
            }
            if (b < 0x20 || b == '\\') {
                // Negative bytes are non-ASCII: their UTF-8 validity is left to Jackson.
                return -1;
            }
        }
        return -1;
    }

    /** The index after a literal followed by a delimiter, or -1. */
    private static int literal(byte[] json, int i, String word) {
        int end = i + word.length();
        if (end > json.length) {
            return -1;
        }
        for (int k = 0; k < word.length(); k++) {
            if (json[i + k] != word.charAt(k)) {
                return -1;
            }
        }
        return delimiterAt(json, end) ? end : -1;
    }

    /**
     * The index after a number in the strict JSON grammar, {@code -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?},
     * followed by a delimiter; -1 otherwise, or for a fraction or exponent when {@code fractional} is false.
     */
    private static int numberEnd(byte[] json, int i, boolean fractional) {
        int n = json.length;
        if (i < n && json[i] == '-') {
            i++;
        }
        if (i >= n || !digit(json[i])) {
            return -1;
        }
        if (json[i] == '0') {
            i++;
        } else {
            while (i < n && digit(json[i])) {
                i++;
            }
        }
        if (i < n && json[i] == '.') {
            if (!fractional) {
                return -1;
            }
            i++;
            if (i >= n || !digit(json[i])) {
                return -1;
            }
            while (i < n && digit(json[i])) {
                i++;
            }
        }
        if (i < n && (json[i] == 'e' || json[i] == 'E')) {
            if (!fractional) {
                return -1;
            }
            i++;
            if (i < n && (json[i] == '+' || json[i] == '-')) {
                i++;
            }
            if (i >= n || !digit(json[i])) {
                return -1;
            }
            while (i < n && digit(json[i])) {
                i++;
            }
        }
        return delimiterAt(json, i) ? i : -1;
    }

    private static boolean integral(byte[] json, int from, int to) {
        for (int i = from; i < to; i++) {
            byte b = json[i];
            if (b == '.' || b == 'e' || b == 'E') {
                return false;
            }
        }
        return true;
    }

    /** Parses an integer already checked by {@link #numberEnd} and at most {@link #MAX_LONG_DIGITS} digits. */
    private static long parseLong(byte[] json, int from, int to) {
        boolean negative = json[from] == '-';
        long value = 0;
        for (int i = negative ? from + 1 : from; i < to; i++) {
            value = value * 10 + (json[i] - '0');
        }
        return negative ? -value : value;
    }

    /**
     * Parses a fractional number already checked by {@link #numberEnd}. A plain decimal with at most 15 digits and
     * no exponent is its digits as a long (exact below 2^53) divided by a power of ten (exact up to 10^22): one
     * correctly rounded division, so the same double as {@link Double#parseDouble} and Jackson's parser give.
     */
    private static double decimal(byte[] json, int from, int to) {
        boolean negative = json[from] == '-';
        long digits = 0;
        int count = 0;
        int scale = -1;
        for (int i = negative ? from + 1 : from; i < to; i++) {
            byte b = json[i];
            if (b == '.') {
                scale = 0;
            } else if (digit(b) && count < 15) {
                digits = digits * 10 + (b - '0');
                count++;
                if (scale >= 0) {
                    scale++;
                }
            } else {
                return Double.parseDouble(new String(json, from, to - from, StandardCharsets.ISO_8859_1));
            }
        }
        double value = digits / POWERS_OF_TEN[Math.max(scale, 0)];
        return negative ? -value : value;
    }

    private static boolean digit(byte b) {
        return b >= '0' && b <= '9';
    }

    /** Whether a value may end before {@code i}: end of input, JSON whitespace, ',' or '}'. */
    private static boolean delimiterAt(byte[] json, int i) {
        if (i >= json.length) {
            return true;
        }
        byte b = json[i];
        return b == ',' || b == '}' || b == ' ' || b == '\t' || b == '\n' || b == '\r';
    }

    private static int skipSpace(byte[] json, int i) {
        while (i < json.length) {
            byte b = json[i];
            if (b != ' ' && b != '\t' && b != '\n' && b != '\r') {
                return i;
            }
            i++;
        }
        return i;
    }

    /**
     * One record's rows as {@link #read(byte[], Rows)} reads them, reused from record to record: per row and field a
     * state, a value (an int or long, a float's or double's bits, a boolean as 0 or 1, or a string's offset in
     * {@link #json()}) and a string's length in bytes. Strings are ranges of the record's bytes, never copied.
     * Not thread-safe: one per writer.
     */
    static final class Rows {

        /** Not set by the object read so far (only while reading). */
        static final byte UNSET = -1;
        /** Null: the JSON null, or a missing nullable field without a default. */
        static final byte NULL = 0;
        static final byte INT = 1;
        static final byte LONG = 2;
        static final byte FLOAT = 3;
        static final byte DOUBLE = 4;
        static final byte BOOLEAN = 5;
        static final byte STRING = 6;
        /** Missing, with a default: {@link FlatJsonRecords#defaultValue}. */
        static final byte DEFAULT = 7;

        private final int width;
        private byte[] json;
        private int count;
        private byte[] states;
        private long[] values;
        private int[] lengths;

        private Rows(int width) {
            this.width = width;
            int slots = Math.max(1, width) * 2;
            this.states = new byte[slots];
            this.values = new long[slots];
            this.lengths = new int[slots];
        }

        /** Starts one more row with every field unset; returns the row's first slot. */
        private int add() {
            int base = count * width;
            if (base + width > states.length) {
                int slots = Math.max(states.length * 2, base + width);
                states = Arrays.copyOf(states, slots);
                values = Arrays.copyOf(values, slots);
                lengths = Arrays.copyOf(lengths, slots);
            }
            Arrays.fill(states, base, base + width, UNSET);
            count++;
            return base;
        }

        /** The record the rows were read from. */
        byte[] json() {
            return json;
        }

        /** The number of rows (objects) the record held. */
        int count() {
            return count;
        }

        /** The state of a field of a row: {@link #NULL} to {@link #DEFAULT}. */
        byte state(int row, int pos) {
            return states[row * width + pos];
        }

        /** The value of a field of a row, as its state says. */
        long value(int row, int pos) {
            return values[row * width + pos];
        }

        /** The byte length of a {@link #STRING} field of a row. */
        int length(int row, int pos) {
            return lengths[row * width + pos];
        }
    }
}
