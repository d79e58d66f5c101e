package dev.sluice.stream.internal;

import dev.sluice.stream.ShardLevelMetric;

import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.BiConsumer;

/**
 * A stream's resource-level settings of the 2026 Kinesis API: its enhanced monitoring (shard-level metrics), its
 * resource policy, and the tags and resource policies of its registered consumers (keyed by consumer name; dropped
 * when the consumer is deregistered). An immutable value inside {@link StreamSettings}.
 *
 * <p>Design note on the manifest: kept under {@code resources.*} keys of the stream manifest, all optional, so a
 * manifest written before these settings existed reads as {@link #NONE}. Free text is URL-encoded.
 *
 * @param shardLevelMetrics the enabled shard-level metrics
 * @param policy            the stream's resource policy document, stored verbatim
 * @param consumerTags      tags by consumer name, each sorted by key
 * @param consumerPolicies  resource policy documents by consumer name
 */
record ResourceSettings(Set<ShardLevelMetric> shardLevelMetrics, Optional<String> policy,
                        SortedMap<String, SortedMap<String, String>> consumerTags,
                        SortedMap<String, String> consumerPolicies) {

    /** No metrics, no policies, no consumer tags. */
    static final ResourceSettings NONE = new ResourceSettings(Set.of(), Optional.empty(), new TreeMap<>(), new TreeMap<>());

    ResourceSettings {
        shardLevelMetrics = Collections.unmodifiableSet(shardLevelMetrics.isEmpty()
                ? EnumSet.noneOf(ShardLevelMetric.class) : EnumSet.copyOf(shardLevelMetrics));
        SortedMap<String, SortedMap<String, String>> tags = new TreeMap<>();
        for (Map.Entry<String, SortedMap<String, String>> entry : consumerTags.entrySet()) { // no lambda: runs on first start
            if (!entry.getValue().isEmpty()) {
                tags.put(entry.getKey(), Collections.unmodifiableSortedMap(new TreeMap<>(entry.getValue())));
            }
        }
        consumerTags = Collections.unmodifiableSortedMap(tags);
        consumerPolicies = Collections.unmodifiableSortedMap(new TreeMap<>(consumerPolicies));
    }

    ResourceSettings withShardLevelMetrics(Set<ShardLevelMetric> metrics) {
        return new ResourceSettings(metrics, policy, consumerTags, consumerPolicies);
    }

    ResourceSettings withPolicy(Optional<String> newPolicy) {
        return new ResourceSettings(shardLevelMetrics, newPolicy, consumerTags, consumerPolicies);
    }

    SortedMap<String, String> consumerTags(String consumer) {
        return consumerTags.getOrDefault(consumer, Collections.emptySortedMap());
    }

    ResourceSettings withConsumerTags(String consumer, Map<String, String> tags) {
        SortedMap<String, SortedMap<String, String>> all = new TreeMap<>(consumerTags);
        all.put(consumer, new TreeMap<>(tags));
        return new ResourceSettings(shardLevelMetrics, policy, all, consumerPolicies);
    }

    ResourceSettings withConsumerPolicy(String consumer, Optional<String> consumerPolicy) {
        SortedMap<String, String> all = new TreeMap<>(consumerPolicies);
        if (consumerPolicy.isPresent()) {
            all.put(consumer, consumerPolicy.get());
        } else {
            all.remove(consumer);
        }
        return new ResourceSettings(shardLevelMetrics, policy, consumerTags, all);
    }

    /** Forgets a deregistered consumer's tags and policy, so a new consumer of that name starts without them. */
    ResourceSettings withoutConsumer(String consumer) {
        SortedMap<String, SortedMap<String, String>> tags = new TreeMap<>(consumerTags);
        tags.remove(consumer);
        SortedMap<String, String> policies = new TreeMap<>(consumerPolicies);
        policies.remove(consumer);
        return new ResourceSettings(shardLevelMetrics, policy, tags, policies);
    }

    /** Writes the {@code resources.*} manifest lines. */
    void write(BiConsumer<String, Object> line) {
        List<String> names = new ArrayList<>();
        shardLevelMetrics.forEach(m -> names.add(m.metricName()));
        line.accept("resources.shardLevelMetrics", String.join(",", names));
        policy.ifPresent(p -> line.accept("resources.policy", encode(p)));
        int t = 0;
        for (Map.Entry<String, SortedMap<String, String>> consumer : consumerTags.entrySet()) {
            for (Map.Entry<String, String> tag : consumer.getValue().entrySet()) {
                line.accept("resources.consumerTag." + t + ".consumer", encode(consumer.getKey()));
                line.accept("resources.consumerTag." + t + ".key", encode(tag.getKey()));
                line.accept("resources.consumerTag." + t + ".value", encode(tag.getValue()));
                t++;
            }
        }
        line.accept("resources.consumerTagCount", t);
        int c = 0;
        for (Map.Entry<String, String> consumerPolicy : consumerPolicies.entrySet()) {
            line.accept("resources.consumerPolicy." + c + ".consumer", encode(consumerPolicy.getKey()));
            line.accept("resources.consumerPolicy." + c + ".policy", encode(consumerPolicy.getValue()));
            c++;
        }
        line.accept("resources.consumerPolicyCount", c);
    }

    /**
     * Reads the {@code resources.*} manifest lines; absent ones (older manifests) are the defaults.
     *
     * @throws IllegalArgumentException naming a malformed or missing line
     */
    static ResourceSettings read(Properties p) {
        String metricNames = p.getProperty("resources.shardLevelMetrics", "").trim();
        Set<ShardLevelMetric> metrics = metricNames.isEmpty() ? Set.of()
                : ShardLevelMetric.fromMetricNames(List.of(metricNames.split(",")));
        Optional<String> policy = Optional.ofNullable(p.getProperty("resources.policy")).map(String::trim)
                .map(ResourceSettings::decode);
        SortedMap<String, SortedMap<String, String>> tags = new TreeMap<>();
        int tagCount = Integer.parseInt(p.getProperty("resources.consumerTagCount", "0").trim());
        for (int t = 0; t < tagCount; t++) {
            String prefix = "resources.consumerTag." + t + ".";
            tags.computeIfAbsent(decode(required(p, prefix + "consumer")), k -> new TreeMap<>())
                    .put(decode(required(p, prefix + "key")), decode(required(p, prefix + "value")));
        }
        SortedMap<String, String> policies = new TreeMap<>();
        int policyCount = Integer.parseInt(p.getProperty("resources.consumerPolicyCount", "0").trim());
        for (int c = 0; c < policyCount; c++) {
            String prefix = "resources.consumerPolicy." + c + ".";
            policies.put(decode(required(p, prefix + "consumer")), decode(required(p, prefix + "policy")));
        }
        return new ResourceSettings(metrics, policy, tags, policies);
    }

    private static String required(Properties p, String key) {
        String value = p.getProperty(key);
        if (value == null) {
            throw new IllegalArgumentException("'" + key + "' is missing");
        }
        return value.trim();
    }

    private static String encode(String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8);
    }

    private static String decode(String text) {
        return URLDecoder.decode(text, StandardCharsets.UTF_8);
    }
}
