package dev.sluice.stream.internal;

import dev.sluice.stream.Storage;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The engine's memory limit: given, deferred for the default storage, none for durable storage. */
class EngineRetentionTest {

    private static final long MIB = 1 << 20;

    @Test
    void room_defaultStorageBeforeTheLimitIsRead_isTheRoomUnderTheSmallestDefault() {
        EngineRetention retention = new EngineRetention(null, null);
        retention.added(1_000);

        assertEquals(Storage.InMemory.MIN_MAX_RETAINED_BYTES - 1_000, retention.room(), "a lower bound, not a wait");
        long expected = Storage.inMemory().maxRetainedBytes();
        assertEquals(expected, retention.limit(), "Storage.inMemory()'s default, read when asked for");
        assertEquals(expected - 1_000, retention.room(), "exact once read");
        assertEquals(1_000.0 / expected, retention.retainedRatio());
    }

    @Test
    void admit_defaultStoragePastTheLowerBound_readsTheLimitAndAdmitsWhatFitsUnderIt() {
        EngineRetention retention = new EngineRetention(null, null);
        retention.added(Storage.InMemory.MIN_MAX_RETAINED_BYTES);
        long expected = Storage.inMemory().maxRetainedBytes();
        assertTrue(expected > Storage.InMemory.MIN_MAX_RETAINED_BYTES + MIB, "test JVM's heap is over 22 MiB");

        assertTrue(retention.room() <= 0, "past the lower bound the writer asks admit");
        assertEquals(null, retention.admit(MIB));
        assertEquals(expected - Storage.InMemory.MIN_MAX_RETAINED_BYTES, retention.room());
    }

    @Test
    void check_defaultStorage_readsTheLimit() {
        EngineRetention retention = new EngineRetention(null, null);
        retention.check();

        assertEquals(Storage.inMemory().maxRetainedBytes(), retention.room());
    }

    @Test
    void limit_givenInMemoryLimit_isThatLimit() {
        EngineRetention retention = new EngineRetention(Storage.inMemory().withMaxRetainedBytes(16 * MIB), null);
        retention.added(16 * MIB - 10);

        assertEquals(16 * MIB, retention.limit());
        assertEquals(10, retention.room());
    }

    @Test
    void limit_durableStorage_isUnlimited() {
        EngineRetention retention = new EngineRetention(Storage.durable(Path.of("/nonexistent")), null);

        assertEquals(StreamRetention.UNLIMITED, retention.limit());
        assertEquals(StreamRetention.UNLIMITED, retention.room());
    }

    @Test
    void gauges_defaultStorageWithRegistry_reportTheDeferredLimit() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        EngineRetention retention = new EngineRetention(null, registry);

        assertEquals(Storage.inMemory().maxRetainedBytes(), registry.get("Engine.MaxRetainedBytes").gauge().value());
        assertEquals(DirectMemory.limit(), registry.get("Engine.DirectMemoryLimitBytes").gauge().value());
        retention.close();
        assertTrue(registry.find("Engine.MaxRetainedBytes").gauges().isEmpty());
    }
}
