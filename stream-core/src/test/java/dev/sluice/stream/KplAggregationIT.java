package dev.sluice.stream;

import dev.sluice.stream.testing.ManualClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** KPL aggregated records reach the processor de-aggregated; damaged ones pass through whole. */
class KplAggregationIT {

    private final ManualClock time = new ManualClock();
    private final StreamEngine engine = StreamEngine.builder().clock(time).ticker(time).build();

    @AfterEach
    void close() {
        engine.close();
    }

    /** One user record for {@link #aggregate}. */
    record UserRecord(String partitionKey, String explicitHashKey, String data) {
    }

    /** Encodes records in the KPL aggregated format: magic, protobuf AggregatedRecord, MD5 of the protobuf. */
    static byte[] aggregate(List<UserRecord> records) {
        List<String> keys = records.stream().map(UserRecord::partitionKey).distinct().toList();
        List<String> hashKeys = records.stream().map(UserRecord::explicitHashKey).filter(k -> k != null).distinct().toList();
        ByteArrayOutputStream message = new ByteArrayOutputStream();
        keys.forEach(k -> field(message, 1, k.getBytes(StandardCharsets.UTF_8)));
        hashKeys.forEach(k -> field(message, 2, k.getBytes(StandardCharsets.UTF_8)));
        for (UserRecord record : records) {
            ByteArrayOutputStream inner = new ByteArrayOutputStream();
            varint(inner, 1 << 3);
            varint(inner, keys.indexOf(record.partitionKey()));
            if (record.explicitHashKey() != null) {
                varint(inner, 2 << 3);
                varint(inner, hashKeys.indexOf(record.explicitHashKey()));
            }
            field(inner, 3, record.data().getBytes(StandardCharsets.UTF_8));
            field(inner, 4, new byte[] {0x0A, 0x01, 'x'}); // a Tag{key = "x"}, which the reader skips
            field(message, 3, inner.toByteArray());
        }
        byte[] proto = message.toByteArray();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {(byte) 0xF3, (byte) 0x89, (byte) 0x9A, (byte) 0xC2});
        out.writeBytes(proto);
        out.writeBytes(md5(proto));
        return out.toByteArray();
    }

    private static void field(ByteArrayOutputStream out, int number, byte[] bytes) {
        varint(out, (number << 3) | 2);
        varint(out, bytes.length);
        out.writeBytes(bytes);
    }

    private static void varint(ByteArrayOutputStream out, long value) {
        while ((value & ~0x7FL) != 0) {
            out.write((int) ((value & 0x7F) | 0x80));
            value >>>= 7;
        }
        out.write((int) value);
    }

    private static byte[] md5(byte[] bytes) {
        try {
            return MessageDigest.getInstance("MD5").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void processRecords_aggregatedAndDamagedRecords_deaggregatesValidOnesAndPassesOthersThrough() {
        engine.createStream("s", 1);
        byte[] aggregated = aggregate(List.of(new UserRecord("a", null, "one"), new UserRecord("b", "12345", "two"),
                new UserRecord("a", null, "three")));
        byte[] badDigest = aggregated.clone();
        badDigest[badDigest.length - 1] ^= 1;
        byte[] plainData = "plain".getBytes(StandardCharsets.UTF_8);
        String aggregatedSequence = engine.putRecord("s", "outer", aggregated).sequenceNumber();
        String badSequence = engine.putRecord("s", "outer", badDigest).sequenceNumber();
        engine.putRecord("s", "p", plainData);

        List<ConsumerRecord> received = new CopyOnWriteArrayList<>();
        try (ConsumerApplication application = ConsumerApplication.builder(engine).applicationName("kpl").streamName("s")
                .initialPosition(ShardIteratorType.trimHorizon()).processor(input -> received.addAll(input.records()))
                .build()) {
            await().atMost(Duration.ofSeconds(10)).until(() -> received.size() >= 5);
            assertEquals("kpl", application.applicationName());
        }

        assertEquals(List.of("one", "two", "three"), received.subList(0, 3).stream()
                .map(r -> new String(r.dataBytes(), StandardCharsets.UTF_8)).toList());
        assertEquals(List.of(0L, 1L, 2L), received.subList(0, 3).stream().map(ConsumerRecord::subSequenceNumber).toList());
        assertEquals(List.of("a", "b", "a"), received.subList(0, 3).stream().map(ConsumerRecord::partitionKey).toList());
        assertEquals(Optional.of("12345"), received.get(1).explicitHashKey());
        assertEquals(Optional.empty(), received.get(0).explicitHashKey());
        assertTrue(received.subList(0, 3).stream().allMatch(r -> r.aggregated() && r.sequenceNumber().equals(aggregatedSequence)));

        ConsumerRecord damaged = received.get(3);
        assertFalse(damaged.aggregated());
        assertEquals(badSequence, damaged.sequenceNumber());
        assertEquals("outer", damaged.partitionKey());
        assertArrayEquals(badDigest, damaged.dataBytes());
        assertTrue(Arrays.equals(plainData, received.get(4).dataBytes()));
        assertEquals(0L, received.get(4).subSequenceNumber());
    }
}
