package dev.sluice.iceberg.internal;

import dev.sluice.delivery.ParquetConversion;
import dev.sluice.iceberg.DestinationTableConfiguration;
import org.apache.avro.generic.GenericData;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.jdbc.JdbcCatalog;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The warning a table gives when it keeps enough snapshots to slow its own commits. */
@Timeout(120)
class RetainedSnapshotsTest {

    private static final String SCHEMA = """
            {"type":"record","name":"r","fields":[{"name":"id","type":"long"}]}""";

    @TempDir
    Path dir;

    private JdbcCatalog catalog;

    @BeforeEach
    void open() {
        catalog = LocalCatalogs.open(dir);
    }

    @AfterEach
    void close() throws IOException {
        catalog.close();
    }

    private TableWriter writer(Optional<SnapshotExpiry> expiry) {
        return TableWriter.open(catalog, DestinationTableConfiguration.of("db", "t", SCHEMA),
                new TableWriter.ParquetWriting(ParquetConversion.Codec.SNAPPY,
                        ParquetConversion.DEFAULT_BLOCK_SIZE_BYTES, ParquetConversion.DEFAULT_PAGE_SIZE_BYTES, false,
                        true),
                new TableWriter.Upkeep(expiry, Runnable::run, Clock.systemUTC(), Runnable::run,
                        java.time.Duration.ZERO));
    }

    private static List<GenericData.Record> rows(TableWriter writer, int id) {
        List<GenericData.Record> out = new ArrayList<>();
        writer.rows().convert(("{\"id\":" + id + "}").getBytes(StandardCharsets.UTF_8), out);
        return out;
    }

    /** Runs {@code body} and returns what it logged (the simple logger writes to standard error). */
    private static String logged(ThrowingRunnable body) throws Exception {
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream original = System.err;
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            body.run();
        } finally {
            System.setErr(original);
        }
        return captured.toString(StandardCharsets.UTF_8);
    }

    private interface ThrowingRunnable {
        void run() throws Exception;
    }

    private static List<String> warnings(String log) {
        return log.lines().filter(l -> l.contains("WARN") && l.contains("snapshots:")).toList();
    }

    @Test
    void warnsAtTheThresholdThenAtEachDoubling_namingTableCountMetadataSizeAndRetention() throws Exception {
        TableWriter writer = writer(Optional.of(new SnapshotExpiry(Duration.ofHours(1), 100)));
        writer.warnFromSnapshots(3);
        String log = logged(() -> {
            for (int n = 1; n <= 13; n++) {
                assertTrue(writer.append("obj-" + n, "req-" + n, rows(writer, n)));
            }
        });
        List<String> warnings = warnings(log);
        assertEquals(3, warnings.size(), "warnings at 3, 6 and 12 snapshots:\n" + log);
        assertTrue(warnings.get(0).contains("table db.t keeps 3 snapshots"), warnings.get(0));
        assertTrue(warnings.get(1).contains("keeps 6 snapshots"), warnings.get(1));
        assertTrue(warnings.get(2).contains("keeps 12 snapshots"), warnings.get(2));
        assertTrue(warnings.get(0).matches(".* metadata file of \\d+ KB .*"), warnings.get(0));
        assertTrue(warnings.get(0).contains("snapshot expiry keeps 60 min of them (snapshotRetention"), warnings.get(0));
    }

    @Test
    void afterExpiryBringsTheCountToHalfOrLess_warnsAtTheThresholdAgain_andWithExpiryOffSaysSo() throws Exception {
        TableWriter writer = writer(Optional.empty());
        writer.warnFromSnapshots(4);
        String log = logged(() -> {
            for (int n = 1; n <= 5; n++) {
                writer.append("obj-" + n, "req-" + n, rows(writer, n));
            }
            // The table's own maintenance expires all but the newest snapshot.
            Table table = catalog.loadTable(TableIdentifier.of("db", "t"));
            table.expireSnapshots().retainLast(1).expireOlderThan(Long.MAX_VALUE).commit();
            for (int n = 6; n <= 9; n++) {
                writer.append("obj-" + n, "req-" + n, rows(writer, n));
            }
        });
        List<String> warnings = warnings(log);
        assertEquals(2, warnings.size(), "at 4 snapshots, then at 4 again after expiry left 1:\n" + log);
        assertTrue(warnings.get(0).contains("keeps 4 snapshots"), warnings.get(0));
        assertTrue(warnings.get(1).contains("keeps 4 snapshots"), warnings.get(1));
        assertTrue(warnings.get(0).contains("snapshot expiry is off (expireSnapshots(false))"), warnings.get(0));
    }

    @Test
    void thresholdBelowOne_isRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new RetainedSnapshots(0));
        assertTrue(e.getMessage().contains("at least 1"), e.getMessage());
    }
}
