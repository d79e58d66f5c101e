package dev.sluice.server.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.stream.internal.AtomicFiles;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BiConsumer;

/**
 * The Glue Data Catalog the server keeps: databases, their tables and each table's versions, the metadata
 * DataFormatConversionConfiguration reads its schema from.
 *
 * <p>Design note: one lock (this object) guards the whole catalog; every mutation rewrites
 * {@code <data>/glue-catalog/catalog.json} atomically ({@link AtomicFiles}) before it returns, so a crash loses no
 * acknowledged change; without a data directory the catalog lives in memory. Names of databases and tables are
 * stored lower-cased as Glue does (Hive compatibility), so lookups ignore case. Each table keeps its versions in
 * order, ids {@code "0"}, {@code "1"}, ...; UpdateTable adds one (replacing the latest when {@code SkipArchive}).
 * Table listeners run after the lock is released, on the caller's thread, so they may read the catalog.
 * Failures are {@link ApiException}s with Glue's error names.
 */
final class GlueCatalog {

    /** Glue quota: databases per account. */
    static final int MAX_DATABASES = 10_000;
    /** Glue quota: tables per database. */
    static final int MAX_TABLES_PER_DATABASE = 200_000;
    /** Glue quota: versions kept per table. */
    static final int MAX_TABLE_VERSIONS = 100_000;
    /** Glue NameString: 1 to 255 characters on one line. */
    static final int MAX_NAME_LENGTH = 255;


    /** One version of a table: the TableInput as given, with the name lower-cased. */
    record TableVersion(String versionId, ObjectNode input, Instant updated) {
    }

    private static final class Table {
        final String name;
        final Instant created;
        final List<TableVersion> versions = new ArrayList<>();
        long nextVersion;

        Table(String name, Instant created) {
            this.name = name;
            this.created = created;
        }

        TableVersion latest() {
            return versions.get(versions.size() - 1);
        }
    }

    private static final class Database {
        final String name;
        final Instant created;
        ObjectNode input;
        final TreeMap<String, Table> tables = new TreeMap<>();

        Database(String name, ObjectNode input, Instant created) {
            this.name = name;
            this.input = input;
            this.created = created;
        }
    }

    private final Optional<Path> file;
    private final Clock clock;
    private final String accountId;
    private final int maxDatabases;
    private final int maxTablesPerDatabase;
    private final TreeMap<String, Database> databases = new TreeMap<>();
    private final List<BiConsumer<String, String>> tableListeners = new CopyOnWriteArrayList<>();

    /**
     * @param directory where the catalog is kept, or empty for memory only; read at construction
     */
    GlueCatalog(Optional<Path> directory, Clock clock, String accountId) {
        this(directory, clock, accountId, MAX_DATABASES, MAX_TABLES_PER_DATABASE);
    }

    GlueCatalog(Optional<Path> directory, Clock clock, String accountId, int maxDatabases, int maxTablesPerDatabase) {
        this.file = directory.map(d -> d.resolve("catalog.json"));
        this.clock = clock;
        this.accountId = accountId;
        this.maxDatabases = maxDatabases;
        this.maxTablesPerDatabase = maxTablesPerDatabase;
        file.filter(Files::exists).ifPresent(this::load);
    }

    String accountId() {
        return accountId;
    }

    /** Called with (database, table) after a table is created, updated or deleted (and for each table of a deleted database). */
    void onTableChange(BiConsumer<String, String> listener) {
        tableListeners.add(listener);
    }

    static String name(String field, String value) {
        if (value == null) {
            throw invalidInput(field + " is required");
        }
        if (value.isEmpty() || value.length() > MAX_NAME_LENGTH || value.contains("\n") || value.contains("\r")) {
            throw invalidInput(field + " must be 1 to " + MAX_NAME_LENGTH + " characters on a single line but was '"
                    + WireFormat.abbreviate(value) + "'");
        }
        return value.toLowerCase(Locale.ROOT);
    }

    static ApiException invalidInput(String message) {
        return new ApiException(400, "InvalidInputException", message);
    }

    static ApiException notFound(String message) {
        return new ApiException(400, "EntityNotFoundException", message);
    }

    // ---- databases

    synchronized void createDatabase(ObjectNode input) {
        String name = name("DatabaseInput.Name", ApiRequest.string(input, "Name"));
        if (databases.containsKey(name)) {
            throw new ApiException(400, "AlreadyExistsException", "Database " + name + " already exists.");
        }
        if (databases.size() >= maxDatabases) {
            throw new ApiException(400, "ResourceNumberLimitExceededException", "the catalog " + accountId
                    + " already has " + databases.size() + " databases, the Glue limit of " + maxDatabases);
        }
        ObjectNode stored = input.deepCopy();
        stored.put("Name", name);
        databases.put(name, new Database(name, stored, clock.instant()));
        persist();
    }

    synchronized ObjectNode getDatabase(String name) {
        return describe(database(name));
    }

    /** A page of databases after {@code after} (exclusive, null for the first), at most {@code limit}. */
    synchronized List<ObjectNode> getDatabases(String after, int limit) {
        List<ObjectNode> page = new ArrayList<>();
        for (Database d : (after == null ? databases : databases.tailMap(after, false)).values()) {
            if (page.size() == limit) {
                break;
            }
            page.add(describe(d));
        }
        return page;
    }

    synchronized boolean hasDatabaseAfter(String name) {
        return databases.higherKey(name) != null;
    }

    synchronized void updateDatabase(String name, ObjectNode input) {
        Database d = database(name);
        String newName = name("DatabaseInput.Name", ApiRequest.string(input, "Name"));
        if (!newName.equals(d.name)) {
            throw invalidInput("DatabaseInput.Name '" + newName + "' must be the database's name '" + d.name
                    + "': Glue cannot rename a database");
        }
        ObjectNode stored = input.deepCopy();
        stored.put("Name", d.name);
        d.input = stored;
        persist();
    }

    void deleteDatabase(String name) {
        List<String> tables;
        String key;
        synchronized (this) {
            Database d = database(name);
            key = d.name;
            tables = new ArrayList<>(d.tables.keySet());
            databases.remove(key);
            persist();
        }
        for (String table : tables) {
            notifyTable(key, table);
        }
    }

    private Database database(String name) {
        String key = name("Name", name);
        Database d = databases.get(key);
        if (d == null) {
            throw notFound("Database " + key + " not found.");
        }
        return d;
    }

    private ObjectNode describe(Database d) {
        ObjectNode out = d.input.deepCopy();
        out.put("CreateTime", seconds(d.created));
        out.put("CatalogId", accountId);
        return out;
    }

    // ---- tables

    void createTable(String databaseName, ObjectNode input) {
        String db;
        String name;
        synchronized (this) {
            Database d = database(databaseName);
            db = d.name;
            name = name("TableInput.Name", ApiRequest.string(input, "Name"));
            if (d.tables.containsKey(name)) {
                throw new ApiException(400, "AlreadyExistsException", "Table " + name + " already exists in database "
                        + db + ".");
            }
            if (d.tables.size() >= maxTablesPerDatabase) {
                throw new ApiException(400, "ResourceNumberLimitExceededException", "database " + db + " already has "
                        + d.tables.size() + " tables, the Glue limit of " + maxTablesPerDatabase);
            }
            Instant now = clock.instant();
            Table t = new Table(name, now);
            addVersion(t, input, now, false);
            d.tables.put(name, t);
            persist();
        }
        notifyTable(db, name);
    }

    /** The table as GetTable returns it; {@code versionId} null for the latest. */
    synchronized ObjectNode getTable(String databaseName, String tableName, String versionId) {
        Database d = database(databaseName);
        Table t = table(d, tableName);
        TableVersion version = t.latest();
        if (versionId != null) {
            version = t.versions.stream().filter(v -> v.versionId().equals(versionId)).findFirst()
                    .orElseThrow(() -> notFound("Version " + WireFormat.abbreviate(versionId) + " of table " + t.name
                            + " in database " + d.name + " not found."));
        }
        return describe(d, t, version);
    }

    synchronized List<ObjectNode> getTables(String databaseName, java.util.regex.Pattern expression, String after,
                                            int limit, boolean[] more) {
        Database d = database(databaseName);
        List<ObjectNode> page = new ArrayList<>();
        for (Table t : (after == null ? d.tables : d.tables.tailMap(after, false)).values()) {
            if (expression != null && !expression.matcher(t.name).matches()) {
                continue;
            }
            if (page.size() == limit) {
                more[0] = true;
                break;
            }
            page.add(describe(d, t, t.latest()));
        }
        return page;
    }

    /**
     * @param expectedVersion the version the caller read, or null to update whatever is latest
     */
    void updateTable(String databaseName, ObjectNode input, String expectedVersion, boolean skipArchive) {
        String db;
        String name;
        synchronized (this) {
            Database d = database(databaseName);
            db = d.name;
            name = name("TableInput.Name", ApiRequest.string(input, "Name"));
            Table t = table(d, name);
            if (expectedVersion != null && !expectedVersion.equals(t.latest().versionId())) {
                throw new ApiException(400, "ConcurrentModificationException", "VersionId " + WireFormat.abbreviate(
                        expectedVersion) + " is not the latest version " + t.latest().versionId() + " of table "
                        + name + ": the table was changed since it was read");
            }
            addVersion(t, input, clock.instant(), skipArchive);
            persist();
        }
        notifyTable(db, name);
    }

    void deleteTable(String databaseName, String tableName) {
        String db;
        String name;
        synchronized (this) {
            Database d = database(databaseName);
            Table t = table(d, tableName);
            db = d.name;
            name = t.name;
            d.tables.remove(name);
            persist();
        }
        notifyTable(db, name);
    }

    private Table table(Database d, String tableName) {
        String key = name("Name", tableName);
        Table t = d.tables.get(key);
        if (t == null) {
            throw notFound("Table " + key + " not found in database " + d.name + ".");
        }
        return t;
    }

    private static void addVersion(Table t, ObjectNode input, Instant now, boolean replaceLatest) {
        if (!replaceLatest && t.versions.size() >= MAX_TABLE_VERSIONS) {
            t.versions.remove(0);
        }
        if (replaceLatest && !t.versions.isEmpty()) {
            t.versions.remove(t.versions.size() - 1);
        }
        ObjectNode stored = input.deepCopy();
        stored.put("Name", t.name);
        t.versions.add(new TableVersion(Long.toString(t.nextVersion++), stored, now));
    }

    private ObjectNode describe(Database d, Table t, TableVersion version) {
        ObjectNode out = version.input().deepCopy();
        out.put("DatabaseName", d.name);
        out.put("CreateTime", seconds(t.created));
        out.put("UpdateTime", seconds(version.updated()));
        out.put("IsRegisteredWithLakeFormation", false);
        out.put("CatalogId", accountId);
        out.put("VersionId", version.versionId());
        return out;
    }

    private static java.math.BigDecimal seconds(Instant instant) {
        return java.math.BigDecimal.valueOf(instant.toEpochMilli()).movePointLeft(3);
    }

    private void notifyTable(String database, String table) {
        for (BiConsumer<String, String> listener : tableListeners) {
            listener.accept(database, table);
        }
    }

    // ---- persistence

    private void persist() {
        if (file.isEmpty()) {
            return;
        }
        ObjectNode root = PlainJson.MAPPER.createObjectNode();
        ArrayNode dbs = root.putArray("databases");
        for (Database d : databases.values()) {
            ObjectNode dn = dbs.addObject();
            dn.put("name", d.name).put("created", d.created.toString()).set("input", d.input);
            ArrayNode tables = dn.putArray("tables");
            for (Table t : d.tables.values()) {
                ObjectNode tn = tables.addObject();
                tn.put("name", t.name).put("created", t.created.toString()).put("nextVersion", t.nextVersion);
                ArrayNode versions = tn.putArray("versions");
                for (TableVersion v : t.versions) {
                    versions.addObject().put("versionId", v.versionId()).put("updated", v.updated().toString())
                            .set("input", v.input());
                }
            }
        }
        try {
            AtomicFiles.replace(file.get(), PlainJson.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(root));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the Glue catalog " + file.get(), e);
        }
    }

    private void load(Path path) {
        JsonNode root;
        try {
            root = PlainJson.MAPPER.readTree(Files.readAllBytes(path));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the Glue catalog " + path, e);
        }
        for (JsonNode dn : root.path("databases")) {
            Database d = new Database(dn.path("name").asText(), (ObjectNode) dn.path("input"),
                    Instant.parse(dn.path("created").asText()));
            for (JsonNode tn : dn.path("tables")) {
                Table t = new Table(tn.path("name").asText(), Instant.parse(tn.path("created").asText()));
                t.nextVersion = tn.path("nextVersion").asLong();
                for (JsonNode vn : tn.path("versions")) {
                    t.versions.add(new TableVersion(vn.path("versionId").asText(), (ObjectNode) vn.path("input"),
                            Instant.parse(vn.path("updated").asText())));
                }
                d.tables.put(t.name, t);
            }
            databases.put(d.name, d);
        }
    }
}
