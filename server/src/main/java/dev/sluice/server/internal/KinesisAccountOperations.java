package dev.sluice.server.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.stream.AccountLimits;
import dev.sluice.stream.StreamEngine;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * Kinesis account-level operations: DescribeLimits (the engine's shard and on-demand quotas and usage, and the channel
 * registry's count and limit) and DescribeAccountSettings / UpdateAccountSettings (the minimum throughput billing
 * commitment, recorded by {@link BillingCommitment}; it changes nothing else).
 */
final class KinesisAccountOperations {

    private final StreamEngine engine;
    private final ChannelResources channels;
    private final BillingCommitment commitment;

    KinesisAccountOperations(StreamEngine engine, ChannelResources channels, BillingCommitment commitment) {
        this.engine = Objects.requireNonNull(engine, "engine");
        this.channels = Objects.requireNonNull(channels, "channels");
        this.commitment = Objects.requireNonNull(commitment, "commitment");
    }

    void register(Map<String, Operation> operations) {
        operations.put("DescribeLimits", r -> {
            AccountLimits limits = engine.describeLimits();
            Map<String, Object> response = new LinkedHashMap<>();
            response.put("ShardLimit", limits.shardLimit());
            response.put("OpenShardCount", limits.openShardCount());
            response.put("OnDemandStreamCount", limits.onDemandStreamCount());
            response.put("OnDemandStreamCountLimit", limits.onDemandStreamCountLimit());
            response.put("ChannelCount", channels.channelCount());
            response.put("ChannelCountLimit", channels.channelCountLimit());
            return CompletableFuture.completedFuture(response);
        });
        operations.put("DescribeAccountSettings", r -> CompletableFuture.completedFuture(
                Map.of("MinimumThroughputBillingCommitment", commitment.describe())));
        operations.put("UpdateAccountSettings", r -> {
            JsonNode input = ApiRequest.required("MinimumThroughputBillingCommitment",
                    r.node("MinimumThroughputBillingCommitment"));
            String status = ApiRequest.required("MinimumThroughputBillingCommitment.Status",
                    ApiRequest.string(input, "Status"));
            if (!status.equals(BillingCommitment.ENABLED) && !status.equals(BillingCommitment.DISABLED)) {
                throw ApiException.validation("1 validation error detected: Value '" + WireFormat.abbreviate(status)
                        + "' at 'minimumThroughputBillingCommitment.status' failed to satisfy constraint: Member must"
                        + " satisfy enum value set: [ENABLED, DISABLED]");
            }
            return CompletableFuture.completedFuture(Map.of("MinimumThroughputBillingCommitment",
                    commitment.update(status)));
        });
    }
}
