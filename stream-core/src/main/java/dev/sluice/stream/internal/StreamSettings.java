package dev.sluice.stream.internal;

import dev.sluice.stream.EncryptionType;
import dev.sluice.stream.OverflowPolicy;
import dev.sluice.stream.StreamMode;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A stream's settings that change rarely and are not about shards: capacity mode, tags, encryption, the
 * registered enhanced fan-out consumers, byte retention and the registered readers. An immutable value: the control
 * plane replaces it whole under its lock (after saving it to the manifest), readers take the current one without
 * locking.
 *
 * @param mode           capacity mode
 * @param tags           tags by key, sorted
 * @param encryption     server-side encryption
 * @param keyId          the KMS key id while encrypted
 * @param consumers      registered consumers, in registration order
 * @param retentionBytes the stream's byte limit, if it has one
 * @param overflowPolicy what happens at a byte limit
 * @param readers        names of the registered readers ({@link Readers}), in registration order
 * @param resources      enhanced monitoring, resource policy, consumer tags and policies
 */
record StreamSettings(StreamMode mode, SortedMap<String, String> tags, EncryptionType encryption,
                      Optional<String> keyId, List<RegisteredConsumer> consumers, OptionalLong retentionBytes,
                      OverflowPolicy overflowPolicy, List<String> readers, ResourceSettings resources) {

    StreamSettings {
        tags = Collections.unmodifiableSortedMap(new TreeMap<>(tags));
        consumers = List.copyOf(consumers);
        readers = List.copyOf(readers);
    }

    static StreamSettings of(StreamMode mode) {
        return new StreamSettings(mode, new TreeMap<>(), EncryptionType.NONE, Optional.empty(), List.of(),
                OptionalLong.empty(), OverflowPolicy.REJECT, List.of(), ResourceSettings.NONE);
    }

    static StreamSettings of(StreamMode mode, OptionalLong retentionBytes, OverflowPolicy overflowPolicy) {
        return of(mode).withByteRetention(retentionBytes, overflowPolicy);
    }

    StreamSettings withMode(StreamMode newMode) {
        return new StreamSettings(newMode, tags, encryption, keyId, consumers, retentionBytes, overflowPolicy, readers, resources);
    }

    StreamSettings withTags(Map<String, String> newTags) {
        return new StreamSettings(mode, new TreeMap<>(newTags), encryption, keyId, consumers, retentionBytes,
                overflowPolicy, readers, resources);
    }

    StreamSettings withEncryption(EncryptionType type, Optional<String> key) {
        return new StreamSettings(mode, tags, type, key, consumers, retentionBytes, overflowPolicy, readers, resources);
    }

    StreamSettings withConsumer(RegisteredConsumer consumer) {
        List<RegisteredConsumer> list = new ArrayList<>(consumers);
        list.add(consumer);
        return new StreamSettings(mode, tags, encryption, keyId, list, retentionBytes, overflowPolicy, readers, resources);
    }

    StreamSettings withoutConsumer(String name) {
        List<RegisteredConsumer> list = new ArrayList<>(consumers);
        list.removeIf(c -> c.name().equals(name));
        return new StreamSettings(mode, tags, encryption, keyId, list, retentionBytes, overflowPolicy, readers,
                resources.withoutConsumer(name));
    }

    StreamSettings withByteRetention(OptionalLong bytes, OverflowPolicy policy) {
        return new StreamSettings(mode, tags, encryption, keyId, consumers, bytes, policy, readers, resources);
    }

    StreamSettings withReader(String name) {
        if (readers.contains(name)) {
            return this;
        }
        List<String> list = new ArrayList<>(readers);
        list.add(name);
        return new StreamSettings(mode, tags, encryption, keyId, consumers, retentionBytes, overflowPolicy, list, resources);
    }

    StreamSettings withoutReader(String name) {
        List<String> list = new ArrayList<>(readers);
        list.remove(name);
        return new StreamSettings(mode, tags, encryption, keyId, consumers, retentionBytes, overflowPolicy, list, resources);
    }

    StreamSettings withResources(ResourceSettings newResources) {
        return new StreamSettings(mode, tags, encryption, keyId, consumers, retentionBytes, overflowPolicy, readers,
                newResources);
    }

    Optional<RegisteredConsumer> consumer(String name) {
        for (RegisteredConsumer c : consumers) {
            if (c.name().equals(name)) {
                return Optional.of(c);
            }
        }
        return Optional.empty();
    }

    /**
     * A registered enhanced fan-out consumer.
     *
     * @param name    its name
     * @param created when it was registered (whole seconds: its ARN ends with them)
     */
    record RegisteredConsumer(String name, Instant created) {
    }
}
