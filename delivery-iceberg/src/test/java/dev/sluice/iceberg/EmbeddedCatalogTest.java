package dev.sluice.iceberg;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Tests over an embedded catalog in a temporary warehouse; what they open is closed after each test, newest first. */
abstract class EmbeddedCatalogTest {

    @TempDir
    Path work;

    final List<AutoCloseable> closing = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (int i = closing.size() - 1; i >= 0; i--) {
            closing.get(i).close();
        }
    }

    /** A new embedded catalog over {@code work/warehouse}, closed after the test. */
    IcebergCatalog catalog() {
        IcebergCatalog catalog = IcebergCatalog.embedded(work.resolve("warehouse"));
        closing.add(catalog);
        return catalog;
    }
}
