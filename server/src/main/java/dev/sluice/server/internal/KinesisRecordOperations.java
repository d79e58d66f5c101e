package dev.sluice.server.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.stream.ChildShard;
import dev.sluice.stream.ErrorCode;
import dev.sluice.stream.GetRecordsResult;
import dev.sluice.stream.PutRecordRequest;
import dev.sluice.stream.PutRecordsRequestEntry;
import dev.sluice.stream.PutRecordsResultEntry;
import dev.sluice.stream.ShardIteratorType;
import dev.sluice.stream.StreamEngine;
import dev.sluice.stream.StreamRecord;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Kinesis data-plane actions: PutRecord, PutRecords, GetShardIterator, GetRecords. Puts use the engine's
 * asynchronous forms so no server thread waits for a writer; the response is written when the future completes.
 * Their futures complete on the engine's single completer thread, which every put of the engine shares: they complete
 * with an {@link Operation.Deferred}, so the response tree is built on the connection's event loop, which encodes and
 * writes it without another thread hand-off.
 */
final class KinesisRecordOperations {

    /** Kinesis: GetRecords Limit in [1, 10,000], default 10,000. */
    static final int MAX_GET_RECORDS_LIMIT = 10_000;

    private final StreamEngine engine;
    private final StreamArns arns;

    KinesisRecordOperations(StreamEngine engine, StreamArns arns) {
        this.engine = engine;
        this.arns = arns;
    }

    void register(Map<String, Operation> operations) {
        operations.put("PutRecord", this::putRecord);
        operations.put("PutRecords", this::putRecords);
        operations.put("GetShardIterator", this::getShardIterator);
        operations.put("GetRecords", this::getRecords);
    }

    private CompletableFuture<Object> putRecord(ApiRequest r) {
        String stream = arns.streamName(r);
        PutRecordRequest request = new PutRecordRequest(stream, r.requiredString("PartitionKey"),
                r.requiredBlob(r.body(), "Data"), r.string("ExplicitHashKey"), r.string("SequenceNumberForOrdering"));
        if (dryRun(r)) {
            engine.dryRunPutRecord(request);
            throw dryRunSucceeded();
        }
        return engine.putRecordAsync(request).thenApply(put -> (Operation.Deferred) () -> {
            Map<String, Object> response = new LinkedHashMap<>();
            response.put("ShardId", put.shardId());
            response.put("SequenceNumber", put.sequenceNumber());
            response.put("EncryptionType", encryptionType(stream));
            return response;
        });
    }

    private CompletableFuture<Object> putRecords(ApiRequest r) {
        String stream = arns.streamName(r);
        JsonNode records = r.node("Records");
        if (records == null) {
            throw ApiRequest.missing("Records");
        }
        if (!records.isArray()) {
            throw ApiException.serialization("Records must be a list but was " + records.getNodeType());
        }
        List<PutRecordsRequestEntry> entries = new ArrayList<>(records.size());
        for (JsonNode record : records) {
            if (!record.isObject()) {
                throw ApiException.serialization("Records must hold structures but held " + record.getNodeType());
            }
            String key = ApiRequest.required("PartitionKey", ApiRequest.string(record, "PartitionKey"));
            byte[] data = r.requiredBlob(record, "Data");
            entries.add(new PutRecordsRequestEntry(key, data,
                    Optional.ofNullable(ApiRequest.string(record, "ExplicitHashKey"))));
        }
        if (dryRun(r)) {
            engine.dryRunPutRecords(stream, entries);
            throw dryRunSucceeded();
        }
        return engine.putRecordsAsync(stream, entries).thenApply(result -> (Operation.Deferred) () -> {
            List<Object> out = new ArrayList<>(result.records().size());
            for (PutRecordsResultEntry entry : result.records()) {
                Map<String, Object> e = new LinkedHashMap<>(4);
                if (entry instanceof PutRecordsResultEntry.Success s) {
                    e.put("SequenceNumber", s.sequenceNumber());
                    e.put("ShardId", s.shardId());
                } else {
                    PutRecordsResultEntry.Failure f = (PutRecordsResultEntry.Failure) entry;
                    // Kinesis knows two entry codes: throttling, and "InternalFailure" for anything else (such as
                    // an engine closing under the call).
                    e.put("ErrorCode", f.errorCode() == ErrorCode.PROVISIONED_THROUGHPUT_EXCEEDED
                            ? f.errorCode().code() : "InternalFailure");
                    e.put("ErrorMessage", f.errorMessage());
                }
                out.add(e);
            }
            Map<String, Object> response = new LinkedHashMap<>();
            response.put("FailedRecordCount", result.failedRecordCount());
            response.put("Records", out);
            response.put("EncryptionType", encryptionType(stream));
            return response;
        });
    }

    /**
     * Kinesis {@code DryRun} (PutRecord, PutRecords, GetShardIterator here): every check of the call, nothing written,
     * and when all pass, HTTP 400 {@code DryRunOperationException} (AWS's "test your permissions and request inputs
     * with dry run"). Kinesis's separate 1 TPS per stream for dry runs is not enforced.
     */
    static boolean dryRun(ApiRequest r) {
        JsonNode node = r.node("DryRun");
        if (node == null) {
            return false;
        }
        if (!node.isBoolean()) {
            throw ApiException.serialization("DryRun must be a boolean but was " + node.getNodeType());
        }
        return node.booleanValue();
    }

    static ApiException dryRunSucceeded() {
        return new ApiException(400, "DryRunOperationException", "The request would have succeeded, but the DryRun flag"
                + " is set.");
    }

    /** Kinesis reports the stream's encryption in put responses: KMS while StartStreamEncryption is in effect. */
    private String encryptionType(String stream) {
        try {
            return engine.describeStreamSummary(stream).encryptionType().name();
        } catch (dev.sluice.stream.StreamException e) {
            return "NONE"; // deleted since the put: the records were written unencrypted or not at all
        }
    }

    private CompletableFuture<Object> getShardIterator(ApiRequest r) {
        String stream = arns.streamName(r);
        String shardId = r.requiredString("ShardId");
        ShardIteratorType type = iteratorType(r.requiredString("ShardIteratorType"),
                r.string("StartingSequenceNumber").orElse(null), r.timestamp("Timestamp").orElse(null));
        String iterator = engine.getShardIterator(stream, shardId, type); // has no effect but the iterator
        if (dryRun(r)) {
            throw dryRunSucceeded();
        }
        return CompletableFuture.completedFuture(Map.of("ShardIterator", iterator));
    }

    static ShardIteratorType iteratorType(String type, String sequenceNumber, Instant timestamp) {
        return switch (type) {
            case "TRIM_HORIZON" -> ShardIteratorType.trimHorizon();
            case "LATEST" -> ShardIteratorType.latest();
            case "AT_SEQUENCE_NUMBER" -> ShardIteratorType.atSequenceNumber(requireFor(type, "StartingSequenceNumber",
                    sequenceNumber));
            case "AFTER_SEQUENCE_NUMBER" -> ShardIteratorType.afterSequenceNumber(requireFor(type,
                    "StartingSequenceNumber", sequenceNumber));
            case "AT_TIMESTAMP" -> ShardIteratorType.atTimestamp(requireFor(type, "Timestamp", timestamp));
            default -> throw ApiException.validation("1 validation error detected: Value '"
                    + WireFormat.abbreviate(type) + "' at 'shardIteratorType' failed to satisfy constraint: Member must"
                    + " satisfy enum value set: [AFTER_SEQUENCE_NUMBER, AT_SEQUENCE_NUMBER, AT_TIMESTAMP, LATEST,"
                    + " TRIM_HORIZON]");
        };
    }

    private static <T> T requireFor(String type, String field, T value) {
        if (value == null) {
            throw ApiException.invalidArgument("ShardIteratorType " + type + " needs " + field);
        }
        return value;
    }

    private CompletableFuture<Object> getRecords(ApiRequest r) {
        String iterator = r.requiredString("ShardIterator");
        int limit = r.integer("Limit").orElse(MAX_GET_RECORDS_LIMIT);
        if (limit < 1 || limit > MAX_GET_RECORDS_LIMIT) {
            throw ApiRequest.outOfRange("Limit", limit, 1, MAX_GET_RECORDS_LIMIT);
        }
        if (r.node("StreamARN") != null) {
            arns.nameFromArn(r.requiredString("StreamARN"));
        }
        GetRecordsResult result = engine.getRecords(iterator, limit);
        List<Object> records = new ArrayList<>(result.records().size());
        for (StreamRecord record : result.records()) {
            records.add(record(record));
        }
        Map<String, Object> response = new LinkedHashMap<>();
        response.put("Records", records);
        result.nextShardIterator().ifPresent(next -> response.put("NextShardIterator", next));
        response.put("MillisBehindLatest", result.behindLatest().toMillis());
        if (!result.childShards().isEmpty()) {
            response.put("ChildShards", childShards(result.childShards()));
        }
        return CompletableFuture.completedFuture(response);
    }

    static Map<String, Object> record(StreamRecord record) {
        Map<String, Object> m = new LinkedHashMap<>(8);
        m.put("SequenceNumber", record.sequenceNumber());
        m.put("ApproximateArrivalTimestamp", record.approximateArrivalTimestamp());
        m.put("Data", record.data());
        m.put("PartitionKey", record.partitionKey());
        return m;
    }

    static List<Object> childShards(List<ChildShard> children) {
        List<Object> out = new ArrayList<>(children.size());
        for (ChildShard child : children) {
            out.add(Map.of("ShardId", child.shardId(), "ParentShards", child.parentShards(), "HashKeyRange",
                    Map.of("StartingHashKey", child.hashKeyRange().startingHashKey().toString(),
                            "EndingHashKey", child.hashKeyRange().endingHashKey().toString())));
        }
        return out;
    }
}
