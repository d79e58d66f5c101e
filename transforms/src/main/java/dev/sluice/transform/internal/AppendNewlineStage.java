package dev.sluice.transform.internal;

import java.util.Arrays;

/**
 * Firehose's {@code AppendDelimiterToRecord}: appends {@code '\n'} so records concatenated into one object
 * downstream stay line-separated.
 */
public final class AppendNewlineStage implements RecordStage {

    @Override
    public void apply(Item item, StageOutput out) {
        byte[] data = Arrays.copyOf(item.data, item.data.length + 1);
        data[data.length - 1] = '\n';
        item.data = data;
        out.emit(item);
    }

    @Override
    public String toString() {
        return "appendNewline";
    }
}
