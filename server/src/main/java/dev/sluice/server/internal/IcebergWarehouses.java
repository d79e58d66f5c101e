package dev.sluice.server.internal;

import dev.sluice.delivery.DeliveryException;
import dev.sluice.iceberg.IcebergCatalog;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * The server's Iceberg warehouses, each an embedded catalog ({@link IcebergCatalog#embedded}, a SQLite
 * {@code catalog.db} with tables under {@code <warehouse>/<namespace>/<table>}), opened on first use and shared by
 * every delivery that writes to it.
 *
 * <p>Layout under the Iceberg root ({@code <data-dir>/iceberg}, or {@code <buckets>/.iceberg} without a data
 * directory): {@code glue-catalog/} holds the tables of Firehose's Iceberg destination (the tables of the server's
 * Glue Data Catalog); {@code s3tables/<table-bucket>/} is one S3 Tables table bucket of Kinesis channels.
 *
 * <p>Design note: the map of open catalogs is guarded by this object's monitor; catalogs are thread-safe and closed
 * with the server.
 */
final class IcebergWarehouses {

    /** The warehouse of Firehose's Iceberg destination, under the root. */
    static final String GLUE_WAREHOUSE = "glue-catalog";
    /** The parent of the table-bucket warehouses, under the root. */
    static final String TABLE_BUCKETS = "s3tables";

    private final Path root;
    private final Map<Path, IcebergCatalog> open = new HashMap<>();
    private boolean closed;

    IcebergWarehouses(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    /** @return the directory of the Glue catalog's Iceberg tables */
    Path glueWarehouse() {
        return root.resolve(GLUE_WAREHOUSE);
    }

    /** @return the directory of a table bucket (the name is already validated against S3 Tables' pattern) */
    Path tableBucket(String bucket) {
        return root.resolve(TABLE_BUCKETS).resolve(bucket);
    }

    /**
     * The catalog of a warehouse directory, opened on first use.
     *
     * @throws ApiException {@code InvalidArgumentException} if it cannot be opened, or the server is closing
     */
    synchronized IcebergCatalog catalog(Path warehouse) {
        if (closed) {
            throw ApiException.invalidArgument("the server is closing: Iceberg warehouse " + warehouse
                    + " is no longer open");
        }
        IcebergCatalog catalog = open.get(warehouse);
        if (catalog == null) {
            try {
                catalog = IcebergCatalog.embedded(warehouse);
            } catch (DeliveryException e) {
                throw ApiException.invalidArgument(e.getMessage());
            }
            open.put(warehouse, catalog);
        }
        return catalog;
    }

    /** Closes every catalog; call after the deliveries that use them are closed. Idempotent. */
    synchronized void close() {
        closed = true;
        for (IcebergCatalog catalog : open.values()) {
            try {
                catalog.close();
            } catch (RuntimeException e) {
                org.slf4j.LoggerFactory.getLogger(IcebergWarehouses.class).warn("closing {}: {}", catalog,
                        e.toString());
            }
        }
        open.clear();
    }
}
