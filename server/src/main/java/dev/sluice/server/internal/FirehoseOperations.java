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
 * PutRecord, PutRecordBatch, UpdateDestination.
 *
 * <p>Versions: each delivery stream has a version id starting at 1. UpdateDestination merges the update into the
 * destination configuration, closes the running {@link DeliveryStream} (which delivers what it buffers) and builds
 * a new one with version + 1, which is the {@code <version>} in the names of the objects written from then on (as
 * Firehose's {@code DeliveryStreamVersion}). Puts hold a read lock and the swap a write lock, so no put is lost in
 * between. Delivery stream definitions live in memory: they are not kept across server restarts.
 */
final class FirehoseOperations {

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
    private final ConcurrentSkipListMap<String, Hosted> streams = new ConcurrentSkipListMap<>();

    FirehoseOperations(FirehoseDestinations destinations, StreamEngine engine, StreamArns streamArns, Clock clock,
                       Path stateDirectory, String region, String accountId) {
        this.destinations = destinations;
        this.engine = engine;
        this.streamArns = streamArns;
        this.clock = clock;
        this.stateDirectory = stateDirectory;
        this.region = region;
        this.accountId = accountId;
    }

    /** One hosted delivery stream; {@code stream}, {@code version} and {@code destination} change under the lock. */
    private static final class Hosted {
        final String name;
        final String type;
        final String sourceStreamArn;
        final Instant created;
        final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
        String destinationKind;
        ObjectNode destination;
        DeliveryStream stream;
        int version = 1;
        Instant lastUpdate;

        Hosted(String name, String type, String sourceStreamArn, Instant created) {
            this.name = name;
            this.type = type;
            this.sourceStreamArn = sourceStreamArn;
            this.created = created;
        }
    }

    void register(Map<String, Operation> operations) {
        operations.put("CreateDeliveryStream", this::create);
        operations.put("DescribeDeliveryStream", this::describe);
        operations.put("ListDeliveryStreams", this::list);
        operations.put("DeleteDeliveryStream", this::delete);
        operations.put("PutRecord", this::putRecord);
        operations.put("PutRecordBatch", this::putRecordBatch);
        operations.put("UpdateDestination", this::updateDestination);
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
        if (type.equals("KinesisStreamAsSource")) {
            JsonNode source = r.node("KinesisStreamSourceConfiguration");
            if (source == null) {
                throw ApiException.invalidArgument("KinesisStreamAsSource needs KinesisStreamSourceConfiguration");
            }
            sourceArn = ApiRequest.required("KinesisStreamSourceConfiguration.KinesisStreamARN",
                    ApiRequest.string(source, "KinesisStreamARN"));
            streamArns.nameFromArn(sourceArn);
        } else if (!type.equals("DirectPut")) {
            throw ApiException.invalidArgument("DeliveryStreamType must be DirectPut or KinesisStreamAsSource but was '"
                    + WireFormat.abbreviate(type) + "'");
        }
        Hosted hosted = new Hosted(name, type, sourceArn, clock.instant());
        String kind = null;
        for (String candidate : List.of("ExtendedS3DestinationConfiguration", "S3DestinationConfiguration",
                "HttpEndpointDestinationConfiguration")) {
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
            throw ApiException.invalidArgument("a destination configuration is required: ExtendedS3DestinationConfiguration"
                    + " or HttpEndpointDestinationConfiguration (others are not supported by the Sluice server)");
        }
        hosted.destinationKind = kind;
        hosted.lastUpdate = hosted.created;
        synchronized (streams) {
            if (streams.containsKey(name)) {
                throw ApiException.resourceInUse("Firehose " + name + " under account " + accountId
                        + " already exists.");
            }
            hosted.stream = build(hosted);
            streams.put(name, hosted);
        }
        return CompletableFuture.completedFuture(Map.of("DeliveryStreamARN", arn(name)));
    }

    private DeliveryStream build(Hosted hosted) {
        DeliveryStream.Builder builder = DeliveryStream.builder().name(hosted.name).version(hosted.version)
                .clock(clock);
        if (hosted.destinationKind.equals("HttpEndpointDestinationConfiguration")) {
            destinations.applyHttpEndpoint(builder, hosted.destination);
        } else {
            destinations.applyS3(builder, hosted.destination, hosted.destinationKind);
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

    private Hosted hosted(ApiRequest r) {
        String name = r.requiredString("DeliveryStreamName");
        Hosted hosted = streams.get(name);
        if (hosted == null) {
            throw ApiException.resourceNotFound("Firehose " + WireFormat.abbreviate(name) + " under account "
                    + accountId + " not found.");
        }
        return hosted;
    }

    private CompletableFuture<Object> describe(ApiRequest r) {
        Hosted h = hosted(r);
        Map<String, Object> d = new LinkedHashMap<>();
        h.lock.readLock().lock();
        try {
            d.put("DeliveryStreamName", h.name);
            d.put("DeliveryStreamARN", arn(h.name));
            d.put("DeliveryStreamStatus", "ACTIVE");
            d.put("DeliveryStreamEncryptionConfiguration", Map.of("Status", "DISABLED"));
            d.put("DeliveryStreamType", h.type);
            d.put("VersionId", Integer.toString(h.version));
            d.put("CreateTimestamp", h.created);
            d.put("LastUpdateTimestamp", h.lastUpdate);
            if (h.sourceStreamArn != null) {
                d.put("Source", Map.of("KinesisStreamSourceDescription", Map.of("KinesisStreamARN", h.sourceStreamArn,
                        "DeliveryStartTimestamp", h.created)));
            }
            Map<String, Object> destination = new LinkedHashMap<>();
            destination.put("DestinationId", DESTINATION_ID);
            destination.put(h.destinationKind.replace("Configuration", "Description"), description(h));
            d.put("Destinations", List.of(destination));
            d.put("HasMoreDestinations", false);
        } finally {
            h.lock.readLock().unlock();
        }
        return CompletableFuture.completedFuture(Map.of("DeliveryStreamDescription", d));
    }

    /** The configuration as given, with Firehose's defaults filled in and secrets left out. */
    private static ObjectNode description(Hosted h) {
        ObjectNode d = h.destination.deepCopy();
        if (h.destinationKind.equals("HttpEndpointDestinationConfiguration")) {
            JsonNode endpoint = d.get("EndpointConfiguration");
            if (endpoint instanceof ObjectNode e) {
                e.remove("AccessKey");
            }
        } else {
            if (!d.has("BufferingHints")) {
                d.putObject("BufferingHints").put("SizeInMBs", 5).put("IntervalInSeconds", 300);
            }
            if (!d.has("CompressionFormat")) {
                d.put("CompressionFormat", "UNCOMPRESSED");
            }
            if (!d.has("EncryptionConfiguration")) {
                d.putObject("EncryptionConfiguration").put("NoEncryptionConfig", "NoEncryption");
            }
            if (!d.has("S3BackupMode") && h.destinationKind.equals("ExtendedS3DestinationConfiguration")) {
                d.put("S3BackupMode", "Disabled");
            }
            if (d.get("S3BackupConfiguration") != null) {
                d.set("S3BackupDescription", d.remove("S3BackupConfiguration"));
            }
        }
        return d;
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
        Iterator<Hosted> it = (after == null ? streams : streams.tailMap(after, false)).values().iterator();
        while (it.hasNext()) {
            Hosted h = it.next();
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
        Hosted h = hosted(r);
        synchronized (streams) {
            if (!streams.remove(h.name, h)) {
                throw ApiException.resourceNotFound("Firehose " + h.name + " under account " + accountId
                        + " not found.");
            }
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
        Hosted h = hosted(r);
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
        response.put("Encrypted", false);
        return CompletableFuture.completedFuture(response);
    }

    private CompletableFuture<Object> putRecordBatch(ApiRequest r) {
        Hosted h = hosted(r);
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
        response.put("Encrypted", false);
        response.put("RequestResponses", entries);
        return CompletableFuture.completedFuture(response);
    }

    private CompletableFuture<Object> updateDestination(ApiRequest r) {
        Hosted h = hosted(r);
        String expectedVersion = r.requiredString("CurrentDeliveryStreamVersionId");
        String destinationId = r.requiredString("DestinationId");
        if (!destinationId.equals(DESTINATION_ID)) {
            throw ApiException.invalidArgument("DestinationId must be " + DESTINATION_ID + " but was '"
                    + WireFormat.abbreviate(destinationId) + "'");
        }
        String updateField = h.destinationKind.replace("Configuration", "Update");
        JsonNode update = r.node(updateField);
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
            ObjectNode merged = previous.deepCopy();
            merged.setAll((ObjectNode) update);
            h.destination = merged;
            h.version++;
            DeliveryStream next;
            try {
                h.stream.close();
                next = build(h);
            } catch (RuntimeException e) {
                h.destination = previous;
                h.version--;
                h.stream = build(h);
                throw e;
            }
            h.stream = next;
            h.lastUpdate = clock.instant();
        } finally {
            h.lock.writeLock().unlock();
        }
        return CompletableFuture.completedFuture(Map.of());
    }

    void close(Duration timeout) {
        for (Hosted h : streams.values()) {
            h.lock.writeLock().lock();
            try {
                h.stream.close(timeout);
            } catch (RuntimeException e) {
                org.slf4j.LoggerFactory.getLogger(FirehoseOperations.class).warn("closing delivery stream {}: {}",
                        h.name, e.toString());
            } finally {
                h.lock.writeLock().unlock();
            }
        }
        streams.clear();
    }
}
