package dev.sluice.stream.internal.consumer;

import dev.sluice.stream.ConsumerRecord;
import dev.sluice.stream.StreamRecord;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The KPL decoder on hand-made protobuf bytes, including malformed ones. */
class KplAggregationTest {

    private static StreamRecord record(byte[] proto) throws Exception {
        byte[] digest = MessageDigest.getInstance("MD5").digest(proto);
        ByteBuffer data = ByteBuffer.allocate(4 + proto.length + 16).put(KplAggregation.MAGIC).put(proto).put(digest);
        return new StreamRecord("1000000000000000000000000001", Instant.EPOCH, "outer", data.flip());
    }

    private static void assertPassedThrough(StreamRecord record) {
        List<ConsumerRecord> out = KplAggregation.deaggregate(record);
        assertEquals(1, out.size());
        assertFalse(out.get(0).aggregated());
        assertArrayEquals(record.dataBytes(), out.get(0).dataBytes());
    }

    @Test
    void deaggregate_validProtobufWithUnknownFields_returnsUserRecords() throws Exception {
        // partition_key_table ["k"], an unknown fixed32 field 9, records [{pk 0, data "hi"}]
        byte[] proto = {0x0A, 0x01, 'k', 0x4D, 1, 2, 3, 4, 0x1A, 0x06, 0x08, 0x00, 0x1A, 0x02, 'h', 'i'};
        List<ConsumerRecord> out = KplAggregation.deaggregate(record(proto));
        assertEquals(1, out.size());
        assertTrue(out.get(0).aggregated());
        assertEquals("k", out.get(0).partitionKey());
        assertArrayEquals(new byte[] {'h', 'i'}, out.get(0).dataBytes());
    }

    /** partition_key_table ["k"], records [{pk 0, data "hi"}]. */
    private static final byte[] ONE_RECORD = {0x0A, 0x01, 'k', 0x1A, 0x06, 0x08, 0x00, 0x1A, 0x02, 'h', 'i'};

    @Test
    void deaggregate_digestNotTheProtobufsMd5_passesRecordThrough() throws Exception {
        for (int flipped : new int[] {0, 15}) { // in the first and in the second half of the digest
            byte[] bytes = record(ONE_RECORD).dataBytes();
            bytes[bytes.length - 16 + flipped] ^= 1;
            assertPassedThrough(new StreamRecord("1000000000000000000000000001", Instant.EPOCH, "outer",
                    ByteBuffer.wrap(bytes)));
        }
    }

    @Test
    void deaggregate_dataViewNotAtTheStartOfItsArray_readsTheDigestInTheView() throws Exception {
        byte[] aggregated = record(ONE_RECORD).dataBytes();
        byte[] larger = new byte[aggregated.length + 10];
        System.arraycopy(aggregated, 0, larger, 7, aggregated.length);
        List<ConsumerRecord> out = KplAggregation.deaggregate(new StreamRecord("1000000000000000000000000001",
                Instant.EPOCH, "outer", ByteBuffer.wrap(larger, 7, aggregated.length)));
        assertEquals(1, out.size());
        assertTrue(out.get(0).aggregated());
        assertArrayEquals(new byte[] {'h', 'i'}, out.get(0).dataBytes());
    }

    @Test
    void deaggregate_truncatedProtobufWithMatchingDigest_passesRecordThrough() throws Exception {
        assertPassedThrough(record(new byte[] {0x0A, 0x05, 'k'}));
    }

    @Test
    void deaggregate_partitionKeyIndexOutsideTable_passesRecordThrough() throws Exception {
        assertPassedThrough(record(new byte[] {0x0A, 0x01, 'k', 0x1A, 0x06, 0x08, 0x03, 0x1A, 0x02, 'h', 'i'}));
    }

    @Test
    void deaggregate_recordWithoutData_passesRecordThrough() throws Exception {
        assertPassedThrough(record(new byte[] {0x0A, 0x01, 'k', 0x1A, 0x02, 0x08, 0x00}));
    }

    @Test
    void deaggregate_dataShorterThanMagicAndDigest_passesRecordThrough() {
        assertPassedThrough(new StreamRecord("1000000000000000000000000001", Instant.EPOCH, "k",
                ByteBuffer.wrap(KplAggregation.MAGIC)));
    }
}
