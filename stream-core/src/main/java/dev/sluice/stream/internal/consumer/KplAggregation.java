package dev.sluice.stream.internal.consumer;

import dev.sluice.stream.ConsumerRecord;
import dev.sluice.stream.StreamRecord;
import dev.sluice.stream.internal.HashKeySpace;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * De-aggregates records in the Kinesis Producer Library's aggregated format, as KCL does.
 *
 * <p>Format: the magic bytes {@code F3 89 9A C2}, a protobuf {@code AggregatedRecord}, then the 16-byte MD5 of the
 * protobuf bytes. The message:
 * <pre>
 * message AggregatedRecord {
 *   repeated string partition_key_table     = 1;
 *   repeated string explicit_hash_key_table = 2;
 *   repeated Record records                 = 3;
 * }
 * message Record {
 *   required uint64 partition_key_index     = 1;
 *   optional uint64 explicit_hash_key_index = 2;
 *   required bytes  data                    = 3;
 *   repeated Tag    tags                    = 4;   // skipped
 * }
 * </pre>
 *
 * <p>Design note: a hand-written decoder of the few fields (varints and length-delimited fields; unknown fields
 * of any wire type are skipped), so stream-core needs no protobuf dependency. A record without the magic, with a
 * wrong MD5, or whose protobuf does not parse (truncated, an index outside its table, a required field missing) is
 * passed through as one plain record, as KCL does; so data that merely starts with the magic is never lost.
 *
 * <p>Thread-safety: stateless.
 */
final class KplAggregation {

    /** KPL aggregated-record magic number. */
    static final byte[] MAGIC = {(byte) 0xF3, (byte) 0x89, (byte) 0x9A, (byte) 0xC2};
    /** Length of the trailing MD5 digest. */
    static final int DIGEST_LENGTH = 16;

    private KplAggregation() {
    }

    /** Returns the user records of a Kinesis record: its de-aggregated records, or the record itself. */
    static List<ConsumerRecord> deaggregate(StreamRecord record) {
        ByteBuffer data = record.data();
        int length = data.remaining();
        if (length < MAGIC.length + DIGEST_LENGTH || !hasMagic(data)) {
            return List.of(plain(record));
        }
        byte[] bytes = record.dataBytes();
        byte[] message = Arrays.copyOfRange(bytes, MAGIC.length, length - DIGEST_LENGTH);
        if (!isMd5Of(message, data, data.position() + length - DIGEST_LENGTH)) {
            return List.of(plain(record));
        }
        try {
            return decode(record, message);
        } catch (MalformedAggregateException e) {
            return List.of(plain(record));
        }
    }

    private static boolean hasMagic(ByteBuffer data) {
        for (int i = 0; i < MAGIC.length; i++) {
            if (data.get(data.position() + i) != MAGIC[i]) {
                return false;
            }
        }
        return true;
    }

    private static ConsumerRecord plain(StreamRecord record) {
        return new ConsumerRecord(record.sequenceNumber(), 0, record.approximateArrivalTimestamp(),
                record.partitionKey(), Optional.empty(), record.data(), false);
    }

    private static List<ConsumerRecord> decode(StreamRecord record, byte[] message) throws MalformedAggregateException {
        List<String> partitionKeys = new ArrayList<>();
        List<String> explicitHashKeys = new ArrayList<>();
        List<long[]> indexes = new ArrayList<>(); // {partition key index, explicit hash key index or -1}
        List<byte[]> payloads = new ArrayList<>();
        ProtoReader reader = new ProtoReader(message, 0, message.length);
        while (reader.hasMore()) {
            long tag = reader.varint();
            int field = (int) (tag >>> 3);
            int wireType = (int) (tag & 7);
            if (field == 1 && wireType == 2) {
                partitionKeys.add(new String(reader.bytes(), StandardCharsets.UTF_8));
            } else if (field == 2 && wireType == 2) {
                explicitHashKeys.add(new String(reader.bytes(), StandardCharsets.UTF_8));
            } else if (field == 3 && wireType == 2) {
                ProtoReader inner = reader.message();
                long partitionKeyIndex = -1;
                long explicitHashKeyIndex = -1;
                byte[] payload = null;
                while (inner.hasMore()) {
                    long innerTag = inner.varint();
                    int innerField = (int) (innerTag >>> 3);
                    int innerType = (int) (innerTag & 7);
                    if (innerField == 1 && innerType == 0) {
                        partitionKeyIndex = inner.varint();
                    } else if (innerField == 2 && innerType == 0) {
                        explicitHashKeyIndex = inner.varint();
                    } else if (innerField == 3 && innerType == 2) {
                        payload = inner.bytes();
                    } else {
                        inner.skip(innerType);
                    }
                }
                if (partitionKeyIndex < 0 || payload == null) {
                    throw new MalformedAggregateException();
                }
                indexes.add(new long[] {partitionKeyIndex, explicitHashKeyIndex});
                payloads.add(payload);
            } else {
                reader.skip(wireType);
            }
        }
        List<ConsumerRecord> records = new ArrayList<>(payloads.size());
        for (int i = 0; i < payloads.size(); i++) {
            long[] index = indexes.get(i);
            if (index[0] >= partitionKeys.size() || index[1] < -1 || index[1] >= explicitHashKeys.size()) {
                throw new MalformedAggregateException();
            }
            Optional<String> explicitHashKey = index[1] < 0 ? Optional.empty()
                    : Optional.of(explicitHashKeys.get((int) index[1]));
            records.add(new ConsumerRecord(record.sequenceNumber(), i, record.approximateArrivalTimestamp(),
                    partitionKeys.get((int) index[0]), explicitHashKey, ByteBuffer.wrap(payloads.get(i)), true));
        }
        return records;
    }

    /**
     * Whether the 16 bytes of {@code data} at {@code at} are the MD5 of {@code message}: the engine's MD5 (the JDK's
     * once set up, its own before that or where the JVM has no MD5 provider), read as two big-endian longs
     * ({@link StreamRecord#data()} is a big-endian view).
     */
    private static boolean isMd5Of(byte[] message, ByteBuffer data, int at) {
        long[] hash = new long[2];
        HashKeySpace.md5(message, hash);
        return hash[0] == data.getLong(at) && hash[1] == data.getLong(at + 8);
    }

    /** The protobuf is not a valid {@code AggregatedRecord}; the record is passed through instead. */
    private static final class MalformedAggregateException extends Exception {
        private static final long serialVersionUID = 1L;

        MalformedAggregateException() {
            super(null, null, false, false);
        }
    }

    /** Reads protobuf wire format from a slice of an array. */
    private static final class ProtoReader {
        private final byte[] buffer;
        private final int end;
        private int position;

        ProtoReader(byte[] buffer, int position, int end) {
            this.buffer = buffer;
            this.position = position;
            this.end = end;
        }

        boolean hasMore() {
            return position < end;
        }

        long varint() throws MalformedAggregateException {
            long value = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                if (position >= end) {
                    throw new MalformedAggregateException();
                }
                byte b = buffer[position++];
                value |= (long) (b & 0x7F) << shift;
                if (b >= 0) {
                    return value;
                }
            }
            throw new MalformedAggregateException();
        }

        private int length() throws MalformedAggregateException {
            long length = varint();
            if (length < 0 || length > end - position) {
                throw new MalformedAggregateException();
            }
            return (int) length;
        }

        byte[] bytes() throws MalformedAggregateException {
            int length = length();
            byte[] bytes = Arrays.copyOfRange(buffer, position, position + length);
            position += length;
            return bytes;
        }

        ProtoReader message() throws MalformedAggregateException {
            int length = length();
            ProtoReader inner = new ProtoReader(buffer, position, position + length);
            position += length;
            return inner;
        }

        void skip(int wireType) throws MalformedAggregateException {
            switch (wireType) {
                case 0 -> varint();
                case 1 -> advance(8);
                case 2 -> advance(length());
                case 5 -> advance(4);
                default -> throw new MalformedAggregateException();
            }
        }

        private void advance(int count) throws MalformedAggregateException {
            if (count > end - position) {
                throw new MalformedAggregateException();
            }
            position += count;
        }
    }
}
