package dev.sluice.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.avro.file.DataFileReader;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The server tests' own reader of an Iceberg table, sharing no code with the writer nor with Iceberg: the current
 * metadata location from the embedded catalog's SQLite file (plain JDBC), the metadata JSON (Jackson), the
 * current snapshot's manifest list and its manifests (plain Avro, {@link GenericDatumReader}), then the live data
 * files' rows with DuckDB. Equality-delete files are listed as well, and {@link #liveRows()} applies them as the
 * Iceberg spec says: a delete row removes the rows of data files in its partition (any partition when the delete is
 * unpartitioned) whose data sequence number is strictly smaller and whose equality columns, matched by field id,
 * hold the same values.
 */
final class IcebergTableWalk {

    /** A live data file: where, how many rows its manifest entry claims, its partition tuple. */
    record DataFile(String path, long recordCount, Map<String, Object> partition, long dataSequenceNumber) {
    }

    /** A live equality-delete file: where, its row count, partition tuple, equality field ids, sequence number. */
    record DeleteFile(String path, long recordCount, Map<String, Object> partition, List<Integer> equalityIds,
                      long dataSequenceNumber) {
    }

    final JsonNode metadata;
    final List<DataFile> files;
    final List<DeleteFile> deleteFiles;

    private IcebergTableWalk(JsonNode metadata, List<DataFile> files, List<DeleteFile> deleteFiles) {
        this.metadata = metadata;
        this.files = files;
        this.deleteFiles = deleteFiles;
    }

    /** Walks {@code namespace.table} of the embedded catalog in {@code warehouse}. */
    static IcebergTableWalk of(Path warehouse, String namespace, String table) throws Exception {
        String location;
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + warehouse.resolve("catalog.db"));
             PreparedStatement s = c.prepareStatement(
                     "SELECT metadata_location FROM iceberg_tables WHERE table_namespace = ? AND table_name = ?")) {
            s.setString(1, namespace);
            s.setString(2, table);
            try (ResultSet r = s.executeQuery()) {
                if (!r.next()) {
                    throw new AssertionError(namespace + "." + table + " is not in " + warehouse);
                }
                location = r.getString(1);
            }
        }
        JsonNode metadata = new ObjectMapper().readTree(local(location));
        long current = metadata.path("current-snapshot-id").asLong(-1);
        List<DataFile> files = new ArrayList<>();
        List<DeleteFile> deletes = new ArrayList<>();
        for (JsonNode snapshot : metadata.path("snapshots")) {
            if (snapshot.path("snapshot-id").asLong() != current) {
                continue;
            }
            for (GenericRecord manifest : avro(snapshot.path("manifest-list").asText())) {
                int manifestContent = ((Number) manifest.get("content")).intValue();
                long manifestSequence = ((Number) manifest.get("sequence_number")).longValue();
                for (GenericRecord entry : avro(manifest.get("manifest_path").toString())) {
                    if (((Number) entry.get("status")).intValue() == 2) {
                        continue; // deleted
                    }
                    GenericRecord file = (GenericRecord) entry.get("data_file");
                    Map<String, Object> partition = new LinkedHashMap<>();
                    GenericRecord tuple = (GenericRecord) file.get("partition");
                    tuple.getSchema().getFields().forEach(f -> partition.put(f.name(), tuple.get(f.name())));
                    // Entries added by the manifest's own snapshot inherit its sequence number (null here).
                    Object sequence = entry.get("sequence_number");
                    long dataSequence = sequence == null ? manifestSequence : ((Number) sequence).longValue();
                    int content = ((Number) file.get("content")).intValue();
                    String path = local(file.get("file_path").toString()).getPath();
                    long count = ((Number) file.get("record_count")).longValue();
                    if (content == 0 && manifestContent == 0) {
                        files.add(new DataFile(path, count, partition, dataSequence));
                    } else if (content == 2 && manifestContent == 1) {
                        List<Integer> ids = new ArrayList<>();
                        ((List<?>) file.get("equality_ids")).forEach(id -> ids.add(((Number) id).intValue()));
                        deletes.add(new DeleteFile(path, count, partition, ids, dataSequence));
                    } else {
                        throw new AssertionError("unexpected content " + content + " in a manifest of content "
                                + manifestContent + ": " + path);
                    }
                }
            }
        }
        return new IcebergTableWalk(metadata, files, deletes);
    }

    private static File local(String location) {
        return location.startsWith("file:") ? new File(URI.create(location)) : new File(location);
    }

    private static List<GenericRecord> avro(String location) throws IOException {
        List<GenericRecord> records = new ArrayList<>();
        try (DataFileReader<GenericRecord> reader = new DataFileReader<>(local(location),
                new GenericDatumReader<>())) {
            reader.forEach(records::add);
        }
        return records;
    }

    /** A view of one data file only, to query it alone. */
    IcebergTableWalk only(DataFile file) {
        return new IcebergTableWalk(metadata, List.of(file), List.of());
    }

    /** The current schema's top-level column names, in order. */
    List<String> columns() {
        int current = metadata.path("current-schema-id").asInt();
        for (JsonNode schema : metadata.path("schemas")) {
            if (schema.path("schema-id").asInt() == current) {
                List<String> names = new ArrayList<>();
                schema.path("fields").forEach(f -> names.add(f.path("name").asText()));
                return names;
            }
        }
        throw new AssertionError("no current schema in " + metadata);
    }

    /** The live rows, column name to value: the data files' rows that no equality-delete file removes. */
    List<Map<String, Object>> liveRows() throws SQLException {
        List<Set<List<Object>>> deleted = new ArrayList<>();
        for (DeleteFile delete : deleteFiles) {
            Map<Integer, String> columns = fieldIds(delete.path());
            Set<List<Object>> keys = new HashSet<>();
            for (Map<String, Object> row : rows(delete.path())) {
                List<Object> key = new ArrayList<>();
                for (int id : delete.equalityIds()) {
                    if (!columns.containsKey(id)) {
                        throw new AssertionError(delete.path() + " has no column with field id " + id);
                    }
                    key.add(row.get(columns.get(id)));
                }
                keys.add(key);
            }
            deleted.add(keys);
        }
        List<Map<String, Object>> live = new ArrayList<>();
        for (DataFile file : files) {
            Map<Integer, String> columns = fieldIds(file.path());
            for (Map<String, Object> row : rows(file.path())) {
                boolean removed = false;
                for (int d = 0; d < deleteFiles.size() && !removed; d++) {
                    DeleteFile delete = deleteFiles.get(d);
                    if (delete.dataSequenceNumber() > file.dataSequenceNumber()
                            && (delete.partition().isEmpty() || delete.partition().equals(file.partition()))) {
                        List<Object> key = new ArrayList<>();
                        delete.equalityIds().forEach(id -> key.add(row.get(columns.get(id))));
                        removed = deleted.get(d).contains(key);
                    }
                }
                if (!removed) {
                    live.add(row);
                }
            }
        }
        return live;
    }

    private static Map<Integer, String> fieldIds(String path) throws SQLException {
        Map<Integer, String> ids = new HashMap<>();
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:"); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT name, field_id FROM parquet_schema('" + path.replace("'", "''")
                     + "')")) {
            while (r.next()) {
                if (r.getObject(2) != null) {
                    ids.put(r.getInt(2), r.getString(1));
                }
            }
        }
        return ids;
    }

    private static List<Map<String, Object>> rows(String path) throws SQLException {
        List<Map<String, Object>> rows = new ArrayList<>();
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:"); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT * FROM read_parquet('" + path.replace("'", "''") + "')")) {
            int n = r.getMetaData().getColumnCount();
            while (r.next()) {
                Map<String, Object> row = new LinkedHashMap<>();
                for (int i = 1; i <= n; i++) {
                    row.put(r.getMetaData().getColumnName(i), r.getObject(i));
                }
                rows.add(row);
            }
        }
        return rows;
    }

    /** The sum of the manifests' record counts. */
    long recordCount() {
        return files.stream().mapToLong(DataFile::recordCount).sum();
    }

    /**
     * Runs {@code select} over every live data file with DuckDB: {@code rows} is the union of the files by column
     * name (files written before a column was added lack it and read it as null).
     */
    List<List<Object>> query(String select) throws SQLException {
        List<List<Object>> rows = new ArrayList<>();
        if (files.isEmpty()) {
            return rows;
        }
        StringBuilder list = new StringBuilder();
        for (DataFile file : files) {
            list.append(list.isEmpty() ? "" : ", ").append('\'').append(file.path().replace("'", "''")).append('\'');
        }
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:");
             Statement s = c.createStatement()) {
            s.execute("CREATE VIEW rows AS SELECT * FROM read_parquet([" + list + "], union_by_name = true)");
            try (ResultSet r = s.executeQuery(select)) {
                int columns = r.getMetaData().getColumnCount();
                while (r.next()) {
                    List<Object> row = new ArrayList<>();
                    for (int i = 1; i <= columns; i++) {
                        row.add(r.getObject(i));
                    }
                    rows.add(row);
                }
            }
        }
        return rows;
    }
}
