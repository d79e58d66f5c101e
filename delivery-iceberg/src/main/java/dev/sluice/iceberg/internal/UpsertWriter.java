package dev.sluice.iceberg.internal;

import dev.sluice.delivery.DeliveryException;
import dev.sluice.delivery.internal.encode.ParquetRows;
import dev.sluice.iceberg.DestinationTableConfiguration;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.DeleteFile;
import org.apache.iceberg.FileFormat;
import org.apache.iceberg.FileMetadata;
import org.apache.iceberg.PartitionKey;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.RowDelta;
import org.apache.iceberg.Table;
import org.apache.iceberg.TableUtil;
import org.apache.iceberg.io.PositionOutputStream;
import org.apache.iceberg.types.Type;
import org.apache.iceberg.types.Types;
import org.apache.parquet.schema.MessageType;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Firehose's unique-keys upsert and delete for one table: a delivery object's records become one Iceberg
 * {@link RowDelta} of equality-delete files (equality field ids: the unique-key columns) for every key an update or
 * delete touched, and data files for the rows that remain.
 *
 * <p>Design note: thread-safe; the {@link Changes} of one delivery attempt are not. <b>Semantics.</b> The records of
 * an object apply in order, per key: insert appends a row, update removes every row with the key and appends the
 * record, delete removes every row with the key. The object is folded by key before writing: for each key, whether
 * any update or delete happened (then one equality-delete row for the key removes the rows of earlier commits) and
 * the rows left after its last update or delete (written as data). The delete and data files of one commit share its
 * data sequence number and an equality delete applies only to data files with a strictly smaller one, so the
 * object's own rows are never removed by its own deletes, and no position deletes are needed. <b>Partitions.</b> An
 * equality delete applies only within its partition, so every partition source column must be a unique key: the
 * delete row's partition is then the partition of every row with that key (checked when the table opens).
 * <b>Exactly once</b> as for appends: the RowDelta's snapshot summary carries the object key and is committed under
 * the table's commit lock after the same dedupe check.
 */
public final class UpsertWriter {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(UpsertWriter.class);

    private final TableWriter owner;
    private final List<String> keys;
    private final ParquetRows keyRows;
    /** The key columns, all nullable: reads delete records and diagnoses rows whose key is absent or null. */
    private final ParquetRows probeRows;
    private final MessageType keyFileSchema;
    private final int[] equalityIds;
    /** Position of each unique key in the delivery schema's records, in {@link #keys} order. */
    private final int[] rowPositions;

    /** A record that cannot be applied; {@link #errorCode()} is its Firehose error code. */
    public static final class Rejected extends Exception {
        private static final long serialVersionUID = 1L;

        private final String errorCode;

        Rejected(String errorCode, String message) {
            super(message, null, false, false);
            this.errorCode = errorCode;
        }

        /** The Firehose error code of the record's error line. */
        public String errorCode() {
            return errorCode;
        }
    }

    private UpsertWriter(TableWriter owner, List<String> keys, ParquetRows keyRows, ParquetRows probeRows,
                         MessageType keyFileSchema, int[] equalityIds, int[] rowPositions) {
        this.owner = owner;
        this.keys = keys;
        this.keyRows = keyRows;
        this.probeRows = probeRows;
        this.keyFileSchema = keyFileSchema;
        this.equalityIds = equalityIds;
        this.rowPositions = rowPositions;
    }

    /**
     * Checks the table's unique keys against its schema, partition spec and format version and prepares writing.
     *
     * @throws DeliveryException {@code INVALID_ARGUMENT} naming the table, the key and what is wrong
     */
    static UpsertWriter open(TableWriter owner, boolean caseInsensitive) {
        DestinationTableConfiguration config = owner.config();
        Table table = owner.table();
        String name = config.qualifiedName();
        int version = TableUtil.formatVersion(table);
        if (version < 2) {
            throw Problems.invalidArgument("table " + name + " has unique keys " + config.uniqueKeys()
                    + " but is an Iceberg format version " + version + " table; equality deletes need format"
                    + " version 2 or later");
        }
        Schema avro = owner.rows().avroSchema();
        List<Schema.Field> keyFields = new ArrayList<>();
        List<Schema.Field> probeFields = new ArrayList<>();
        int[] ids = new int[config.uniqueKeys().size()];
        int[] positions = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            String key = config.uniqueKeys().get(i);
            Types.NestedField column = table.schema().findField(key);
            Schema.Field field = avro.getField(key);
            if (column == null || field == null || table.schema().asStruct().field(key) == null) {
                throw Problems.invalidArgument("unique key " + key + " of table " + name + " must be a top-level"
                        + " column of the table and of the delivery schema but the table has "
                        + table.schema().asStruct().fields().stream().map(Types.NestedField::name).toList());
            }
            Type type = column.type();
            if (!type.isPrimitiveType() || type.typeId() == Type.TypeID.FLOAT
                    || type.typeId() == Type.TypeID.DOUBLE) {
                throw Problems.invalidArgument("unique key " + key + " of table " + name + " has type " + type
                        + "; a unique key must be a primitive column other than float and double");
            }
            ids[i] = column.fieldId();
            positions[i] = field.pos();
            keyFields.add(new Schema.Field(field, field.schema()));
            Schema nullable = TableSchemas.nullable(field.schema()) ? field.schema()
                    : Schema.createUnion(Schema.create(Schema.Type.NULL), field.schema());
            probeFields.add(new Schema.Field(field.name(), nullable, null, Schema.Field.NULL_DEFAULT_VALUE));
        }
        PartitionSpec spec = table.spec();
        for (org.apache.iceberg.PartitionField partition : spec.fields()) {
            if (Arrays.stream(ids).noneMatch(id -> id == partition.sourceId())) {
                throw Problems.invalidArgument("table " + name + " is partitioned by " + partition.name()
                        + " of column " + table.schema().findColumnName(partition.sourceId())
                        + ", which is not one of its unique keys " + config.uniqueKeys() + "; an equality delete"
                        + " applies within one partition, so every partition source column must be a unique key");
            }
        }
        Schema keySchema = Schema.createRecord(avro.getName() + "_key", null, avro.getNamespace(), false,
                keyFields);
        ParquetRows keyRows = ParquetRows.of(keySchema.toString(), caseInsensitive);
        Schema probeSchema = Schema.createRecord(avro.getName() + "_probe", null, avro.getNamespace(), false,
                probeFields);
        ParquetRows probeRows = ParquetRows.of(probeSchema.toString(), caseInsensitive);
        MessageType keyFile = TableSchemas.withFieldIds(keyRows.messageType(), table.schema());
        return new UpsertWriter(owner, config.uniqueKeys(), keyRows, probeRows, keyFile, ids, positions);
    }

    /**
     * Starts collecting one delivery object's records for this table.
     *
     * @return an empty change set
     */
    public Changes newChanges() {
        return new Changes();
    }

    /** The changes of one delivery object to this table, folded by key. Not thread-safe. */
    public final class Changes {

        /** Per key, in first-seen order: whether earlier rows go, and the rows this object leaves. */
        private final Map<List<Object>, KeyState> byKey = new LinkedHashMap<>();
        private final List<GenericData.Record> converted = new ArrayList<>();

        private Changes() {
        }

        /**
         * Applies one record (one or more concatenated JSON objects, each applied with the operation); on failure
         * nothing of the record is applied.
         *
         * @throws Rejected {@link FailedRecords#INVALID_UNIQUE_KEYS} when a row lacks a unique-key value
         * @throws DeliveryException a conversion error, as for appends
         */
        public void add(Operation operation, byte[] raw) throws Rejected {
            converted.clear();
            boolean delete = operation == Operation.DELETE;
            if (delete) {
                probeRows.convert(raw, converted);
            } else {
                try {
                    owner.rows().convert(raw, converted);
                } catch (DeliveryException e) {
                    // A key column that is required fails conversion; name the key rather than the schema.
                    converted.clear();
                    try {
                        probeRows.convert(raw, converted);
                    } catch (DeliveryException notAKeyProblem) {
                        throw e;
                    }
                    for (GenericData.Record probe : converted) {
                        key(probe, null);
                    }
                    throw e;
                }
            }
            int[] positions = delete ? null : rowPositions;
            List<List<Object>> rowKeys = new ArrayList<>(converted.size());
            for (GenericData.Record row : converted) {
                rowKeys.add(key(row, positions));
            }
            for (int i = 0; i < converted.size(); i++) {
                GenericData.Record row = converted.get(i);
                KeyState state = byKey.computeIfAbsent(rowKeys.get(i), k -> new KeyState());
                switch (operation) {
                    case INSERT -> state.rows.add(row);
                    case UPDATE -> {
                        state.deleteEarlier(keyOf(row, rowPositions));
                        state.rows.clear();
                        state.rows.add(row);
                    }
                    case DELETE -> {
                        state.deleteEarlier(keyOf(row, null));
                        state.rows.clear();
                    }
                }
            }
        }

        private List<Object> key(GenericData.Record row, int[] positions) throws Rejected {
            Object[] values = new Object[keys.size()];
            for (int k = 0; k < values.length; k++) {
                Object value = row.get(positions == null ? k : positions[k]);
                if (value == null) {
                    throw new Rejected(FailedRecords.INVALID_UNIQUE_KEYS, "the record has no value for unique key "
                            + keys.get(k) + " of table " + owner.config().qualifiedName() + "; every unique key "
                            + keys + " must be present and not null");
                }
                values[k] = value instanceof CharSequence || value instanceof GenericData.EnumSymbol
                        ? value.toString() : value;
            }
            return Arrays.asList(values);
        }

        /** The key row of the equality delete, from a full row ({@code positions}) or a probe row (null). */
        private GenericData.Record keyOf(GenericData.Record row, int[] positions) {
            GenericData.Record key = new GenericData.Record(keyRows.avroSchema());
            for (int k = 0; k < keys.size(); k++) {
                key.put(k, row.get(positions == null ? k : positions[k]));
            }
            return key;
        }

        /** Whether the object has nothing for this table. */
        public boolean isEmpty() {
            return byKey.isEmpty();
        }

        List<GenericData.Record> rows() {
            List<GenericData.Record> rows = new ArrayList<>();
            for (KeyState state : byKey.values()) {
                rows.addAll(state.rows);
            }
            return rows;
        }

        List<GenericData.Record> deletedKeys() {
            List<GenericData.Record> deleted = new ArrayList<>();
            for (KeyState state : byKey.values()) {
                if (state.deleteKey != null) {
                    deleted.add(state.deleteKey);
                }
            }
            return deleted;
        }
    }

    /** One key's fold: the key row of its equality delete (once an update or delete happened) and its rows. */
    private static final class KeyState {
        GenericData.Record deleteKey;
        final List<GenericData.Record> rows = new ArrayList<>(1);

        void deleteEarlier(GenericData.Record keyRow) {
            if (deleteKey == null) {
                deleteKey = keyRow;
            }
        }
    }

    /**
     * Commits the changes as one RowDelta, unless an earlier attempt already committed {@code objectKey}.
     *
     * @return {@code true} when this call committed; {@code false} when the key was found committed
     * @throws IOException if a data or delete file cannot be written
     */
    public boolean commit(String objectKey, String requestId, Changes changes) throws IOException {
        owner.requireTable();
        if (owner.committed(objectKey)) {
            LOG.info("table {}: upsert object {} is already committed (an earlier attempt or process); not applied"
                    + " again", owner.config().qualifiedName(), objectKey);
            return false;
        }
        List<GenericData.Record> rows = changes.rows();
        List<DataFile> data = rows.isEmpty() ? List.of() : owner.write(requestId, rows);
        List<DeleteFile> deletes = writeDeletes(requestId, changes.deletedKeys());
        Table table = owner.table();
        synchronized (owner.commitLock()) {
            if (owner.committed(objectKey)) {
                data.forEach(file -> table.io().deleteFile(file.location()));
                deletes.forEach(file -> table.io().deleteFile(file.location()));
                return false;
            }
            RowDelta delta = table.newRowDelta().scanManifestsWith(TableWriter.SAME_THREAD)
                    .writeManifestsWith(TableWriter.SAME_THREAD, 1);
            data.forEach(delta::addRows);
            deletes.forEach(delta::addDeletes);
            try {
                delta.set(TableWriter.OBJECT_KEY, objectKey).set(TableWriter.REQUEST_ID, requestId).commit();
            } catch (RuntimeException e) {
                owner.upsertFinished(null, e);
                throw e;
            }
            owner.upsertFinished(objectKey, null);
        }
        owner.afterUpsert();
        return true;
    }

    private static long store(Table table, String location, ByteBuffer bytes) throws IOException {
        long size = bytes.remaining();
        try (PositionOutputStream stream = table.io().newOutputFile(location).create()) {
            byte[] copy = new byte[bytes.remaining()];
            bytes.duplicate().get(copy);
            stream.write(copy);
        }
        return size;
    }

    /** One equality-delete file of key rows per partition (every partition source is a key column). */
    private List<DeleteFile> writeDeletes(String requestId, List<GenericData.Record> keyRowsToDelete)
            throws IOException {
        if (keyRowsToDelete.isEmpty()) {
            return List.of();
        }
        Table table = owner.table();
        PartitionSpec spec = table.spec();
        Map<PartitionKey, List<GenericData.Record>> groups = TableWriter.byPartition(table, keyRows.avroSchema(),
                keyRowsToDelete);
        String attempt = UUID.randomUUID().toString().substring(0, 8);
        TableWriter.ParquetWriting writing = owner.writing();
        List<DeleteFile> files = new ArrayList<>(groups.size());
        int n = 0;
        for (Map.Entry<PartitionKey, List<GenericData.Record>> group : groups.entrySet()) {
            String name = String.format("%s-%s-eq-deletes-%05d.parquet", requestId, attempt, n++);
            String location = group.getKey() == null ? table.locationProvider().newDataLocation(name)
                    : table.locationProvider().newDataLocation(spec, group.getKey(), name);
            ByteBuffer bytes = keyRows.write(group.getValue(), keyFileSchema, writing.codec(),
                    writing.rowGroupBytes(), writing.pageBytes(), writing.dictionary());
            long size = store(table, location, bytes);
            FileMetadata.Builder file = FileMetadata.deleteFileBuilder(spec).ofEqualityDeletes(equalityIds)
                    .withPath(location).withFormat(FileFormat.PARQUET).withFileSizeInBytes(size)
                    .withRecordCount(group.getValue().size());
            if (group.getKey() != null) {
                file.withPartition(group.getKey());
            }
            files.add(file.build());
        }
        return files;
    }
}
