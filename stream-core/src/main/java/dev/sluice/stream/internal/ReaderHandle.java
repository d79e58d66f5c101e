package dev.sluice.stream.internal;

import dev.sluice.stream.ErrorCode;
import dev.sluice.stream.ReaderRegistration;
import dev.sluice.stream.StreamException;

/**
 * The handle {@link dev.sluice.stream.StreamEngine#registerReader} returns: reports a registered reader's positions
 * into its stream's {@link Readers}.
 *
 * <p>Thread-safety: safe for concurrent use; positions go to a concurrent map.
 */
final class ReaderHandle implements ReaderRegistration {

    /** Ends the registration for good (the control plane also removes it from the manifest). */
    @FunctionalInterface
    interface Deregistration {
        void deregister(String streamName, String readerName);
    }

    private final StreamState stream;
    private final Readers.Reader reader;
    private final Deregistration deregistration;
    private volatile boolean closed;

    ReaderHandle(StreamState stream, Readers.Reader reader, Deregistration deregistration) {
        this.stream = stream;
        this.reader = reader;
        this.deregistration = deregistration;
    }

    @Override
    public String streamName() {
        return stream.name;
    }

    @Override
    public String readerName() {
        return reader.name;
    }

    @Override
    public void checkpoint(String shardId, String sequenceNumber) {
        ShardState shard = shard(shardId);
        int owner = SequenceNumbers.shardIndex("sequenceNumber", sequenceNumber);
        if (owner != shard.index) {
            throw new StreamException(ErrorCode.INVALID_ARGUMENT, "sequence number " + sequenceNumber + " belongs to "
                    + ShardState.shardId(owner) + ", not to " + shardId + " of stream " + stream.name
                    + " (reader " + reader.name + ")");
        }
        stream.byteRetention.readers().position(reader, shard.index, SequenceNumbers.counter("sequenceNumber", sequenceNumber));
    }

    @Override
    public void shardEnded(String shardId) {
        stream.byteRetention.readers().position(reader, shard(shardId).index, Readers.ALL);
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            stream.byteRetention.readers().release(reader, this);
        }
    }

    @Override
    public void deregister() {
        close();
        if (!reader.removed && !stream.isDeleted()) {
            deregistration.deregister(stream.name, reader.name);
        }
    }

    private ShardState shard(String shardId) {
        if (closed) {
            throw new IllegalStateException("the handle of reader " + reader.name + " of stream " + stream.name
                    + " is closed; register the reader again to report positions");
        }
        if (reader.removed || stream.isDeleted()) {
            throw new StreamException(ErrorCode.RESOURCE_NOT_FOUND, "reader " + reader.name + " of stream " + stream.name
                    + (stream.isDeleted() ? ": the stream was deleted" : " was deregistered"));
        }
        return stream.shard(shardId);
    }

    @Override
    public String toString() {
        return "reader " + reader.name + " of stream " + stream.name + (closed ? " (closed handle)" : "");
    }
}
