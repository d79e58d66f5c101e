package dev.sluice.stream.internal;

import dev.sluice.stream.EncryptionType;
import dev.sluice.stream.StreamMode;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A stream's settings that change rarely and are not about shards: capacity mode, tags, encryption and the
 * registered enhanced fan-out consumers. An immutable value: the control plane replaces it whole under its lock
 * (after saving it to the manifest), readers take the current one without locking.
 *
 * @param mode       capacity mode
 * @param tags       tags by key, sorted
 * @param encryption server-side encryption
 * @param keyId      the KMS key id while encrypted
 * @param consumers  registered consumers, in registration order
 */
record StreamSettings(StreamMode mode, SortedMap<String, String> tags, EncryptionType encryption,
                      Optional<String> keyId, List<RegisteredConsumer> consumers) {

    StreamSettings {
        tags = Collections.unmodifiableSortedMap(new TreeMap<>(tags));
        consumers = List.copyOf(consumers);
    }

    static StreamSettings of(StreamMode mode) {
        return new StreamSettings(mode, new TreeMap<>(), EncryptionType.NONE, Optional.empty(), List.of());
    }

    StreamSettings withMode(StreamMode newMode) {
        return new StreamSettings(newMode, tags, encryption, keyId, consumers);
    }

    StreamSettings withTags(Map<String, String> newTags) {
        return new StreamSettings(mode, new TreeMap<>(newTags), encryption, keyId, consumers);
    }

    StreamSettings withEncryption(EncryptionType type, Optional<String> key) {
        return new StreamSettings(mode, tags, type, key, consumers);
    }

    StreamSettings withConsumer(RegisteredConsumer consumer) {
        List<RegisteredConsumer> list = new ArrayList<>(consumers);
        list.add(consumer);
        return new StreamSettings(mode, tags, encryption, keyId, list);
    }

    StreamSettings withoutConsumer(String name) {
        List<RegisteredConsumer> list = new ArrayList<>(consumers);
        list.removeIf(c -> c.name().equals(name));
        return new StreamSettings(mode, tags, encryption, keyId, list);
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
