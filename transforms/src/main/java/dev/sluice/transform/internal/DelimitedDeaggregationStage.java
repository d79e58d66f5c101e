package dev.sluice.transform.internal;

import dev.sluice.transform.ErrorCode;
import dev.sluice.transform.TransformException;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Firehose's {@code RecordDeAggregation} for delimited records: the record is split on a delimiter (its UTF-8
 * bytes) into one record per non-empty piece, with id {@code <recordId>.<n>}. Pieces are not parsed, so this
 * works for newline-delimited JSON and for any text; follow with a JSON processor to validate JSON.
 */
public final class DelimitedDeaggregationStage implements RecordStage {

    private final String delimiter;
    private final byte[] bytes;

    public DelimitedDeaggregationStage(String delimiter) {
        if (delimiter == null || delimiter.isEmpty()) {
            throw new TransformException(ErrorCode.INVALID_ARGUMENT,
                    "de-aggregation delimiter must be at least one character but was '" + delimiter + "'");
        }
        this.delimiter = delimiter;
        this.bytes = delimiter.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public void apply(Item item, StageOutput out) {
        byte[] data = item.data;
        int index = 0;
        int start = 0;
        int i = 0;
        while (i <= data.length - bytes.length) {
            if (matchesAt(data, i)) {
                if (i > start) {
                    out.emit(item.derive(index++, Arrays.copyOfRange(data, start, i)));
                }
                i += bytes.length;
                start = i;
            } else {
                i++;
            }
        }
        if (start < data.length) {
            out.emit(item.derive(index, Arrays.copyOfRange(data, start, data.length)));
        }
    }

    private boolean matchesAt(byte[] data, int offset) {
        for (int k = 0; k < bytes.length; k++) {
            if (data[offset + k] != bytes[k]) {
                return false;
            }
        }
        return true;
    }

    @Override
    public boolean fansOut() {
        return true;
    }

    @Override
    public String toString() {
        return "deaggregateDelimited[" + delimiter.replace("\n", "\\n") + "]";
    }
}
