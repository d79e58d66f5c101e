package dev.sluice.iceberg;

import dev.sluice.delivery.DeliveryException;
import dev.sluice.delivery.ErrorCode;
import dev.sluice.iceberg.internal.LocalFileIO;
import org.apache.iceberg.CatalogProperties;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.jdbc.JdbcCatalog;
import org.apache.iceberg.rest.RESTCatalog;

import java.io.Closeable;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Where Iceberg tables are registered: an embedded catalog that needs no server (Iceberg's JDBC catalog on a SQLite
 * file), or a REST catalog (Amazon S3 Tables, Apache Polaris, Nessie and others speak the Iceberg REST protocol).
 *
 * <p>Thread-safety: thread-safe; one catalog may serve several destinations. Close it when no destination uses it
 * any more (an {@link IcebergDestination} does not close its catalog).
 *
 * <p>Files are read and written with a local-file {@code FileIO} of Sluice's own by default (no Hadoop); for tables
 * on S3 pass {@code io-impl=org.apache.iceberg.aws.s3.S3FileIO} and its {@code s3.*} properties, with
 * {@code org.apache.iceberg:iceberg-aws} and the AWS SDK's {@code s3} module on the class path (see
 * {@link #s3FileIoProperties}).
 */
public final class IcebergCatalog implements Closeable {

    /** The SQLite file of an embedded catalog, in its warehouse directory. */
    public static final String EMBEDDED_CATALOG_FILE = "catalog.db";
    /** How long an embedded catalog waits for SQLite's write lock held by another process (5 s). */
    public static final int SQLITE_BUSY_TIMEOUT_MILLIS = 5_000;

    private final Catalog catalog;
    private final String description;

    private IcebergCatalog(Catalog catalog, String description) {
        this.catalog = catalog;
        this.description = description;
    }

    /**
     * An embedded catalog: Iceberg's JDBC catalog on {@code <warehouse>/catalog.db} (SQLite), tables under
     * {@code <warehouse>/<database>/<table>}. Several processes may share it: commits are compare-and-swap updates
     * of one row, serialized by SQLite.
     *
     * @param warehouse the warehouse directory; created if missing
     * @return the catalog
     * @throws DeliveryException {@link ErrorCode#INVALID_ARGUMENT} if the directory cannot be created
     */
    public static IcebergCatalog embedded(Path warehouse) {
        Objects.requireNonNull(warehouse, "warehouse");
        Path dir = warehouse.toAbsolutePath().normalize();
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new DeliveryException(ErrorCode.INVALID_ARGUMENT, "cannot create the warehouse directory " + dir
                    + ": " + e, e);
        }
        return jdbc("jdbc:sqlite:" + dir.resolve(EMBEDDED_CATALOG_FILE), dir.toString(), Map.of());
    }

    /**
     * Iceberg's JDBC catalog on any JDBC URL whose driver is on the class path.
     *
     * @param jdbcUrl for example {@code jdbc:sqlite:/data/catalog.db}
     * @param warehouse the root location of new tables: an absolute directory, or a URI its FileIO understands
     * @param properties more catalog properties ({@code jdbc.user}, {@code io-impl}, ...); may be empty
     * @return the catalog
     * @throws DeliveryException {@link ErrorCode#INVALID_ARGUMENT} if the catalog cannot start, with the cause
     */
    public static IcebergCatalog jdbc(String jdbcUrl, String warehouse, Map<String, String> properties) {
        Objects.requireNonNull(jdbcUrl, "jdbcUrl");
        Objects.requireNonNull(warehouse, "warehouse");
        Map<String, String> props = new HashMap<>();
        props.put(CatalogProperties.FILE_IO_IMPL, LocalFileIO.class.getName());
        if (jdbcUrl.startsWith("jdbc:sqlite:")) {
            props.put("jdbc.busy_timeout", Integer.toString(SQLITE_BUSY_TIMEOUT_MILLIS));
            // Write-ahead log, synced on every commit: one fsync per catalog commit instead of the rollback
            // journal's three, still durable on power loss; readers never wait for the writer.
            props.put("jdbc.journal_mode", "WAL");
            props.put("jdbc.synchronous", "FULL");
            registerSqliteDriver();
        }
        props.putAll(Objects.requireNonNull(properties, "properties"));
        props.put(CatalogProperties.URI, jdbcUrl);
        props.put(CatalogProperties.WAREHOUSE_LOCATION, warehouse);
        // Catalog schema v1 keeps views and tables apart; the JDBC catalog creates its tables on first use.
        props.putIfAbsent("jdbc.schema-version", "V1");
        JdbcCatalog catalog = new JdbcCatalog();
        try {
            catalog.initialize("sluice", props);
        } catch (RuntimeException e) {
            throw new DeliveryException(ErrorCode.INVALID_ARGUMENT, "cannot open the Iceberg JDBC catalog at "
                    + jdbcUrl + ": " + e.getMessage(), e);
        }
        return new IcebergCatalog(catalog, "jdbc catalog " + jdbcUrl);
    }

    /**
     * Loads SQLite's driver through this class's loader, so DriverManager offers it even when this library was
     * loaded by a loader other than the one DriverManager scanned at start-up (plugins, child-first loaders).
     */
    private static void registerSqliteDriver() {
        try {
            Class.forName("org.sqlite.JDBC", true, IcebergCatalog.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new DeliveryException(ErrorCode.INVALID_ARGUMENT, "the embedded Iceberg catalog needs"
                    + " org.xerial:sqlite-jdbc on the class path", e);
        }
    }

    /**
     * An Iceberg REST catalog client.
     *
     * @param uri the catalog's base URI, for example {@code http://localhost:8181}
     * @param warehouse the warehouse the server should use (for S3 Tables: the table bucket ARN); may be empty
     * @param properties more properties: credentials ({@code credential}, {@code token}), signing
     *        ({@code rest.sigv4-enabled}), {@code io-impl} and its settings; may be empty
     * @return the catalog
     * @throws DeliveryException {@link ErrorCode#INVALID_ARGUMENT} if the client cannot start (the server is
     *         unreachable or refuses the configuration), with the cause
     */
    public static IcebergCatalog rest(URI uri, String warehouse, Map<String, String> properties) {
        Objects.requireNonNull(uri, "uri");
        Objects.requireNonNull(warehouse, "warehouse");
        Map<String, String> props = new HashMap<>();
        props.put(CatalogProperties.FILE_IO_IMPL, LocalFileIO.class.getName());
        props.putAll(Objects.requireNonNull(properties, "properties"));
        props.put(CatalogProperties.URI, uri.toString());
        if (!warehouse.isEmpty()) {
            props.put(CatalogProperties.WAREHOUSE_LOCATION, warehouse);
        }
        RESTCatalog catalog = new RESTCatalog();
        try {
            catalog.initialize("sluice", props);
        } catch (RuntimeException e) {
            try {
                catalog.close();
            } catch (IOException | RuntimeException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw new DeliveryException(ErrorCode.INVALID_ARGUMENT, "cannot open the Iceberg REST catalog at " + uri
                    + ": " + e.getMessage(), e);
        }
        return new IcebergCatalog(catalog, "rest catalog " + uri);
    }

    /**
     * The properties that select Iceberg's {@code S3FileIO} for a catalog (tables on S3, S3 Tables, MinIO or
     * Sluice's S3-compatible server), to pass to {@link #jdbc} or {@link #rest}.
     *
     * @param endpoint the S3 endpoint override, for example {@code http://localhost:4566}; or {@code null} for AWS
     * @param region the region, for example {@code us-east-1}
     * @param pathStyleAccess whether to address buckets by path rather than by host name
     * @return the properties
     */
    public static Map<String, String> s3FileIoProperties(URI endpoint, String region, boolean pathStyleAccess) {
        Objects.requireNonNull(region, "region");
        Map<String, String> props = new HashMap<>();
        props.put(CatalogProperties.FILE_IO_IMPL, "org.apache.iceberg.aws.s3.S3FileIO");
        props.put("client.region", region);
        props.put("s3.path-style-access", Boolean.toString(pathStyleAccess));
        if (endpoint != null) {
            props.put("s3.endpoint", endpoint.toString());
        }
        return Map.copyOf(props);
    }

    /**
     * The current schema of an existing table as an Avro record schema (JSON), in the form
     * {@link DestinationTableConfiguration} takes: Iceberg's own conversion ({@code AvroSchemaUtil}), so optional
     * columns are unions with {@code null}, {@code timestamptz} is a {@code timestamp-micros} long, and every field
     * carries its Iceberg {@code field-id}. For writers that must follow a table created elsewhere (Kinesis channels
     * to S3 Tables, which never create tables).
     *
     * @param namespace the table's namespace (database)
     * @param table the table's name
     * @return the schema, or empty when the namespace or the table does not exist
     * @throws DeliveryException {@link ErrorCode#INVALID_ARGUMENT} if a name is not a valid identifier, or the
     *         catalog cannot be read, with the cause
     */
    public Optional<String> tableSchema(String namespace, String table) {
        return loadTable(namespace, table).map(loaded -> org.apache.iceberg.avro.AvroSchemaUtil.convert(
                loaded.schema(), table.replaceAll("[^A-Za-z0-9_]", "_")).toString());
    }

    /**
     * The table as Iceberg's own API sees it, loaded now: to read it (snapshots, scan planning, the files of a
     * partition) or run its maintenance (compaction, manifest rewrites, snapshot expiry) in the same process as the
     * destinations that write it. Commits made through it are ordinary Iceberg commits: a destination's next commit
     * finds the table changed and retries on top of it, as it does for any other writer.
     *
     * @param namespace the table's namespace (database)
     * @param table the table's name
     * @return the table, or empty when the namespace or the table does not exist
     * @throws DeliveryException {@link ErrorCode#INVALID_ARGUMENT} if a name is not a valid identifier, or the
     *         catalog cannot be read, with the cause
     */
    public Optional<org.apache.iceberg.Table> loadTable(String namespace, String table) {
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(table, "table");
        org.apache.iceberg.catalog.TableIdentifier id;
        try {
            id = org.apache.iceberg.catalog.TableIdentifier.of(namespace, table);
        } catch (IllegalArgumentException e) {
            throw new DeliveryException(ErrorCode.INVALID_ARGUMENT, "not a table name: " + namespace + "." + table
                    + ": " + e.getMessage(), e);
        }
        try {
            return Optional.of(catalog.loadTable(id));
        } catch (org.apache.iceberg.exceptions.NoSuchTableException
                 | org.apache.iceberg.exceptions.NoSuchNamespaceException e) {
            return Optional.empty();
        } catch (RuntimeException e) {
            throw new DeliveryException(ErrorCode.INVALID_ARGUMENT, "cannot load table " + id + " from " + description
                    + ": " + e.getMessage(), e);
        }
    }

    /** The Iceberg catalog; internal. */
    Catalog catalog() {
        return catalog;
    }

    /**
     * Describes the catalog for messages.
     *
     * @return for example {@code jdbc catalog jdbc:sqlite:/data/catalog.db}
     */
    @Override
    public String toString() {
        return description;
    }

    /** Closes the catalog's connections and clients. Idempotent. */
    @Override
    public void close() {
        if (catalog instanceof Closeable closeable) {
            try {
                closeable.close();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException("cannot close " + description, e);
            }
        }
    }
}
