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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The server tests' own reader of an Iceberg table, sharing no code with the writer nor with Iceberg: the current
 * metadata location from the embedded catalog's SQLite file (plain JDBC), the metadata JSON (Jackson), the
 * current snapshot's manifest list and its manifests (plain Avro, {@link GenericDatumReader}), then the live data
 * files' rows with DuckDB.
 */
final class IcebergTableWalk {

    /** A live data file: where, how many rows its manifest entry claims, its partition tuple. */
    record DataFile(String path, long recordCount, Map<String, Object> partition) {
    }

    final JsonNode metadata;
    final List<DataFile> files;

    private IcebergTableWalk(JsonNode metadata, List<DataFile> files) {
        this.metadata = metadata;
        this.files = files;
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
        for (JsonNode snapshot : metadata.path("snapshots")) {
            if (snapshot.path("snapshot-id").asLong() != current) {
                continue;
            }
            for (GenericRecord manifest : avro(snapshot.path("manifest-list").asText())) {
                if (((Number) manifest.get("content")).intValue() != 0) {
                    throw new AssertionError("an append-only table has a delete manifest: " + manifest);
                }
                for (GenericRecord entry : avro(manifest.get("manifest_path").toString())) {
                    if (((Number) entry.get("status")).intValue() == 2) {
                        continue; // deleted
                    }
                    GenericRecord file = (GenericRecord) entry.get("data_file");
                    Map<String, Object> partition = new LinkedHashMap<>();
                    GenericRecord tuple = (GenericRecord) file.get("partition");
                    tuple.getSchema().getFields().forEach(f -> partition.put(f.name(), tuple.get(f.name())));
                    files.add(new DataFile(local(file.get("file_path").toString()).getPath(),
                            ((Number) file.get("record_count")).longValue(), partition));
                }
            }
        }
        return new IcebergTableWalk(metadata, files);
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
        return new IcebergTableWalk(metadata, List.of(file));
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
