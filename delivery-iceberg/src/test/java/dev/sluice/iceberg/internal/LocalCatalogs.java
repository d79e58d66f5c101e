package dev.sluice.iceberg.internal;

import org.apache.iceberg.CatalogProperties;
import org.apache.iceberg.jdbc.JdbcCatalog;

import java.nio.file.Path;
import java.util.Map;

/** Iceberg's JDBC catalog on SQLite under a test's directory, with {@link LocalFileIO}: the embedded catalog's parts. */
final class LocalCatalogs {

    private LocalCatalogs() {
    }

    /** Opens the catalog {@code t} with its database and warehouse in {@code dir}. */
    static JdbcCatalog open(Path dir) {
        JdbcCatalog catalog = new JdbcCatalog();
        catalog.initialize("t", Map.of(CatalogProperties.URI, "jdbc:sqlite:" + dir.resolve("catalog.db"),
                CatalogProperties.WAREHOUSE_LOCATION, dir.toString(),
                CatalogProperties.FILE_IO_IMPL, LocalFileIO.class.getName(), "jdbc.schema-version", "V1"));
        return catalog;
    }
}
