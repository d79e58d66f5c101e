package dev.sluice.delivery.internal.buffer;

import dev.sluice.delivery.ErrorCode;
import dev.sluice.delivery.ParquetConversion;
import dev.sluice.delivery.internal.encode.EarlyEncoding;
import dev.sluice.delivery.internal.encode.ObjectEncoder;
import dev.sluice.delivery.internal.encode.ParquetEncoder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EarlyEncodingTest {

    private static final String SCHEMA = """
            {"type":"record","name":"r","fields":[
              {"name":"id","type":"long"},
              {"name":"name","type":"string"},
              {"name":"amount","type":["null","double"],"default":null}]}""";

    /** Small pages and row groups, so that parts cross page and row-group boundaries. */
    private static final ParquetConversion CONVERSION = ParquetConversion.of(SCHEMA).withPageSizeBytes(64 << 10)
            .withBlockSizeBytes(128 << 10);

    private final ExecutorService threads = Executors.newFixedThreadPool(2);

    @TempDir
    Path dir;

    @AfterEach
    void stop() {
        threads.shutdownNow();
    }

    private static List<Item> items(int n) {
        List<Item> items = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            String json;
            if (i % 997 == 3) {
                json = "{not json";
            } else if (i % 1_501 == 7) {
                json = "{\"id\":\"x\",\"name\":\"bad\"}";
            } else if (i % 2_003 == 11) {
                json = "{\"id\":" + i + ",\"name\":\"a\"}{\"id\":" + i + ",\"name\":\"b\"}";
            } else {
                json = "{\"id\":" + i + ",\"name\":\"name-" + (i * 7_919 % 10_007) + "\",\"amount\":" + (i % 100) / 4.0
                        + "}";
            }
            byte[] data = json.getBytes(StandardCharsets.UTF_8);
            InputRecord input = new InputRecord(i, "t-", Instant.EPOCH, 0, data, Optional.empty());
            items.add(new Item(input, data, Map.of()));
        }
        return items;
    }

    private static byte[] bytes(ByteBuffer buffer) {
        byte[] array = new byte[buffer.remaining()];
        buffer.duplicate().get(array);
        return array;
    }

    /** Appends the items one by one and offers after each, as the coordinator does. */
    private static EarlyEncoding fill(ObjectEncoder encoder, java.util.concurrent.Executor executor, List<Item> items,
                                      List<Item> buffer) {
        EarlyEncoding early = null;
        for (Item item : items) {
            buffer.add(item);
            if (buffer.size() >= EarlyEncoding.PART_ITEMS) {
                if (early == null) {
                    early = EarlyEncoding.start(encoder, executor);
                }
                early.offer(buffer);
            }
        }
        return early;
    }

    @Test
    void finish_afterPartsOnTwoThreads_sameObjectAsEncodingTheItemsWhole() throws Exception {
        ParquetEncoder encoder = new ParquetEncoder(CONVERSION);
        List<Item> items = items(20_500);
        List<Item> buffer = new ArrayList<>();
        EarlyEncoding early = fill(encoder, threads, items, buffer);

        ObjectEncoder.Encoded parts = early.finish(List.copyOf(buffer));
        ObjectEncoder.Encoded whole = encoder.encode(items, "object");

        assertNotNull(parts);
        assertArrayEquals(bytes(whole.bytes()), bytes(parts.bytes()));
        assertEquals(whole.written(), parts.written());
        assertEquals(whole.rejected(), parts.rejected());
        int bad = 0;
        for (int i = 0; i < items.size(); i++) {
            bad += i % 997 == 3 || i % 1_501 == 7 ? 1 : 0;
        }
        assertEquals(bad, parts.rejected().size());
        assertTrue(parts.rejected().stream().anyMatch(r -> r.errorCode() == ErrorCode.CONVERSION_MALFORMED_DATA));
        assertTrue(parts.rejected().stream().anyMatch(r -> r.errorCode() == ErrorCode.CONVERSION_SCHEMA_MISMATCH));

        Path file = dir.resolve("early.parquet");
        Files.write(file, bytes(parts.bytes()));
        long rowsExpected = items.size() - bad + items.stream().filter(i -> i.input.seq % 2_003 == 11).count();
        try (Connection db = DriverManager.getConnection("jdbc:duckdb:"); Statement st = db.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*), count(DISTINCT id), sum(id), min(name)"
                     + " FROM read_parquet('" + file + "')")) {
            assertTrue(rs.next());
            assertEquals(rowsExpected, rs.getLong(1));
            assertEquals(items.size() - bad, rs.getLong(2));
            long sum = 0;
            for (Item item : parts.written()) {
                sum += item.input.seq * (item.input.seq % 2_003 == 11 ? 2 : 1);
            }
            assertEquals(sum, rs.getLong(3));
            assertEquals("a", rs.getString(4));
        }
    }

    @Test
    void finish_whenTheDeliveryThreadsRefuseParts_encodesTheQueuedPartsItself() throws Exception {
        ParquetEncoder encoder = new ParquetEncoder(CONVERSION);
        List<Item> items = items(3_000);
        List<Item> buffer = new ArrayList<>();
        EarlyEncoding early = fill(encoder, task -> {
            throw new RejectedExecutionException("stopping");
        }, items, buffer);

        ObjectEncoder.Encoded parts = early.finish(List.copyOf(buffer));

        assertNotNull(parts);
        assertArrayEquals(bytes(encoder.encode(items, "object").bytes()), bytes(parts.bytes()));
    }

    @Test
    void finish_afterAbandon_returnsNullSoTheItemsAreEncodedWhole() {
        List<Item> items = items(2_100);
        List<Item> buffer = new ArrayList<>();
        EarlyEncoding early = fill(new ParquetEncoder(CONVERSION), Runnable::run, items, buffer);

        early.abandon();

        assertNull(early.finish(List.copyOf(buffer)));
    }

    @Test
    void finish_withItemsOtherThanThePartsGiven_returnsNull() {
        List<Item> items = items(2_100);
        List<Item> buffer = new ArrayList<>();
        EarlyEncoding early = fill(new ParquetEncoder(CONVERSION), Runnable::run, items, buffer);

        assertNull(early.finish(items(2_100)));
    }

    @Test
    void finish_whenAPartFailed_returnsNullAndTheWholeEncodingReportsTheFailure() {
        AtomicInteger adds = new AtomicInteger();
        ObjectEncoder failing = new ObjectEncoder() {
            @Override
            public Encoded encode(List<Item> items, String objectName) throws IOException {
                throw new IOException("codec failed");
            }

            @Override
            public Incremental incremental() {
                return new Incremental() {
                    @Override
                    public void add(List<Item> items) throws IOException {
                        if (adds.incrementAndGet() == 2) {
                            throw new IOException("codec failed");
                        }
                    }

                    @Override
                    public Encoded finish() {
                        throw new AssertionError("a spoiled object is never finished");
                    }

                    @Override
                    public void abandon() {
                    }
                };
            }

            @Override
            public String extension() {
                return "";
            }

            @Override
            public String contentType() {
                return "";
            }
        };
        List<Item> items = items(3_500);
        List<Item> buffer = new ArrayList<>();
        EarlyEncoding early = fill(failing, Runnable::run, items, buffer);

        assertNull(early.finish(List.copyOf(buffer)));
        assertEquals(2, adds.get());
        IOException whole = assertThrows(IOException.class, () -> failing.encode(items, "object"));
        assertEquals("codec failed", whole.getMessage());
    }

    @Test
    void start_forAnEncoderOfWholeBuffersOnly_returnsNull() {
        assertNull(EarlyEncoding.start(dev.sluice.delivery.internal.encode.LineEncoder.jsonLines(
                dev.sluice.delivery.Compression.GZIP), threads));
    }

    @Test
    void encode_allRejected_writesNothing() throws Exception {
        List<Item> bad = new ArrayList<>();
        for (Item item : items(2_000)) {
            if (new String(item.data, StandardCharsets.UTF_8).startsWith("{not")) {
                bad.add(item);
            }
        }
        ObjectEncoder.Encoded encoded = new ParquetEncoder(CONVERSION).encode(bad, "object");
        assertEquals(0, encoded.bytes().remaining());
        assertTrue(encoded.written().isEmpty());
        assertEquals(bad.size(), encoded.rejected().size());
        assertSame(bad.get(0), encoded.rejected().get(0).item());
    }

    /** Every scalar type flat records hold, nullable or not, with defaults, a null-typed field and a nested one. */
    private static final String SCALARS = """
            {"type":"record","name":"s","fields":[
              {"name":"id","type":"long"},
              {"name":"text","type":"string"},
              {"name":"i","type":["null","int"],"default":null},
              {"name":"f","type":["null","float"],"default":null},
              {"name":"d","type":["double","null"],"default":2.5},
              {"name":"b","type":["null","boolean"],"default":null},
              {"name":"tag","type":"string","default":"none"},
              {"name":"gone","type":"null"},
              {"name":"n","type":"int","default":7},
              {"name":"nested","type":["null",{"type":"record","name":"nn","fields":[{"name":"x","type":"int"}]}],
               "default":null}]}""";

    /** Records of both paths ({@code #} is the item's number): flat ones, escapes, non-ASCII, limits, bad ones. */
    private static final List<String> SCALAR_RECORDS = List.of(
            "{\"id\":#,\"text\":\"plain #\",\"i\":2147483647,\"f\":3.4028235e38,\"d\":-1.7976931348623157e308,"
                    + "\"b\":true}",
            "{\"id\":#,\"text\":\"esc \\\"q\\\" \\\\ \\n \\u00e9 #\",\"i\":-2147483648}",
            "{\"id\":#,\"text\":\"non-ASCII \u00e9 \u2713 \uD83D\uDE00 #\"}",
            "{\"id\":9223372036854775807,\"text\":\"max long #\"}",
            "{\"id\":-9223372036854775808,\"text\":\"min long #\"}",
            "{\"id\":#,\"text\":\"18 digits\",\"i\":-7,\"d\":123456789012345678,\"f\":0.1}",
            "{\"id\":#,\"text\":null}",
            "{\"id\":#,\"text\":\"int overflow\",\"i\":2147483648}",
            "{\"id\":#,\"text\":\"nested #\",\"nested\":{\"x\":1}}",
            "{\"id\":#,\"text\":\"nulls\",\"i\":null,\"f\":null,\"d\":null,\"b\":null,\"gone\":null}",
            "{\"id\":#,\"text\":\"\"}{\"id\":#,\"text\":\"second #\",\"tag\":\"t\"}",
            "{\"id\":#,\"text\":\"given\",\"b\":false,\"n\":-1,\"tag\":\"given #\",\"d\":-0}",
            "not json #",
            "{\"ID\":#,\"Text\":\"case and unknown\",\"unknown\":\"skipped\",\"d\":0.30000000000000004}");

    private static List<Item> scalarItems(int n) {
        List<Item> items = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            byte[] data = SCALAR_RECORDS.get(i % SCALAR_RECORDS.size()).replace("#", Integer.toString(i))
                    .getBytes(StandardCharsets.UTF_8);
            items.add(new Item(new InputRecord(i, "t-", Instant.EPOCH, 0, data, Optional.empty()), data, Map.of()));
        }
        return items;
    }

    @Test
    void encode_flatRecordsWrittenFromTheirBytes_sameObjectAsWritingEveryRecordAsAnAvroRow() throws Exception {
        ParquetConversion conversion = ParquetConversion.of(SCALARS).withPageSizeBytes(64 << 10)
                .withBlockSizeBytes(128 << 10);
        List<Item> items = scalarItems(14_000);

        ObjectEncoder.Encoded direct = new ParquetEncoder(conversion).encode(items, "object");
        ObjectEncoder.Encoded avro = ParquetEncoder.throughAvroRows(conversion).encode(items, "object");
        List<Item> buffer = new ArrayList<>();
        ParquetEncoder encoder = new ParquetEncoder(conversion);
        ObjectEncoder.Encoded early = fill(encoder, threads, items, buffer).finish(List.copyOf(buffer));

        assertArrayEquals(bytes(avro.bytes()), bytes(direct.bytes()));
        assertEquals(avro.written(), direct.written());
        assertEquals(avro.rejected(), direct.rejected());
        assertNotNull(early);
        assertArrayEquals(bytes(direct.bytes()), bytes(early.bytes()));
        assertEquals(direct.rejected(), early.rejected());
        // text null, int overflow, not json: 3 of every 14, each with the general path's message.
        assertEquals(3_000, direct.rejected().size());
        assertTrue(direct.rejected().stream().anyMatch(r -> r.errorCode() == ErrorCode.CONVERSION_SCHEMA_MISMATCH
                && r.errorMessage().equals("field 'text' is null but its type STRING is not nullable")));
        assertTrue(direct.rejected().stream().anyMatch(r -> r.errorCode() == ErrorCode.CONVERSION_SCHEMA_MISMATCH
                && r.errorMessage().equals("field 'i' is 2147483648 which does not fit an int")));
        assertTrue(direct.rejected().stream().anyMatch(r -> r.errorCode() == ErrorCode.CONVERSION_MALFORMED_DATA));

        Path file = dir.resolve("scalars.parquet");
        Files.write(file, bytes(direct.bytes()));
        try (Connection db = DriverManager.getConnection("jdbc:duckdb:"); Statement st = db.createStatement()) {
            try (ResultSet rs = st.executeQuery("SELECT count(*) FROM read_parquet('" + file + "')")) {
                assertTrue(rs.next());
                assertEquals(12_000, rs.getLong(1));
            }
            try (ResultSet rs = st.executeQuery("SELECT id, text, i, f, d, b, tag, n, nested.x"
                    + " FROM read_parquet('" + file + "') WHERE id BETWEEN 0 AND 13"
                    + " OR text IN ('min long 4', 'max long 3') ORDER BY id, text")) {
                assertRow(rs, Long.MIN_VALUE, "min long 4", null, null, 2.5, null, "none", 7, null);
                assertRow(rs, 0L, "plain 0", Integer.MAX_VALUE, 3.4028235e38f, -Double.MAX_VALUE, true, "none", 7,
                        null);
                assertRow(rs, 1L, "esc \"q\" \\ \n \u00e9 1", Integer.MIN_VALUE, null, 2.5, null, "none", 7, null);
                assertRow(rs, 2L, "non-ASCII \u00e9 \u2713 \uD83D\uDE00 2", null, null, 2.5, null, "none", 7, null);
                assertRow(rs, 5L, "18 digits", -7, 0.1f, 123456789012345678d, null, "none", 7, null);
                assertRow(rs, 8L, "nested 8", null, null, 2.5, null, "none", 7, 1);
                assertRow(rs, 9L, "nulls", null, null, null, null, "none", 7, null);
                assertRow(rs, 10L, "", null, null, 2.5, null, "none", 7, null);
                assertRow(rs, 10L, "second 10", null, null, 2.5, null, "t", 7, null);
                assertRow(rs, 11L, "given", null, null, 0.0, false, "given 11", -1, null);
                assertRow(rs, 13L, "case and unknown", null, null, 0.30000000000000004, null, "none", 7, null);
                assertRow(rs, Long.MAX_VALUE, "max long 3", null, null, 2.5, null, "none", 7, null);
                assertTrue(!rs.next());
            }
        }
    }

    private static void assertRow(ResultSet rs, long id, String text, Integer i, Float f, Double d, Boolean b,
                                  String tag, int n, Integer nestedX) throws Exception {
        assertTrue(rs.next(), "no row for id " + id);
        assertEquals(id, rs.getLong(1));
        assertEquals(text, rs.getString(2));
        assertEquals(i, (Integer) rs.getObject(3));
        assertEquals(f, (Float) rs.getObject(4));
        assertEquals(d, (Double) rs.getObject(5));
        assertEquals(b, (Boolean) rs.getObject(6));
        assertEquals(tag, rs.getString(7));
        assertEquals(n, rs.getInt(8));
        assertEquals(nestedX, (Integer) rs.getObject(9));
    }
}
