package dev.sluice.delivery.internal.sink;

import dev.sluice.delivery.SinkObject;
import dev.sluice.delivery.internal.buffer.Item;

import java.nio.ByteBuffer;
import java.util.AbstractList;
import java.util.List;
import java.util.RandomAccess;

/**
 * The records of a {@link SinkObject} as read-only views made when asked for: most sinks write only the encoded object
 * and never look at the records, and building two buffers per record up front was a tenth of a delivery thread.
 *
 * <p>Design note: immutable and thread-safe, over the items an encoder wrote (a list nobody changes once encoded,
 * whose items are immutable). Each {@link #get} returns a new read-only view positioned at the record's start, as
 * {@link SinkObject#content()} does; {@link SinkObject} keeps a list of this class as it is instead of copying it.
 */
public final class RecordViews extends AbstractList<ByteBuffer> implements RandomAccess {

    private final List<Item> items;

    RecordViews(List<Item> items) {
        this.items = items;
    }

    @Override
    public ByteBuffer get(int index) {
        return ByteBuffer.wrap(items.get(index).data).asReadOnlyBuffer();
    }

    @Override
    public int size() {
        return items.size();
    }
}
