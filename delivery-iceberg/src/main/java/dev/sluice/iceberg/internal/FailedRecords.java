package dev.sluice.iceberg.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The records of one delivery object that did not go into a table, as Firehose error-output lines:
 * {@code {attemptsMade, arrivalTimestamp, errorCode, errorMessage, attemptEndingTimestamp, rawData}} plus the
 * {@code destinationDatabaseName}/{@code destinationTableName} when the record was routed.
 *
 * <p>Design note: not thread-safe; built and written by one delivery attempt.
 */
public final class FailedRecords {

    /** The error code of a record the routing query could not place. */
    public static final String UNROUTABLE = "Iceberg.RoutingFailed";
    /** The error code of a record routed to a table the destination does not configure. */
    public static final String NO_SUCH_TABLE = "Iceberg.NoSuchTable";
    /** The error code of a record whose routing query returned an operation other than insert, update, delete. */
    public static final String INVALID_OPERATION = "Iceberg.InvalidOperation";
    /** The error code of an update or delete routed to a table without unique keys. */
    public static final String NO_UNIQUE_KEYS = "Iceberg.MissingUniqueKeys";
    /**
     * The error code of a record routed to a table with unique keys that lacks a unique-key value (absent or null):
     * Firehose's name for records whose fields do not match the table's unique keys.
     */
    public static final String INVALID_UNIQUE_KEYS = "Iceberg.InvalidUniqueKeys";

    private static final JsonFactory JSON = new JsonFactory();

    private final ByteArrayOutputStream lines = new ByteArrayOutputStream();
    private final List<ByteBuffer> records = new ArrayList<>();

    /** Adds one failed record. */
    public void add(byte[] raw, String table, String errorCode, String errorMessage, Instant arrival, Instant now) {
        try (JsonGenerator json = JSON.createGenerator(lines)) {
            json.writeStartObject();
            json.writeNumberField("attemptsMade", 1);
            json.writeNumberField("arrivalTimestamp", arrival.toEpochMilli());
            json.writeStringField("errorCode", errorCode);
            json.writeStringField("errorMessage", errorMessage);
            json.writeNumberField("attemptEndingTimestamp", now.toEpochMilli());
            json.writeFieldName("rawData");
            json.writeBinary(raw);
            if (table != null) {
                int dot = table.indexOf('.');
                json.writeStringField("destinationDatabaseName", table.substring(0, dot));
                json.writeStringField("destinationTableName", table.substring(dot + 1));
            }
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        lines.write('\n');
        records.add(ByteBuffer.wrap(raw));
    }

    /** Whether nothing failed. */
    public boolean isEmpty() {
        return records.isEmpty();
    }

    /** The error-output object's content. */
    public ByteBuffer content() {
        return ByteBuffer.wrap(lines.toByteArray());
    }

    /** The failed records themselves. */
    public List<ByteBuffer> records() {
        return records;
    }
}
