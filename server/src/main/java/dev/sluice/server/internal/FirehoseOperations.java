package dev.sluice.server.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.delivery.DeliveryException;
import dev.sluice.delivery.DeliveryStream;
import dev.sluice.delivery.PutRecordBatchResponse;
import dev.sluice.delivery.PutRecordBatchResponseEntry;
import dev.sluice.stream.StreamEngine;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.regex.Pattern;

/**
 * Firehose actions over {@link DeliveryStream}s the server hosts: Create/Describe/List/DeleteDeliveryStream,
 * PutRecord, PutRecordBatch, UpdateDestination; the tag and encryption actions are in {@link FirehoseStreamSettings}
 * and the description shapes in {@link FirehoseDescriptions}.
 *
 * <p>Versions: each delivery stream has a version id starting at 1. UpdateDestination merges the update into the
 * destination configuration, closes the running {@link DeliveryStream} (which delivers what it buffers) and builds
 * a new one with version + 1, which is the {@code <version>} in the names of the objects written from then on (as
 * Firehose's {@code DeliveryStreamVersion}). Puts hold a read lock and the swap a write lock, so no put is lost in
 * between. Definitions are kept by {@link FirehoseDefinitions} (with a data directory) after every change and
 * {@link #restore() restored} at start; a stream read from a Kinesis stream resumes from its checkpoints in
 * {@code firehose-state/<name>}, a DirectPut stream starts with an empty buffer.
 *
 * <p>Format conversion: the schema is resolved from the {@link GlueCatalog} when the stream is created or its
 * destination updated. When a table a stream follows ({@code VersionId} LATEST) is created, updated or deleted, the
 * server re-resolves it and, if the schema changed, swaps the running {@link DeliveryStream} as UpdateDestination
 * does but keeping the version: what was buffered is delivered with the old schema, objects created afterwards have
 * the new one. If the new table cannot be converted (an unsupported type, the table deleted), the stream keeps the
 * schema it has and a warning is logged.
 */
final class FirehoseOperations {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(FirehoseOperations.class);
    private static final Pattern NAME = Pattern.compile("[a-zA-Z0-9_.-]{1,64}");
    /** Firehose: ListDeliveryStreams Limit in [1, 10,000], default 10. */
    static final int LIST_DEFAULT_LIMIT = 10;
    static final String DESTINATION_ID = "destinationId-000000000001";

    private final FirehoseDestinations destinations;
    private final StreamEngine engine;
    private final StreamArns streamArns;
    private final Clock clock;
    private final Path stateDirectory;
    private final String region;
    private final String accountId;
    private final ConcurrentSkipListMap<String, HostedDeliveryStream> streams = new ConcurrentSkipListMap<>();
    private final FirehoseFormatConversion formatConversion;
    private final FirehoseStreamSettings settings;
    private final FirehoseIceberg iceberg;
    private final FirehoseDefinitions definitions;

    FirehoseOperations(FirehoseDestinations destinations, GlueCatalog catalog, StreamEngine engine,
                       StreamArns streamArns, Clock clock, Path stateDirectory, String region, String accountId,
                       IcebergWarehouses warehouses, FirehoseDefinitions definitions) {
        this.iceberg = new FirehoseIceberg(catalog, destinations, warehouses, region);
        this.formatConversion = new FirehoseFormatConversion(catalog, region);
        this.definitions = definitions;
        this.settings = new FirehoseStreamSettings(this::hosted, definitions::save, clock, region);
        catalog.onTableChange(this::tableChanged);
        this.destinations = destinations;
        this.engine = engine;
        this.streamArns = streamArns;
        this.clock = clock;
        this.stateDirectory = stateDirectory;
        this.region = region;
        this.accountId = accountId;
    }

    void register(Map<String, Operation> operations) {
        operations.put("CreateDeliveryStream", this::create);
        operations.put("DescribeDeliveryStream", this::describe);
        operations.put("ListDeliveryStreams", this::list);
        operations.put("DeleteDeliveryStream", this::delete);
        operations.put("PutRecord", this::putRecord);
        operations.put("PutRecordBatch", this::putRecordBatch);
        operations.put("UpdateDestination", this::updateDestination);
        settings.register(operations);
    }

    private String arn(String name) {
        return "arn:aws:firehose:" + region + ":" + accountId + ":deliverystream/" + name;
    }

    private CompletableFuture<Object> create(ApiRequest r) {
        String name = r.requiredString("DeliveryStreamName");
        if (!NAME.matcher(name).matches()) {
            throw ApiException.validation("1 validation error detected: Value '" + WireFormat.abbreviate(name)
                    + "' at 'deliveryStreamName' failed to satisfy constraint: Member must satisfy regular expression"
                    + " pattern: [a-zA-Z0-9_.-]+ and have length between 1 and 64");
        }
        String type = r.string("DeliveryStreamType").orElse("DirectPut");
        String sourceArn = null;
        String sourceRole = null;
        if (type.equals("KinesisStreamAsSource")) {
            JsonNode source = r.node("KinesisStreamSourceConfiguration");
            if (source == null) {
                throw ApiException.invalidArgument("KinesisStreamAsSource needs KinesisStreamSourceConfiguration");
            }
            sourceArn = ApiRequest.required("KinesisStreamSourceConfiguration.KinesisStreamARN",
                    ApiRequest.string(source, "KinesisStreamARN"));
            streamArns.nameFromArn(sourceArn);
            sourceRole = ApiRequest.string(source, "RoleARN");
        } else if (!type.equals("DirectPut")) {
            throw ApiException.invalidArgument("DeliveryStreamType must be DirectPut or KinesisStreamAsSource but was '"
                    + WireFormat.abbreviate(type) + "'");
        }
        HostedDeliveryStream hosted = new HostedDeliveryStream(name, type, sourceArn, sourceRole, clock.instant());
        Map<String, String> tags = FirehoseStreamSettings.tags(r.node("Tags"), "Tags");
        JsonNode encryption = r.node("DeliveryStreamEncryptionConfigurationInput");
        if (encryption != null) {
            FirehoseStreamSettings.Key key = settings.key(encryption, type, name);
            hosted.enableAtCreation(key.type(), key.arn());
        }
        String kind = null;
        for (String candidate : List.of("ExtendedS3DestinationConfiguration", "S3DestinationConfiguration",
                "HttpEndpointDestinationConfiguration", FirehoseIceberg.KIND)) {
            JsonNode node = r.node(candidate);
            if (node != null) {
                if (kind != null) {
                    throw ApiException.invalidArgument("only one destination configuration may be given, but got "
                            + kind + " and " + candidate);
                }
                if (!node.isObject()) {
                    throw ApiException.serialization(candidate + " must be a structure");
                }
                kind = candidate;
                hosted.destination = ((ObjectNode) node).deepCopy();
            }
        }
        if (kind == null) {
            throw ApiException.invalidArgument("a destination configuration is required: ExtendedS3DestinationConfiguration,"
                    + " HttpEndpointDestinationConfiguration or IcebergDestinationConfiguration (others are not supported by the Sluice server)");
        }
        hosted.destinationKind = kind;
        hosted.lastUpdate = hosted.created;
        hosted.conversion = conversion(hosted.destinationKind, hosted.destination);
        FirehoseStreamSettings.addTags(hosted, tags);
        synchronized (streams) {
            if (streams.containsKey(name)) {
                throw ApiException.resourceInUse("Firehose " + name + " under account " + accountId
                        + " already exists.");
            }
            hosted.stream = build(hosted);
            try {
                definitions.save(hosted);
            } catch (RuntimeException e) {
                hosted.stream.close();
                throw e;
            }
            streams.put(name, hosted);
        }
        return CompletableFuture.completedFuture(Map.of("DeliveryStreamARN", arn(name)));
    }

    /**
     * Hosts the delivery streams kept by {@link FirehoseDefinitions}, once, before the first request. A definition
     * whose delivery stream cannot be built again (its source Kinesis stream or Glue table is gone) is logged and
     * left on disk, not hosted; an unreadable definition fails the start.
     *
     * @throws java.io.UncheckedIOException naming the file of a definition that cannot be read
     */
    void restore() {
        for (FirehoseDefinitions.Saved saved : definitions.load()) {
            HostedDeliveryStream h = saved.stream();
            try {
                h.conversion = conversion(h.destinationKind, h.destination);
                h.stream = build(h);
            } catch (RuntimeException e) {
                LOG.warn("Firehose {} (from {}) is not hosted: its delivery stream cannot be built again: {}", h.name,
                        saved.file(), e.getMessage());
                continue;
            }
            streams.put(h.name, h);
        }
    }

    /** The format conversion of an S3 destination, or null; HTTP endpoints have none. */
    private FirehoseFormatConversion.Resolved conversion(String kind, ObjectNode destination) {
        if (kind.equals("HttpEndpointDestinationConfiguration") || kind.equals(FirehoseIceberg.KIND)) {
            return null;
        }
        return formatConversion.resolve(destination);
    }

    private DeliveryStream build(HostedDeliveryStream hosted) {
        DeliveryStream.Builder builder = DeliveryStream.builder().name(hosted.name).version(hosted.version)
                .clock(clock);
        if (hosted.destinationKind.equals("HttpEndpointDestinationConfiguration")) {
            destinations.applyHttpEndpoint(builder, hosted.destination);
        } else if (hosted.destinationKind.equals(FirehoseIceberg.KIND)) {
            iceberg.apply(builder, hosted.destination);
        } else {
            destinations.applyS3(builder, hosted.destination, hosted.destinationKind);
            String zone = ApiRequest.string(hosted.destination, "CustomTimeZone");
            if (zone != null && !zone.equals("UTC")) {
                throw ApiException.invalidArgument(hosted.destinationKind + ".CustomTimeZone must be UTC (Sluice"
                        + " evaluates prefix timestamps in UTC) but was '" + WireFormat.abbreviate(zone) + "'");
            }
            if (hosted.conversion != null) {
                FirehoseFormatConversion.apply(builder, hosted.destination, hosted.destinationKind,
                        hosted.conversion);
            }
        }
        if (hosted.sourceStreamArn != null) {
            builder.kinesisStreamSource(engine, streamArns.nameFromArn(hosted.sourceStreamArn),
                    stateDirectory.resolve(hosted.name));
        }
        try {
            return builder.build();
        } catch (DeliveryException e) {
            throw ApiException.invalidArgument(e.getMessage());
        }
    }

    private HostedDeliveryStream hosted(ApiRequest r) {
        String name = r.requiredString("DeliveryStreamName");
        HostedDeliveryStream hosted = streams.get(name);
        if (hosted == null) {
            throw ApiException.resourceNotFound("Firehose " + WireFormat.abbreviate(name) + " under account "
                    + accountId + " not found.");
        }
        return hosted;
    }

    private CompletableFuture<Object> describe(ApiRequest r) {
        HostedDeliveryStream h = hosted(r);
        int limit = r.integer("Limit").orElse(LIST_DEFAULT_LIMIT);
        if (limit < 1 || limit > 10_000) {
            throw ApiException.invalidArgument("Limit must be between 1 and 10000 but was " + limit);
        }
        String after = r.string("ExclusiveStartDestinationId").orElse(null);
        h.lock.readLock().lock();
        try {
            return CompletableFuture.completedFuture(Map.of("DeliveryStreamDescription", FirehoseDescriptions.describe(
                    h, arn(h.name), clock.instant(), region, accountId, limit, after)));
        } finally {
            h.lock.readLock().unlock();
        }
    }

    private CompletableFuture<Object> list(ApiRequest r) {
        int limit = r.integer("Limit").orElse(LIST_DEFAULT_LIMIT);
        if (limit < 1 || limit > 10_000) {
            throw ApiRequest.outOfRange("Limit", limit, 1, 10_000);
        }
        String type = r.string("DeliveryStreamType").orElse(null);
        String after = r.string("ExclusiveStartDeliveryStreamName").orElse(null);
        List<String> names = new ArrayList<>();
        boolean more = false;
        Iterator<HostedDeliveryStream> it = (after == null ? streams : streams.tailMap(after, false)).values().iterator();
        while (it.hasNext()) {
            HostedDeliveryStream h = it.next();
            if (type != null && !type.equals(h.type)) {
                continue;
            }
            if (names.size() == limit) {
                more = true;
                break;
            }
            names.add(h.name);
        }
        Map<String, Object> response = new LinkedHashMap<>();
        response.put("DeliveryStreamNames", names);
        response.put("HasMoreDeliveryStreams", more);
        return CompletableFuture.completedFuture(response);
    }

    private CompletableFuture<Object> delete(ApiRequest r) {
        HostedDeliveryStream h = hosted(r);
        synchronized (streams) {
            if (streams.get(h.name) != h) {
                throw ApiException.resourceNotFound("Firehose " + h.name + " under account " + accountId
                        + " not found.");
            }
            definitions.delete(h); // first: if the file cannot be removed, the stream stays as it was
            streams.remove(h.name, h);
        }
        h.lock.writeLock().lock();
        try {
            h.stream.close();
        } finally {
            h.lock.writeLock().unlock();
        }
        if (h.sourceStreamArn != null) {
            // Gone for good: the source stream must no longer keep records for it (lossless overflow policies).
            try {
                engine.deregisterReader(streamArns.nameFromArn(h.sourceStreamArn), "delivery-" + h.name);
            } catch (dev.sluice.stream.StreamException e) {
                // The source stream was deleted first: nothing is kept for the delivery stream any more.
            }
        }
        return CompletableFuture.completedFuture(Map.of());
    }

    private CompletableFuture<Object> putRecord(ApiRequest r) {
        HostedDeliveryStream h = hosted(r);
        JsonNode record = r.node("Record");
        if (record == null) {
            throw ApiRequest.missing("Record");
        }
        byte[] data = r.requiredBlob(record, "Data");
        String id;
        h.lock.readLock().lock();
        try {
            id = h.stream.putRecord(data);
        } finally {
            h.lock.readLock().unlock();
        }
        Map<String, Object> response = new LinkedHashMap<>();
        response.put("RecordId", id);
        response.put("Encrypted", h.encrypted(clock.instant()));
        return CompletableFuture.completedFuture(response);
    }

    private CompletableFuture<Object> putRecordBatch(ApiRequest r) {
        HostedDeliveryStream h = hosted(r);
        JsonNode records = r.node("Records");
        if (records == null) {
            throw ApiRequest.missing("Records");
        }
        if (!records.isArray() || records.isEmpty()) {
            throw ApiException.validation("1 validation error detected: Value at 'records' failed to satisfy"
                    + " constraint: Member must have length greater than or equal to 1");
        }
        List<byte[]> data = new ArrayList<>(records.size());
        for (JsonNode record : records) {
            data.add(r.requiredBlob(record, "Data"));
        }
        PutRecordBatchResponse result;
        h.lock.readLock().lock();
        try {
            result = h.stream.putRecordBatch(data);
        } finally {
            h.lock.readLock().unlock();
        }
        List<Object> entries = new ArrayList<>(result.requestResponses().size());
        for (PutRecordBatchResponseEntry entry : result.requestResponses()) {
            if (entry instanceof PutRecordBatchResponseEntry.Success s) {
                entries.add(Map.of("RecordId", s.recordId()));
            } else {
                PutRecordBatchResponseEntry.Failure f = (PutRecordBatchResponseEntry.Failure) entry;
                entries.add(Map.of("ErrorCode", f.errorCode().code(), "ErrorMessage", f.errorMessage()));
            }
        }
        Map<String, Object> response = new LinkedHashMap<>();
        response.put("FailedPutCount", result.failedPutCount());
        response.put("Encrypted", h.encrypted(clock.instant()));
        response.put("RequestResponses", entries);
        return CompletableFuture.completedFuture(response);
    }

    private CompletableFuture<Object> updateDestination(ApiRequest r) {
        HostedDeliveryStream h = hosted(r);
        String expectedVersion = r.requiredString("CurrentDeliveryStreamVersionId");
        String destinationId = r.requiredString("DestinationId");
        if (!destinationId.equals(DESTINATION_ID)) {
            throw ApiException.invalidArgument("DestinationId must be " + DESTINATION_ID + " but was '"
                    + WireFormat.abbreviate(destinationId) + "'");
        }
        String updateField = h.destinationKind.replace("Configuration", "Update");
        JsonNode update = r.node(updateField);
        if (update == null && !h.destinationKind.equals("HttpEndpointDestinationConfiguration")
                && !h.destinationKind.equals(FirehoseIceberg.KIND)) {
            // Either S3 update shape applies to either S3 destination, as on Firehose.
            updateField = h.destinationKind.startsWith("Extended") ? "S3DestinationUpdate"
                    : "ExtendedS3DestinationUpdate";
            update = r.node(updateField);
        }
        if (update == null || !update.isObject()) {
            throw ApiException.invalidArgument("UpdateDestination of " + h.name + " needs " + updateField
                    + " (changing the destination type is not supported)");
        }
        h.lock.writeLock().lock();
        try {
            if (!expectedVersion.equals(Integer.toString(h.version))) {
                throw new ApiException(400, "ConcurrentModificationException", "CurrentDeliveryStreamVersionId "
                        + WireFormat.abbreviate(expectedVersion) + " does not match the current version " + h.version
                        + " of " + h.name);
            }
            ObjectNode previous = h.destination;
            FirehoseFormatConversion.Resolved previousConversion = h.conversion;
            ObjectNode merged = previous.deepCopy();
            merged.setAll((ObjectNode) update);
            FirehoseFormatConversion.Resolved conversion = conversion(h.destinationKind, merged);
            h.destination = merged;
            h.conversion = conversion;
            h.version++;
            DeliveryStream next;
            try {
                h.stream.close();
                next = build(h);
            } catch (RuntimeException e) {
                h.destination = previous;
                h.conversion = previousConversion;
                h.version--;
                h.stream = build(h);
                throw e;
            }
            h.stream = next;
            h.lastUpdate = clock.instant();
        } finally {
            h.lock.writeLock().unlock();
        }
        definitions.save(h); // outside the write lock: saves take the save lock before the read lock
        return CompletableFuture.completedFuture(Map.of());
    }

    /** A Glue table changed: streams following it take the new schema for the objects they create from now on. */
    private void tableChanged(String database, String table) {
        for (HostedDeliveryStream h : streams.values()) {
            h.lock.writeLock().lock();
            try {
                FirehoseFormatConversion.Resolved previous = h.conversion;
                if (previous == null || !previous.table().follows(database, table) || streams.get(h.name) != h) {
                    continue;
                }
                FirehoseFormatConversion.Resolved next;
                try {
                    next = conversion(h.destinationKind, h.destination);
                } catch (ApiException e) {
                    LOG.warn("delivery stream {} keeps its Parquet schema: Glue table {}.{} changed but {}", h.name,
                            database, table, e.getMessage());
                    continue;
                }
                if (next == null || next.conversion().equals(previous.conversion())) {
                    continue;
                }
                h.stream.close();
                h.conversion = next;
                try {
                    h.stream = build(h);
                } catch (RuntimeException e) {
                    LOG.warn("delivery stream {} keeps its Parquet schema: the schema of Glue table {}.{} cannot be"
                            + " applied: {}", h.name, database, table, e.toString());
                    h.conversion = previous;
                    h.stream = build(h);
                }
            } finally {
                h.lock.writeLock().unlock();
            }
        }
    }

    void close(Duration timeout) {
        for (HostedDeliveryStream h : streams.values()) {
            h.lock.writeLock().lock();
            try {
                h.stream.close(timeout);
            } catch (RuntimeException e) {
                LOG.warn("closing delivery stream {}: {}", h.name, e.toString());
            } finally {
                h.lock.writeLock().unlock();
            }
        }
        streams.clear();
    }
}
