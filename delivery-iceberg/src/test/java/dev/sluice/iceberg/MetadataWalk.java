package dev.sluice.iceberg;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.avro.file.DataFileReader;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;

import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The second reader of the tests, sharing no code with the writer: finds the table's current metadata file in the
 * catalog's SQLite database with plain JDBC, reads the metadata JSON with Jackson, the manifest list and manifests
 * as plain Avro files ({@link GenericDatumReader}), and the live data files with DuckDB. Equality-delete files are
 * listed too and {@link #liveRows()} applies them itself, as the Iceberg spec says: a delete file's rows remove the
 * rows of a data file with a strictly smaller data sequence number, in the same partition (or any partition for an
 * unpartitioned delete), whose equality columns (matched by field id) hold the same values.
 */
final class MetadataWalk {

    /** One live data file as its manifest entry describes it. */
    record DataFileEntry(String path, long recordCount, Map<String, Object> partition, long snapshotId,
                         long dataSequenceNumber) {
    }

    /** One live equality-delete file as its manifest entry describes it. */
    record DeleteFileEntry(String path, long recordCount, Map<String, Object> partition, List<Integer> equalityIds,
                           long dataSequenceNumber) {
    }

    final List<DeleteFileEntry> deleteFiles = new ArrayList<>();

    final JsonNode metadata;
    final List<DataFileEntry> files = new ArrayList<>();
    final int deletedEntries;

    private MetadataWalk(JsonNode metadata, List<DataFileEntry> files, List<DeleteFileEntry> deletes,
                         int deletedEntries) {
        this.metadata = metadata;
        this.files.addAll(files);
        this.deleteFiles.addAll(deletes);
        this.deletedEntries = deletedEntries;
    }

    /** A view of one data file only, to query it alone. */
    MetadataWalk(DataFileEntry file) {
        this(null, List.of(file), List.of(), 0);
    }

    /** Reads table {@code database.table} of the embedded catalog in {@code warehouse}. */
    static MetadataWalk of(Path warehouse, String database, String table) throws Exception {
        String location;
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + warehouse.resolve("catalog.db"));
             PreparedStatement s = c.prepareStatement("SELECT metadata_location FROM iceberg_tables"
                     + " WHERE table_namespace = ? AND table_name = ?")) {
            s.setString(1, database);
            s.setString(2, table);
            try (ResultSet r = s.executeQuery()) {
                if (!r.next()) {
                    throw new AssertionError("no table " + database + "." + table + " in the catalog");
                }
                location = r.getString(1);
            }
        }
        return ofMetadata(location);
    }

    /** Reads a table from its metadata JSON file. */
    static MetadataWalk ofMetadata(String metadataLocation) throws IOException {
        JsonNode metadata = new ObjectMapper().readTree(file(metadataLocation));
        List<DataFileEntry> files = new ArrayList<>();
        List<DeleteFileEntry> deletes = new ArrayList<>();
        int deleted = 0;
        long current = metadata.path("current-snapshot-id").asLong(-1);
        if (current != -1) {
            JsonNode snapshot = null;
            for (JsonNode s : metadata.get("snapshots")) {
                if (s.get("snapshot-id").asLong() == current) {
                    snapshot = s;
                }
            }
            for (GenericRecord manifest : avro(snapshot.get("manifest-list").asText())) {
                int manifestContent = ((Number) manifest.get("content")).intValue();
                long manifestSequence = ((Number) manifest.get("sequence_number")).longValue();
                for (GenericRecord entry : avro(manifest.get("manifest_path").toString())) {
                    int status = (Integer) entry.get("status");
                    if (status == 2) {
                        deleted++;
                        continue;
                    }
                    GenericRecord dataFile = (GenericRecord) entry.get("data_file");
                    Map<String, Object> partition = new LinkedHashMap<>();
                    GenericRecord p = (GenericRecord) dataFile.get("partition");
                    for (org.apache.avro.Schema.Field f : p.getSchema().getFields()) {
                        Object value = p.get(f.name());
                        partition.put(f.name(), value instanceof CharSequence ? value.toString() : value);
                    }
                    // A null sequence number is inherited from the manifest (entries added by its snapshot).
                    Object sequence = entry.get("sequence_number");
                    long dataSequence = sequence == null ? manifestSequence : ((Number) sequence).longValue();
                    int content = ((Number) dataFile.get("content")).intValue();
                    String path = dataFile.get("file_path").toString();
                    long count = (Long) dataFile.get("record_count");
                    if (content == 0 && manifestContent == 0) {
                        Object snapshotId = entry.get("snapshot_id");
                        files.add(new DataFileEntry(path, count, partition,
                                snapshotId == null ? -1 : (Long) snapshotId, dataSequence));
                    } else if (content == 2 && manifestContent == 1) {
                        List<Integer> ids = new ArrayList<>();
                        for (Object id : (List<?>) dataFile.get("equality_ids")) {
                            ids.add(((Number) id).intValue());
                        }
                        deletes.add(new DeleteFileEntry(path, count, partition, ids, dataSequence));
                    } else {
                        throw new AssertionError("unexpected file content " + content + " in a manifest of content "
                                + manifestContent + ": " + path);
                    }
                }
            }
        }
        return new MetadataWalk(metadata, files, deletes, deleted);
    }

    private static File file(String location) {
        return new File(location.startsWith("file:") ? java.net.URI.create(location).getPath() : location);
    }

    private static List<GenericRecord> avro(String location) throws IOException {
        List<GenericRecord> out = new ArrayList<>();
        try (DataFileReader<GenericRecord> reader = new DataFileReader<>(file(location),
                new GenericDatumReader<>())) {
            for (GenericRecord r : reader) {
                out.add(r);
            }
        }
        return out;
    }

    /** The current schema's fields: name to field id (top level). */
    Map<String, Integer> currentSchemaIds() {
        int id = metadata.get("current-schema-id").asInt();
        Map<String, Integer> ids = new LinkedHashMap<>();
        for (JsonNode schema : metadata.get("schemas")) {
            if (schema.get("schema-id").asInt() == id) {
                for (JsonNode field : schema.get("fields")) {
                    ids.put(field.get("name").asText(), field.get("id").asInt());
                }
            }
        }
        return ids;
    }

    /** Snapshots' summaries, oldest first. */
    List<Map<String, String>> snapshotSummaries() {
        List<Map<String, String>> out = new ArrayList<>();
        for (JsonNode s : metadata.path("snapshots")) {
            Map<String, String> summary = new HashMap<>();
            s.get("summary").fields().forEachRemaining(e -> summary.put(e.getKey(), e.getValue().asText()));
            out.add(summary);
        }
        return out;
    }

    /**
     * The table's live rows, column name to value as DuckDB reads them: every row of every live data file that no
     * equality-delete file removes.
     */
    List<Map<String, Object>> liveRows() throws SQLException {
        Map<Integer, String> names = new HashMap<>();
        currentSchemaIds().forEach((name, id) -> names.put(id, name));
        List<java.util.Set<List<Object>>> deleteKeys = new ArrayList<>();
        for (DeleteFileEntry delete : deleteFiles) {
            Map<String, Integer> fileIds = parquetFieldIds(delete.path());
            java.util.Set<List<Object>> keys = new java.util.HashSet<>();
            for (Map<String, Object> row : rows(delete.path())) {
                List<Object> key = new ArrayList<>();
                for (int id : delete.equalityIds()) {
                    String column = fileIds.entrySet().stream().filter(e -> e.getValue() == id)
                            .map(Map.Entry::getKey).findFirst().orElseThrow(() -> new AssertionError(
                                    "delete file " + delete.path() + " has no column with field id " + id));
                    key.add(row.get(column));
                }
                keys.add(key);
            }
            deleteKeys.add(keys);
        }
        List<Map<String, Object>> live = new ArrayList<>();
        for (DataFileEntry file : files) {
            Map<String, Integer> fileIds = parquetFieldIds(file.path());
            for (Map<String, Object> row : rows(file.path())) {
                boolean removed = false;
                for (int d = 0; d < deleteFiles.size() && !removed; d++) {
                    DeleteFileEntry delete = deleteFiles.get(d);
                    if (delete.dataSequenceNumber() <= file.dataSequenceNumber()
                            || !(delete.partition().isEmpty() || delete.partition().equals(file.partition()))) {
                        continue;
                    }
                    List<Object> key = new ArrayList<>();
                    for (int id : delete.equalityIds()) {
                        String column = fileIds.entrySet().stream().filter(e -> e.getValue() == id)
                                .map(Map.Entry::getKey).findFirst().orElse(names.get(id));
                        key.add(row.get(column));
                    }
                    removed = deleteKeys.get(d).contains(key);
                }
                if (!removed) {
                    live.add(row);
                }
            }
        }
        return live;
    }

    private static List<Map<String, Object>> rows(String path) throws SQLException {
        List<Map<String, Object>> rows = new ArrayList<>();
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:"); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT * FROM read_parquet('" + file(path).getPath() + "')")) {
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

    long totalRecords() {
        return files.stream().mapToLong(DataFileEntry::recordCount).sum();
    }

    /** Runs a query over the live data files with DuckDB ({@code FILES} in the SQL is replaced by the file list). */
    List<List<Object>> duckdb(String sql) throws SQLException {
        StringBuilder list = new StringBuilder("read_parquet([");
        for (int i = 0; i < files.size(); i++) {
            list.append(i == 0 ? "" : ", ").append('\'').append(file(files.get(i).path()).getPath()).append('\'');
        }
        list.append("], union_by_name = true)");
        List<List<Object>> rows = new ArrayList<>();
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:"); Statement s = c.createStatement();
             ResultSet r = s.executeQuery(sql.replace("FILES", list))) {
            int n = r.getMetaData().getColumnCount();
            while (r.next()) {
                List<Object> row = new ArrayList<>();
                for (int i = 1; i <= n; i++) {
                    row.add(r.getObject(i));
                }
                rows.add(row);
            }
        }
        return rows;
    }

    /** Column name to Parquet field id, as DuckDB reads it from one data file's footer. */
    static Map<String, Integer> parquetFieldIds(String path) throws SQLException {
        Map<String, Integer> ids = new LinkedHashMap<>();
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:"); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT name, field_id FROM parquet_schema('" + file(path).getPath()
                     + "')")) {
            while (r.next()) {
                if (r.getObject(2) != null) {
                    ids.put(r.getString(1), r.getInt(2));
                }
            }
        }
        return ids;
    }

    /** Every delivery object key the snapshots list: {@code sluice.object-key} and a group's {@code sluice.object-keys}. */
    List<String> committedObjectKeys() {
        List<String> keys = new ArrayList<>();
        for (Map<String, String> summary : snapshotSummaries()) {
            String many = summary.get("sluice.object-keys");
            if (many != null) {
                keys.addAll(List.of(many.split("\n")));
            } else if (summary.containsKey("sluice.object-key")) {
                keys.add(summary.get("sluice.object-key"));
            }
        }
        return keys;
    }

    /** The manifest list file of every snapshot in the metadata. */
    List<String> manifestLists() {
        List<String> out = new ArrayList<>();
        for (JsonNode s : metadata.path("snapshots")) {
            out.add(file(s.get("manifest-list").asText()).getPath());
        }
        return out;
    }

    /** The live data files' manifest entries ({@code data_file} records, as plain Avro), by file path. */
    Map<String, GenericRecord> dataFileRecords() throws IOException {
        Map<String, GenericRecord> out = new LinkedHashMap<>();
        long current = metadata.path("current-snapshot-id").asLong(-1);
        for (JsonNode s : metadata.path("snapshots")) {
            if (s.get("snapshot-id").asLong() != current) {
                continue;
            }
            for (GenericRecord manifest : avro(s.get("manifest-list").asText())) {
                for (GenericRecord entry : avro(manifest.get("manifest_path").toString())) {
                    if ((Integer) entry.get("status") != 2) {
                        GenericRecord dataFile = (GenericRecord) entry.get("data_file");
                        out.put(dataFile.get("file_path").toString(), dataFile);
                    }
                }
            }
        }
        return out;
    }

    /** Path of a location as a local file. */
    static String localPath(String location) {
        return file(location).getPath();
    }
}
